"""Each contact's events folded into a ``scoring.state.Tally``, kept in the ``contact_tally``
table so that ``rave today`` reads one row per contact instead of every interaction.

A tally is derived data: no score, no due date, nothing that depends on ``as_of`` or the
config (``Tally.state`` applies those at read time). Writers keep it exact: an event
later than a contact's latest is folded in (constant time, what ``rave log`` does almost
always); anything else (a back-dated event, a merge, an import) re-folds that contact's
history. Readers use it for any moment at or after the contact's latest event and fall
back to the full aggregation for earlier moments (``queries.states``).

Plain ``sqlite3`` on purpose: the write door calls it on its session's connection, the
migration that creates the table fills it, and neither needs the ORM for it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import fields
from datetime import datetime
from typing import Any

from rave import timeutil
from rave.scoring.state import Event, Tally

# Tally's fields in the order of contact_tally's columns (after contact_id), and how each
# is stored: moments as the store's text, lists as space-separated text, flags as 0/1.
_MOMENTS = frozenset(
    {"first_m", "last_m", "last_out", "last_init", "pending", "pending_last", "last_post"}
    | {"debt_since"}
    | {"last_offline"}
)
_MOMENT_LISTS = frozenset({"recent", "recent_in"})
_WORD_LISTS = frozenset({"channels"})  # channel names: no spaces
_FLAGS = frozenset({"responded", "last_out_answer"})
COLUMNS = tuple(f.name for f in fields(Tally) if f.name != "latest")
# the latest event's moment, id and gid (the fold's order is (when, gid): ``Tally.latest``)
_LATEST = ("latest_at", "latest_id", "latest_gid")
_SELECT = ", ".join(f"t.{name}" for name in (*_LATEST, *COLUMNS))


def select_columns(alias: str = "t") -> str:
    """The SELECT list that ``from_row`` reads, for the table aliased ``alias``."""
    return _SELECT.replace("t.", f"{alias}.")


# positions in a row of select_columns (after the latest event's) of what is not stored
# as itself
def _at(names: frozenset[str]) -> tuple[int, ...]:
    return tuple(len(_LATEST) + COLUMNS.index(name) for name in sorted(names))


_MOMENTS_AT, _MOMENT_LISTS_AT = _at(_MOMENTS), _at(_MOMENT_LISTS)
_WORD_LISTS_AT, _FLAGS_AT = _at(_WORD_LISTS), _at(_FLAGS)


def from_row(row: Sequence[Any]) -> Tally:
    """The tally stored in ``row`` (the columns of ``select_columns``). (Runs once per
    contact ranked: converts only the columns that need it.)"""
    moment = datetime.fromisoformat
    values = list(row)
    for at in _MOMENTS_AT:
        if values[at] is not None:
            values[at] = moment(values[at])
    for at in _MOMENT_LISTS_AT:
        values[at] = [moment(v) for v in values[at].split()] if values[at] else []
    for at in _WORD_LISTS_AT:
        values[at] = values[at].split()
    for at in _FLAGS_AT:
        values[at] = bool(values[at])
    return Tally((moment(values[0]), values[2], values[1]), *values[3:])


def to_row(tally: Tally) -> tuple[Any, ...]:
    """The column values of ``tally`` (which has events), in ``select_columns`` order."""
    assert tally.latest is not None
    when, gid, event_id = tally.latest
    out: list[Any] = [timeutil.to_db(when), event_id, gid]
    for name in COLUMNS:
        value = getattr(tally, name)
        if name in _MOMENTS:
            value = None if value is None else timeutil.to_db(value)
        elif name in _MOMENT_LISTS:
            value = " ".join(timeutil.to_db(v) for v in value)
        elif name in _WORD_LISTS:
            value = " ".join(value)
        elif name in _FLAGS:
            value = int(value)
        out.append(value)
    return tuple(out)


_EVENTS = """
SELECT ic.contact_id, i.id, i.happened_at, i.kind, i.direction, i.channel, i.needs_reply,
       i.note, COALESCE(i.gid, '')
  FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
