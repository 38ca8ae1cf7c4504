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

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from rave import timeutil
from rave.scoring import Event, Tally

# Tally's fields in the order of contact_tally's columns (after contact_id), and how each
# is stored: moments as the store's text, lists as space-separated text.
_MOMENTS = frozenset(
    {"first_m", "last_m", "last_out", "pending", "last_post", "debt_since", "last_offline"}
)
_MOMENT_LISTS = frozenset({"recent", "recent_in"})
COLUMNS = tuple(f.name for f in fields(Tally) if f.name != "latest")
_SELECT = ", ".join(f"t.{name}" for name in ("latest_at", "latest_id", *COLUMNS))


def select_columns(alias: str = "t") -> str:
    """The SELECT list that ``from_row`` reads, for the table aliased ``alias``."""
    return _SELECT.replace("t.", f"{alias}.")


# positions in a row of select_columns (after latest_at and latest_id) of what is not
# stored as itself
_AT = tuple(2 + COLUMNS.index(name) for name in sorted(_MOMENTS))
_LISTS_AT = tuple(2 + COLUMNS.index(name) for name in sorted(_MOMENT_LISTS))
_GAPS_AT = 2 + COLUMNS.index("streak_gaps")
_RESPONDED_AT = 2 + COLUMNS.index("responded")


def from_row(row: Sequence[Any]) -> Tally:
    """The tally stored in ``row`` (the columns of ``select_columns``). (Runs once per
    contact ranked: converts only the columns that need it.)"""
    moment = datetime.fromisoformat
    values = list(row)
    for at in _AT:
        if values[at] is not None:
            values[at] = moment(values[at])
    for at in _LISTS_AT:
        values[at] = [moment(v) for v in values[at].split()] if values[at] else []
    values[_GAPS_AT] = [float(v) for v in values[_GAPS_AT].split()] if values[_GAPS_AT] else []
    values[_RESPONDED_AT] = bool(values[_RESPONDED_AT])
    return Tally((moment(values[0]), values[1]), *values[2:])


def to_row(tally: Tally) -> tuple[Any, ...]:
    """The column values of ``tally`` (which has events), in ``select_columns`` order."""
    assert tally.latest is not None
    out: list[Any] = [timeutil.to_db(tally.latest[0]), tally.latest[1]]
    for name in COLUMNS:
        value = getattr(tally, name)
        if name in _MOMENTS:
            value = None if value is None else timeutil.to_db(value)
        elif name in _MOMENT_LISTS:
            value = " ".join(timeutil.to_db(v) for v in value)
        elif name == "streak_gaps":
            value = " ".join(repr(v) for v in value)
        elif name == "responded":
            value = int(value)
        out.append(value)
    return tuple(out)


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


_INSERT = (
    f"INSERT OR REPLACE INTO contact_tally (contact_id, {_SELECT.replace('t.', '')})"
    f" VALUES ({', '.join('?' * (len(COLUMNS) + 3))})"
)


def _save(conn: sqlite3.Connection, contact_id: int, tally: Tally) -> None:
    conn.execute(_INSERT, (contact_id, *to_row(tally)))


def rebuild(conn: sqlite3.Connection, contact_ids: Iterable[int] | None = None) -> int:
    """Fold again the whole history of these contacts (of everyone: None); returns the
    number of tallies written. Runs inside the caller's transaction."""
    if contact_ids is None:
        conn.execute("DELETE FROM contact_tally")
        rows = conn.execute(_EVENTS + " ORDER BY ic.contact_id, i.happened_at, i.id")
        return _write_all(conn, rows)
    import json  # here: a rebuild is rare (a merge, an import, a back-dated log)

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
            f"SELECT {_SELECT} FROM contact_tally t WHERE t.contact_id = ?", (contact_id,)
        ).fetchone()
        tally = Tally() if row is None else from_row(row)
        if tally.latest is not None and tally.latest >= (event.when, event.id):
            stale.append(contact_id)  # back-dated: fold the history again
            continue
        tally.add(event)
        _save(conn, contact_id, tally)
    if stale:
        rebuild(conn, stale)
