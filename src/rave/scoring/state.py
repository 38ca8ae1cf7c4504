"""The ranking model's input: events, the derived per-contact state (and the
reference derivation the SQL query is tested against), and warmth. PURE."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from rave.config import RankConfig
from rave.vocab import MEANINGFUL, OFFLINE_CHANNELS

WARMTH_KIND = {"broadcast": 0.1, "chat": 0.5, "engage": 1.0}
WARMTH_CHANNEL = {"in_person": 2.0, "phone": 1.5, "video": 1.5}
WARMTH_HALF_LIFE_DAYS = 90.0


def warmth_weight(kind: str, channel: str, age_days: float) -> float:
    """One interaction's share of warmth: w_kind · w_channel · 2^(−age_days/90).

    Interactions in the future of ``as_of`` (negative age) count nothing."""
    if age_days < 0:
        return 0.0
    return float(
        WARMTH_KIND.get(kind, 0.0)
        * WARMTH_CHANNEL.get(channel, 1.0)
        * 2.0 ** (-age_days / WARMTH_HALF_LIFE_DAYS)
    )


def decayed(warmth: float, at: datetime, as_of: datetime) -> float:
    """Warmth summed as of ``at`` (a tally's latest event), as of the later ``as_of``:
    every share halves each WARMTH_HALF_LIFE_DAYS, so the sum does too."""
    return warmth * float(2.0 ** (-_days(at, as_of) / WARMTH_HALF_LIFE_DAYS))


# The shape of the spec's formulas; every tunable number lives in RankConfig.
DUE_START, DUE_FLOOR = 0.75, 0.2  # `due` is 0 below r = 0.75, then 0.2 rising to 1 at 1.5
DEBT_FLOOR, DEBT_DAYS, DEBT_EACH = 0.3, 30.0, 0.3
MIX_FULL = 3  # outbound broadcasts since the last real exchange for a full `mix`
RECENT_OUT_DAYS = (2.0, 7.0)  # clamp of cadence/4
OFFLINE_RECENT_CADENCES, OFFLINE_MIN_MEANINGFUL, OFFLINE_MIN_INBOUND = 3, 3, 2
OFFLINE_QUIET_CADENCES = 4
ENGAGE_AFTER_CHATS = 3
LOW_KEY_STREAK = 2  # `streak` is 0.5 and the action low_key from here to backoff_streak
OFFLINE_TIERS = ("A", "B")
MIX_HIGH = 2  # broadcasts since the last real exchange that make `chat` say "only liked"
DECIMALS = 3
_SCALE = 1000  # 10**DECIMALS

TERMS = ("reply", "due", "tier", "debt", "mix", "their_post", "new", "streak", "recent_out")
ACTIONS = ("reply", "retry", "low_key", "repay", "intro", "rekindle", "offline", "engage", "chat")
HIDDEN = ("snoozed", "backoff", "dormant", "below_threshold", "untargeted")
SKIPPED = (*HIDDEN, "intro_capped", "over_limit")
LANES = ("reply", "outreach")
_DEFAULT = RankConfig()
_DAY = 86400.0


class Event(NamedTuple):
    """One interaction seen from one contact. Events are ordered by ``(when, id)``."""

    id: int
    when: datetime
    kind: str  # "broadcast" | "chat" | "engage"
    direction: str  # "in" (from them) | "out" (from you)
    channel: str
    needs_reply: bool = False
    note: str | None = None


def _order(event: Event) -> tuple[datetime, int]:
    return (event.when, event.id)


def _days(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / _DAY


def effective_cadence(tier: str, cadence_days: float | None, config: RankConfig) -> float:
    """The contact's own cadence, else its tier's; tier ``none`` (no cadence of its own)
    borrows the longest configured cadence for back-off and the recent-out window only."""
    if cadence_days is not None:
        return float(cadence_days)
    cadence = config.cadence.get(tier)
    return max(config.cadence.values()) if cadence is None else cadence


class ContactState(NamedTuple):
    """What ``assess`` needs about one contact, derived from its events dated at or before
    ``as_of`` (see ``derive_state`` for the exact definitions). "Meaningful" = chat or
    engage, either direction; "after" means later in the ``(when, id)`` order.

    A named tuple, not a frozen dataclass: as immutable, and ranking builds one per
    contact, tens of thousands on a large network, at a fraction of the cost."""

    contact_id: int
    name: str
    tier: str  # "A".."D" or "none"
    as_of: datetime  # the moment the state describes
    cadence_days: float | None  # the contact's own cadence override
    cadence: float  # effective cadence in days (see effective_cadence)
    snoozed_until: datetime | None
    why: str | None  # why you want to know them (shown with intro)
    offer: str | None  # what you can offer them (shown with repay and intro)
    last_meaningful: datetime | None  # latest meaningful event: the cadence clock
    last_meaningful_channel: str | None
    first_meaningful: datetime | None  # earliest meaningful event
    n_in_meaningful: int  # inbound meaningful events, all time
    pending_in: datetime | None  # earliest inbound meaningful needs_reply event after
    pending_channel: str | None  # the last outbound meaningful one (all, if none)
    pending_kind: str | None
    out_streak: int  # outbound meaningful events after the last inbound meaningful one,
    # less those within post_window_days after the inbound broadcast preceding them
    last_out: datetime | None  # latest outbound meaningful event
    last_out_channel: str | None
    alt_channel: str | None  # channel of the latest event (any kind) not on last_out_channel
    bcast_since_meaningful: int  # outbound broadcasts after the last meaningful event
    debt: int  # inbound engage events after the last outbound engage
    debt_since: datetime | None  # the earliest of those
    chats_since_engage: int  # chat events (either direction) after the last engage
    last_offline: datetime | None  # latest meaningful event on in_person, phone or video
    last_in_broadcast: datetime | None  # their latest post (inbound broadcast)
    last_in_broadcast_channel: str | None
    responded_to_broadcast: bool  # any outbound event after that post (False if none)
    recent_meaningful: int  # meaningful events with age ≤ 3·cadence, up to 3 counted
    recent_in_meaningful: int  # ... of which inbound, up to 2 counted
    talking_point: str | None
    warmth: float  # Σ warmth_weight over the events


def derive_state(
    events: Iterable[Event],
    *,
    as_of: datetime,
    contact_id: int,
    name: str,
    tier: str,
    cadence_days: float | None = None,
    snoozed_until: datetime | None = None,
    notes: Sequence[tuple[datetime, str]] = (),
    why: str | None = None,
    offer: str | None = None,
    config: RankConfig = _DEFAULT,
) -> ContactState:
    """The reference derivation of a contact's state: events with ``when > as_of`` are
    ignored; the rest are taken in ``(when, id)`` order ("after" = later in it) and folded
    into a :class:`Tally`, which ``Tally.state`` turns into the state as of ``as_of``.

    - last/first_meaningful: latest/earliest chat or engage; n_in_meaningful: inbound ones.
    - pending_in: earliest inbound meaningful event with needs_reply after the latest
      outbound meaningful event (any, if there is none); its channel and kind.
    - out_streak: outbound meaningful events after the latest inbound meaningful event,
      not counting one dated within post_window_days (≤) after the latest inbound
      broadcast ordered before it (a reply to their post).
    - last_out: latest outbound meaningful event; alt_channel: channel of the latest event
      of any kind whose channel differs from last_out's (None without last_out).
    - bcast_since_meaningful: outbound broadcasts after the latest meaningful event (all
      of them if there is none).
    - debt: inbound engage events after the latest outbound engage; debt_since: earliest.
    - chats_since_engage: chat events after the latest engage event (all, if none).
    - last_offline: latest meaningful event on an OFFLINE_CHANNELS channel.
    - last_in_broadcast: latest inbound broadcast; responded_to_broadcast: some outbound
      event of any kind comes after it.
    - recent_(in_)meaningful: (inbound) meaningful events with as_of − when ≤ 3·cadence,
      counted up to what the offline rule asks for (3 and 2): among the latest 3 (2).
    - talking_point: text of the latest note with created_at ≤ as_of (ties: the later in
      ``notes``), else the note of the latest meaningful event with a non-empty note.
    - warmth: Σ warmth_weight(kind, channel, age_days) (a float sum: compare with a
      tolerance).
    """
    tally = Tally()
    for event in sorted((e for e in events if e.when <= as_of), key=_order):
        tally.add(event)
    latest_note: tuple[datetime, str] | None = None
    for created, text in notes:
        if created <= as_of and (latest_note is None or created >= latest_note[0]):
            latest_note = (created, text)
    return tally.state(
        as_of=as_of,
        contact_id=contact_id,
        name=name,
        tier=tier,
        cadence_days=cadence_days,
        snoozed_until=snoozed_until,
        latest_note=latest_note[1] if latest_note else None,
        why=why,
        offer=offer,
        config=config,
    )


@dataclass(slots=True)
class Tally:
    """One contact's events folded in ``(when, id)`` order into what ``ContactState``
    needs, free of ``as_of`` and of the config: warmth is kept decayed to the latest
    event, the streak as the gaps to the post before each message, the recent counts as
    the latest few moments. ``add`` takes one more event, later than all before it, so a
    stored tally follows a growing history in constant time; ``state`` gives the state
    as of any moment at or after the latest event."""

    latest: tuple[datetime, int] | None = None  # (when, id) of the latest event
    warmth: float = 0.0  # Σ warmth_weight as of the latest event
    first_m: datetime | None = None
    last_m: datetime | None = None
    last_m_channel: str | None = None
    n_in: int = 0
    last_out: datetime | None = None
    last_out_channel: str | None = None
    pending: datetime | None = None
    pending_channel: str | None = None
    pending_kind: str | None = None
    last_post: datetime | None = None
    last_post_channel: str | None = None
    responded: bool = False
    debt: int = 0
    debt_since: datetime | None = None
    bcasts: int = 0
    chats: int = 0
    last_offline: datetime | None = None
    note: str | None = None  # of the latest meaningful event with one
    channel: str | None = None  # of the latest event
    other_channel: str | None = None  # of the latest event not on `channel`
    streak_free: int = 0  # messages in the streak with no post of theirs before them
    streak_gaps: list[float] = field(default_factory=list)  # days from that post, each
    recent: list[datetime] = field(default_factory=list)  # latest meaningful, at most 3
    recent_in: list[datetime] = field(default_factory=list)  # latest inbound, at most 2

    def add(self, e: Event) -> None:
        """Fold in one event, later in ``(when, id)`` order than every event so far."""
        key = _order(e)
        if self.latest is not None:
            if key <= self.latest:
                raise ValueError(f"event {key} is not after {self.latest}")
            self.warmth *= 2.0 ** (-_days(self.latest[0], e.when) / WARMTH_HALF_LIFE_DAYS)
        self.latest = key
        self.warmth += warmth_weight(e.kind, e.channel, 0.0)
        if e.channel != self.channel:
            self.channel, self.other_channel = e.channel, self.channel
        outbound = e.direction == "out"
        if e.kind == "broadcast" and not outbound:
            self.last_post, self.last_post_channel, self.responded = e.when, e.channel, False
            return
        self.responded = self.responded or (outbound and self.last_post is not None)
        if e.kind not in MEANINGFUL:
            self.bcasts += 1
            return
        self.first_m = self.first_m or e.when
        self.last_m, self.last_m_channel, self.bcasts = e.when, e.channel, 0
        self.note = e.note or self.note
        if e.channel in OFFLINE_CHANNELS:
            self.last_offline = e.when
        self.recent = [*self.recent[1 - OFFLINE_MIN_MEANINGFUL :], e.when]
        self.chats = 0 if e.kind == "engage" else self.chats + 1
        if outbound:
            self.last_out, self.last_out_channel = e.when, e.channel
            self.pending = self.pending_channel = self.pending_kind = None
            if e.kind == "engage":
                self.debt, self.debt_since = 0, None
            if self.last_post is None:
                self.streak_free += 1
            else:
                self.streak_gaps.append(_days(self.last_post, e.when))
        else:
            self.n_in += 1
            self.streak_free, self.streak_gaps = 0, []
            self.recent_in = [*self.recent_in[1 - OFFLINE_MIN_INBOUND :], e.when]
            if e.needs_reply and self.pending is None:
                self.pending, self.pending_channel, self.pending_kind = e.when, e.channel, e.kind
            if e.kind == "engage":
                self.debt, self.debt_since = self.debt + 1, self.debt_since or e.when

    def state(
        self,
        *,
        as_of: datetime,
        contact_id: int,
        name: str,
        tier: str,
        cadence_days: float | None = None,
        snoozed_until: datetime | None = None,
        latest_note: str | None = None,
        why: str | None = None,
        offer: str | None = None,
        config: RankConfig = _DEFAULT,
    ) -> ContactState:
        """The state as of ``as_of`` (at or after the latest event); ``latest_note`` is
        the text of the contact's latest note created at or before it."""
        if self.latest is not None and self.latest[0] > as_of:
            raise ValueError(f"the tally runs to {self.latest[0]}, after {as_of}")
        cadence = effective_cadence(tier, cadence_days, config)
        window = OFFLINE_RECENT_CADENCES * cadence
        warmth = 0.0 if self.latest is None else decayed(self.warmth, self.latest[0], as_of)
        alt = None
        if self.last_out_channel is not None:
            alt = self.channel if self.channel != self.last_out_channel else self.other_channel
        streak = self.streak_free
        if self.streak_gaps:
            streak += sum(g > config.post_window_days for g in self.streak_gaps)
        return ContactState(  # positional, in field order (hot: once per contact)
            contact_id,
            name,
            tier,
            as_of,
            cadence_days,
            cadence,
            snoozed_until,
            why,
            offer,
            self.last_m,  # last_meaningful
            self.last_m_channel,  # last_meaningful_channel
            self.first_m,  # first_meaningful
            self.n_in,  # n_in_meaningful
            self.pending,  # pending_in
            self.pending_channel,  # pending_channel
            self.pending_kind,  # pending_kind
            streak,  # out_streak
            self.last_out,  # last_out
            self.last_out_channel,  # last_out_channel
            alt,  # alt_channel
            self.bcasts,  # bcast_since_meaningful
            self.debt,  # debt
            self.debt_since,  # debt_since
            self.chats,  # chats_since_engage
            self.last_offline,  # last_offline
            self.last_post,  # last_in_broadcast
            self.last_post_channel,  # last_in_broadcast_channel
            self.responded,  # responded_to_broadcast
            sum(_days(t, as_of) <= window for t in self.recent),  # recent_meaningful
            sum(_days(t, as_of) <= window for t in self.recent_in),  # recent_in_meaningful
            latest_note if latest_note is not None else self.note,  # talking_point
            warmth,
        )
