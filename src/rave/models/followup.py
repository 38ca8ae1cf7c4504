"""The ``followup`` table: things to do for someone, optionally by a date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field

from rave.gid import new as new_gid
from rave.models import interaction  # noqa: F401  (the tables a follow-up points to)
from rave.models.columns import ISODate, Table, fk_column, text_column, when_column


class FollowUp(Table, table=True):
    __tablename__ = "followup"
    __table_args__ = (
        Index("ix_followup_contact_id", "contact_id"),
        Index("ix_followup_done_at", "done_at", "due"),
        Index("ix_followup_external_key", "external_key", unique=True),
        Index("ix_followup_gid", "gid", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=fk_column("contact.id"))
    interaction_id: int | None = Field(
        default=None, sa_column=fk_column("interaction.id", nullable=True, on_delete="SET NULL")
    )
    text: str = Field(sa_column=text_column(nullable=False))
    due: date | None = Field(default=None, sa_column=Column(ISODate(), nullable=True))
    done_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    created_at: datetime = Field(sa_column=when_column())
    # the source key of a follow-up an import made (a calendar event's UID and
    # occurrence): the same event is never added twice (schema 5)
    external_key: str | None = Field(default=None, sa_column=text_column())
    # the global id (schema 6, rave.gid): what another machine knows the record by
    gid: str = Field(default_factory=new_gid, sa_column=text_column())
