"""The ranking model's input: events, the derived per-contact state (and the
reference derivation the SQL query is tested against), and warmth. PURE."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True)
class Event:
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


def _when(event: Event | None) -> datetime | None:
    return None if event is None else event.when


def _channel(event: Event | None) -> str | None:
    return None if event is None else event.channel


def _days(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / _DAY


def effective_cadence(tier: str, cadence_days: float | None, config: RankConfig) -> float:
    """The contact's own cadence, else its tier's; tier ``none`` (no cadence of its own)
    borrows the longest configured cadence for back-off and the recent-out window only."""
    if cadence_days is not None:
        return float(cadence_days)
    return config.cadence.get(tier, max(config.cadence.values()))


@dataclass(frozen=True)
class ContactState:
    """What ``assess`` needs about one contact, derived from its events dated at or before
    ``as_of`` (see ``derive_state`` for the exact definitions). "Meaningful" = chat or
    engage, either direction; "after" means later in the ``(when, id)`` order."""

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
    recent_meaningful: int  # meaningful events with age ≤ 3·cadence
    recent_in_meaningful: int  # ... of which inbound
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
    ignored; the rest are taken in ``(when, id)`` order ("after" = later in it).

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
    - recent_(in_)meaningful: (inbound) meaningful events with as_of − when ≤ 3·cadence.
    - talking_point: text of the latest note with created_at ≤ as_of (ties: the later in
      ``notes``), else the note of the latest meaningful event with a non-empty note.
    - warmth: Σ warmth_weight(kind, channel, age_days) in (when, id) order (a float sum:
      compare with a tolerance).
    """
    cadence = effective_cadence(tier, cadence_days, config)
    seen = sorted((e for e in events if e.when <= as_of), key=_order)
    first_m: Event | None = None
    last_m: Event | None = None
    last_out: Event | None = None
    pending: Event | None = None
    last_post: Event | None = None
    debt_since: datetime | None = None
    last_offline: datetime | None = None
    conversation_note: str | None = None
    responded = False
    n_in = streak = bcasts = debt = chats = recent = recent_in = 0
    warmth = 0.0
    for e in seen:
        age = _days(e.when, as_of)
        warmth += warmth_weight(e.kind, e.channel, age)
        outbound = e.direction == "out"
        if e.kind == "broadcast" and not outbound:
            last_post, responded = e, False
            continue
        responded = responded or (outbound and last_post is not None)
        if e.kind not in MEANINGFUL:
            bcasts += 1
            continue
        first_m = first_m or e
        last_m, bcasts = e, 0
        conversation_note = e.note or conversation_note
        if e.channel in OFFLINE_CHANNELS:
            last_offline = e.when
        if age <= OFFLINE_RECENT_CADENCES * cadence:
            recent += 1
            recent_in += not outbound
        chats = 0 if e.kind == "engage" else chats + 1
        if outbound:
            last_out, pending = e, None
            if e.kind == "engage":
                debt, debt_since = 0, None
            if last_post is None or _days(last_post.when, e.when) > config.post_window_days:
                streak += 1
        else:
            n_in, streak = n_in + 1, 0
            if e.needs_reply and pending is None:
                pending = e
            if e.kind == "engage":
                debt, debt_since = debt + 1, debt_since or e.when
    alt = None
    if last_out is not None:
        alt = next((e.channel for e in reversed(seen) if e.channel != last_out.channel), None)
    latest_note: tuple[datetime, str] | None = None
    for created, text in notes:
        if created <= as_of and (latest_note is None or created >= latest_note[0]):
            latest_note = (created, text)
    return ContactState(
        contact_id=contact_id,
        name=name,
        tier=tier,
        as_of=as_of,
        cadence_days=cadence_days,
        cadence=cadence,
        snoozed_until=snoozed_until,
        why=why,
        offer=offer,
        last_meaningful=_when(last_m),
        last_meaningful_channel=_channel(last_m),
        first_meaningful=_when(first_m),
        n_in_meaningful=n_in,
        pending_in=_when(pending),
        pending_channel=_channel(pending),
        pending_kind=None if pending is None else pending.kind,
        out_streak=streak,
        last_out=_when(last_out),
        last_out_channel=_channel(last_out),
        alt_channel=alt,
        bcast_since_meaningful=bcasts,
        debt=debt,
        debt_since=debt_since,
        chats_since_engage=chats,
        last_offline=last_offline,
        last_in_broadcast=_when(last_post),
        last_in_broadcast_channel=_channel(last_post),
        responded_to_broadcast=responded,
        recent_meaningful=recent,
        recent_in_meaningful=recent_in,
        talking_point=latest_note[1] if latest_note else conversation_note,
        warmth=warmth,
    )
