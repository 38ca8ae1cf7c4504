"""Use cases about your own mix (`rave stats`, the broadcast nudge of `today` and
`digest`): the read door aggregates, ``insight`` interprets, plain data comes back.

Re-exported by ``rave.services`` (commands call ``services.stats``/``services.today_view``);
kept apart so that ``services.py`` stays a readable size. Read-only: no ORM import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rave import db, insight, queries
from rave.config import Paths, load_settings
from rave.errors import UsageError
from rave.services.ranking import broadcast_nudge


@dataclass(frozen=True)
class StatsReport:
    """`rave stats`: your own activity between ``since`` and ``until`` and what it says."""

    since: datetime  # the first period's start
    until: datetime
    by: str  # "week" | "month"
    activity: queries.Activity
    target: dict[str, float]
    shares: dict[str, float] | None
    advice: str
    latency: insight.Latency
    initiated: insight.Initiated
    ladder: insight.Ladder
    broadcast: insight.Nudge | None


def stats(
    paths: Paths, *, until: datetime, since: datetime | None = None, by: str = "week"
) -> StatsReport:
    """Counts per local week or month from the period holding ``since`` (default: 12
    periods back) to ``until``, the mix against ``[balance]``, reply latency, who
    initiates, the relationship ladder and the broadcast nudge as of ``until``."""
    if by not in insight.BY:
        raise UsageError(f"unknown period {by!r}", hint="use --by week or --by month")
    if since is not None and since > until:
        raise UsageError("--since is after --as-of", hint="e.g. --since 12w")
    balance = load_settings(paths.config)[1]
    start = insight.default_since(until, by) if since is None else insight.period_start(since, by)
    bounds = insight.period_bounds(start, until, by)
    with db.reading(paths.db) as conn:
        activity = queries.activity(conn, bounds, until=until)
        episodes = queries.reply_episodes(conn, since=start, until=until)
        openings = queries.openings(conn, since=start, until=until)
        moves = queries.rung_moves(conn, since=start, until=until)
        nudge = broadcast_nudge(conn, as_of=until, balance=balance)
    return StatsReport(
        since=start,
        until=until,
        by=by,
        activity=activity,
        target=balance.target,
        shares=insight.shares(activity.totals),
        advice=insight.advice(activity.totals, balance.target),
        latency=insight.reply_latency(episodes),
        initiated=insight.initiated(openings),
        ladder=insight.ladder(moves),
        broadcast=nudge,
    )
