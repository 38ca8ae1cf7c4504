"""The ranking model's input: events, the one fold that turns a contact's events into its
per-contact state (spec/scoring.md v2, "Per-contact state"), and warmth. PURE.

There is one derivation: :class:`Tally` folds events in ``(when, gid)`` order and
:meth:`Tally.state` finishes the state as of a moment. The write door keeps each
contact's tally stored (``rave.contact_tally``); ``--as-of`` replays fold the history up to
that moment with the same class; :func:`derive_state` is the two in one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from rave.choices import MEANINGFUL
from rave.config import RankConfig

WARMTH_KIND = {"broadcast": 0.1, "chat": 0.5, "engage": 1.0}
WARMTH_CHANNEL = {"in_person": 2.0, "phone": 1.5, "video": 1.5}
WARMTH_LIVE = 1.5  # a live exchange (`both`) on a channel without a weight of its own
WARMTH_HALF_LIFE_DAYS = 90.0


def warmth_weight(kind: str, channel: str, direction: str, age_days: float) -> float:
    """One interaction's share of warmth: w_kind · w_channel · 2^(−age_days/90), where
    w_channel is 2 in person, 1.5 on the phone, on video or for any live exchange
    (``both``), else 1. Interactions in the future of ``as_of`` count nothing."""
    if age_days < 0:
        return 0.0
    weight = WARMTH_CHANNEL.get(channel, WARMTH_LIVE if direction == "both" else 1.0)
    return float(WARMTH_KIND.get(kind, 0.0) * weight * 2.0 ** (-age_days / WARMTH_HALF_LIFE_DAYS))


def decayed(warmth: float, at: datetime, as_of: datetime) -> float:
    """Warmth summed as of ``at`` (a tally's latest event), as of the later ``as_of``:
    every share halves each WARMTH_HALF_LIFE_DAYS, so the sum does too."""
    return warmth * float(2.0 ** (-_days(at, as_of) / WARMTH_HALF_LIFE_DAYS))


# The shape of the spec's formulas; every tunable number lives in RankConfig.
DUE_FLOOR, DUE_RAMP = 0.2, 0.75  # `due` is 0.2 at r = due_start, 1 at due_start + 0.75
MIX_FULL = 3  # outbound broadcasts since the last meaningful event for a full `mix`
RECENT_OUT_DAYS = (2.0, 7.0)  # clamp of cadence/4
OFFLINE_RECENT_CADENCES, OFFLINE_MIN_MEANINGFUL, OFFLINE_MIN_INBOUND = 3, 3, 2
OFFLINE_QUIET_CADENCES = 4
ENGAGE_AFTER_CHATS = 3
OFFLINE_TIERS = ("A", "B")
MIX_HIGH = 2  # broadcasts since the last meaningful event that make `chat` say "only liked"
DECIMALS = 3
_SCALE = 1000  # 10**DECIMALS

TERMS = ("reply", "due", "tier", "debt", "mix", "their_post", "new", "unanswered", "recent_out")
ACTIONS = (
    "reply",
    "reply_late",
    "retry",
    "repay",
    "intro",
    "rekindle",
    "offline",
    "engage",
    "follow_up",
    "chat",
    "comment",  # the light-touch lane: comment on (or like) their post, never a message
)
HIDDEN = ("snoozed", "backoff", "dormant", "below_threshold", "untargeted")
SKIPPED = (*HIDDEN, "intro_capped", "over_limit")
LANES = ("reply", "outreach", "light")
_DEFAULT = RankConfig()
_DAY = 86400.0


class Event(NamedTuple):
    """One interaction seen from one contact. Events are ordered by ``(when, gid)``:
    events of the same second by their global id (``rave.gid``), the same on every
    machine, so every replica folds a history alike; ``id`` (this machine's number)
    orders only events without a gid (tests, the replay)."""

    id: int
    when: datetime
    kind: str  # "broadcast" | "chat" | "engage"
    direction: str  # "in" (from them) | "out" (from you) | "both" (you talked live)
    channel: str
    needs_reply: bool = False
    note: str | None = None
    gid: str = ""


def _order(event: Event) -> tuple[datetime, str, int]:
    return (event.when, event.gid, event.id)


def _days(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / _DAY


def effective_cadence(tier: str, cadence_days: float | None, config: RankConfig) -> float:
    """The contact's own cadence, else its tier's; tier ``none`` (no cadence of its own)
    borrows the longest configured cadence (D's) for back-off and the windows only."""
    if cadence_days is not None:
        return float(cadence_days)
    cadence = config.cadence.get(tier)
    return max(config.cadence.values()) if cadence is None else cadence


class ContactState(NamedTuple):
    """What ``assess`` needs about one contact, derived from its events dated at or before
    ``as_of`` (see :class:`Tally` for the exact definitions). "Meaningful" = chat or
    engage; "inbound" = ``in``; a ``both`` event is a live exchange; "after" means later
    in the ``(when, gid)`` order.

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
    last_meaningful_direction: str | None  # "in", "out" or "both"
    first_meaningful: datetime | None  # earliest meaningful event
    first_meaningful_direction: str | None
    n_in_meaningful: int  # inbound and live meaningful events, all time
    pending_in: datetime | None  # earliest inbound needs_reply message not yet answered
    pending_last: datetime | None  # latest of them (the reply lane's clock)
    pending_channel: str | None  # of the latest: where to answer
    pending_kind: str | None
    pending_note: str | None  # the latest message waiting for your answer
    unanswered: int  # your messages since their latest inbound or live meaningful event
    last_out: datetime | None  # latest outbound meaningful event
    last_out_channel: str | None
    last_out_answer: bool  # that message was an answer (something of theirs was pending)
    last_initiation: datetime | None  # latest outbound meaningful event that was no answer
    answer_channel: str | None  # where they talk: their latest inbound message's channel
    channels: tuple[str, ...]  # channels known for them: history (latest first), handles
    bcast_since_meaningful: int  # your broadcasts to them since the latest meaningful event
    debt: int  # favours (inbound engages) with no outbound or live engage after them
    debt_since: datetime | None  # the oldest of those
    chats_since_engage: int  # chat events (any direction) after the latest engage
    last_offline: datetime | None  # latest live exchange (`both`)
    last_their_post: datetime | None  # their latest post (inbound broadcast)
    last_their_post_channel: str | None
    last_their_post_note: str | None
    responded_to_post: bool  # something of yours (a like included) after that post
    recent_meaningful: int  # meaningful events with age ≤ 3·cadence, up to 3 counted
    recent_in_meaningful: int  # ... of which inbound or live, up to 2 counted
    talking_point: str | None  # the latest note, else the last conversation's note
    warmth: float  # Σ warmth_weight over the events
    contact_gid: str = ""  # the contact's global id: the ranking's last tie-breaker


def derive_state(
    events: Iterable[Event],
    *,
    as_of: datetime,
    notes: Sequence[tuple[datetime, str]] = (),
    **contact: Any,
) -> ContactState:
    """The state as of ``as_of`` of a contact with these events and notes: events and
    notes dated after ``as_of`` are ignored; the rest of the events are folded into a
    :class:`Tally` in ``(when, gid)`` order; the talking point is the text of the latest
    note (ties: the later in ``notes``), else the latest meaningful event's note.
    ``contact`` is the rest of :meth:`Tally.state`'s keywords: the contact's own fields
    (``contact_id``, ``name``, ``tier``, ...) and ``config``."""
    tally = Tally()
    for event in sorted((e for e in events if e.when <= as_of), key=_order):
        tally.add(event)
    latest_note: tuple[datetime, str] | None = None
    for created, text in notes:
        if created <= as_of and (latest_note is None or created >= latest_note[0]):
            latest_note = (created, text)
    return tally.state(as_of=as_of, latest_note=latest_note[1] if latest_note else None, **contact)


@dataclass(slots=True)
class Tally:
    """One contact's events folded in ``(when, gid)`` order into what ``ContactState``
    needs, free of ``as_of`` and of the config (warmth is kept decayed to the latest
    event; the recent counts as the latest few moments). ``add`` takes one more event,
    later than all before it, so a stored tally follows a growing history in constant
    time; ``state`` gives the state as of any moment at or after the latest event.

    The fold, event by event (``e``):

    - every event: warmth; ``channels`` (distinct, latest first).
    - their broadcast (a post): ``last_post`` and its channel and note; not responded.
    - your broadcast (a like, a share): ``bcasts`` + 1; the post is responded to.
    - a meaningful event: ``first_m``/``last_m`` with channel and direction; ``bcasts``,
      reset; ``note`` (the latest non-empty one); ``recent``; ``chats`` (reset by an
      engage, else + 1).

      - ``out``: an *answer* if a message of theirs was pending, else an *initiation*
        (``last_init``); ``last_out``; ``unanswered`` + 1; pending cleared; an engage
        clears the debt; their post is responded to.
      - ``in``: ``n_in`` + 1, ``unanswered`` = 0, ``recent_in``; ``in_channel``; with
        needs_reply it becomes ``pending_last`` (and ``pending`` when nothing was
        pending), with its channel, kind and note; an engage adds a debt.
      - ``both``: ``n_in`` + 1, ``unanswered`` = 0, ``recent_in``; pending cleared; an
        engage clears the debt; ``last_offline``; their post is responded to.
    """

    latest: tuple[datetime, str, int] | None = None  # (when, gid, id) of the latest event
    warmth: float = 0.0  # Σ warmth_weight as of the latest event
    first_m: datetime | None = None
    first_m_dir: str | None = None
    last_m: datetime | None = None
    last_m_channel: str | None = None
    last_m_dir: str | None = None
    n_in: int = 0
    unanswered: int = 0
    last_out: datetime | None = None
    last_out_channel: str | None = None
    last_out_answer: bool = False
    last_init: datetime | None = None
    in_channel: str | None = None
    pending: datetime | None = None
    pending_last: datetime | None = None
    pending_channel: str | None = None
    pending_kind: str | None = None
    pending_note: str | None = None
    last_post: datetime | None = None
    last_post_channel: str | None = None
    last_post_note: str | None = None
    responded: bool = False
    debt: int = 0
    debt_since: datetime | None = None
    bcasts: int = 0
    chats: int = 0
    last_offline: datetime | None = None
    note: str | None = None  # of the latest meaningful event with one
    channels: list[str] = field(default_factory=list)  # distinct, latest first
    recent: list[datetime] = field(default_factory=list)  # latest meaningful, at most 3
    recent_in: list[datetime] = field(default_factory=list)  # latest in/both, at most 2

    def add(self, e: Event) -> None:
        """Fold in one event, later in ``(when, gid)`` order than every event so far."""
        key = _order(e)
        if self.latest is not None:
            if key <= self.latest:
                raise ValueError(f"event {key} is not after {self.latest}")
            self.warmth *= 2.0 ** (-_days(self.latest[0], e.when) / WARMTH_HALF_LIFE_DAYS)
        self.latest = key
        self.warmth += warmth_weight(e.kind, e.channel, e.direction, 0.0)
        if not self.channels or self.channels[0] != e.channel:
            self.channels = [e.channel, *(c for c in self.channels if c != e.channel)]
        direction = e.direction
        if e.kind not in MEANINGFUL:
            if direction == "in":
                self.last_post, self.last_post_channel = e.when, e.channel
                self.last_post_note, self.responded = e.note, False
            else:
                self.bcasts += 1
                self.responded = self.responded or self.last_post is not None
            return
        if self.first_m is None:
            self.first_m, self.first_m_dir = e.when, direction
        self.last_m, self.last_m_channel, self.last_m_dir = e.when, e.channel, direction
        self.bcasts = 0
        self.note = e.note or self.note
        self.recent = [*self.recent[1 - OFFLINE_MIN_MEANINGFUL :], e.when]
        self.chats = 0 if e.kind == "engage" else self.chats + 1
        if direction == "out":
            self.last_out_answer = self.pending is not None
            if not self.last_out_answer:
                self.last_init = e.when
            self.last_out, self.last_out_channel = e.when, e.channel
            self.unanswered += 1
            self._answered(e)
            return
        self.n_in += 1
        self.unanswered = 0
        self.recent_in = [*self.recent_in[1 - OFFLINE_MIN_INBOUND :], e.when]
        if direction == "both":
            self.last_offline = e.when
            self._answered(e)
            return
        self.in_channel = e.channel
        if e.needs_reply:
            self.pending = self.pending or e.when
            self.pending_last, self.pending_channel = e.when, e.channel
            self.pending_kind, self.pending_note = e.kind, e.note
        if e.kind == "engage":
            self.debt, self.debt_since = self.debt + 1, self.debt_since or e.when

    def _answered(self, e: Event) -> None:
        """What an outbound or live meaningful event settles: what was pending, a debt
        (an engage), their post (you responded)."""
        self.pending = self.pending_last = None
        self.pending_channel = self.pending_kind = self.pending_note = None
        if e.kind == "engage":
            self.debt, self.debt_since = 0, None
        self.responded = self.responded or self.last_post is not None

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
        handles: Sequence[str] = (),
        config: RankConfig = _DEFAULT,
        contact_gid: str = "",
    ) -> ContactState:
        """The state as of ``as_of`` (at or after the latest event); ``latest_note`` is
        the text of the contact's latest note created at or before it; ``handles`` the
        channels of the contact's handles (they follow the history's in ``channels``)."""
        if self.latest is not None and self.latest[0] > as_of:
            raise ValueError(f"the tally runs to {self.latest[0]}, after {as_of}")
        cadence = effective_cadence(tier, cadence_days, config)
        try:  # within the offline rule's window: as_of − when ≤ 3 cadences
            since = as_of - timedelta(days=OFFLINE_RECENT_CADENCES * cadence)
        except OverflowError:
            since = datetime.min.replace(tzinfo=UTC)
        warmth = 0.0 if self.latest is None else decayed(self.warmth, self.latest[0], as_of)
        channels = tuple(self.channels)
        if handles:
            channels += tuple(dict.fromkeys(c for c in handles if c not in channels))
        return ContactState(  # positional, in field order (hot: once per contact ranked)
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
            self.last_m_dir,  # last_meaningful_direction
            self.first_m,  # first_meaningful
            self.first_m_dir,  # first_meaningful_direction
            self.n_in,  # n_in_meaningful
            self.pending,  # pending_in
            self.pending_last,
            self.pending_channel,
            self.pending_kind,
            self.pending_note,
            self.unanswered,
            self.last_out,
            self.last_out_channel,
            self.last_out_answer,
            self.last_init,  # last_initiation
            self.in_channel or self.last_m_channel,  # answer_channel
            channels,
            self.bcasts,  # bcast_since_meaningful
            self.debt,
            self.debt_since,
            self.chats,  # chats_since_engage
            self.last_offline,
            self.last_post,  # last_their_post
            self.last_post_channel,  # last_their_post_channel
            self.last_post_note,  # last_their_post_note
            self.responded,  # responded_to_post
            sum(t >= since for t in self.recent),  # recent_meaningful
            sum(t >= since for t in self.recent_in),  # recent_in_meaningful
            latest_note if latest_note is not None else self.note,  # talking_point
            warmth,
            contact_gid,
        )


__all__ = [
    "ACTIONS",
    "DECIMALS",
    "HIDDEN",
    "LANES",
    "SKIPPED",
    "TERMS",
    "ContactState",
    "Event",
    "Tally",
    "decayed",
    "derive_state",
    "effective_cadence",
    "warmth_weight",
]
