"""Reads for `rave stats` and a contact's warmth trend (the broadcast nudge's are in
``rave.queries.broadcast``): SQL
aggregation over indexed columns, returning frozen records. The rules that interpret
these numbers (periods, percentiles, who initiated, the ladder, advice, nudges) live in
the pure module ``rave.scoring.mix``; nothing here imports the ORM.

"Yours" means what you did: outbound interactions and live exchanges (``both``) plus your
own posts (``post``), which count as broadcasts. An interaction counts once, however many
contacts it names, except by tier, where it counts once per distinct tier among its
contacts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rave import choices, timeutil
from rave.queries.broadcast import window, zero_counts

# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    start: datetime
    end: datetime  # exclusive: the next period's start
    counts: dict[str, int]  # broadcast / chat / engage


@dataclass(frozen=True, slots=True)
class Activity:
    """Your own interactions and posts between ``since`` and ``until``."""

    periods: tuple[PeriodCounts, ...]
    totals: dict[str, int]  # outbound interactions + posts, by kind
    posts: int  # how many of totals["broadcast"] are posts
    received: dict[str, int]  # inbound interactions, by kind (not part of your mix)
    by_channel: dict[str, dict[str, int]]  # channels with activity, in choices.CHANNELS order
    by_tier: dict[str, dict[str, int]]  # every tier, zeros included


@dataclass(frozen=True, slots=True)
class ReplyEpisode:
    """Someone waited for you: ``asked`` is the earliest inbound meaningful message that
    needs a reply after your previous outbound meaningful one to them, ``answered`` your
    next outbound meaningful message to them (``None``: still waiting)."""

    contact_id: int
    asked: datetime
    answered: datetime | None


@dataclass(frozen=True, slots=True)
class Opening:
    """A meaningful interaction with one contact in the period, and the silence before it
    (seconds since the previous meaningful interaction with them; ``None``: the first).
    ``direction``: "out" (you) or "in" (they) opened it, the starter of a live exchange;
    "both" for a live exchange whose starter is unknown."""

    contact_id: int
    direction: str
    silence_s: int | None


@dataclass(frozen=True, slots=True)
class RungMove:
    """How many contacts stood on rung ``before`` at ``since`` and on ``now`` at ``until``
    (rungs: 0 nothing, 1 broadcast only, 2 chatting, 3 engaged, 4 met offline)."""

    before: int
    now: int
    contacts: int


# --- your activity ------------------------------------------------------------------------

# The periods drive the loop (CROSS JOIN keeps them outside) so that each one is a range
# scan of the indexed time column, however many periods there are.
_ACTIVITY_SQL = """
WITH b AS MATERIALIZED (
    SELECT CAST(key AS INTEGER) AS n, json_extract(value, '$[0]') AS lo,
           json_extract(value, '$[1]') AS hi
      FROM json_each(:bounds)
)
SELECT b.n, i.channel, i.kind, 0, COUNT(*)
  FROM b CROSS JOIN interaction i
 WHERE i.happened_at >= b.lo AND i.happened_at < b.hi AND i.happened_at <= :until
   AND i.direction IN ('out', 'both')
 GROUP BY b.n, i.channel, i.kind
UNION ALL
SELECT b.n, p.channel, 'broadcast', 1, COUNT(*)
  FROM b CROSS JOIN post p
 WHERE p.posted_at >= b.lo AND p.posted_at < b.hi AND p.posted_at <= :until
 GROUP BY b.n, p.channel
"""

_RECEIVED_SQL = """
SELECT kind, COUNT(*) FROM interaction
 WHERE direction = 'in' AND happened_at >= :since AND happened_at <= :until
 GROUP BY kind
