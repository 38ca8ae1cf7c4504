"""`rave stats`: your own mix over time. The read door aggregates
(``rave.queries.history``), ``rave.scoring.mix`` interprets, plain data comes back.
Read-only: no ORM import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rave import db
from rave.config import Paths, load_settings
from rave.errors import UsageError
from rave.queries import history
from rave.scoring import mix
from rave.services.ranking import broadcast_nudge


@dataclass(frozen=True, slots=True)
class StatsReport:
    """`rave stats`: your own activity between ``since`` and ``until`` and what it says."""

    since: datetime  # the first period's start
    until: datetime
    by: str  # "week" | "month"
    activity: history.Activity
    target: dict[str, float]
    shares: dict[str, float] | None
    advice: str
    latency: mix.Latency
    initiated: mix.Initiated
    ladder: mix.Ladder
    broadcast: mix.Nudge | None


def report(
    paths: Paths, *, until: datetime, since: datetime | None = None, by: str = "week"
) -> StatsReport:
    """Counts per local week or month from the period holding ``since`` (default: 12
    periods back) to ``until``, the mix against ``[balance]``, reply latency, who
    initiates, the relationship ladder and the broadcast nudge as of ``until``."""
    if by not in mix.BY:
        raise UsageError(f"unknown period {by!r}", hint="use --by week or --by month")
    if since is not None and since > until:
        raise UsageError("--since is after --as-of", hint="e.g. --since 12w")
    balance = load_settings(paths.config)[1]
    start = mix.default_since(until, by) if since is None else mix.period_start(since, by)
    bounds = mix.period_bounds(start, until, by)
    with db.reading(paths.db) as conn:
        activity = history.activity(conn, bounds, until=until)
        episodes = history.reply_episodes(conn, since=start, until=until)
        openings = history.openings(conn, since=start, until=until)
        moves = history.rung_moves(conn, since=start, until=until)
        nudge = broadcast_nudge(conn, as_of=until, balance=balance)
    return StatsReport(
        since=start,
        until=until,
        by=by,
        activity=activity,
        target=balance.target,
        shares=mix.shares(activity.totals),
        advice=mix.advice(activity.totals, balance.target),
        latency=mix.reply_latency(episodes),
        initiated=mix.initiated(openings),
        ladder=mix.ladder(moves),
        broadcast=nudge,
    )
