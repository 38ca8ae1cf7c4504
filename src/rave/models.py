"""SQLModel tables: the write door's view of the schema.

The same schema exists as SQL in ``migrations.py`` (so readers never import the ORM);
``tests/test_store.py`` checks the two stay identical. Datetimes are stored as
fixed-width UTC text (see ``timeutil``) through :class:`UTCDateTime`, so every datetime
is timezone-aware on the way in and on the way out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from rave import timeutil


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as ``YYYY-MM-DDTHH:MM:SSZ``; naive values are refused."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else timeutil.to_db(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else timeutil.from_db(value)


class ISODate(TypeDecorator[date]):
    """A calendar date (a follow-up's due day) stored as ``YYYY-MM-DD``."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: str | None, dialect: Dialect) -> date | None:
        return None if value is None else date.fromisoformat(value)


def _fk(target: str, *, nullable: bool = False, on_delete: str = "CASCADE") -> Any:
    return Column(Integer, ForeignKey(target, ondelete=on_delete), nullable=nullable)


def _when(*, nullable: bool = False) -> Any:
    return Column(UTCDateTime(), nullable=nullable)


def _text(*, nullable: bool = True) -> Any:
    return Column(Text, nullable=nullable)


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        CheckConstraint("tier IN ('A', 'B', 'C', 'D', 'none')"),
        CheckConstraint("cadence_days IS NULL OR cadence_days > 0"),
        Index("ix_contact_name_key", "name_key"),
        Index("ix_contact_tier", "tier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=_text(nullable=False))
    name_key: str = Field(sa_column=_text(nullable=False))
    tier: str = Field(sa_column=Column(Text, nullable=False, server_default="C"))
    cadence_days: int | None = Field(default=None)
    why: str | None = Field(default=None, sa_column=_text())
    offer: str | None = Field(default=None, sa_column=_text())
    met: str | None = Field(default=None, sa_column=_text())
    company: str | None = Field(default=None, sa_column=_text())
    title: str | None = Field(default=None, sa_column=_text())
    location: str | None = Field(default=None, sa_column=_text())
    birthday: str | None = Field(default=None, sa_column=_text())
    snoozed_until: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when())


class Alias(SQLModel, table=True):
    __tablename__ = "alias"
    __table_args__ = (
        UniqueConstraint("contact_id", "alias_key"),
        Index("ix_alias_alias_key", "alias_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=_fk("contact.id"))
    alias: str = Field(sa_column=_text(nullable=False))
    alias_key: str = Field(sa_column=_text(nullable=False))


class Handle(SQLModel, table=True):
    __tablename__ = "handle"
    __table_args__ = (
        UniqueConstraint("channel", "value"),
        Index("ix_handle_contact_id", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=_fk("contact.id"))
    channel: str = Field(sa_column=_text(nullable=False))
    value: str = Field(sa_column=_text(nullable=False))


class Tag(SQLModel, table=True):
    __tablename__ = "tag"
    __table_args__ = (Index("ix_tag_tag", "tag"),)

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    tag: str = Field(sa_column=Column(Text, primary_key=True))


class ContactRef(SQLModel, table=True):
    """An external key (a vCard UID, a LinkedIn URL) that identifies a contact on import."""

    __tablename__ = "contact_ref"
    __table_args__ = (Index("ix_contact_ref_contact_id", "contact_id"),)

    source: str = Field(sa_column=Column(Text, primary_key=True))
    key: str = Field(sa_column=Column(Text, primary_key=True))
    contact_id: int = Field(sa_column=_fk("contact.id"))


class Note(SQLModel, table=True):
    __tablename__ = "note"
    __table_args__ = (Index("ix_note_contact_id", "contact_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=_fk("contact.id"))
    text: str = Field(sa_column=_text(nullable=False))
    created_at: datetime = Field(sa_column=_when())


class Interaction(SQLModel, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        CheckConstraint("kind IN ('broadcast', 'chat', 'engage')"),
        CheckConstraint("direction IN ('in', 'out')"),
        Index("ix_interaction_happened_at", "happened_at"),
        Index("ix_interaction_direction", "direction", "happened_at", "kind", "channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=_text(nullable=False))
    direction: str = Field(sa_column=_text(nullable=False))
    channel: str = Field(sa_column=_text(nullable=False))
    happened_at: datetime = Field(sa_column=_when())
    note: str | None = Field(default=None, sa_column=_text())
    needs_reply: bool = Field(
        default=False, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    source: str = Field(default="cli", sa_column=Column(Text, nullable=False, server_default="cli"))
    external_key: str | None = Field(default=None, sa_column=Column(Text, unique=True))
    created_at: datetime = Field(sa_column=_when())


class InteractionContact(SQLModel, table=True):
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


class Post(SQLModel, table=True):
    __tablename__ = "post"
    __table_args__ = (Index("ix_post_posted_at", "posted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=_text(nullable=False))
    channel: str = Field(sa_column=_text(nullable=False))
    url: str | None = Field(default=None, sa_column=_text())
    posted_at: datetime = Field(sa_column=_when())
    created_at: datetime = Field(sa_column=_when())


class FollowUp(SQLModel, table=True):
    __tablename__ = "followup"
    __table_args__ = (
        Index("ix_followup_contact_id", "contact_id"),
        Index("ix_followup_done_at", "done_at", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=_fk("contact.id"))
    interaction_id: int | None = Field(
        default=None, sa_column=_fk("interaction.id", nullable=True, on_delete="SET NULL")
    )
    text: str = Field(sa_column=_text(nullable=False))
    due: date | None = Field(default=None, sa_column=Column(ISODate(), nullable=True))
    done_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    created_at: datetime = Field(sa_column=_when())
