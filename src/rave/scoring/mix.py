"""PURE rules for your own mix of broadcast, chat and engage (`rave stats`, the
broadcast nudge in `rave today`/`digest`, the warmth trend in `rave show`).

The SQL door (``rave.queries.history``) aggregates; this module holds the rules that turn
those numbers into answers. Nothing here reads a clock or a database: ``until`` and
``as_of`` are always arguments. Calendar periods (weeks from Monday, months) and month
labels follow the local time zone, as everything shown to a person does (``timeutil``).

Rules (README "rave stats", docs/decisions.md):

- Initiation: a conversation with a contact starts with the first meaningful (chat or
  engage) interaction with them ever, or the first after ``SILENCE_DAYS`` or more without
  one; whoever sent it initiated it (``out``: you, ``in``: them). Counted per contact.
- Reply latency: per wait, from the earliest inbound meaningful message that needs a
  reply (after your previous outbound meaningful message to that person) to your next
  outbound meaningful message to them. Waits that began in the period count; those not
  answered by ``until`` are "waiting", not latencies. Median and 90th percentile use
  linear interpolation between the closest ranks.
- Ladder: a contact's highest rung reached: met offline (a meaningful interaction on
  in_person, phone or video) > engaged (any engage) > chatting (any chat) > broadcast
  only; "moved up" compares the rung at ``since`` with the rung at ``until``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from rave import timeutil
from rave.choices import KINDS

if TYPE_CHECKING:
    from rave.config import BalanceConfig
    from rave.queries.broadcast import BroadcastFacts, PostRow
    from rave.queries.history import Opening, ReplyEpisode, RungMove

BY = ("week", "month")
DEFAULT_PERIODS = 12  # `rave stats` without --since: the current period and 11 before
SILENCE_DAYS = 14  # a meaningful interaction after this much silence opens a conversation
RUNGS = ("not_started", "broadcast_only", "chatting", "engaged", "met_offline")
CLOSE_ENOUGH = 0.10  # every share within this of its target: the mix is fine
SPARKS = "▁▂▃▄▅▆▇█"
TREND_MONTHS = 12

# The broadcast nudge (first rule that matches).
REPOST_MIN_DAYS, REPOST_MAX_DAYS = 14, 56  # (b) a post from 2 to 8 weeks ago...
RECENT_DAYS = 28  # (c) ...else your mix over the last 4 weeks:
CONVERSE_MARGIN = 0.25  # broadcast share above target + this
CONVERSE_MIN = 5  # with at least this many interactions and posts
FALLBACK_CHANNEL = "linkedin"

# --- periods ------------------------------------------------------------------------------


def _first_day(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _step(day: date, by: str, count: int = 1) -> date:
    if by == "week":
        return day + timedelta(days=7 * count)
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _check_by(by: str) -> None:
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, not {by!r}")


def period_start(moment: datetime, by: str) -> datetime:
    """The start (local midnight, as UTC) of the local week (Monday) or month holding
    ``moment``."""
    _check_by(by)
    return timeutil.local_midnight(_first_day(timeutil.local_date(moment), by))


def default_since(until: datetime, by: str, count: int = DEFAULT_PERIODS) -> datetime:
    """The start of the period ``count - 1`` periods before the one holding ``until``."""
    _check_by(by)
    first = _first_day(timeutil.local_date(until), by)
    return timeutil.local_midnight(_step(first, by, -(count - 1)))


def period_bounds(since: datetime, until: datetime, by: str) -> list[tuple[datetime, datetime]]:
    """Contiguous ``[start, end)`` periods from the one holding ``since`` to the one
    holding ``until``, empty ones included (so a chart has no gaps)."""
    _check_by(by)
    day = _first_day(timeutil.local_date(since), by)
    last = _first_day(timeutil.local_date(max(since, until)), by)
    bounds = []
    while day <= last:
        following = _step(day, by)
        bounds.append((timeutil.local_midnight(day), timeutil.local_midnight(following)))
        day = following
    return bounds


def period_label(start: datetime, by: str) -> str:
    """``2026-08-31`` (the Monday) for a week, ``2026-08`` for a month, local."""
    day = timeutil.local_date(start)
    return day.isoformat() if by == "week" else f"{day:%Y-%m}"


# --- numbers ------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) by linear interpolation between closest ranks (the
    median of an even count is the mean of the middle two); ``None`` without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def shares(counts: Mapping[str, int]) -> dict[str, float] | None:
    """Each kind's share of the total; ``None`` when there is nothing."""
    total = sum(counts.get(kind, 0) for kind in KINDS)
    if not total:
        return None
    return {kind: counts.get(kind, 0) / total for kind in KINDS}


class Latency(NamedTuple):
    median: float | None  # days
    p90: float | None
    replies: int  # waits you answered
    waiting: int  # waits not answered by `until`


def reply_latency(episodes: Iterable[ReplyEpisode]) -> Latency:
    days: list[float] = []
    waiting = 0
    for episode in episodes:
        if episode.answered is None:
            waiting += 1
        else:
            days.append(timeutil.days_between(episode.asked, episode.answered))
    return Latency(percentile(days, 0.5), percentile(days, 0.9), len(days), waiting)


class Initiated(NamedTuple):
    me: int
    them: int


def initiated(openings: Iterable[Opening], silence_days: float = SILENCE_DAYS) -> Initiated:
    """Who opened each conversation (see the module docstring)."""
    me = them = 0
    for opening in openings:
        if opening.silence_s is None or opening.silence_s >= silence_days * 86400:
            if opening.direction == "out":
                me += 1
            elif opening.direction == "in":
                them += 1
    return Initiated(me, them)


