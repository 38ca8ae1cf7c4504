"""What else is known of a contact: aliases, handles, tags, external keys and notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field

from rave.gid import new as new_gid
from rave.models import contact  # noqa: F401  (the table these point to)
from rave.models.columns import Table, fk_column, text_column, when_column


class Alias(Table, table=True):
    __tablename__ = "alias"
    __table_args__ = (
        UniqueConstraint("contact_id", "alias_key"),
        Index("ix_alias_alias_key", "alias_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=fk_column("contact.id"))
    alias: str = Field(sa_column=text_column(nullable=False))
    alias_key: str = Field(sa_column=text_column(nullable=False))


class Handle(Table, table=True):
    __tablename__ = "handle"
    __table_args__ = (
        UniqueConstraint("channel", "value"),
        Index("ix_handle_contact_id", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=fk_column("contact.id"))
    channel: str = Field(sa_column=text_column(nullable=False))
    value: str = Field(sa_column=text_column(nullable=False))
    # as the user or the file gave it, None when that is ``value`` itself (schema 5)
    typed: str | None = Field(default=None, sa_column=text_column())


class Tag(Table, table=True):
    __tablename__ = "tag"
    __table_args__ = (Index("ix_tag_tag", "tag"),)

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    tag: str = Field(sa_column=Column(Text, primary_key=True))


class ExternalKey(Table, table=True):
    """An external key (a vCard UID, a LinkedIn URL) that identifies a contact on import."""

    __tablename__ = "contact_ref"
    __table_args__ = (Index("ix_contact_ref_contact_id", "contact_id"),)

    source: str = Field(sa_column=Column(Text, primary_key=True))
    key: str = Field(sa_column=Column(Text, primary_key=True))
    contact_id: int = Field(sa_column=fk_column("contact.id"))


class Note(Table, table=True):
    __tablename__ = "note"
    __table_args__ = (
        Index("ix_note_contact_id", "contact_id", "created_at"),
        Index("ix_note_gid", "gid", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=fk_column("contact.id"))
    text: str = Field(sa_column=text_column(nullable=False))
    created_at: datetime = Field(sa_column=when_column())
    # the global id (schema 6, rave.gid): what another machine knows the record by
    gid: str = Field(default_factory=new_gid, sa_column=text_column())
    # schema 8: seen by your team through a hub (`rave note --team`); else yours alone
    shared: bool = Field(
        default=False, sa_column=Column(Integer, nullable=False, server_default="0")
    )


class DistinctPair(Table, table=True):
    """Two contacts the user said are two people: never listed as duplicates again. The
    lower id comes first."""

    __tablename__ = "distinct_pair"
    __table_args__ = (
        CheckConstraint("contact_id < other_id"),
        Index("ix_distinct_pair_other_id", "other_id"),
    )

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    other_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    created_at: datetime = Field(sa_column=when_column())
