"""The nine terms of spec/scoring.md (v2): each one's measure of a contact's state (in
[0, 1]), the note that explains it, and the numbers of the explanation (measure,
coefficient, contribution). PURE, like the rest of ``scoring``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

from rave.config import RankConfig
from rave.scoring.state import (
    _SCALE,
    DECIMALS,
    DUE_FLOOR,
    DUE_RAMP,
    MIX_FULL,
    RECENT_OUT_DAYS,
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
