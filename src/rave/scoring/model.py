"""The ranking model: terms, score, lane, action, reason, visibility, and the order of
the daily list (spec/scoring.md v2). PURE: state + as_of + config in, plain data out."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple

from rave.config import ALL_TIERS, RankConfig
from rave.scoring.state import (
    _DEFAULT,
    _SCALE,
    DECIMALS,
    DUE_FLOOR,
    DUE_RAMP,
    ENGAGE_AFTER_CHATS,
    LANES,
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

REPLY, OUTREACH, LIGHT = 0, 1, 2  # lanes, in LANES order
# channels a retry can go to: a message, not a meeting
_NOT_FOR_MESSAGES = ("in_person", "video", "other")
TALKING_POINT_CHARS = 90


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
    lane: int  # REPLY, OUTREACH or LIGHT
    action: str  # one of ACTIONS
    channel: str | None  # where to act
    talking_point: str | None
    hidden: str | None  # None (shown unless capped by rank) or one of HIDDEN
    backoff_until: datetime | None  # when a back-off ends (unanswered ≥ backoff_unanswered)
    config: RankConfig

    @property
    def lane_name(self) -> str:
        return LANES[self.lane]

    def term(self, name: str) -> Term:
        return next(t for t in self.terms if t.term == name)

    @property
    def advice(self) -> str:
        """What the action means for this contact, in one line."""
        return _advice(self.action, self.state, self.channel, self.lane)

    @property
    def reason(self) -> str:
        """Why now, in one line: for a retry, a late reply or a light touch, what calls
        for it; else the note of the largest positive term other than the tier (the first
        of equals, in spec order); else the advice. Never the tier alone."""
        s, as_of = self.state, self.state.as_of
        special = _REASONS.get(self.action)
        if special is not None:
            return special(s, as_of, self.config)
        top = max(
            (t for t in self.terms if t.term != "tier"), key=lambda t: t.contribution, default=None
        )
        return top.note if top is not None and top.contribution > 0 else self.advice


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


def shorten(text: str | None, width: int = TALKING_POINT_CHARS) -> str | None:
    """The first line of ``text``, cut at a word boundary to at most ``width``
    characters (with an ellipsis when cut); None for no text."""
    if not text or not text.strip():
        return None
    first = " ".join(text.strip().splitlines()[0].split())
    if len(first) <= width:
        return first
    cut = first[: width - 1]
    if " " in cut and first[width - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def exact_sum(values: Iterable[float]) -> float:
    """The sum of 3-decimal numbers as their exact decimal sum (no float drift)."""
    return sum(round(v * _SCALE) for v in values) / _SCALE


def since_last(s: ContactState, as_of: datetime) -> str:
    """How long since the latest meaningful event, said for what it was: a one-way
    message is never called an exchange."""
    last = s.last_meaningful
    if last is None:
        return "no conversation yet"
    days = math.floor(_days(last, as_of))
    if s.last_meaningful_direction == "both":
        return f"{days} days since you last talked"
    if s.last_meaningful_direction == "in":
        return f"{days} days since they last wrote"
    tail = ", no answer yet" if s.unanswered else ""
    return f"{days} days since your last message{tail}"


# Each term: its measure, and the note that explains it (from the same state).


def _reply(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    return 0.0 if s.pending_in is None else 1.0


def _reply_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if s.pending_in is None:
        return "nothing waiting for your answer"
    thanks = s.pending_kind == "engage"
    verb, tail = ("helped you", "say thanks") if thanks else ("wrote", "unanswered")
    last = s.pending_last or s.pending_in
    text = f"{verb} {_ago(last, as_of)} {_via(s.pending_channel)}, {tail}"
    if s.pending_in != last:  # several messages wait: since when
        text += f" (waiting since {_ago(s.pending_in, as_of)})"
    return text


def _r(s: ContactState, as_of: datetime) -> float | None:
    """days since last_meaningful / cadence; inf if never; None for tier none."""
    if s.tier == "none":
        return None
    if s.last_meaningful is None:
        return math.inf
    return _days(s.last_meaningful, as_of) / s.cadence


def _due(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    r = _r(s, as_of)
    if r is None or r < config.due_start:
        return 0.0
    if r == math.inf:
        return 1.0
    return min(1.0, DUE_FLOOR + (1 - DUE_FLOOR) * (r - config.due_start) / DUE_RAMP)


def _due_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if s.tier == "none":
        return "tier none has no cadence"
    likes = "; only likes since" if s.bcast_since_meaningful else ""
    if s.last_meaningful is None:
        return "no conversation yet" + likes
    return f"{since_last(s, as_of)} (cadence {s.cadence:g} days){likes}"


def _debt(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    if not s.debt or s.debt_since is None:
        return 0.0
    age = max(0.0, _days(s.debt_since, as_of))
    return min(1.0, config.debt_start + age / config.debt_days + config.debt_each * (s.debt - 1))


def _debt_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if not s.debt or s.debt_since is None:
        return "you owe them nothing"
    times = f" ({s.debt} times)" if s.debt > 1 else ""
    return f"helped you{times} {_ago(s.debt_since, as_of)}, not repaid yet"


def _mix(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    if not s.bcast_since_meaningful or not _due(s, as_of, config):
        return 0.0
    return min(1.0, s.bcast_since_meaningful / MIX_FULL)


def _mix_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    n = s.bcast_since_meaningful
    only = "" if n == 0 or _due(s, as_of, config) else " (counts only when due)"
    return f"{_plural(n, 'like')} or shares of yours since the last conversation{only}"


def _post_recent(s: ContactState, as_of: datetime, config: RankConfig) -> bool:
    """They posted within post_window_days and nothing of yours came after it."""
    post = s.last_their_post
    return (
        post is not None
        and _days(post, as_of) <= config.post_window_days
        and not s.responded_to_post
    )


def _their_post(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    return float(_post_recent(s, as_of, config) and _due(s, as_of, config) > 0)


def _their_post_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    post = s.last_their_post
    if post is None:
        return "no post of theirs logged"
    tail = "you responded" if s.responded_to_post else "no response yet"
    only = ""
    if _post_recent(s, as_of, config) and not _due(s, as_of, config):
        only = " (counts only when due)"
    return f"posted {_ago(post, as_of)} {_via(s.last_their_post_channel)}, {tail}{only}"


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
        return "no conversation yet"
    ago = _ago(s.first_meaningful, as_of)
    return f"a new tie: first conversation {ago}, {s.n_in_meaningful} from them since"


def _unanswered(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    n = s.unanswered
    return 0.0 if n == 0 else 0.5 if n == 1 else 1.0


def _unanswered_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if not s.unanswered:
        return "no message of yours waiting for an answer"
    since = "" if s.last_out is None else f", the last {_ago(s.last_out, as_of)}"
    return f"{_plural(s.unanswered, 'message')} of yours without an answer{since}"


def recent_out_window(cadence: float) -> float:
    """Days after your last initiation during which `recent_out` holds:
    clamp(cadence/4, 2, 7)."""
    return min(max(cadence / 4, RECENT_OUT_DAYS[0]), RECENT_OUT_DAYS[1])


def _recent_out(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    if s.last_initiation is None:
        return 0.0
    return float(_days(s.last_initiation, as_of) < recent_out_window(s.cadence))


def _recent_out_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    if s.last_initiation is None:
        return "you have not reached out first yet"
    window = recent_out_window(s.cadence)
    return f"you reached out {_ago(s.last_initiation, as_of)} (quiet for {window:g} days)"


def _tier_weight(s: ContactState, gate: bool, config: RankConfig) -> float:
    return config.tier_weight.get(s.tier, 0.0) if gate else 0.0


def _tier(s: ContactState, as_of: datetime, config: RankConfig) -> float:
    gate = any(m(s, as_of, config) > 0 for m in (_reply, _due, _debt))
    return _tier_weight(s, gate, config)


def _tier_note(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    gate = any(m(s, as_of, config) > 0 for m in (_reply, _due, _debt))
    only = "" if gate else " (counts only with reply, due or debt)"
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
    "unanswered": (_unanswered, _unanswered_note),
    "recent_out": (_recent_out, _recent_out_note),
}
assert tuple(_MEASURES) == TERMS


_Row = tuple[str, float, float, float]  # term, measure, coefficient, contribution


def _measures(s: ContactState, as_of: datetime, config: RankConfig) -> list[float]:
    """The nine terms' measures, in TERMS order. (Runs once per contact ranked: the
    gated terms reuse the measures they depend on.)"""
    reply = _reply(s, as_of, config)
    due = _due(s, as_of, config)
    debt = _debt(s, as_of, config)
    bcasts = s.bcast_since_meaningful
    return [
        reply,
        due,
        _tier_weight(s, reply > 0 or due > 0 or debt > 0, config),
        debt,
        min(1.0, bcasts / MIX_FULL) if due and bcasts else 0.0,
        float(due > 0 and _post_recent(s, as_of, config)),
        _new(s, as_of, config),
        _unanswered(s, as_of, config),
        _recent_out(s, as_of, config),
    ]


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


def _offline_due(s: ContactState, as_of: datetime, config: RankConfig) -> bool:
    """Tier A or B, ≥ 3 meaningful events in the last 3 cadences with ≥ 2 of them theirs
    or live, and no live exchange within max(offline_min_days, 4 cadences)."""
    quiet = max(config.offline_min_days, OFFLINE_QUIET_CADENCES * s.cadence)
    return (
        s.tier in OFFLINE_TIERS
        and s.recent_meaningful >= OFFLINE_MIN_MEANINGFUL
        and s.recent_in_meaningful >= OFFLINE_MIN_INBOUND
        and (s.last_offline is None or _days(s.last_offline, as_of) > quiet)
    )


def _action(s: ContactState, lane: int, r: float | None, config: RankConfig) -> str:
    """The first rule of the spec's action list that matches; an answer to someone you
    owe a favour carries the favour back (one message, not a thanks then a repayment)."""
    if lane == REPLY:
        return "repay" if s.debt else "reply"
    if s.pending_in is not None:
        return "reply_late"
    if s.unanswered >= config.backoff_unanswered:
        return "retry"
    if s.debt:
        return "repay"
    if s.last_meaningful is None:
        return "intro"
    if r is not None and r >= config.rekindle_ratio:
        return "rekindle"
    if _offline_due(s, s.as_of, config):
        return "offline"
    if s.chats_since_engage >= ENGAGE_AFTER_CHATS:
        return "engage"
    if s.unanswered == 1 and not s.last_out_answer:
        return "follow_up"
    return "chat"


def retry_channel(s: ContactState) -> str | None:
    """Where a retry goes: a channel other than your last message's, for a message (not
    a meeting): where they talk first, else the latest other channel of the history,
    else another channel they have a handle for; None when none is known."""
    candidates = (s.answer_channel, *s.channels)
    for channel in candidates:
        if channel and channel != s.last_out_channel and channel not in _NOT_FOR_MESSAGES:
            return channel
    return None


def _channel(s: ContactState, action: str, lane: int) -> str | None:
    if action in ("reply", "reply_late") or lane == REPLY:
        return s.pending_channel
    if action == "retry":
        return retry_channel(s)
    if action == "comment":
        return s.last_their_post_channel
    # a message goes where they write, else to a channel for messages you have with them
    # (a meeting is no channel to write on), else wherever you last met
    if s.answer_channel and s.answer_channel not in _NOT_FOR_MESSAGES:
        return s.answer_channel
    messages = (c for c in s.channels if c not in _NOT_FOR_MESSAGES)
    return next(messages, s.answer_channel or next(iter(s.channels), None))


def _talking_point(
    s: ContactState, action: str, lane: int, as_of: datetime, config: RankConfig
) -> str | None:
    """For a reply, the message being answered; else their recent post, the latest note,
    or the last conversation's note; one line, shortened."""
    if action in ("reply", "reply_late") or lane == REPLY:
        return shorten(s.pending_note) or shorten(s.talking_point)
    post = s.last_their_post
    if (
        post is not None
        and s.last_their_post_note
        and _days(post, as_of) <= config.post_window_days
    ):
        return shorten(f"their post: {s.last_their_post_note}")
    return shorten(s.talking_point)