"""

# One row per (interaction, tier of its contacts): a dinner with two tier-A people counts
# once for A; with an A and a B, once for each.
_BY_TIER_SQL = """
SELECT tier, kind, COUNT(*) FROM (
    SELECT DISTINCT i.id, c.tier, i.kind
      FROM interaction i
      JOIN interaction_contact ic ON ic.interaction_id = i.id
      JOIN contact c ON c.id = ic.contact_id
     WHERE i.direction IN ('out', 'both') AND i.happened_at >= :since
       AND i.happened_at <= :until
)
GROUP BY tier, kind
"""


def activity(
    conn: sqlite3.Connection, bounds: Sequence[tuple[datetime, datetime]], *, until: datetime
) -> Activity:
    """Your activity per period ``[start, end)`` (clipped at ``until``), by channel and by
    tier. ``bounds`` must be contiguous; the first start is the period's ``since``."""
    if not bounds:
        raise ValueError("at least one period")
    params = {
        "since": timeutil.to_db(bounds[0][0]),
        "until": timeutil.to_db(until),
        "bounds": json.dumps([[timeutil.to_db(lo), timeutil.to_db(hi)] for lo, hi in bounds]),
    }
    periods = [zero_counts() for _ in bounds]
    totals = zero_counts()
    channels: dict[str, dict[str, int]] = {}
    posts = 0
    for n, channel, kind, is_post, count in conn.execute(_ACTIVITY_SQL, params):
        periods[n][kind] += count
        totals[kind] += count
        channels.setdefault(channel, zero_counts())[kind] += count
        posts += count if is_post else 0
    received = zero_counts()
    for kind, count in conn.execute(_RECEIVED_SQL, params):
        received[kind] = count
    by_tier = {tier: zero_counts() for tier in choices.TIER_CHOICES}
    for tier, kind, count in conn.execute(_BY_TIER_SQL, params):
        by_tier.setdefault(tier, zero_counts())[kind] = count
    order = {name: index for index, name in enumerate(choices.CHANNELS)}
    by_channel = {
        name: channels[name] for name in sorted(channels, key=lambda c: (order.get(c, 99), c))
    }
    return Activity(
        periods=tuple(
            PeriodCounts(lo, hi, counts) for (lo, hi), counts in zip(bounds, periods, strict=True)
        ),
        totals=totals,
        posts=posts,
        received=received,
        by_channel=by_channel,
        by_tier=by_tier,
    )


# --- conversations ------------------------------------------------------------------------


def _meaningful_events(columns: str, asked: str = "") -> str:
    """SQL: ``ev``, the meaningful events up to ``:until`` (with ``columns``) of the
    contacts who had a meaningful interaction between ``:since`` and ``:until`` (one
    that also meets ``asked``, when given)."""
    return f"""ev AS (
    SELECT {columns}
      FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
     WHERE i.kind IN ('chat', 'engage') AND i.happened_at <= :until
       AND ic.contact_id IN (
           SELECT x.contact_id FROM interaction y
             JOIN interaction_contact x ON x.interaction_id = y.id
            WHERE y.happened_at >= :since AND y.happened_at <= :until
              AND {asked}y.kind IN ('chat', 'engage'))
)"""


# Meaningful events per contact in (when, id) order; an inbound one that needs a reply
# belongs to the episode closed by the next outbound meaningful event (NULL: still open).
_REPLY_EVENTS = _meaningful_events(
    """ic.contact_id AS cid, i.direction AS dir, i.needs_reply AS nr,
           i.happened_at AS t, i.happened_at || printf('%012d', i.id) AS k""",
    asked="y.direction = 'in' AND y.needs_reply AND ",
)
_REPLY_SQL = f"""
WITH {_REPLY_EVENTS},
w AS (
    SELECT cid, dir, nr, t,
           MIN(CASE WHEN dir IN ('out', 'both') THEN k END) OVER (
               PARTITION BY cid ORDER BY k ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
           ) AS next_out
      FROM ev
)
SELECT cid, MIN(t), substr(next_out, 1, 20)
  FROM w WHERE dir = 'in' AND nr
 GROUP BY cid, next_out
HAVING MIN(t) >= :since
 ORDER BY MIN(t), cid
"""

