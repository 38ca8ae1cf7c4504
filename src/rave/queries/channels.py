"""Which channel an interaction logged without ``--channel`` goes to (kept apart so that
`rave log` loads no other query)."""

from __future__ import annotations

import sqlite3


def last_channel(conn: sqlite3.Connection, contact_ids: list[int], *, broadcast: bool) -> str:
    """Where to record an interaction logged without ``--channel``: the channel of the
    latest one of the same sort (broadcast, or chat/engage) with these people; else
    ``linkedin`` for a broadcast (a like happens on a platform) and ``other`` for talk."""
    marks = ",".join("?" * len(contact_ids))
    kinds = "('broadcast')" if broadcast else "('chat', 'engage')"
    row = conn.execute(
        f"""SELECT i.channel FROM interaction_contact ic
              JOIN interaction i ON i.id = ic.interaction_id
             WHERE ic.contact_id IN ({marks}) AND i.kind IN {kinds}
             ORDER BY i.happened_at DESC, i.id DESC LIMIT 1""",
        contact_ids,
    ).fetchone()
    if row:
        return str(row[0])
    return "linkedin" if broadcast else "other"