def _advice(action: str, s: ContactState, channel: str | None, lane: int) -> str:
    if lane == REPLY and action == "repay":
        offer = f": {s.offer}" if s.offer else ""
        return f"say thanks and return the favour {_via(channel)}, in one message{offer}"
    if action in ("reply", "reply_late"):
        verb = "say thanks" if s.pending_kind == "engage" else "answer"
        late = ": sorry for the slow answer" if action == "reply_late" else ""
        return f"{verb} {_via(channel)}{late}"
    if action == "retry":
        where = _via(channel) if channel else "on another channel"
        return f"one light touch {where}, not {_via(s.last_out_channel)} again"
    if action == "follow_up":
        return f"one short nudge {_via(channel)} about your last message"
    if action == "comment":
        return f"comment on their post {_via(channel)} (or like it); no direct message"
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


def _retry_reason(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    since = "" if s.last_out is None else f", the last {_ago(s.last_out, as_of)}"
    text = f"{s.unanswered} unanswered {_via(s.last_out_channel)}{since}"
    if s.answer_channel and s.answer_channel != s.last_out_channel and s.n_in_meaningful:
        text += f"; they last wrote {_via(s.answer_channel)}"
    return text


def _late_reason(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    return _reply_note(s, as_of, config) + f" (over {config.reply_horizon_days:g} days)"


def _comment_reason(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    assert s.last_their_post is not None
    why = "waiting for an answer" if s.unanswered else "you wrote recently"
    return f"posted {_ago(s.last_their_post, as_of)}; {why}, so a comment, not a message"


_REASONS: dict[str, _Note] = {
    "retry": _retry_reason,
    "reply_late": _late_reason,
    "comment": _comment_reason,
}


def _after_days(moment: datetime, days: float) -> datetime:
    """moment + days, saturating at the end of time."""
    try:
        return moment + timedelta(days=days)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def backoff_until(s: ContactState, config: RankConfig) -> datetime | None:
    """``last_out + cadence · backoff_base^(n − 1)`` with ``n`` unanswered messages, from
    ``backoff_unanswered`` on with nothing pending; None otherwise."""
    n = s.unanswered
    if n < config.backoff_unanswered or s.pending_in is not None or s.last_out is None:
        return None
    try:
        days = s.cadence * config.backoff_base ** (n - 1)
    except OverflowError:
        days = math.inf
    return _after_days(s.last_out, min(days, 1e8))


class _Verdict(NamedTuple):
    """What ranking needs of one contact: assess() without the explanation."""

    score: float
    r: float | None
    lane: int
    action: str
    hidden: str | None
    backoff_until: datetime | None


def _judge(s: ContactState, score: float, as_of: datetime, config: RankConfig) -> _Verdict:
    r = _r(s, as_of)
    # the reply lane's clock is their latest unanswered message: a fresh one brings them
    # back, whatever waited before it
    pending = s.pending_last or s.pending_in
    lane = REPLY if pending is not None and _days(pending, as_of) < config.reply_horizon_days else 1
    action = _action(s, lane, r, config)
    until = backoff_until(s, config)
    hidden = None
    if lane == REPLY:
        hidden = None  # the reply lane is never hidden: not by a snooze, not by a tier
    elif s.snoozed_until is not None and s.snoozed_until > as_of:
        hidden = "snoozed"
    elif s.tier == "none" and not s.debt:
        hidden = "untargeted"
    elif pending is None and s.unanswered >= config.dormant_unanswered:
        hidden = "dormant"
    elif until is not None and as_of < until:
        hidden = "backoff"
    elif action != "retry" and score < config.threshold:
        hidden = "below_threshold"
    return _Verdict(score, r, lane, action, hidden, until)


def assess(state: ContactState, *, as_of: datetime, config: RankConfig = _DEFAULT) -> Assessment:
    """Terms, score, lane, action, reason, channel and visibility of one contact.

    ``as_of`` must be the moment the state was derived at. The reply lane (a message
    younger than ``reply_horizon_days`` waits) is always shown. Otherwise hidden, first
    match: snoozed; untargeted (tier none without debt); dormant (unanswered ≥
    dormant_unanswered); backoff (before ``backoff_until``); below_threshold (score <
    threshold, except a retry, listed once its back-off has passed)."""
    if as_of != state.as_of:
        raise ValueError(f"state derived as of {state.as_of}, assessed as of {as_of}")
    values = _measures(state, as_of, config)
    verdict = _judge(state, _score(values, config), as_of, config)
    return _assessment(state, values, verdict, as_of, config)


def _assessment(
    s: ContactState,
    values: list[float],
    verdict: _Verdict,
    as_of: datetime,
    config: RankConfig,
    *,
    light: bool = False,
) -> Assessment:
    """The full assessment from the measures ``rank`` has already judged (``light``: as
    a light touch: lane LIGHT, action comment)."""
    score, r, lane, action, hidden, until = verdict
    if light:
        lane, action = LIGHT, "comment"
    basis = (s, as_of, config)
    terms = tuple(Term(*row, basis) for row in _rows(values, config))
    return Assessment(
        s,
        terms,
        score,
        r,
        lane,
        action,
        _channel(s, action, lane),
        _talking_point(s, action, lane, as_of, config),
        hidden,
        until,
        config,
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


def local_day_start(as_of: datetime) -> datetime:
    """The moment the local calendar day of ``as_of`` began."""
    local = as_of.astimezone()
    return datetime.combine(local.date(), time(), tzinfo=local.tzinfo).astimezone(UTC)


def light_touch(v: _Verdict, s: ContactState, values: list[float], config: RankConfig) -> bool:
    """Hidden by back-off, or below the threshold while `recent_out` holds, with a post
    of theirs from the last post_window_days that nothing of yours followed."""
    held = v.hidden == "backoff" or (v.hidden == "below_threshold" and values[-1] > 0)
    return held and _post_recent(s, s.as_of, config)


class Suggestion(NamedTuple):
    rank: int  # 1-based position in the list
    assessment: Assessment


class Ranking(NamedTuple):
    """``rave today``: what to show, and what was left out and why."""

    as_of: datetime
    suggestions: tuple[Suggestion, ...]  # reply lane, outreach (capped), light touches
    skipped: Mapping[str, int]  # contacts left out, by reason (every SKIPPED key)
    dormant: tuple[Assessment, ...]  # hidden as dormant, in sort order
    backoff: tuple[Assessment, ...]  # hidden in back-off, in sort order
    intros_today: int  # first messages already sent today (they count against the cap)


def rank(
    states: Iterable[ContactState],
    *,
    as_of: datetime,
    config: RankConfig = _DEFAULT,
    limit: int | None = None,
    unlisted: Mapping[str, int] | None = None,
    intros_today: int | None = None,
) -> Ranking:
    """Assess every state and list, in ``sort_key`` order: the whole reply lane; at most
    ``limit`` (default ``config.limit``) outreach rows, of which at most
    ``config.intro_per_day`` intros less the first messages already sent on the local
    calendar day of ``as_of`` (an intro past that counts as ``intro_capped``, any other
    outreach row past the limit as ``over_limit``); then at most ``config.light_per_day``
    light touches (``light_touch``), not counted in the limit.

    ``unlisted``: contacts left out before ranking (never listable, counted by the
    caller, by ``SKIPPED`` reason), added to ``skipped``. ``intros_today``: the first
    messages already sent that day, counted by the caller over everyone (by default,
    over ``states``)."""
    cap = config.limit if limit is None else limit
    skipped = dict.fromkeys(SKIPPED, 0)
    for reason, count in (unlisted or {}).items():
        skipped[reason] += count
    day_start = local_day_start(as_of)
    counted = 0
    # each contact judged from its nine measures; the measures are kept only for those
    # sure to be explained (the reply lane, back-off and dormant lists, light-touch
    # candidates) and measured again for the few other rows listed: memory stays flat on
    # a large network
    judged: list[tuple[_Verdict, ContactState, list[float] | None]] = []
    for s in states:
        first = s.first_meaningful
        if first is not None and s.first_meaningful_direction == "out" and day_start <= first:
            counted += first <= as_of
        if s.tier == "none" and s.pending_in is None and not s.debt:
            # never listed: counted without the measures (most of an imported network),
            # with the reason assess() would give
            snoozed = s.snoozed_until is not None and s.snoozed_until > as_of
            skipped["snoozed" if snoozed else "untargeted"] += 1
            continue
        values = _measures(s, as_of, config)
        verdict = _judge(s, _score(values, config), as_of, config)
        sure = (
            verdict.lane == REPLY
            or verdict.hidden in ("dormant", "backoff")
            or light_touch(verdict, s, values, config)
        )
        judged.append((verdict, s, values if sure else None))
    judged.sort(key=lambda item: _order(item[0].lane, item[0].score, item[1]))
    if intros_today is None:
        intros_today = counted

    def full(verdict: _Verdict, s: ContactState, values: list[float] | None) -> Assessment:
        if values is None:
            values = _measures(s, as_of, config)
        return _assessment(s, values, verdict, as_of, config)

    kept: dict[str, list[Assessment]] = {"dormant": [], "backoff": []}
    shown: list[Assessment] = []
    light: list[Assessment] = []
    intros_left = max(0, config.intro_per_day - intros_today)
    outreach = 0
    for verdict, s, measured in judged:
        if verdict.hidden is not None:
            if (
                measured is not None
                and len(light) < config.light_per_day
                and light_touch(verdict, s, measured, config)
            ):
                light.append(_assessment(s, measured, verdict, as_of, config, light=True))
                continue
            skipped[verdict.hidden] += 1
            if verdict.hidden in kept:
                kept[verdict.hidden].append(full(verdict, s, measured))
            continue
        if verdict.lane == OUTREACH:
            if verdict.action == "intro" and intros_left <= 0:
                skipped["intro_capped"] += 1
                continue
            if outreach >= cap:
                skipped["over_limit"] += 1
                continue
            intros_left -= verdict.action == "intro"
            outreach += 1
        shown.append(full(verdict, s, measured))
    listed = (*shown, *light)
    return Ranking(
        as_of=as_of,
        suggestions=tuple(Suggestion(n, a) for n, a in enumerate(listed, 1)),
        skipped=skipped,
        dormant=tuple(kept["dormant"]),
        backoff=tuple(kept["backoff"]),
        intros_today=intros_today,
    )
