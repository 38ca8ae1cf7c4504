"""The ranking model: terms, score, lane, action, reason, visibility, and the order of
the daily list (spec/scoring.md). PURE: state + as_of + config in, plain data out."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from rave.config import ALL_TIERS, RankConfig
from rave.scoring.state import (
    _DEFAULT,
    _SCALE,
    DEBT_DAYS,
    DEBT_EACH,
    DEBT_FLOOR,
    DECIMALS,
    DUE_FLOOR,
    DUE_START,
    ENGAGE_AFTER_CHATS,
    LANES,
    LOW_KEY_STREAK,
    MIX_FULL,
    MIX_HIGH,
    OFFLINE_MIN_INBOUND,
    OFFLINE_MIN_MEANINGFUL,
    OFFLINE_QUIET_CADENCES,
    OFFLINE_TIERS,
    RECENT_OUT_DAYS,
    SKIPPED,
    TERMS,
    ContactState,
    _days,
)


class Term(NamedTuple):
    """One row of the explanation. ``measure`` (in [0, 1]) and ``contribution`` (=
    measure × coefficient) are rounded to 3 decimals at the source; ``note`` is written
    from ``basis`` (state, as_of, config) when it is read, so ranking thousands of
    contacts words only the few it shows."""

    term: str
    measure: float
    coefficient: float
    contribution: float
    basis: tuple[ContactState, datetime, RankConfig]

    @property
    def note(self) -> str:
        return _MEASURES[self.term][1](*self.basis)


class Assessment(NamedTuple):
    """The one verdict on a contact: the ranking and its explanation (a named tuple, like
    ContactState: one per contact ranked)."""

    state: ContactState
    terms: tuple[Term, ...]  # the nine TERMS, in spec order, zeros included
    score: float  # the exact (decimal) sum of the terms' contributions
    r: float | None  # days since last_meaningful / cadence; inf if never; None for tier none
    lane: int  # 0 reply lane (pending_in), 1 outreach
    action: str  # one of ACTIONS
    channel: str | None  # where to act
    talking_point: str | None
    hidden: str | None  # None (shown unless capped by rank) or one of HIDDEN
    backoff_until: datetime | None  # last_out + cadence·2^(out_streak−2) in a streak

    @property
    def lane_name(self) -> str:
        return LANES[self.lane]

    def term(self, name: str) -> Term:
        return next(t for t in self.terms if t.term == name)

    @property
    def advice(self) -> str:
        """What the action means for this contact, in one line."""
        return _advice(self.action, self.state)

    @property
    def reason(self) -> str:
        """The note of the largest positive term (the first of equals, in spec order),
        else the advice."""
        top = max(self.terms, key=lambda t: t.contribution)
        return top.note if top.contribution > 0 else self.advice


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


def exact_sum(values: Iterable[float]) -> float:
    """The sum of 3-decimal numbers as their exact decimal sum (no float drift)."""
    return sum(round(v * _SCALE) for v in values) / _SCALE


# Each term: its measure, and the note that explains it (from the same state).


def _reply(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    return 0.0 if s.pending_in is None else 1.0


def _reply_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if s.pending_in is None:
        return "nothing waiting for your answer"
    thanks = s.pending_kind == "engage"
    verb, tail = ("helped you", "say thanks") if thanks else ("wrote", "unanswered")
    return f"{verb} {_ago(s.pending_in, as_of)} {_via(s.pending_channel)}, {tail}"


def _due(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    if s.tier == "none":
        return 0.0
    if s.last_meaningful is None:
        return 1.0
    r = _days(s.last_meaningful, as_of) / s.cadence
    if r < DUE_START:
        return 0.0
    return min(1.0, DUE_FLOOR + (1 - DUE_FLOOR) * (r - DUE_START) / DUE_START)


def _due_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if s.tier == "none":
        return "tier none has no cadence"
    if s.last_meaningful is None:
        return "no real exchange yet"
    likes = "; only likes since" if s.bcast_since_meaningful else ""
    since = math.floor(_days(s.last_meaningful, as_of))
    return f"{since} days since a real exchange (cadence {s.cadence:g} days){likes}"


def _debt(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    if not s.debt or s.debt_since is None:
        return 0.0
    debt = DEBT_FLOOR + _days(s.debt_since, as_of) / DEBT_DAYS + DEBT_EACH * (s.debt - 1)
    return min(1.0, debt)


def _debt_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if not s.debt or s.debt_since is None:
        return "you owe them nothing"
    times = f" ({s.debt} times)" if s.debt > 1 else ""
    return f"helped you{times} since {_ago(s.debt_since, as_of)}, not repaid"


def _mix(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    return min(1.0, s.bcast_since_meaningful / MIX_FULL)


def _mix_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    n = s.bcast_since_meaningful
    return f"{_plural(n, 'broadcast')} (likes, shares) since the last real exchange"


def _their_post(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    post = s.last_in_broadcast
    if post is None:
        return 0.0
    return float(_days(post, as_of) <= config.post_window_days and not s.responded_to_broadcast)


def _their_post_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    post = s.last_in_broadcast
    if post is None:
        return "no post of theirs logged"
    tail = "you responded" if s.responded_to_broadcast else "no response yet"
    return f"posted {_ago(post, as_of)} {_via(s.last_in_broadcast_channel)}, {tail}"


def _new(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    first = s.first_meaningful
    return float(
        first is not None
        and s.tier != "none"
        and _days(first, as_of) < config.new_days
        and s.n_in_meaningful < config.new_max_inbound
    )


def _new_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if s.first_meaningful is None:
        return "no real exchange yet"
    ago = _ago(s.first_meaningful, as_of)
    return f"first real exchange {ago}, {s.n_in_meaningful} from them"


def _streak(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    k = s.out_streak
    if s.pending_in is not None or k < LOW_KEY_STREAK:
        return 0.0
    return 1.0 if k >= config.backoff_streak else 0.5


def _streak_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    return f"{_plural(s.out_streak, 'message')} from you in a row without an answer"


def recent_out_window(cadence: float) -> float:
    """Days after your last message during which `recent_out` holds: clamp(cadence/4, 2, 7)."""
    return min(max(cadence / 4, RECENT_OUT_DAYS[0]), RECENT_OUT_DAYS[1])


def _recent_out(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    if s.last_out is None:
        return 0.0
    return float(_days(s.last_out, as_of) < recent_out_window(s.cadence))


def _recent_out_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if s.last_out is None:
        return "you have not written yet"
    window = recent_out_window(s.cadence)
    return f"you wrote {_ago(s.last_out, as_of)} (quiet for {window:g} days)"


_GATES = (_reply, _due, _debt, _their_post)  # the tier term counts only with one of these
_GATE_TERMS = ("reply", "due", "debt", "their_post")


def _tier_weight(s: ContactState, gate: bool, config: RankConfig) -> float:
    return config.tier_weight.get(s.tier, 0.0) if gate else 0.0


def _tier(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    return _tier_weight(s, any(m(s, as_of, config) > 0 for m in _GATES), config)


def _tier_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    gate = any(measure(s, as_of, config) > 0 for measure in _GATES)
    only = "" if gate else " (counts only with reply, due, debt or their post)"
    return f"tier {s.tier}{only}"


_Measure = Callable[[ContactState, datetime, RankConfig], float]
_Note = Callable[[ContactState, datetime, RankConfig], str]
_MEASURES: dict[str, tuple[_Measure, _Note]] = {
    "reply": (_reply, _reply_note),
    "due": (_due, _due_note),
    "tier": (_tier, _tier_note),
    "debt": (_debt, _debt_note),
    "mix": (_mix, _mix_note),
    "their_post": (_their_post, _their_post_note),
    "new": (_new, _new_note),
    "streak": (_streak, _streak_note),
    "recent_out": (_recent_out, _recent_out_note),
}
assert tuple(_MEASURES) == TERMS


# the tier term is measured from the others (its gate): they come first, in TERMS order
_TIER_AT = TERMS.index("tier")
_FIRST_MEASURES = tuple(m for name, (m, _) in _MEASURES.items() if name != "tier")
_GATE_AT = tuple([name for name in TERMS if name != "tier"].index(t) for t in _GATE_TERMS)


_Row = tuple[str, float, float, float]  # term, measure, coefficient, contribution


def _measures(s: ContactState, as_of: datetime, config: RankConfig) -> list[float]:
    """The nine terms' measures, in TERMS order. (Runs once per contact ranked: kept to
    plain loops and lists.)"""
    values = [measure(s, as_of, config) for measure in _FIRST_MEASURES]
    gate = any(values[i] > 0 for i in _GATE_AT)
    values.insert(_TIER_AT, _tier_weight(s, gate, config))
    return values


def _contribution(measure: float, coefficient: float) -> tuple[float, float]:
    """A term's measure and contribution, rounded to DECIMALS at the source."""
    measure = round(measure, DECIMALS)
    return measure, round(measure * coefficient, DECIMALS) + 0.0  # never -0.0


