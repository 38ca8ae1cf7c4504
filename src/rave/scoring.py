"""PURE ranking model of spec/scoring.md. Imports nothing from the database or the CLI.

``derive_state`` turns one contact's interactions (``Event``) into its ``ContactState`` as
of a moment; ``assess`` turns a state into nine terms, a score, a lane, an action and a
one-line reason (one code path for the ranking and its explanation); ``rank`` orders
many contacts and applies the volume rules. Nothing here reads a clock: ``as_of`` is
always an argument, and every datetime is timezone-aware UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rave.config import ALL_TIERS, RankConfig
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


@dataclass(frozen=True)
class Term:
    """One row of the explanation. ``measure`` (in [0, 1]) and ``contribution`` (=
    measure × coefficient) are rounded to 3 decimals at the source."""

    term: str
    measure: float
    coefficient: float
    contribution: float
    note: str


@dataclass(frozen=True)
class Assessment:
    """The one verdict on a contact: the ranking and its explanation."""

    state: ContactState
    terms: tuple[Term, ...]  # the nine TERMS, in spec order, zeros included
    score: float  # the exact (decimal) sum of the terms' contributions
    r: float | None  # days since last_meaningful / cadence; inf if never; None for tier none
    lane: int  # 0 reply lane (pending_in), 1 outreach
    action: str  # one of ACTIONS
    reason: str  # the note of the largest positive term
    advice: str  # what the action means for this contact, in one line
    channel: str | None  # where to act
    talking_point: str | None
    hidden: str | None  # None (shown unless capped by rank) or one of HIDDEN
    backoff_until: datetime | None  # last_out + cadence·2^(out_streak−2) in a streak

    @property
    def lane_name(self) -> str:
        return LANES[self.lane]

    def term(self, name: str) -> Term:
        return next(t for t in self.terms if t.term == name)


_VIA = {
    "linkedin": "on LinkedIn",
    "twitter": "on Twitter",
    "facebook": "on Facebook",
    "instagram": "on Instagram",
    "whatsapp": "on WhatsApp",
    "email": "by email",
    "phone": "by phone",
    "sms": "by SMS",
    "video": "on video",
    "in_person": "in person",
}


def _via(channel: str | None) -> str:
    return _VIA.get(channel or "", f"on {channel}")


def _ago(moment: datetime, as_of: datetime) -> str:
    # local calendar days, as everywhere else rave shows a date to a person
    days = (as_of.astimezone().date() - moment.astimezone().date()).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _term(name: str, measure: float, note: str, config: RankConfig) -> Term:
    measure = round(measure, DECIMALS)
    coefficient = config.coefficients[name]
    contribution = round(measure * coefficient, DECIMALS) + 0.0  # never -0.0
    return Term(name, measure, coefficient, contribution, note)


def exact_sum(values: Iterable[float]) -> float:
    """The sum of 3-decimal numbers as their exact decimal sum (no float drift)."""
    return sum(round(v * _SCALE) for v in values) / _SCALE


def _reply(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    if s.pending_in is None:
        return 0.0, "nothing waiting for your answer"
    thanks = s.pending_kind == "engage"
    verb, tail = ("helped you", "say thanks") if thanks else ("wrote", "unanswered")
    return 1.0, f"{verb} {_ago(s.pending_in, as_of)} {_via(s.pending_channel)}, {tail}"


def _due(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    if s.tier == "none":
        return 0.0, "tier none has no cadence"
    if s.last_meaningful is None:
        return 1.0, "no real exchange yet"
    days = _days(s.last_meaningful, as_of)
    r = days / s.cadence
    due = 0.0
    if r >= DUE_START:
        due = min(1.0, DUE_FLOOR + (1 - DUE_FLOOR) * (r - DUE_START) / DUE_START)
    likes = "; only likes since" if s.bcast_since_meaningful else ""
    since = math.floor(days)
    return due, f"{since} days since a real exchange (cadence {s.cadence:g} days){likes}"


def _debt(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    if not s.debt or s.debt_since is None:
        return 0.0, "you owe them nothing"
    debt = DEBT_FLOOR + _days(s.debt_since, as_of) / DEBT_DAYS + DEBT_EACH * (s.debt - 1)
    times = f" ({s.debt} times)" if s.debt > 1 else ""
    return min(1.0, debt), f"helped you{times} since {_ago(s.debt_since, as_of)}, not repaid"


def _mix(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    n = s.bcast_since_meaningful
    note = f"{_plural(n, 'broadcast')} (likes, shares) since the last real exchange"
    return min(1.0, n / MIX_FULL), note


def _their_post(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    post = s.last_in_broadcast
    if post is None:
        return 0.0, "no post of theirs logged"
    fresh = _days(post, as_of) <= config.post_window_days and not s.responded_to_broadcast
    tail = "you responded" if s.responded_to_broadcast else "no response yet"
    return float(fresh), f"posted {_ago(post, as_of)} {_via(s.last_in_broadcast_channel)}, {tail}"


def _new(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    first = s.first_meaningful
    if first is None:
        return 0.0, "no real exchange yet"
    new = (
        s.tier != "none"
        and _days(first, as_of) < config.new_days
        and s.n_in_meaningful < config.new_max_inbound
    )
    return float(new), f"first real exchange {_ago(first, as_of)}, {s.n_in_meaningful} from them"


def _streak(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    k = s.out_streak
    note = f"{_plural(k, 'message')} from you in a row without an answer"
    if s.pending_in is not None or k < LOW_KEY_STREAK:
        return 0.0, note
    return (1.0 if k >= config.backoff_streak else 0.5), note


def recent_out_window(cadence: float) -> float:
    """Days after your last message during which `recent_out` holds: clamp(cadence/4, 2, 7)."""
    return min(max(cadence / 4, RECENT_OUT_DAYS[0]), RECENT_OUT_DAYS[1])


def _recent_out(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[float, str]:
    window = recent_out_window(s.cadence)
    if s.last_out is None:
        return 0.0, "you have not written yet"
    recent = _days(s.last_out, as_of) < window
    return float(recent), f"you wrote {_ago(s.last_out, as_of)} (quiet for {window:g} days)"


_MEASURES = {
    "reply": _reply,
    "due": _due,
    "debt": _debt,
    "mix": _mix,
    "their_post": _their_post,
    "new": _new,
    "streak": _streak,
    "recent_out": _recent_out,
}


def _terms(s: ContactState, as_of: datetime, config: RankConfig) -> tuple[Term, ...]:
    rows = {name: measure(s, as_of, config) for name, measure in _MEASURES.items()}
    gate = any(rows[t][0] > 0 for t in ("reply", "due", "debt", "their_post"))
    weight = config.tier_weight.get(s.tier, 0.0) if gate else 0.0
    only = "" if gate else " (counts only with reply, due, debt or their post)"
    rows["tier"] = (weight, f"tier {s.tier}{only}")
    return tuple(_term(name, *rows[name], config) for name in TERMS)


def _action(s: ContactState, r: float | None, as_of: datetime, config: RankConfig) -> str:
    """The first rule of the spec's action list that matches."""
    if s.pending_in is not None:
        return "reply"
    if s.out_streak >= config.backoff_streak:
        return "retry"
    if s.out_streak >= LOW_KEY_STREAK:
        return "low_key"
    if s.debt:
        return "repay"
    if s.last_meaningful is None:
        return "intro"
    if r is not None and r >= config.rekindle_ratio:
        return "rekindle"
    quiet = max(config.offline_min_days, OFFLINE_QUIET_CADENCES * s.cadence)
    if (
        s.tier in OFFLINE_TIERS
        and s.recent_meaningful >= OFFLINE_MIN_MEANINGFUL
        and s.recent_in_meaningful >= OFFLINE_MIN_INBOUND
        and (s.last_offline is None or _days(s.last_offline, as_of) > quiet)
    ):
        return "offline"
    if s.chats_since_engage >= ENGAGE_AFTER_CHATS:
        return "engage"
    return "chat"


