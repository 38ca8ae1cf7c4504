"""Use cases about your own mix (`rave stats`, the broadcast nudge of `today` and
`digest`): the read door aggregates, ``insight`` interprets, plain data comes back.

Re-exported by ``rave.services`` (commands call ``services.stats``/``services.today_view``);
kept apart so that ``services.py`` stays a readable size. Read-only: no ORM import.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from rave import db, insight, queries, scoring
from rave.config import BalanceConfig, Paths, load_settings
from rave.errors import UsageError


@dataclass(frozen=True)
class TodayView:
    """`rave today` for people: the ranking and, apart from it, at most one line about
    your own broadcasting (never mixed into the people list)."""

    ranking: scoring.Ranking
    broadcast: insight.Nudge | None


def broadcast_nudge(
    conn: sqlite3.Connection, *, as_of: datetime, balance: BalanceConfig
) -> insight.Nudge | None:
    """The one line about your broadcasting as of ``as_of`` (insight.broadcast_nudge)."""
    repost_window, recent_since = insight.nudge_windows(as_of)
    facts = queries.broadcast_facts(
        conn, as_of=as_of, repost_window=repost_window, recent_since=recent_since
    )
    return insight.broadcast_nudge(facts, as_of=as_of, balance=balance)


def today_view(
    paths: Paths,
    *,
    as_of: datetime,
    limit: int | None = None,
    tier: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
    broadcast: bool = True,
) -> TodayView:
    """Today's ranking and (unless ``broadcast`` is false) the broadcast nudge. The
    filters narrow the people only: the nudge is about you."""
    config, balance = load_settings(paths.config)
    with db.reading(paths.db) as conn:
        states = queries.contact_states(
            conn, as_of=as_of, config=config, tier=tier, tag=tag, channel=channel
        )
        nudge = broadcast_nudge(conn, as_of=as_of, balance=balance) if broadcast else None
    return TodayView(scoring.rank(states, as_of=as_of, config=config, limit=limit), nudge)


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