_OPENING_EVENTS = _meaningful_events(
    """ic.contact_id AS cid,
           -- a live exchange was opened by whoever started it (unknown: neither)
           CASE WHEN i.direction != 'both' THEN i.direction
                WHEN i.started_by = 'me' THEN 'out'
                WHEN i.started_by = 'them' THEN 'in'
                ELSE 'both' END AS dir,
           i.happened_at AS t,
           LAG(i.happened_at) OVER (
               PARTITION BY ic.contact_id ORDER BY i.happened_at, i.id
           ) AS prev"""
)
_OPENINGS_SQL = f"""
WITH {_OPENING_EVENTS}
SELECT cid, dir,
       CAST(strftime('%s', t) AS INTEGER) - CAST(strftime('%s', prev) AS INTEGER)
  FROM ev WHERE t >= :since
 ORDER BY t, cid
"""


def reply_episodes(
    conn: sqlite3.Connection, *, since: datetime, until: datetime
) -> list[ReplyEpisode]:
    """Every wait for your answer that began between ``since`` and ``until``."""
    return [
        ReplyEpisode(cid, timeutil.from_db(asked), timeutil.from_db_opt(answered))
        for cid, asked, answered in conn.execute(_REPLY_SQL, window(since, until))
    ]


def openings(conn: sqlite3.Connection, *, since: datetime, until: datetime) -> list[Opening]:
    """Each meaningful interaction per contact in the period, with the silence before."""
    return [
        Opening(cid, direction, None if gap is None else int(gap))
        for cid, direction, gap in conn.execute(_OPENINGS_SQL, window(since, until))
    ]


# --- the relationship ladder --------------------------------------------------------------

_LADDER_SQL = """
WITH r AS (
    SELECT ic.contact_id AS cid, i.happened_at AS t,
           CASE WHEN i.kind IN ('chat', 'engage') AND i.direction = 'both' THEN 4
                WHEN i.kind = 'engage' THEN 3
                WHEN i.kind = 'chat' THEN 2
                ELSE 1 END AS rung
      FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
     WHERE i.happened_at <= :until
),
per AS (
    SELECT c.id, COALESCE(MAX(CASE WHEN r.t < :since THEN r.rung END), 0) AS before,
           COALESCE(MAX(r.rung), 0) AS now
      FROM contact c LEFT JOIN r ON r.cid = c.id
     GROUP BY c.id
)
SELECT before, now, COUNT(*) FROM per GROUP BY before, now ORDER BY before, now
"""


def rung_moves(conn: sqlite3.Connection, *, since: datetime, until: datetime) -> list[RungMove]:
    """Contacts by (highest rung before ``since``, highest rung at ``until``)."""
    return [RungMove(*row) for row in conn.execute(_LADDER_SQL, window(since, until))]


# --- one contact's warmth over time -------------------------------------------------------

_TREND_SQL = """
WITH m AS (SELECT CAST(key AS INTEGER) AS n, value AS at FROM json_each(:moments))
SELECT m.n, (
    SELECT COALESCE(SUM(rave_warmth(i.kind, i.channel, i.direction,
               (CAST(strftime('%s', m.at) AS INTEGER)
                - CAST(strftime('%s', i.happened_at) AS INTEGER)) / 86400.0)), 0.0)
      FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
     WHERE ic.contact_id = :cid AND i.happened_at <= m.at)
  FROM m ORDER BY m.n
"""


def warmth_at(
    conn: sqlite3.Connection, contact_id: int, moments: Sequence[datetime]
) -> list[float]:
    """The contact's warmth (spec/scoring.md) as of each moment, in order."""
    params = {"cid": contact_id, "moments": json.dumps([timeutil.to_db(m) for m in moments])}
    return [float(value) for _, value in conn.execute(_TREND_SQL, params)]
