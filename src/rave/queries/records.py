"""Frozen records the read door returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class ContactRef:
    """A contact as a reference names it (what resolving ``CONTACT`` returns)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ContactSummary:
    id: int
    name: str
    tier: str
    tags: tuple[str, ...]
    company: str | None
    title: str | None
    last_meaningful_at: datetime | None
    warmth: float
    gid: str | None = None  # the global id (rave.gid): what another machine knows it by


@dataclass(frozen=True, slots=True)
class NoteRow:
    id: int
    text: str
    created_at: datetime
    gid: str | None = None
    shared: bool = False  # `rave note --team`: a team hub gives it to the team


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    id: int
    contact_id: int
    contact_name: str
    text: str
    due: date | None
    done_at: datetime | None
    created_at: datetime
    gid: str | None = None


@dataclass(frozen=True, slots=True)
class InteractionFacts:
    """An interaction as the store keeps it: what every record of one says first."""

    id: int
    when: datetime
    kind: str
    direction: str
    channel: str
    note: str | None


@dataclass(frozen=True, slots=True)
class InteractionRow(InteractionFacts):
    needs_reply: bool  # as logged: their message asked for an answer
    with_others: tuple[str, ...]
    awaiting_reply: bool = False  # ...and none of yours (nor a live exchange) came after
    gid: str | None = None


@dataclass(frozen=True, slots=True)
class ContactDetail:
    id: int
    name: str
    tier: str
    cadence_days: int | None
    aliases: tuple[str, ...]
    handles: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    why: str | None
    offer: str | None
    met: str | None
    company: str | None
    title: str | None
    location: str | None
    birthday: str | None
    snoozed_until: datetime | None
    created_at: datetime
    notes: tuple[NoteRow, ...]
    followups: tuple[FollowUpRow, ...]
    interactions: tuple[InteractionRow, ...]
    interaction_count: int
    balance: dict[str, int]
    warmth: float
    # (YYYY-MM, warmth at that month's end; the current month: now), oldest first
    warmth_trend: tuple[tuple[str, float], ...] = ()
    # a handle's text as typed, where it differs from the stored value: (channel, value)
    # → ``06 98 76 54 32`` for ("phone", "+33698765432")
    typed: dict[tuple[str, str], str] = field(default_factory=dict)
    gid: str | None = None
