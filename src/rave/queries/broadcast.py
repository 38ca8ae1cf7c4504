"""Reads for the broadcast nudge that `rave today` and `digest` print: what you posted and
did lately (kept apart from ``rave.queries.history`` so that the daily commands load only
this). "Yours" means outbound interactions plus your own posts, which count as broadcasts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from rave import choices, timeutil


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(choices.KINDS, 0)


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    text: str
    channel: str
    url: str | None
    when: datetime


@dataclass(frozen=True, slots=True)
class BroadcastFacts:
    """What the broadcast nudge looks at, as of one moment."""

    contacts: int
    posts: int
    last_post_at: datetime | None
    top_channel: str | None  # the channel with most posts (ties: the latest used)
    repost: PostRow | None  # the oldest post in the repost window that went out once
    recent: dict[str, int]  # your outbound interactions + posts in the recent window


_MINE = """
    mine AS (
        SELECT happened_at AS t, kind, channel, 0 AS is_post FROM interaction
         WHERE direction = 'out' AND happened_at >= :since AND happened_at <= :until
        UNION ALL
        SELECT posted_at, 'broadcast', channel, 1 FROM post
         WHERE posted_at >= :since AND posted_at <= :until
    )"""


def window(since: datetime, until: datetime) -> dict[str, str]:
    return {"since": timeutil.to_db(since), "until": timeutil.to_db(until)}


# --- your broadcasting --------------------------------------------------------------------

_REPOST_SQL = """
SELECT p.id, p.text, p.channel, p.url, p.posted_at FROM post p
 WHERE p.posted_at >= :lo AND p.posted_at <= :hi
   AND NOT EXISTS (
       SELECT 1 FROM post q
        WHERE q.id != p.id AND q.posted_at <= :as_of
          AND (lower(trim(q.text)) = lower(trim(p.text))
               OR (p.url IS NOT NULL AND q.url = p.url)))
 ORDER BY p.posted_at, p.id
 LIMIT 1
"""


def broadcast_facts(
    conn: sqlite3.Connection,
    *,
    as_of: datetime,
    repost_window: tuple[datetime, datetime],
    recent_since: datetime,
) -> BroadcastFacts:
    at = timeutil.to_db(as_of)
    contacts = int(conn.execute("SELECT COUNT(*) FROM contact").fetchone()[0])
    posts, last = conn.execute(
        "SELECT COUNT(*), MAX(posted_at) FROM post WHERE posted_at <= ?", (at,)
    ).fetchone()
    top = conn.execute(
        "SELECT channel FROM post WHERE posted_at <= ? GROUP BY channel "
        "ORDER BY COUNT(*) DESC, MAX(posted_at) DESC, channel LIMIT 1",
        (at,),
    ).fetchone()
    lo, hi = repost_window
    row = conn.execute(
        _REPOST_SQL, {"lo": timeutil.to_db(lo), "hi": timeutil.to_db(hi), "as_of": at}
    ).fetchone()
    repost = (
        None
        if row is None
        else PostRow(
            id=row[0], text=row[1], channel=row[2], url=row[3], when=timeutil.from_db(row[4])
        )
    )
    recent = zero_counts()
    for kind, count in conn.execute(
        f"WITH {_MINE.strip()} SELECT kind, COUNT(*) FROM mine GROUP BY kind",
        window(recent_since, as_of),
    ):
        recent[kind] = count
    return BroadcastFacts(
        contacts=contacts,
        posts=int(posts),
        last_post_at=timeutil.from_db_opt(last),
        top_channel=None if top is None else str(top[0]),
        repost=repost,
        recent=recent,
    )
