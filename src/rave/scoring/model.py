"""The ranking model: a contact's assessment (the terms of ``scoring.terms``, its score,
lane and visibility, the action of ``scoring.actions``), and the order and volume rules
of the daily list (spec/scoring.md v2). PURE: state + as_of + config in, plain data out."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple

from rave.config import ALL_TIERS, RankConfig
from rave.scoring.actions import (
    _REASONS,
    LIGHT,
    OUTREACH,
    REPLY,
    _action,
    _advice,
    _channel,
    _talking_point,
)
from rave.scoring.state import _DEFAULT, LANES, SKIPPED, ContactState, _days
from rave.scoring.terms import Term, _measures, _post_recent, _r, _rows, _score


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
    casefolded, the contact's global id, contact_id): the same order on every machine
    (``rave.gid``), and total as long as contact ids are distinct."""
    return _order(a.lane, a.score, a.state)


def _order(lane: int, score: float, s: ContactState) -> tuple[Any, ...]:
    last = s.last_meaningful
    tier = ALL_TIERS.index(s.tier) if s.tier in ALL_TIERS else len(ALL_TIERS)
    when = last.timestamp() if last is not None else 0.0
    name = s.name.casefold()
    return (lane, -score, tier, last is not None, when, name, s.contact_gid, s.contact_id)


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
