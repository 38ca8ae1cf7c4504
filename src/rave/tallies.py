"""Each contact's events folded into a ``scoring.Tally``, kept in the ``contact_tally``
table so that ``rave today`` reads one row per contact instead of every interaction.

A tally is derived data: no score, no due date, nothing that depends on ``as_of`` or the
config (``Tally.state`` applies those at read time). Writers keep it exact: an event
later than a contact's latest is folded in (constant time, what ``rave log`` does almost
always); anything else (a back-dated event, a merge, an import) re-folds that contact's
history. Readers use it for any moment at or after the contact's latest event and fall
back to the full aggregation for earlier moments (``queries.ranking``).

Plain ``sqlite3`` on purpose: the write door calls it on its session's connection, the
migration that creates the table fills it, and neither needs the ORM for it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from rave import timeutil
from rave.scoring import Event, Tally

#: Bumped when Tally's fields change; a row of another format is rebuilt on the next
#: write and ignored (the full aggregation is used) until then.
FORMAT = 1

_TIMES = ("first_m", "last_m", "last_out", "pending", "last_post", "debt_since", "last_offline")


def _stamp(value: datetime) -> int:
    return int(value.timestamp())


def _moment(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def dumps(tally: Tally) -> str:
    """The stored text of a tally: JSON, times as Unix seconds."""
    out: dict[str, Any] = {"format": FORMAT}
    for f in fields(Tally):
        value = getattr(tally, f.name)
        if f.name in _TIMES:
            value = None if value is None else _stamp(value)
        elif f.name == "latest":
            value = None if value is None else [_stamp(value[0]), value[1]]
        elif f.name in ("recent", "recent_in"):
            value = [_stamp(t) for t in value]
        out[f.name] = value
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Tally | None:
    """The tally stored as ``text``; None when it is of another format."""
    data = json.loads(text)
    if data.pop("format", None) != FORMAT:
        return None
    for name in _TIMES:
        if data[name] is not None:
            data[name] = _moment(data[name])
    if data["latest"] is not None:
        data["latest"] = (_moment(data["latest"][0]), data["latest"][1])
    data["recent"] = [_moment(t) for t in data["recent"]]
    data["recent_in"] = [_moment(t) for t in data["recent_in"]]
    return Tally(**data)


_EVENTS = """
SELECT ic.contact_id, i.id, i.happened_at, i.kind, i.direction, i.channel, i.needs_reply,
       i.note
  FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
"""


def _folded(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, Tally]]:
    """(contact, tally) for rows of _EVENTS ordered by contact, then (when, id)."""
    cid: int | None = None
    tally = Tally()
    for contact_id, iid, at, kind, direction, channel, needs_reply, note in rows:
        if contact_id != cid:
            if cid is not None:
                yield cid, tally
            cid, tally = contact_id, Tally()
        event = Event(iid, timeutil.from_db(at), kind, direction, channel, bool(needs_reply), note)
        tally.add(event)
    if cid is not None:
        yield cid, tally


def _save(conn: sqlite3.Connection, contact_id: int, tally: Tally) -> None:
    assert tally.latest is not None
    conn.execute(
        "INSERT OR REPLACE INTO contact_tally (contact_id, latest_at, latest_id, tally)"
        " VALUES (?, ?, ?, ?)",
        (contact_id, timeutil.to_db(tally.latest[0]), tally.latest[1], dumps(tally)),
    )


def rebuild(conn: sqlite3.Connection, contact_ids: Iterable[int] | None = None) -> int:
    """Fold again the whole history of these contacts (of everyone: None); returns the
    number of tallies written. Runs inside the caller's transaction."""
    if contact_ids is None:
        conn.execute("DELETE FROM contact_tally")
        rows = conn.execute(_EVENTS + " ORDER BY ic.contact_id, i.happened_at, i.id")
        return _write_all(conn, rows)
    written = 0
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), 500):
        chunk = json.dumps(ids[start : start + 500])
        conn.execute(
            "DELETE FROM contact_tally WHERE contact_id IN (SELECT value FROM json_each(?))",
            (chunk,),
        )
        rows = conn.execute(
            _EVENTS + " WHERE ic.contact_id IN (SELECT value FROM json_each(?))"
            " ORDER BY ic.contact_id, i.happened_at, i.id",
            (chunk,),
        )
        written += _write_all(conn, rows)
    return written


def _write_all(conn: sqlite3.Connection, rows: sqlite3.Cursor) -> int:
    written = 0
    for contact_id, tally in _folded(rows):  # streamed: one contact in memory at a time
        _save(conn, contact_id, tally)
        written += 1
    return written


def add_event(conn: sqlite3.Connection, contact_ids: Iterable[int], event: Event) -> None:
    """Account for one new interaction of these contacts (already inserted)."""
    stale = []
    for contact_id in contact_ids:
        row = conn.execute(
            "SELECT tally FROM contact_tally WHERE contact_id = ?", (contact_id,)
        ).fetchone()
        tally = Tally() if row is None else loads(row[0])
        if tally is None or (tally.latest is not None and tally.latest >= (event.when, event.id)):
            stale.append(contact_id)  # back-dated, or of another format: fold again
            continue
        tally.add(event)
        _save(conn, contact_id, tally)
    if stale:
        rebuild(conn, stale)