def _score(values: list[float], config: RankConfig) -> float:
    """The exact decimal sum of the contributions that ``_rows`` shows for ``values``."""
    coefficients = config.coefficients
    return exact_sum(
        _contribution(value, coefficients[name])[1]
        for name, value in zip(TERMS, values, strict=True)
        if value  # most terms of most contacts are 0
    )


def _rows(values: list[float], config: RankConfig) -> list[_Row]:
    """The explanation's numbers for ``values``: (term, measure, coefficient,
    contribution), zeros included."""
    coefficients = config.coefficients
    rows = []
    for name, value in zip(TERMS, values, strict=True):
        coefficient = coefficients[name]
        measure, contribution = _contribution(value, coefficient) if value else (0.0, 0.0)
        rows.append((name, measure, coefficient, contribution))
    return rows


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


class _Verdict(NamedTuple):
    """What ranking needs of one contact: assess() without the explanation."""

    score: float
    r: float | None
    lane: int
    action: str
    hidden: str | None
    backoff_until: datetime | None


def _judge(s: ContactState, score: float, as_of: datetime, config: RankConfig) -> _Verdict:
    r: float | None = None
    if s.tier != "none":
        r = math.inf if s.last_meaningful is None else _days(s.last_meaningful, as_of) / s.cadence
    lane = 0 if s.pending_in is not None else 1
    action = _action(s, r, as_of, config)
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
    return _Verdict(score, r, lane, action, hidden, backoff_until)


