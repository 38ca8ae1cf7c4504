"""The ``contact`` table: what every other table points to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field

from rave.gid import new as new_gid
from rave.models.columns import Table, text_column, when_column


class Contact(Table, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        CheckConstraint("tier IN ('A', 'B', 'C', 'D', 'none')"),
        CheckConstraint("cadence_days IS NULL OR cadence_days > 0"),
        Index("ix_contact_name_key", "name_key"),
        Index("ix_contact_tier", "tier"),
        Index("ix_contact_gid", "gid", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=text_column(nullable=False))
    name_key: str = Field(sa_column=text_column(nullable=False))
    tier: str = Field(sa_column=Column(Text, nullable=False, server_default="C"))
    cadence_days: int | None = Field(default=None)
    why: str | None = Field(default=None, sa_column=text_column())
    offer: str | None = Field(default=None, sa_column=text_column())
    met: str | None = Field(default=None, sa_column=text_column())
    company: str | None = Field(default=None, sa_column=text_column())
    title: str | None = Field(default=None, sa_column=text_column())
    location: str | None = Field(default=None, sa_column=text_column())
    birthday: str | None = Field(default=None, sa_column=text_column())
    snoozed_until: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    created_at: datetime = Field(sa_column=when_column())
    updated_at: datetime = Field(sa_column=when_column())
    # the name's parts as a source split them (schema 5); None when no source said
    given_name: str | None = Field(default=None, sa_column=text_column())
    family_name: str | None = Field(default=None, sa_column=text_column())
    # the global id (schema 6, rave.gid): what another machine knows the record by
    gid: str = Field(default_factory=new_gid, sa_column=text_column())