"""
# each contact's events in the fold's order: ties of a second by global id (``Event``)
_ORDER = " ORDER BY ic.contact_id, i.happened_at, i.gid, i.id"


def _folded(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, Tally]]:
    """(contact, tally) for rows of _EVENTS ordered by contact, then (when, gid)."""
    cid: int | None = None
    tally = Tally()
    for contact_id, iid, at, kind, direction, channel, needs_reply, note, gid in rows:
        if contact_id != cid:
            if cid is not None:
                yield cid, tally
            cid, tally = contact_id, Tally()
        when = timeutil.from_db(at)
        event = Event(iid, when, kind, direction, channel, bool(needs_reply), note, gid)
        tally.add(event)
    if cid is not None:
        yield cid, tally


_INSERT = (
    f"INSERT OR REPLACE INTO contact_tally (contact_id, {_SELECT.replace('t.', '')})"
    f" VALUES ({', '.join('?' * (len(COLUMNS) + len(_LATEST) + 1))})"
)


def _save(conn: sqlite3.Connection, contact_id: int, tally: Tally) -> None:
    conn.execute(_INSERT, (contact_id, *to_row(tally)))


def owes(conn: sqlite3.Connection, contact_id: int) -> bool:
    """Whether a favour of theirs is still unrepaid (from the stored tally)."""
    row = conn.execute("SELECT debt FROM contact_tally WHERE contact_id = ?", (contact_id,))
    found = row.fetchone()
    return found is not None and found[0] > 0


def folded_as_of(
    conn: sqlite3.Connection, as_of: datetime, contact_ids: Iterable[int]
) -> dict[int, Tally]:
    """These contacts' histories up to ``as_of`` (included), folded: what their tallies
    were at that moment (``--as-of`` in the past, or history dated in the future). The
    same fold as the stored tallies; contacts without events then are left out."""
    import json  # here: only replays of the past need it

    folded: dict[int, Tally] = {}
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            _EVENTS + " WHERE ic.contact_id IN (SELECT value FROM json_each(?))"
            " AND i.happened_at <= ?" + _ORDER,
            (json.dumps(ids[start : start + 500]), timeutil.to_db(as_of)),
        )
        folded.update(_folded(rows))
    return folded


def rebuild(conn: sqlite3.Connection, contact_ids: Iterable[int] | None = None) -> int:
    """Fold again the whole history of these contacts (of everyone: None); returns the
    number of tallies written. Runs inside the caller's transaction."""
    if contact_ids is None:
        conn.execute("DELETE FROM contact_tally")
        rows = conn.execute(_EVENTS + _ORDER)
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
            _EVENTS + " WHERE ic.contact_id IN (SELECT value FROM json_each(?))" + _ORDER,
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


# Within ``folded_at_end``: the contacts whose tallies wait to be folded once, at its end.
_WAITING: ContextVar[set[int] | None] = ContextVar("rave_tallies_waiting", default=None)


@contextlib.contextmanager
def folded_at_end(conn: sqlite3.Connection) -> Iterator[None]:
    """Within the block, ``add_event`` only notes its contacts; each is folded once when
    the block ends without an error (inside the caller's transaction). A batch of
    interactions in any order then costs a fold per contact, not one per interaction
    (back-dated lines would each fold their contact's whole history again)."""
    waiting: set[int] = set()
    token = _WAITING.set(waiting)
    try:
        yield
    finally:
        _WAITING.reset(token)
    if waiting:
        rebuild(conn, waiting)


def add_event(conn: sqlite3.Connection, contact_ids: Iterable[int], event: Event) -> None:
    """Account for one new interaction of these contacts (already inserted)."""
    waiting = _WAITING.get()
    if waiting is not None:
        waiting.update(contact_ids)
        return
    stale = []
    for contact_id in contact_ids:
        row = conn.execute(
            f"SELECT {_SELECT} FROM contact_tally t WHERE t.contact_id = ?", (contact_id,)
        ).fetchone()
        tally = Tally() if row is None else from_row(row)
        if tally.latest is not None and tally.latest >= (event.when, event.gid, event.id):
            stale.append(contact_id)  # back-dated: fold the history again
            continue
        tally.add(event)
        _save(conn, contact_id, tally)
    if stale:
        rebuild(conn, stale)
