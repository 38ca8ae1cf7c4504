"""The history: ``interaction`` and the ``interaction_contact`` links to the people in each
(what `rave log` writes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field

from rave.gid import new as new_gid
from rave.models import contact  # noqa: F401  (the table interaction_contact points to)
from rave.models.columns import Table, text_column, when_column


class Interaction(Table, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        CheckConstraint("kind IN ('broadcast', 'chat', 'engage')"),
        CheckConstraint("direction IN ('in', 'out', 'both')"),
        CheckConstraint("started_by IS NULL OR started_by IN ('me', 'them')"),
        CheckConstraint("kind != 'broadcast' OR direction != 'both'"),  # a like is one-way
        Index("ix_interaction_happened_at", "happened_at"),
        Index("ix_interaction_direction", "direction", "happened_at", "kind", "channel"),
        Index("ix_interaction_gid", "gid", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=text_column(nullable=False))
    direction: str = Field(sa_column=text_column(nullable=False))
    channel: str = Field(sa_column=text_column(nullable=False))
    happened_at: datetime = Field(sa_column=when_column())
    note: str | None = Field(default=None, sa_column=text_column())
    needs_reply: bool = Field(
        default=False, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    source: str = Field(default="cli", sa_column=Column(Text, nullable=False, server_default="cli"))
    external_key: str | None = Field(default=None, sa_column=Column(Text, unique=True))
    created_at: datetime = Field(sa_column=when_column())
    # who started a live exchange (`both`): "me" or "them"; None otherwise or unknown
    started_by: str | None = Field(default=None, sa_column=text_column())
    # the global id (schema 6, rave.gid): what another machine knows the record by
    gid: str = Field(default_factory=new_gid, sa_column=text_column())


class InteractionContact(Table, table=True):
    __tablename__ = "interaction_contact"
    __table_args__ = (Index("ix_interaction_contact_contact_id", "contact_id", "interaction_id"),)

    interaction_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
        )
    )
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