def assess(state: ContactState, *, as_of: datetime, config: RankConfig = _DEFAULT) -> Assessment:
    """Terms, score, lane, action, reason, channel and visibility of one contact.

    ``as_of`` must be the moment the state was derived at. Hidden, first match:
    snoozed (snoozed_until > as_of, whatever the lane); the reply lane is otherwise always
    shown; untargeted (tier none without debt); dormant (out_streak ≥ dormant_streak);
    backoff (as_of < backoff_until); below_threshold (score < threshold)."""
    if as_of != state.as_of:
        raise ValueError(f"state derived as of {state.as_of}, assessed as of {as_of}")
    values = _measures(state, as_of, config)
    verdict = _judge(state, _score(values, config), as_of, config)
    return _assessment(state, values, verdict, as_of, config)


def _assessment(
    s: ContactState, values: list[float], verdict: _Verdict, as_of: datetime, config: RankConfig
) -> Assessment:
    """The full assessment from the measures ``rank`` has already judged."""
    score, r, lane, action, hidden, backoff_until = verdict
    basis = (s, as_of, config)
    terms = tuple(Term(*row, basis) for row in _rows(values, config))
    channel = {"reply": s.pending_channel, "retry": s.alt_channel}.get(
        action, s.last_meaningful_channel
    )
    return Assessment(
        s, terms, score, r, lane, action, channel, s.talking_point, hidden, backoff_until
    )