def _advice(action: str, s: ContactState) -> str:
    if action == "reply":
        verb = "say thanks" if s.pending_kind == "engage" else "answer"
        return f"{verb} {_via(s.pending_channel)}"
    if action == "retry":
        where = _via(s.alt_channel) if s.alt_channel else "on another channel"
        return f"one light touch {where}, not {_via(s.last_out_channel)} again"
    if action == "low_key":
        post = s.last_in_broadcast
        if post is not None and (s.last_out is None or post > s.last_out):
            return "comment on their recent post; never a third direct message"
        return "wait for them; never a third direct message"
    extra = ""
    if action == "intro" and s.why:
        extra += f"; why: {s.why}"
    if action in ("repay", "intro") and s.offer:
        extra += f"; you offer: {s.offer}"
    if action == "chat" and s.bcast_since_meaningful >= MIX_HIGH:
        return "you've only liked their posts lately: write to them"
    return ADVICE[action] + extra


ADVICE = {
    "repay": "repay: one-to-one help, an introduction, something specific to them",
    "intro": "a first personal message",
    "rekindle": "a personal message with context, not a like",
    "offline": "propose a call or a coffee",
    "engage": "from small talk to something one-to-one and substantive",
    "chat": "a personal message about what they are doing",
}


def _after_days(moment: datetime, days_factor: float, power: int) -> datetime:
    """moment + days_factor · 2^power days, saturating at the end of time."""
    try:
        return moment + timedelta(days=math.ldexp(days_factor, power))
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def assess(state: ContactState, *, as_of: datetime, config: RankConfig = _DEFAULT) -> Assessment:
    """Terms, score, lane, action, reason, channel and visibility of one contact.

    ``as_of`` must be the moment the state was derived at. Hidden, first match:
    snoozed (snoozed_until > as_of, whatever the lane); the reply lane is otherwise always
    shown; untargeted (tier none without debt); dormant (out_streak ≥ dormant_streak);
    backoff (as_of < backoff_until); below_threshold (score < threshold)."""
    if as_of != state.as_of:
        raise ValueError(f"state derived as of {state.as_of}, assessed as of {as_of}")
    s = state
    r: float | None = None
    if s.tier != "none":
        r = math.inf if s.last_meaningful is None else _days(s.last_meaningful, as_of) / s.cadence
    terms = _terms(s, as_of, config)
    score = exact_sum(t.contribution for t in terms)
    lane = 0 if s.pending_in is not None else 1
    action = _action(s, r, as_of, config)
    advice = _advice(action, s)
    backoff_until = None
    if lane == 1 and s.out_streak >= config.backoff_streak and s.last_out is not None:
        backoff_until = _after_days(s.last_out, s.cadence, s.out_streak - 2)
    hidden = None
    if s.snoozed_until is not None and s.snoozed_until > as_of:
        hidden = "snoozed"
    elif lane == 0:
        hidden = None
    elif s.tier == "none" and not s.debt:
        hidden = "untargeted"
    elif s.out_streak >= config.dormant_streak:
        hidden = "dormant"
    elif backoff_until is not None and as_of < backoff_until:
        hidden = "backoff"
    elif score < config.threshold:
        hidden = "below_threshold"
    channel = {"reply": s.pending_channel, "retry": s.alt_channel}.get(
        action, s.last_meaningful_channel
    )
    top = max(terms, key=lambda t: t.contribution)  # the first of equals, in spec order
    return Assessment(
        state=s,
        terms=terms,
        score=score,
        r=r,
        lane=lane,
        action=action,
        reason=top.note if top.contribution > 0 else advice,
        advice=advice,
        channel=channel,
        talking_point=s.talking_point,
        hidden=hidden,
        backoff_until=backoff_until,
    )


