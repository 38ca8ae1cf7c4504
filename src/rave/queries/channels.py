"""What `rave log` fills in: the channel of an interaction logged without ``--channel``,
and the moment of one logged with a day only (kept apart so that `rave log` loads no
other query)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from rave import timeutil


def last_channel(conn: sqlite3.Connection, contact_ids: list[int], *, broadcast: bool) -> str:
    """Where to record an interaction logged without ``--channel``: the channel of the
    latest one of the same sort (broadcast, or chat/engage) with these people, calls and
    meetings aside: those record a live exchange, which answers everything before it, so
    only a channel you name (`-c phone`, `-c irl`) records one (a message logged after a
    coffee is no meeting); else ``linkedin`` for a broadcast (a like happens on a
    platform) and ``other`` for talk."""
    marks = ",".join("?" * len(contact_ids))
    kinds = "('broadcast')" if broadcast else "('chat', 'engage')"
    row = conn.execute(
        f"""SELECT i.channel FROM interaction_contact ic
              JOIN interaction i ON i.id = ic.interaction_id
             WHERE ic.contact_id IN ({marks}) AND i.kind IN {kinds}
               AND i.channel NOT IN ('phone', 'video', 'in_person')
             ORDER BY i.happened_at DESC, i.id DESC LIMIT 1""",
        contact_ids,
    ).fetchone()
    if row:
        return str(row[0])
    return "linkedin" if broadcast else "other"


def latest_between(
    conn: sqlite3.Connection, contact_ids: Iterable[int], start: datetime, end: datetime
) -> datetime | None:
    """The latest moment, within ``[start, end]``, of an interaction with any of these
    contacts (None: none then)."""
    import json  # here: only a WHEN that names a day asks

    row = conn.execute(
        """SELECT MAX(i.happened_at) FROM interaction_contact ic
             JOIN interaction i ON i.id = ic.interaction_id
            WHERE ic.contact_id IN (SELECT value FROM json_each(?))
              AND i.happened_at BETWEEN ? AND ?""",
        (json.dumps(sorted(set(contact_ids))), timeutil.to_db(start), timeutil.to_db(end)),
    ).fetchone()
    return None if row[0] is None else timeutil.from_db(row[0])