class Ladder(NamedTuple):
    counts: dict[str, int]  # contacts per highest rung at `until`, every RUNGS key
    moved_up: int  # contacts whose highest rung at `until` is above the one at `since`


def ladder(moves: Iterable[RungMove]) -> Ladder:
    counts = dict.fromkeys(RUNGS, 0)
    moved = 0
    for move in moves:
        counts[RUNGS[move.now]] += move.contacts
        if move.now > move.before:
            moved += move.contacts
    return Ladder(counts, moved)


def _pct(value: float) -> str:
    return f"{round(100 * value)}%"


_ADVICE = {
    ("broadcast", True): "turn your next post into conversations: send it personally to a "
    "few people it would help and ask what they think",
    ("broadcast", False): "post something useful now and then, so the people you want to "
    "reach see what you do",
    ("chat", True): "turn some of that small talk into one-to-one help, an introduction or a call",
    ("chat", False): "answer and comment on people's posts, and send a few short personal messages",
    ("engage", True): "keep in lighter touch with more people between the bigger efforts",
    ("engage", False): "each week, turn one chat into something one-to-one: help, an "
    "introduction, a call or a coffee",
}


def advice(totals: Mapping[str, int], target: Mapping[str, float]) -> str:
    """One sentence on what to change: about the kind furthest from its target share."""
    mix = shares(totals)
    if mix is None:
        return (
            "Nothing of yours in this period: log your conversations with `rave log` and "
            "your posts with `rave post`."
        )
    gaps = {kind: mix[kind] - target[kind] for kind in KINDS}
    kind = max(KINDS, key=lambda k: abs(gaps[k]))
    if abs(gaps[kind]) < CLOSE_ENOUGH:
        return "Your mix is close to your target: keep it that way."
    over = gaps[kind] > 0
    amount = f"{kind.capitalize()} is {'' if over else 'only '}{_pct(mix[kind])} of what you did"
    return f"{amount} (target {_pct(target[kind])}): {_ADVICE[kind, over]}."


# --- your broadcasting --------------------------------------------------------------------


class Nudge(NamedTuple):
    kind: str  # "post" | "repost" | "converse"
    message: str  # one line for people
    channel: str | None
    post: PostRow | None  # the post to share again ("repost")


def nudge_windows(as_of: datetime) -> tuple[tuple[datetime, datetime], datetime]:
    """The repost window (posts from 8 to 2 weeks before ``as_of``) and the start of the
    recent window (4 weeks) that ``broadcast_nudge`` reads."""
    repost = (as_of - timedelta(days=REPOST_MAX_DAYS), as_of - timedelta(days=REPOST_MIN_DAYS))
    return repost, as_of - timedelta(days=RECENT_DAYS)


def broadcast_nudge(
    facts: BroadcastFacts, *, as_of: datetime, balance: BalanceConfig
) -> Nudge | None:
    """At most one line about your own broadcasting, the first rule that matches:

    (a) nothing posted for more than ``post_every`` days (or never, once you have a
        contact) → post on your most used channel (most posts; linkedin without any);
    (b) a post from 2 to 8 weeks ago went out once (no other post with the same text or
        url) → share it again;
    (c) over the last 4 weeks, at least 5 interactions and posts and a broadcast share
        above target + 0.25 → turn the next post into conversations.

    A fresh store (no contact, no post) gets none.
    """
    if not facts.contacts and not facts.posts:
        return None
    channel = facts.top_channel or FALLBACK_CHANNEL
    if facts.last_post_at is None:
        return Nudge(
            "post",
            f"No post of yours recorded yet: share something useful on {channel}, "
            "then record it with `rave post`.",
            channel,
            None,
        )
    quiet = timeutil.days_between(facts.last_post_at, as_of)
    if quiet > balance.post_every:
        return Nudge(
            "post",
            f"Nothing posted for {math.floor(quiet)} days (you aim for every "
            f"{balance.post_every:g}): share something useful on {channel}.",
            channel,
            None,
        )
    if facts.repost is not None:
        post = facts.repost
        text = " ".join(post.text.split())
        return Nudge(
            "repost",
            f"Share your {timeutil.show_date(post.when)} post on {post.channel} again "
            f'("{text}"): repetition is fine: most people did not see it.',
            post.channel,
            post,
        )
    recent = shares(facts.recent)
    count = sum(facts.recent.values())
    if (
        recent is not None
        and count >= CONVERSE_MIN
        and recent["broadcast"] > balance.broadcast + CONVERSE_MARGIN
    ):
        return Nudge(
            "converse",
            f"Broadcast is {_pct(recent['broadcast'])} of what you did in the last 4 weeks "
            f"(target {_pct(balance.broadcast)}): turn your next post into conversations "
            "with the people it would help.",
            channel,
            None,
        )
    return None


# --- one contact's warmth trend -----------------------------------------------------------


def month_ends(as_of: datetime, count: int = TREND_MONTHS) -> list[tuple[str, datetime]]:
    """``count`` (label, moment) samples: the ends (local) of the ``count - 1`` months
    before the one holding ``as_of``, then ``as_of`` itself for the current month."""
    current = timeutil.local_date(as_of).replace(day=1)
    samples = []
    for back in range(count - 1, 0, -1):
        month = _step(current, "month", -back)
        samples.append((f"{month:%Y-%m}", timeutil.local_midnight(_step(month, "month"))))
    samples.append((f"{current:%Y-%m}", as_of))
    return samples


def sparkline(values: Sequence[float]) -> str:
    """One block per value, from ▁ (0) to █ (the largest), on a scale starting at 0."""
    top = max(values, default=0.0)
    if top <= 0:
        return SPARKS[0] * len(values)
    last = len(SPARKS) - 1
    return "".join(SPARKS[min(last, max(0, round(v / top * last)))] for v in values)