def sort_key(a: Assessment) -> tuple[Any, ...]:
    """(lane, −score, tier A..D then none, oldest last_meaningful with never first, name
    casefolded, contact_id): total as long as contact ids are distinct."""
    s, last = a.state, a.state.last_meaningful
    tier = ALL_TIERS.index(s.tier) if s.tier in ALL_TIERS else len(ALL_TIERS)
    when = last.timestamp() if last is not None else 0.0
    return (a.lane, -a.score, tier, last is not None, when, s.name.casefold(), s.contact_id)


@dataclass(frozen=True)
class Suggestion:
    rank: int  # 1-based position in the list
    assessment: Assessment


@dataclass(frozen=True)
class Ranking:
    """``rave today``: what to show, and what was left out and why."""

    as_of: datetime
    suggestions: tuple[Suggestion, ...]  # the reply lane whole, then lane 1 capped
    skipped: Mapping[str, int]  # contacts left out, by reason (every SKIPPED key)
    dormant: tuple[Assessment, ...]  # hidden as dormant, in sort order
    backoff: tuple[Assessment, ...]  # hidden in back-off, in sort order


def rank(
    states: Iterable[ContactState],
    *,
    as_of: datetime,
    config: RankConfig = _DEFAULT,
    limit: int | None = None,
) -> Ranking:
    """Assess every state and keep, in ``sort_key`` order, every visible reply-lane
    contact and at most ``limit`` (default ``config.limit``) lane-1 contacts, of which at
    most ``config.intro_per_day`` with action ``intro`` (checked first: an intro past
    that cap counts as ``intro_capped``, any other lane-1 contact past the limit as
    ``over_limit``)."""
    cap = config.limit if limit is None else limit
    skipped = dict.fromkeys(SKIPPED, 0)
    candidates = []
    for s in states:
        if s.tier == "none" and s.pending_in is None and not s.debt:
            # never listed: counted without the full assessment (most of an imported
            # network), with the reason assess() would give
            snoozed = s.snoozed_until is not None and s.snoozed_until > as_of
            skipped["snoozed" if snoozed else "untargeted"] += 1
        else:
            candidates.append(s)
    assessed = sorted((assess(s, as_of=as_of, config=config) for s in candidates), key=sort_key)
    shown: list[Suggestion] = []
    intros = outreach = 0
    for a in assessed:
        if a.hidden is not None:
            skipped[a.hidden] += 1
            continue
        if a.lane == 1:
            if a.action == "intro" and intros >= config.intro_per_day:
                skipped["intro_capped"] += 1
                continue
            if outreach >= cap:
                skipped["over_limit"] += 1
                continue
            intros += a.action == "intro"
            outreach += 1
        shown.append(Suggestion(len(shown) + 1, a))
    return Ranking(
        as_of=as_of,
        suggestions=tuple(shown),
        skipped=skipped,
        dormant=tuple(a for a in assessed if a.hidden == "dormant"),
        backoff=tuple(a for a in assessed if a.hidden == "backoff"),
    )