def sort_key(a: Assessment) -> tuple[Any, ...]:
    """(lane, −score, tier A..D then none, oldest last_meaningful with never first, name
    casefolded, contact_id): total as long as contact ids are distinct."""
    return _order(a.lane, a.score, a.state)


def _order(lane: int, score: float, s: ContactState) -> tuple[Any, ...]:
    last = s.last_meaningful
    tier = ALL_TIERS.index(s.tier) if s.tier in ALL_TIERS else len(ALL_TIERS)
    when = last.timestamp() if last is not None else 0.0
    return (lane, -score, tier, last is not None, when, s.name.casefold(), s.contact_id)


class Suggestion(NamedTuple):
    rank: int  # 1-based position in the list
    assessment: Assessment


class Ranking(NamedTuple):
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
    unlisted: Mapping[str, int] | None = None,
) -> Ranking:
    """Assess every state and keep, in ``sort_key`` order, every visible reply-lane
    contact and at most ``limit`` (default ``config.limit``) lane-1 contacts, of which at
    most ``config.intro_per_day`` with action ``intro`` (checked first: an intro past
    that cap counts as ``intro_capped``, any other lane-1 contact past the limit as
    ``over_limit``). ``unlisted``: contacts left out before ranking (never listable,
    counted by the caller, by ``SKIPPED`` reason), added to ``skipped``."""
    cap = config.limit if limit is None else limit
    skipped = dict.fromkeys(SKIPPED, 0)
    for reason, count in (unlisted or {}).items():
        skipped[reason] += count
    candidates = []
    for s in states:
        if s.tier == "none" and s.pending_in is None and not s.debt:
            # never listed: counted without the full assessment (most of an imported
            # network), with the reason assess() would give
            snoozed = s.snoozed_until is not None and s.snoozed_until > as_of
            skipped["snoozed" if snoozed else "untargeted"] += 1
        else:
            candidates.append(s)
    # judged without the explanation; assessed in full only when listed (or in the
    # dormant and back-off lists of --explain): the same numbers either way
    kept: dict[str, list[Assessment]] = {"dormant": [], "backoff": []}
    judged: list[tuple[_Verdict, ContactState, list[float] | None]] = []
    for s in candidates:
        values = _measures(s, as_of, config)
        verdict = _judge(s, _score(values, config), as_of, config)
        # the measures of those sure to be assessed are kept; lane 1's others are measured
        # again if listed (a few), so memory stays flat on a large network
        sure = verdict.hidden in kept or (verdict.lane == 0 and verdict.hidden is None)
        judged.append((verdict, s, values if sure else None))
    judged.sort(key=lambda item: _order(item[0].lane, item[0].score, item[1]))

    def full(verdict: _Verdict, s: ContactState, values: list[float] | None) -> Assessment:
        values = _measures(s, as_of, config) if values is None else values
        return _assessment(s, values, verdict, as_of, config)

    shown: list[Suggestion] = []
    intros = outreach = 0
    for verdict, s, numbers in judged:
        if verdict.hidden is not None:
            skipped[verdict.hidden] += 1
            if verdict.hidden in kept:
                kept[verdict.hidden].append(full(verdict, s, numbers))
            continue
        if verdict.lane == 1:
            if verdict.action == "intro" and intros >= config.intro_per_day:
                skipped["intro_capped"] += 1
                continue
            if outreach >= cap:
                skipped["over_limit"] += 1
                continue
            intros += verdict.action == "intro"
            outreach += 1
        shown.append(Suggestion(len(shown) + 1, full(verdict, s, numbers)))
    return Ranking(
        as_of=as_of,
        suggestions=tuple(shown),
        skipped=skipped,
        dormant=tuple(kept["dormant"]),
        backoff=tuple(kept["backoff"]),
    )
