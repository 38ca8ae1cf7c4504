"""The operation log (issue 18): every change a write command makes, as operations another
machine can apply, and :func:`apply`, which applies theirs.

**Recording.** The write door (``store.writing``) calls :func:`start` next to
``undo_log.start``: like the undo log, TEMP triggers on every table of people's data
(``undo_log.TABLES``) note each row inserted, changed or deleted, in a TEMP table, on that
connection only, so every write path is covered, the raw ``INSERT``\\ s of imports
included, and nothing else (not migrations, not :func:`apply` itself). :func:`finish`
turns what the command did into operations, in the same transaction:

========  ==================================================================
create    a record (contact, interaction, note, post, follow-up) with all its
          fields, its references as gids
set       one field of a record (``value``: ``{"v": …}``); the later clock wins
delete    a record's tombstone: it never comes back, not even when an import
          brings the same (deterministic) gid again
add       an element of a record's set (alias, handle, tag, contact_ref, the
          people of an interaction, a pair said to be two people): ``field``
          names the element, ``value`` what else it holds
remove    the same, naming the ``add`` operations it saw (``{"saw": [...]}``):
          an add it did not see survives (add-wins, an observed-remove set)
merge     ``gid`` was merged into ``value["into"]``: later operations on the
          dropped gid apply to the kept one
========  ==================================================================

An operation is one JSON object (:func:`to_json`): ``id`` (UUIDv7), ``hlc``, ``device``,
``author``, ``kind``, ``entity``, ``gid``, ``field``, ``value``; a git file holds one a
line, a server table would hold one a row. ``seq`` is this machine's order only.

**Clock.** A hybrid logical clock: ``MMMMMMMMMMMMM.CCCCC.DEVICE`` (Unix milliseconds,
a counter, the device), so that text order is clock order and two devices never tie.

**Applying.** :func:`apply` stores the operations it does not have yet (an op id already
present is skipped: idempotent), then *derives* each touched record and set from the
whole log, not from the order operations came in: a record exists when it was created,
is not tombstoned and not merged away; each field is the value of the operation with
the greatest clock; an element of a set is there when some add of it is not named by a
remove. So any order of the same operations gives the same rows. Conflicts no rule
settles get a deterministic winner and a row in ``sync_conflict`` (`rave doctor`): one
handle (or external key) added to two people (the earlier add keeps it), two merges of
one contact (the earlier merge wins). Local ids (``#ID``) are given as rows are made.
The tallies of the contacts touched are folded again in the same transaction.

Plain ``sqlite3``, like ``undo_log``.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rave import gid as gids
from rave import timeutil
from rave.errors import RaveError

#: Records: tables with a gid, created, set and deleted one by one.
RECORDS = ("contact", "interaction", "post", "note", "followup")
#: Set-like children: (table, owner table, owner column, key columns, other columns).
SETS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "alias": ("contact", "contact_id", ("alias_key",), ("alias",)),
    "handle": ("contact", "contact_id", ("channel", "value"), ("typed",)),
    "tag": ("contact", "contact_id", ("tag",), ()),
    "contact_ref": ("contact", "contact_id", ("source", "key"), ()),
    "interaction_contact": ("interaction", "interaction_id", ("contact_id",), ()),
    "distinct_pair": ("contact", "contact_id", ("other_id",), ("created_at",)),
}
#: Columns of a record that hold another record's local id: sent as its gid.
REFERENCES = {
    ("note", "contact_id"): "contact",
    ("followup", "contact_id"): "contact",
    ("followup", "interaction_id"): "interaction",
}
#: Keys unique across owners: one value given to two people is a conflict.
_UNIQUE = {"handle", "contact_ref"}
KINDS = ("create", "set", "delete", "add", "remove", "merge")
_LOCAL = ("id", "gid")  # never sent: this machine's number, and the op's own gid


# --- the clock ------------------------------------------------------------------------------


def _hlc(ms: int, counter: int, device: str) -> str:
    return f"{ms:013d}.{counter:05d}.{device}"


def _parse(hlc: str) -> tuple[int, int]:
    ms, counter, _ = hlc.split(".", 2)
    return int(ms), int(counter)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class Clock:
    """This replica's hybrid logical clock, read from and saved to ``replica``."""

    device: str
    ms: int
    counter: int

    def tick(self) -> str:
        """The clock of a new local operation."""
        wall = _wall_ms()
        if wall > self.ms:
            self.ms, self.counter = wall, 0
        elif self.counter < 99_999:
            self.counter += 1
        else:  # the counter has five digits: the text order must stay the clock order
            self.ms, self.counter = self.ms + 1, 0
        return _hlc(self.ms, self.counter, self.device)

    def receive(self, hlc: str) -> None:
        """Move past a clock seen on another machine's operation."""
        ms, counter = _parse(hlc)
        if (ms, counter) > (self.ms, self.counter):
            self.ms, self.counter = ms, counter

    def save(self, conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE replica SET hlc = ?", (_hlc(self.ms, self.counter, self.device),))


def replica(conn: sqlite3.Connection) -> tuple[str, str]:
    """This store's (device, author), made once (schema 7's upgrade)."""
    row = conn.execute("SELECT device, name FROM replica").fetchone()
    if row is None:
        return ensure_replica(conn)
    return str(row[0]), str(row[1])


def ensure_replica(conn: sqlite3.Connection) -> tuple[str, str]:
    """Make this store's device id (random, 32 hex digits) and name once."""
    row = conn.execute("SELECT device, name FROM replica").fetchone()
    if row is not None:
        return str(row[0]), str(row[1])
    import socket  # here: only the first write of a store names it

    device = os.urandom(16).hex()
    name = (socket.gethostname() or "rave").split(".")[0][:60] or "rave"
    conn.execute(
        "INSERT INTO replica (id, device, name, hlc, sent) VALUES (1, ?, ?, ?, 0)",
        (device, name, _hlc(0, 0, device)),
    )
    return device, name


def clock(conn: sqlite3.Connection) -> Clock:
    device, _ = replica(conn)
    hlc = conn.execute("SELECT hlc FROM replica").fetchone()[0]
    ms, counter = _parse(hlc)
    return Clock(device, ms, counter)


# --- operations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Op:
    """One operation, as it travels (no local sequence number)."""

    id: str
    hlc: str
    device: str
    author: str
    kind: str
    entity: str
    gid: str
    field: str | None
    value: Any

    def order(self) -> tuple[str, str]:
        return (self.hlc, self.id)


OP_COLUMNS = "id, hlc, device, author, kind, entity, gid, field, value"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def to_json(op: Op) -> str:
    """One line of ``ops/<device>.jsonl`` (no newline inside)."""
    return dumps(
        {
            "id": op.id,
            "hlc": op.hlc,
            "device": op.device,
            "author": op.author,
            "kind": op.kind,
            "entity": op.entity,
            "gid": op.gid,
            "field": op.field,
            "value": op.value,
        }
    )


class BadOp(ValueError):
    """A line that is not an operation rave can apply: ``unknown`` when it may be a newer
    rave's (an unknown kind or record), else malformed."""

    def __init__(self, message: str, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.unknown = unknown


_CLOCK = re.compile(r"[0-9]{13}\.[0-9]{5}\.(.+)")


def _shape_error(op: Op) -> str | None:
    """What is wrong with the shape of ``op``'s field and value for its kind, if anything
    (so that applying it never fails half-way)."""
    value, field = op.value, op.field
    if op.kind in ("create", "add"):
        ok = isinstance(value, dict) and (field is None) == (op.kind == "create")
    elif op.kind == "set":
        ok = isinstance(value, dict) and "v" in value and isinstance(field, str)
    elif op.kind == "remove":
        saw = value.get("saw") if isinstance(value, dict) else None
        ok = isinstance(saw, list) and all(isinstance(s, str) for s in saw)
        ok = ok and isinstance(field, str)
    elif op.kind == "merge":
        ok = isinstance(value, dict) and isinstance(value.get("into"), str)
        ok = ok and op.entity == "contact"
    else:  # delete
        ok = value is None and op.entity in RECORDS
    if op.kind in ("create", "set") and op.entity not in RECORDS:
        ok = False
    if op.kind in ("add", "remove") and op.entity not in SETS:
        ok = False
    return None if ok else f"a {op.kind} of {op.entity} with field {field!r}, value {value!r}"


def from_json(line: str) -> Op:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise BadOp(f"not JSON ({exc})") from None
    return from_data(data)


def from_data(data: Any) -> Op:
    """An operation from its JSON object (a line of a git file, a row of a hub)."""
    if not isinstance(data, dict):
        raise BadOp("not an object")
    try:
        op = Op(**{name: data[name] for name in OP_COLUMNS.split(", ")})
    except KeyError as exc:
        raise BadOp(f"no {exc.args[0]}") from None
    if op.kind not in KINDS or (op.entity not in RECORDS and op.entity not in SETS):
        raise BadOp(
            f"not an operation of this rave (kind {op.kind!r}, entity {op.entity!r})",
            unknown=True,
        )
    if not all(isinstance(x, str) for x in (op.id, op.hlc, op.device, op.author, op.gid)):
        raise BadOp("an id, clock, device, author or gid that is not text")
    clock_of = _CLOCK.fullmatch(op.hlc)
    if clock_of is None or clock_of.group(1) != op.device:
        raise BadOp(f"a clock that is not its device's: {op.hlc!r}")
    shape = _shape_error(op)
    if shape is not None:
        raise BadOp(shape)
    return op


def row_op(row: Sequence[Any]) -> Op:
    op_id, hlc, device, author, kind, entity, gid, field, value = row
    loaded = json.loads(value) if value is not None else None
    return Op(op_id, hlc, device, author, kind, entity, gid, field, loaded)


def ops_of(conn: sqlite3.Connection, device: str, after: int = 0) -> list[Op]:
    """The operations of ``device`` in the order this store has them, from the
    ``after``-th on (this device's own: the order they were made)."""
    rows = conn.execute(
        f"SELECT {OP_COLUMNS} FROM op WHERE device = ? ORDER BY seq LIMIT -1 OFFSET ?",
        (device, after),
    )
    return [row_op(r) for r in rows]


def all_ops(conn: sqlite3.Connection) -> list[Op]:
    return [row_op(r) for r in conn.execute(f"SELECT {OP_COLUMNS} FROM op ORDER BY seq")]


_INSERT = f"INSERT OR IGNORE INTO op ({OP_COLUMNS}, command) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _row(op: Op, command: int | None) -> tuple[Any, ...]:
    value = None if op.value is None else dumps(op.value)
    return (
        op.id,
        op.hlc,
        op.device,
        op.author,
        op.kind,
        op.entity,
        op.gid,
        op.field,
        value,
        command,
    )


def _store(conn: sqlite3.Connection, op: Op, command: int | None = None) -> bool:
    """Keep ``op``; False when it was already there."""
    return conn.execute(_INSERT, _row(op, command)).rowcount == 1


# --- recording ------------------------------------------------------------------------------

_STAGE = """CREATE TEMP TABLE IF NOT EXISTS rave_op_change (
    n INTEGER PRIMARY KEY, tbl TEXT NOT NULL, change TEXT NOT NULL, rid INTEGER,
    gid TEXT, data TEXT)"""


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"SELECT * FROM pragma_table_info('{table}')")]


def _triggers(conn: sqlite3.Connection, *, light: bool = False) -> Iterator[str]:
    """The TEMP triggers that stage what a command changes; ``light`` (a store that does
    not sync): only records made and deleted (:func:`_keep_buried`)."""

    def stage(table: str, change: str, rid: str, gid: str, data: str) -> str:
        return (
            "INSERT INTO rave_op_change (tbl, change, rid, gid, data)"
            f" VALUES ('{table}', '{change}', {rid}, {gid}, {data});"
        )

    # a table missing (dropped by another program) fails what touches it, not every write
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    for table in RECORDS:
        if table not in present:
            continue
        columns = [c for c in _columns(conn, table) if c not in _LOCAL]
        changed = ", ".join(
            f'CASE WHEN OLD."{c}" IS NOT NEW."{c}" THEN \'{c}\' END' for c in columns
        )
        differs = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns)
        yield (
            f"CREATE TEMP TRIGGER rave_op_{table}_insert AFTER INSERT ON main.{table} BEGIN "
            + stage(table, "insert", "NEW.id", "NULL", "NULL")
            + " END"
        )
        yield (
            f"CREATE TEMP TRIGGER rave_op_{table}_delete AFTER DELETE ON main.{table} BEGIN "
            + stage(table, "delete", "OLD.id", "OLD.gid", "NULL")
            + " END"
        )
        if light:
            continue
        yield (
            f"CREATE TEMP TRIGGER rave_op_{table}_update AFTER UPDATE ON main.{table}"
            f" WHEN {differs} BEGIN "
            + stage(table, "update", "NEW.id", "NULL", f"json_array({changed})")
            + " END"
        )
    for table in () if light else SETS:
        if table not in present:
            continue
        columns = _columns(conn, table)

        def row(which: str, columns: list[str] = columns) -> str:
            return "json_object(" + ", ".join(f"'{c}', {which}.\"{c}\"" for c in columns) + ")"

        yield (
            f"CREATE TEMP TRIGGER rave_op_{table}_insert AFTER INSERT ON main.{table} BEGIN "
            + stage(table, "insert", "NULL", "NULL", row("NEW"))
            + " END"
        )
        yield (
            f"CREATE TEMP TRIGGER rave_op_{table}_delete AFTER DELETE ON main.{table} BEGIN "
            + stage(table, "delete", "NULL", "NULL", row("OLD"))
            + " END"
        )
        yield (
            f"CREATE TEMP TRIGGER rave_op_{table}_update AFTER UPDATE ON main.{table} BEGIN "
            + stage(table, "delete", "NULL", "NULL", row("OLD"))
            + stage(table, "insert", "NULL", "NULL", row("NEW"))
            + " END"
        )


def start(conn: sqlite3.Connection) -> None:
    """Begin recording on ``conn`` (inside its write transaction, until it closes): all
    changes in a store that syncs, else only records made and deleted."""
    conn.execute(_STAGE)
    conn.execute("DELETE FROM rave_op_change")
    light = not syncing(conn)
    have = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_temp_master WHERE name IN"
            " ('rave_op_contact_insert', 'rave_op_contact_update')"
        )
    }
    if "rave_op_contact_update" in have or (light and have):
        return
    for (name,) in conn.execute(  # the light set of a store that began to sync since
        "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE 'rave_op_%'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER temp.{name}")
    for sql in _triggers(conn, light=light):
        conn.execute(sql)


def recording(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_temp_master WHERE name = 'rave_op_contact_insert'"
        ).fetchone()
        is not None
    )


def merged(conn: sqlite3.Connection, drop_gid: str, keep_gid: str) -> None:
    """Note, while recording, that ``drop_gid`` is being merged into ``keep_gid``
    (``services.contacts.merge_contacts``): :func:`finish` writes a ``merge`` instead
    of the dropped contact's tombstone."""
    if recording(conn):
        conn.execute(
            "INSERT INTO rave_op_change (tbl, change, rid, gid, data) VALUES"
            " ('contact', 'merge', NULL, ?, ?)",
            (drop_gid, keep_gid),
        )


def _gid_of(conn: sqlite3.Connection, table: str, rid: int | None, gone: dict[Any, str]) -> Any:
    if rid is None:
        return None
    row = conn.execute(f"SELECT gid FROM {table} WHERE id = ?", (rid,)).fetchone()
    return row[0] if row is not None else gone.get((table, rid))


def _record_value(
    conn: sqlite3.Connection, table: str, row: dict[str, Any], gone: dict[Any, str]
) -> dict[str, Any]:
    """A record's fields as an operation carries them: references as gids."""
    out = {}
    for column, value in row.items():
        if column in _LOCAL:
            continue
        target = REFERENCES.get((table, column))
        out[column] = _gid_of(conn, target, value, gone) if target else value
    return out


def _element(
    conn: sqlite3.Connection, table: str, row: dict[str, Any], gone: dict[Any, str]
) -> tuple[str, str, dict[str, Any]] | None:
    """(owner gid, element key, other values) of a row of a set table."""
    owner_table, owner_column, keys, others = SETS[table]
    owner = _gid_of(conn, owner_table, row[owner_column], gone)
    if table == "interaction_contact":
        key = _gid_of(conn, "contact", row["contact_id"], gone)
    elif table == "distinct_pair":
        other = _gid_of(conn, "contact", row["other_id"], gone)
        if owner is None or other is None:
            return None
        owner, key = sorted((owner, other))
    else:
        parts = [row[k] for k in keys]
        key = parts[0] if len(parts) == 1 else dumps(parts)
    if owner is None or key is None:
        return None
    return owner, key, {c: row[c] for c in others}


def _group(conn: sqlite3.Connection, gid: str) -> list[str]:
    """``gid`` and every gid merged into it, directly or not."""
    found, todo = [gid], [gid]
    while todo:
        into = todo.pop()
        for (source,) in conn.execute("SELECT from_gid FROM redirect WHERE to_gid = ?", (into,)):
            if source not in found:
                found.append(source)
                todo.append(source)
    return found


def _seen_adds(conn: sqlite3.Connection, entity: str, owner: str, key: str) -> list[str]:
    group = _group(conn, owner)
    marks = ", ".join("?" for _ in group)
    rows = conn.execute(
        f"SELECT id FROM op WHERE kind = 'add' AND entity = ? AND field = ? AND gid IN ({marks})"
        " ORDER BY id",
        (entity, key, *group),
    )
    return [r[0] for r in rows]


class _Writer:
    """Makes and stores this machine's operations."""

    def __init__(
        self, conn: sqlite3.Connection, command: int | None, *, undoing: bool = False
    ) -> None:
        self.conn = conn
        self.clock = clock(conn)
        self.author = replica(conn)[1]
        self.command = command
        self.undoing = undoing  # `rave undo`: its deletions take back, they do not delete
        self.count = 0
        self.pending: list[tuple[Any, ...]] = []  # written in batches (an import: many)
        self.dated: dict[int, int] = {}  # a snapshot's clocks: ms → the next counter

    def at(self, when: str | None) -> str | None:
        """A snapshot's clock for a record last changed at ``when`` (its ``updated_at``
        or ``created_at``): that moment on this device, never after now, so that an edit
        another machine made since wins, as it would have had this store synced then."""
        if not when:
            return None
        ms = min(int(timeutil.from_db(when).timestamp() * 1000), _wall_ms())
        counter = self.dated.get(ms, 0)
        self.dated[ms] = counter + 1
        return _hlc(ms + counter // 100_000, counter % 100_000, self.clock.device)

    def emit(
        self,
        kind: str,
        entity: str,
        gid: str,
        field: str | None,
        value: Any,
        hlc: str | None = None,
    ) -> Op:
        op = Op(
            gids.new(),
            hlc or self.clock.tick(),
            self.clock.device,
            self.author,
            kind,
            entity,
            gid,
            field,
            value,
        )
        self.pending.append(_row(op, self.command))
        _note(self.conn, op, undone=self.undoing)
        self.count += 1
        return op

    def flush(self) -> None:
        """Write the operations made so far (before reading the log)."""
        if self.pending:
            self.conn.executemany(_INSERT, self.pending)
            self.pending = []

    def done(self) -> None:
        self.flush()
        if self.count:
            self.clock.save(self.conn)


def _note(conn: sqlite3.Connection, op: Op, *, undone: bool = False) -> None:
    """Keep the derived tables of the log (tombstones, redirects) in step with ``op``;
    ``undone``: a deletion by `rave undo` (an import may make that record again)."""
    if op.kind == "delete":
        _bury(conn, op.entity, op.gid, op.hlc, undone=undone)


def _bury(
    conn: sqlite3.Connection, entity: str, gid: str, hlc: str, *, undone: bool = False
) -> None:
    conn.execute(
        "INSERT INTO tombstone (gid, hlc, entity, undone) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (gid) DO UPDATE SET hlc = min(hlc, excluded.hlc),"
        " undone = min(undone, excluded.undone)",
        (gid, hlc, entity, int(undone)),
    )


def start_syncing(conn: sqlite3.Connection) -> int:
    """In the write transaction that gives the store its first remote: its history, as
    operations (:func:`snapshot`); how many (0: it syncs already)."""
    return 0 if syncing(conn) else snapshot(conn)


def bury_keys(conn: sqlite3.Connection, contact_id: int) -> None:
    """Before `rave rm` deletes contact ``contact_id``: tombstones for the ids each of its
    keys that name one person (a LinkedIn profile, a vCard UID, ...) would give a contact
    (``gid.contact_keys``), so that an import of them, by whichever of those keys, finds
    them deleted (``Matcher.create``). The contact's own gid is buried by the
    deletion itself. Local: another machine buries the contact's gid only."""
    own = conn.execute("SELECT gid FROM contact WHERE id = ?", (contact_id,)).fetchone()
    refs = conn.execute("SELECT source, key FROM contact_ref WHERE contact_id = ?", (contact_id,))
    handles = conn.execute(
        "SELECT channel, value FROM handle WHERE contact_id = ?", (contact_id,)
    ).fetchall()
    keys = gids.contact_keys(refs.fetchall(), handles, "")
    buried_ids = [gids.contact(*key) for key in keys]
    buried_ids = [g for g in buried_ids if own is None or g != own[0]]
    if not buried_ids:
        return
    stamp = clock(conn)
    hlc = stamp.tick()
    stamp.save(conn)
    for g in buried_ids:
        _bury(conn, "contact", g, hlc)


def syncing(conn: sqlite3.Connection) -> bool:
    """Whether this store records operations: once it has a remote (`rave sync
    --remote`). Before, a write keeps only what makes a deletion final
    (:func:`_keep_buried`): a store never synced does not pay for a log."""
    row = conn.execute("SELECT remote FROM sync_state").fetchone()
    return row is not None and row[0] is not None


@dataclass(slots=True)
class _Staged:
    """What a command did, from its staged changes (``rave_op_change``), net: records
    made (in order), fields changed, records deleted (their gids; ``gone`` keeps those
    made again too), contacts merged away (→ kept gid), rows of set tables."""

    inserted: dict[tuple[str, int], bool]
    updated: dict[tuple[str, int], list[str]]
    deleted: dict[tuple[str, int], str]
    gone: dict[Any, str]
    merges: dict[str, str]
    raw_sets: list[tuple[str, str, dict[str, Any]]]


def _staged(conn: sqlite3.Connection) -> _Staged:
    """Read and clear the staged changes of the command."""
    changes = conn.execute(
        "SELECT tbl, change, rid, gid, data FROM rave_op_change ORDER BY n"
    ).fetchall()
    conn.execute("DELETE FROM rave_op_change")
    out = _Staged({}, {}, {}, {}, {}, [])
    for table, change, rid, gid, data in changes:
        if change == "merge":
            out.merges[gid] = data
        elif table in RECORDS:
            key = (table, rid)
            if change == "insert":
                out.inserted[key] = True
                out.deleted.pop(key, None)
            elif change == "update":
                out.updated.setdefault(key, []).extend(n for n in json.loads(data) if n)
            else:
                out.deleted[key] = gid
                out.gone[key] = gid
        else:
            out.raw_sets.append((table, change, json.loads(data)))
    return out


def _keep_buried(conn: sqlite3.Connection, *, undoing: bool = False) -> None:
    """A store that does not sync yet: of what the command did, only the tombstones of
    the records it deleted and the redirects of the contacts it merged away (an import
    must not bring them back; :func:`snapshot` sends them once a remote is set), and a
    record made again (`rave undo` of a deletion or merge) loses its tombstone or
    redirect. ``undoing``: `rave undo`, whose deletions take back what a command made:
    no tombstone."""
    staged = _staged(conn)
    inserted, merges = staged.inserted.keys(), staged.merges
    deleted = {key: gid for key, gid in staged.deleted.items() if gid is not None}
    for table, rid in inserted - deleted.keys():
        row = conn.execute(f"SELECT gid FROM {table} WHERE id = ?", (rid,)).fetchone()
        if row is not None:
            conn.execute("DELETE FROM tombstone WHERE gid = ?", row)
            conn.execute("DELETE FROM redirect WHERE from_gid = ?", row)
    if undoing or not (deleted.keys() - inserted or merges):
        return
    stamp = clock(conn)
    hlc = stamp.tick()
    stamp.save(conn)
    for drop, keep in merges.items():
        conn.execute(
            "INSERT OR REPLACE INTO redirect (from_gid, to_gid, hlc) VALUES (?, ?, ?)",
            (drop, keep, hlc),
        )
    for (table, rid), gid in deleted.items():
        if (table, rid) not in inserted and gid not in merges:
            _bury(conn, table, gid, hlc)


def _last_command(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT MAX(id) FROM undo_command").fetchone()
    return None if row is None else row[0]


def finish(conn: sqlite3.Connection) -> int:
    """Turn what was recorded since :func:`start` into operations; how many. (Called
    before ``undo_log.finish``: the operations belong to the last command of the undo
    log, so that `rave undo` can take back those never sent.)"""
    if not recording(conn):
        return 0
    if not syncing(conn):
        _keep_buried(conn)
        return 0
    return _emit(conn, _last_command(conn))


def _emit(
    conn: sqlite3.Connection,
    command: int | None,
    *,
    dated: bool = False,
    undoing: bool = False,
) -> int:
    """Turn the staged changes into operations; ``dated`` (a snapshot): each record's
    and element's clock is when its record was last changed (:meth:`_Writer.at`)."""
    staged = _staged(conn)
    inserted, updated, deleted = staged.inserted, staged.updated, staged.deleted
    gone, merges = staged.gone, staged.merges
    if not (inserted or updated or deleted or merges or staged.raw_sets):
        return 0
    writer = _Writer(conn, command, undoing=undoing)
    when: dict[str, str | None] = {}  # a snapshot's record gid → its last change
    elements: dict[tuple[str, str, str], list[tuple[str, dict[str, Any]]]] = {}
    for table, change, row in staged.raw_sets:
        found = _element(conn, table, row, gone)
        if found is not None:
            owner, element, others = found
            elements.setdefault((table, owner, element), []).append((change, others))
    order = {t: i for i, t in enumerate(RECORDS)}
    # creates, then sets, in the tables' order (a note after its contact)
    for table, rid in sorted(inserted, key=lambda k: (order[k[0]], k[1])):
        if (table, rid) in deleted:
            continue
        record = _fetched(conn, table, rid)
        if record is None:
            continue
        _revived(conn, record["gid"])
        if dated:
            when[record["gid"]] = record.get("updated_at") or record.get("created_at")
        writer.emit(
            "create",
            table,
            record["gid"],
            None,
            _record_value(conn, table, record, gone),
            writer.at(when.get(record["gid"])),
        )
    for (table, rid), names in sorted(updated.items(), key=lambda k: (order[k[0][0]], k[0][1])):
        if (table, rid) in inserted or (table, rid) in deleted:
            continue
        record = _fetched(conn, table, rid)
        if record is None:
            continue
        value = _record_value(conn, table, record, gone)
        for name in dict.fromkeys(names):
            writer.emit("set", table, record["gid"], name, {"v": value[name]})
    for (table, owner, element), steps in elements.items():
        before = steps[0][0] == "delete"  # it was there before the command
        after = steps[-1][0] == "insert"
        if before and (not after or steps[0][1] != steps[-1][1]):
            writer.flush()
            saw = _seen_adds(conn, table, owner, element)
            writer.emit("remove", table, owner, element, {"saw": saw})
        if after and (not before or steps[0][1] != steps[-1][1]):
            writer.emit("add", table, owner, element, steps[-1][1], writer.at(when.get(owner)))
    for drop, keep in merges.items():
        op = writer.emit("merge", "contact", drop, None, {"into": keep})
        writer.flush()
        _redirects(conn, [op])
    for (table, _rid), gid in deleted.items():
        if (table, _rid) in inserted or gid is None or gid in merges:
            continue
        writer.emit("delete", table, gid, None, None)
    writer.done()
    return writer.count


def _fetched(conn: sqlite3.Connection, table: str, rid: int) -> dict[str, Any] | None:
    """Row ``rid`` of ``table`` as a dict of its columns; None when it is gone."""
    cursor = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (rid,))
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def _revived(conn: sqlite3.Connection, gid: str) -> None:
    """A record made again with a gid that was deleted or merged away (`rave undo` of a
    deletion or a merge): possible while those operations were never sent (they are
    then taken back), refused once another machine may have them."""
    sent = conn.execute("SELECT sent FROM replica").fetchone()[0]
    ours = conn.execute(
        "SELECT seq FROM op WHERE gid = ? AND kind IN ('delete', 'merge')", (gid,)
    ).fetchall()
    if not ours:
        return
    if any(seq <= sent for (seq,) in ours):
        raise RaveError(
            "that deletion or merge was already sent to your other machines by `rave sync`: "
            "it cannot be taken back",
            hint="add the person or the entry again",
        )
    conn.execute("DELETE FROM op WHERE gid = ? AND kind IN ('delete', 'merge')", (gid,))
    conn.execute("DELETE FROM tombstone WHERE gid = ?", (gid,))
    if conn.execute("DELETE FROM redirect WHERE from_gid = ?", (gid,)).rowcount:
        _redirects(conn, [])


def undone(conn: sqlite3.Connection, command: int) -> int:
    """End the recording of `rave undo` taking back the undo log's ``command`` (on a
    connection :func:`start` made record): if none of that command's operations was
    sent yet, they are taken out of the log (no other machine will know); else the
    reverting changes become operations of their own. The number of operations taken
    out (negative) or written."""
    if not recording(conn):
        return 0
    if not syncing(conn):
        _keep_buried(conn, undoing=True)
        return 0
    sent = conn.execute("SELECT sent FROM replica").fetchone()[0]
    ops = conn.execute(
        "SELECT seq, kind, gid FROM op WHERE command = ? ORDER BY seq", (command,)
    ).fetchall()
    if ops and all(seq > sent for seq, _, _ in ops):
        conn.execute("DELETE FROM rave_op_change")
        conn.execute("DELETE FROM op WHERE command = ?", (command,))
        for _, kind, g in ops:
            if (
                kind == "delete"
                and not conn.execute(
                    "SELECT 1 FROM op WHERE gid = ? AND kind = 'delete'", (g,)
                ).fetchone()
            ):
                conn.execute("DELETE FROM tombstone WHERE gid = ?", (g,))
        if any(kind == "merge" for _, kind, _ in ops):
            _redirects(conn, [])
        return -len(ops)
    return _emit(conn, None, undoing=True)


def buried(conn: sqlite3.Connection, gid: str) -> bool:
    """Whether ``gid`` was deleted (here or on another machine): an import must not make
    it again. Not when `rave undo` deleted it (an import taken back may be made again,
    under a new gid: ``gid.taken`` counts every tombstone)."""
    row = conn.execute("SELECT 1 FROM tombstone WHERE gid = ? AND NOT undone", (gid,))
    return row.fetchone() is not None


def _own(hlc: str, device: str) -> str | None:
    """``hlc`` when it is this device's clock (a tombstone or redirect kept before the
    store synced), else None (a new tick)."""
    found = _CLOCK.fullmatch(hlc)
    return hlc if found is not None and found.group(1) == device else None


def snapshot(conn: sqlite3.Connection) -> int:
    """Operations that make every row the store holds now, and the deletions and merges
    made before (the tombstones and redirects :func:`_keep_buried` kept): the history
    made before the store began to sync (its first remote), so that a machine that
    imported the same files learns what was deleted here."""
    ensure_replica(conn)
    conn.execute(_STAGE)
    for table in RECORDS:
        conn.execute(
            "INSERT INTO rave_op_change (tbl, change, rid) SELECT ?, 'insert', id FROM "
            f"{table} ORDER BY id",
            (table,),
        )
    for table in SETS:
        columns = _columns(conn, table)
        row = "json_object(" + ", ".join(f"'{c}', \"{c}\"" for c in columns) + ")"
        conn.execute(
            f"INSERT INTO rave_op_change (tbl, change, data) SELECT ?, 'insert', {row}"
            f" FROM {table} ORDER BY rowid",
            (table,),
        )
    count = _emit(conn, None, dated=True)
    writer = _Writer(conn, None)
    # deletions and merges at the clocks they were made with (this device's, then)
    for gid, entity, hlc, undone in conn.execute(
        "SELECT t.gid, t.entity, t.hlc, t.undone FROM tombstone t WHERE t.entity IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM op WHERE op.gid = t.gid AND op.kind = 'delete')"
        " ORDER BY t.hlc, t.gid"
    ).fetchall():
        writer.undoing = bool(undone)
        writer.emit("delete", entity, gid, None, None, _own(hlc, writer.clock.device))
    writer.undoing = False
    merges = conn.execute(
        "SELECT r.from_gid, r.to_gid, r.hlc FROM redirect r WHERE NOT EXISTS (SELECT 1 FROM op"
        " WHERE op.gid = r.from_gid AND op.kind = 'merge') ORDER BY r.hlc, r.from_gid"
    ).fetchall()
    for drop, keep, hlc in merges:
        writer.emit("merge", "contact", drop, None, {"into": keep}, _own(hlc, writer.clock.device))
    writer.done()
    if merges:
        _redirects(conn, [])
    return count + writer.count


# --- merges ---------------------------------------------------------------------------------


def _redirects(conn: sqlite3.Connection, new: Iterable[Op]) -> set[str]:
    """Derive ``redirect`` again from every merge of the log: in clock order, a merge
    whose contact was merged already, or that would make a loop, loses (a conflict).
    Returns the gids whose redirect changed."""
    del new
    before = dict(conn.execute("SELECT from_gid, to_gid FROM redirect").fetchall())
    accepted: dict[str, tuple[str, str]] = {}

    def resolve(g: str) -> str:
        seen = set()
        while g in accepted and g not in seen:
            seen.add(g)
            g = accepted[g][0]
        return g

    for _op_id, hlc, drop, value in conn.execute(
        "SELECT id, hlc, gid, value FROM op WHERE kind = 'merge' ORDER BY hlc, id"
    ):
        into = json.loads(value)["into"]
        if drop in accepted:
            conflict(
                conn,
                "merge",
                drop,
                f"merged into {accepted[drop][0]} and into {into}",
                into=accepted[drop][0],
            )
            continue
        if resolve(into) == drop:
            conflict(
                conn, "merge", drop, f"merged into {into}, which was merged into it", into=drop
            )
            continue
        accepted[drop] = (into, hlc)
    conn.execute("DELETE FROM redirect")
    conn.executemany(
        "INSERT INTO redirect (from_gid, to_gid, hlc) VALUES (?, ?, ?)",
        [(d, t, h) for d, (t, h) in accepted.items()],
    )
    after = {d: t for d, (t, _) in accepted.items()}
    changed = {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}
    return (
        changed
        | {before[g] for g in changed if g in before}
        | {after[g] for g in changed if g in after}
    )


def conflict(conn: sqlite3.Connection, kind: str, gid: str, detail: str, *, into: str) -> None:
    """Record what applying settled by rule (`rave doctor` lists it)."""
    conn.execute(
        "INSERT OR IGNORE INTO sync_conflict (kind, gid, detail, winner) VALUES (?, ?, ?, ?)",
        (kind, gid, detail, into),
    )


# --- applying -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Applied:
    """What :func:`apply` did."""

    received: int
    new: int
    contacts_refolded: int


class _Deriver:
    """Derives records and sets from the log (see the module's docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.redirect: dict[str, tuple[str, str]] = {
            d: (t, h) for d, t, h in conn.execute("SELECT from_gid, to_gid, hlc FROM redirect")
        }
        self.into: dict[str, list[str]] = {}
        for d, (t, _h) in self.redirect.items():
            self.into.setdefault(t, []).append(d)
        self.touched_contacts: set[int] = set()

    def resolve(self, gid: str) -> str:
        seen = set()
        while gid in self.redirect and gid not in seen:
            seen.add(gid)
            gid = self.redirect[gid][0]
        return gid

    def group(self, gid: str) -> list[str]:
        found, todo = [gid], [gid]
        while todo:
            for source in self.into.get(todo.pop(), []):
                if source not in found:
                    found.append(source)
                    todo.append(source)
        return found

    def local_id(self, table: str, gid: str | None) -> int | None:
        if gid is None:
            return None
        row = self.conn.execute(
            f"SELECT id FROM {table} WHERE gid = ?",
            (self.resolve(gid) if table == "contact" else gid,),
        ).fetchone()
        return None if row is None else int(row[0])

    # records

    def wanted(self, table: str, gid: str) -> dict[str, Any] | None:
        """The row the log makes of record ``gid`` (fields by name, references as local
        ids), or None when it is not to be."""
        if gid in self.redirect or buried(self.conn, gid):
            return None
        creates = self.conn.execute(
            "SELECT hlc, id, value FROM op WHERE gid = ? AND kind = 'create' AND entity = ?",
            (gid, table),
        ).fetchall()
        if not creates:
            return None
        best: dict[str, tuple[tuple[str, str], Any]] = {}
        for hlc, op_id, value in creates:
            for name, v in json.loads(value).items():
                if name not in best or (hlc, op_id) > best[name][0]:
                    best[name] = ((hlc, op_id), v)
        for source in self.group(gid):
            merged_at = self.redirect[source][1] if source != gid else ""
            for hlc, op_id, name, value in self.conn.execute(
                "SELECT hlc, id, field, value FROM op WHERE gid = ? AND kind = 'set'"
                " AND entity = ? AND hlc > ?",
                (source, table, merged_at),
            ):
                # a field its creates lack is set too: a team hub gives a member other
                # members' contacts without their tiers, cadences and snoozes
                if name not in best or (hlc, op_id) > best[name][0]:
                    best[name] = ((hlc, op_id), json.loads(value)["v"])
        row = {name: v for name, (_, v) in best.items()}
        for (ref_table, column), target in REFERENCES.items():
            if ref_table == table and column in row:
                local = self.local_id(target, row[column])
                if local is None and column == "contact_id":
                    return None  # its person is gone
                row[column] = local
        return row

    def record(self, table: str, gid: str) -> bool:
        """Make the local row of ``gid`` what the log says; whether it exists now."""
        want = self.wanted(table, gid)
        have = self.conn.execute(f"SELECT * FROM {table} WHERE gid = ?", (gid,))
        names = [d[0] for d in have.description]
        row = have.fetchone()
        current = dict(zip(names, row, strict=True)) if row is not None else None
        if table == "interaction" and current is not None:
            self._people_of(current["id"])
        if table == "contact" and current is not None:
            self.touched_contacts.add(current["id"])
        if want is None:
            if current is not None:
                self.conn.execute(f"DELETE FROM {table} WHERE id = ?", (current["id"],))
            return False
        want = {k: v for k, v in want.items() if k in names}
        if current is None:
            columns = ", ".join(f'"{c}"' for c in want) + ", gid"
            marks = ", ".join("?" for _ in want) + ", ?"
            try:
                cursor = self.conn.execute(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})", [*want.values(), gid]
                )
            except sqlite3.IntegrityError as exc:  # an external key another record has
                conflict(self.conn, table, gid, f"not made here: {exc}", into="")
                return False
            new_id = cursor.lastrowid
        else:
            diff = {k: v for k, v in want.items() if current.get(k) != v}
            if diff:
                sets = ", ".join(f'"{c}" = ?' for c in diff)
                try:
                    self.conn.execute(
                        f"UPDATE {table} SET {sets} WHERE id = ?", [*diff.values(), current["id"]]
                    )
                except sqlite3.IntegrityError as exc:
                    conflict(self.conn, table, gid, f"not changed here: {exc}", into="")
            new_id = current["id"]
        if table == "contact":
            self.touched_contacts.add(int(new_id))  # type: ignore[arg-type]
        if table == "interaction":
            self._people_of(int(new_id))  # type: ignore[arg-type]
        return True

    def _people_of(self, interaction_id: int) -> None:
        for (cid,) in self.conn.execute(
            "SELECT contact_id FROM interaction_contact WHERE interaction_id = ?",
            (interaction_id,),
        ):
            self.touched_contacts.add(cid)

    # sets

    def _present(
        self, entity: str, owners: list[str], key: str | None = None
    ) -> dict[str, dict[str, tuple[tuple[str, str], dict[str, Any], str]]]:
        """Elements of ``entity`` added to any of ``owners`` (or, with ``key``, that
        element on any owner) and not removed: element key → raw owner → (earliest
        surviving add's clock, its values (latest add's), raw owner)."""
        if key is None:
            marks = ", ".join("?" for _ in owners)
            rows = self.conn.execute(
                f"SELECT kind, hlc, id, gid, field, value FROM op WHERE entity = ?"
                f" AND gid IN ({marks}) AND kind IN ('add', 'remove')",
                (entity, *owners),
            ).fetchall()
        else:
            assert entity in _UNIQUE  # the partial index ix_op_unique_key
            rows = self.conn.execute(
                "SELECT kind, hlc, id, gid, field, value FROM op"
                f" WHERE entity = '{entity}' AND entity IN ('handle', 'contact_ref')"
                " AND field = ? AND kind IN ('add', 'remove')",
                (key,),
            ).fetchall()
        removed: set[str] = set()
        for kind, *_, value in rows:
            if kind == "remove":
                removed.update(json.loads(value)["saw"])
        out: dict[str, dict[str, tuple[tuple[str, str], dict[str, Any], str]]] = {}
        latest: dict[tuple[str, str], tuple[str, str]] = {}
        for kind, hlc, op_id, owner, field, value in rows:
            if kind != "add" or op_id in removed:
                continue
            per = out.setdefault(field, {})
            values = json.loads(value)
            if owner not in per:
                per[owner] = ((hlc, op_id), values, owner)
                latest[(field, owner)] = (hlc, op_id)
                continue
            first, kept, _ = per[owner]
            if (hlc, op_id) > latest[(field, owner)]:
                kept = values
                latest[(field, owner)] = (hlc, op_id)
            per[owner] = (min(first, (hlc, op_id)), kept, owner)
        return out

    def children(self, entity: str, owner_gid: str) -> None:
        """Make the set ``entity`` of record ``owner_gid`` what the log says."""
        owner_table, owner_column, keys, others = SETS[entity]
        owner_id = self.local_id(owner_table, owner_gid)
        if owner_id is None or self.resolve(owner_gid) != owner_gid:
            return
        if entity == "distinct_pair":
            self._pairs(owner_gid, owner_id)
            return
        present = self._present(entity, self.group(owner_gid))
        want: dict[tuple[Any, ...], dict[str, Any]] = {}
        for field, per in present.items():
            values = max(per.values(), key=lambda t: t[0])[1]
            if entity in _UNIQUE and not self._wins(entity, field, owner_gid):
                continue
            if entity == "interaction_contact":
                cid = self.local_id("contact", field)
                if cid is None:
                    continue
                want[(cid,)] = {}
            else:
                parts = json.loads(field) if len(keys) > 1 else [field]
                want[tuple(parts)] = values
        key_sql = ", ".join(f'"{k}"' for k in keys)
        have = {
            tuple(r[: len(keys)]): r[len(keys) :]
            for r in self.conn.execute(
                f"SELECT {key_sql}{''.join(f', {c}' for c in others)} FROM {entity}"
                f" WHERE {owner_column} = ?",
                (owner_id,),
            )
        }
        where = " AND ".join(f'"{k}" = ?' for k in keys)
        for key in have.keys() - want.keys():
            self.conn.execute(
                f"DELETE FROM {entity} WHERE {owner_column} = ? AND {where}", (owner_id, *key)
            )
        for key, values in want.items():
            row = tuple(values.get(c) for c in others)
            if key in have and have[key] == row:
                continue
            if entity in _UNIQUE:  # the winner takes it from whoever has it here
                self.conn.execute(f"DELETE FROM {entity} WHERE {where}", key)
            columns = [owner_column, *keys, *others]
            self.conn.execute(
                f"INSERT OR REPLACE INTO {entity} ({', '.join(columns)}) VALUES"
                f" ({', '.join('?' for _ in columns)})",
                (owner_id, *key, *row),
            )
        if entity == "interaction_contact":
            self.touched_contacts.update(k[0] for k in have.keys() ^ want.keys())

    def _wins(self, entity: str, key: str, owner_gid: str) -> bool:
        """Whether ``owner_gid`` keeps element ``key`` of a table whose keys are unique
        across owners: the contact whose add came first (then the smaller gid)."""
        per = self._present(entity, [], key).get(key, {})
        claims: dict[str, tuple[str, str]] = {}
        for owner, (first, _values, _) in per.items():
            final = self.resolve(owner)
            if self.local_id("contact", final) is None:
                continue
            claims[final] = min(claims.get(final, first), first)
        if len(claims) <= 1:
            return True
        winner = min(claims, key=lambda g: (claims[g], g))
        conflict(self.conn, entity, key, f"given to {len(claims)} people", into=winner)
        return winner == owner_gid

    def _pairs(self, owner_gid: str, owner_id: int) -> None:
        present = self._present("distinct_pair", [owner_gid])
        want: dict[int, Any] = {}
        for other_gid, per in present.items():
            other = self.local_id("contact", other_gid)
            if other is None or self.resolve(other_gid) != other_gid:
                continue
            want[other] = max(per.values(), key=lambda t: t[0])[1].get("created_at")
        have = {
            (a, b): c
            for a, b, c in self.conn.execute(
                "SELECT contact_id, other_id, created_at FROM distinct_pair"
                " WHERE contact_id = ?1 OR other_id = ?1",
                (owner_id,),
            )
        }
        mine: dict[tuple[int, int], Any] = {
            (min(owner_id, o), max(owner_id, o)): c for o, c in want.items()
        }
        for pair in have.keys() - mine.keys():
            other = pair[1] if pair[0] == owner_id else pair[0]
            other_gid = self.conn.execute(
                "SELECT gid FROM contact WHERE id = ?", (other,)
            ).fetchone()[0]
            if min(owner_gid, other_gid) == owner_gid:  # the pair is this owner's to say
                self.conn.execute(
                    "DELETE FROM distinct_pair WHERE contact_id = ? AND other_id = ?", pair
                )
        for wanted_pair, created in mine.items():
            if have.get(wanted_pair) != created:
                self.conn.execute(
                    "INSERT OR REPLACE INTO distinct_pair (contact_id, other_id, created_at)"
                    " VALUES (?, ?, ?)",
                    (*wanted_pair, created),
                )


def _dependents(conn: sqlite3.Connection, contacts: Iterable[str]) -> set[tuple[str, str]]:
    """Records and sets that refer to the contacts ``contacts`` (their notes, follow-ups,
    interactions, sets)."""
    out: set[tuple[str, str]] = set()
    for g in set(contacts):
        for entity, owner in conn.execute(
            "SELECT DISTINCT entity, gid FROM op WHERE (entity IN ('note', 'followup')"
            " AND ((kind = 'create' AND json_extract(value, '$.contact_id') = ?1)"
            " OR (kind = 'set' AND field = 'contact_id' AND json_extract(value, '$.v') = ?1)))"
            " OR (entity IN ('interaction_contact', 'distinct_pair') AND field = ?1)"
            " OR (entity IN ('alias', 'handle', 'tag', 'contact_ref', 'distinct_pair')"
            " AND gid = ?1)",
            (g,),
        ):
            out.add((entity, owner))
        out.add(("contact", g))
    return out


def apply(conn: sqlite3.Connection, ops: Iterable[Op]) -> Applied:
    """Apply another machine's operations, inside the caller's write transaction (on a
    connection that does not record)."""
    if recording(conn):
        raise RuntimeError("apply() on a connection that records its own operations")
    conn.execute("PRAGMA defer_foreign_keys = ON")
    received = 0
    fresh: list[Op] = []
    for op in ops:
        received += 1
        if _store(conn, op):
            fresh.append(op)
    if not fresh:
        return Applied(received, 0, 0)
    local = clock(conn)
    for op in fresh:
        local.receive(op.hlc)
        _note(conn, op)
    local.save(conn)
    touched: set[tuple[str, str]] = set()
    merges = [op for op in fresh if op.kind == "merge"]
    if merges:
        moved = _redirects(conn, merges)
        # and every contact merged into a moved one, however long ago: what refers to
        # them (a follow-up made for a contact merged away since) moves along
        into: dict[str, list[str]] = {}
        for source, target in conn.execute("SELECT from_gid, to_gid FROM redirect"):
            into.setdefault(target, []).append(source)
        todo = list(moved)
        while todo:
            for source in into.get(todo.pop(), []):
                if source not in moved:
                    moved.add(source)
                    todo.append(source)
        touched |= _dependents(conn, moved)
        for g in moved:
            for (iid,) in conn.execute(
                "SELECT i.gid FROM interaction i JOIN interaction_contact ic"
                " ON ic.interaction_id = i.id JOIN contact c ON c.id = ic.contact_id"
                " WHERE c.gid = ?",
                (g,),
            ):
                touched.add(("interaction_contact", iid))
    for op in fresh:
        if op.kind == "merge":
            continue
        touched.add((op.entity, op.gid))
        if op.entity == "distinct_pair" and op.field:
            touched.add(("distinct_pair", op.field))
    derive = _Deriver(conn)
    # a change to a contact merged away is the kept contact's (when later than the merge)
    touched |= {("contact", derive.resolve(g)) for entity, g in touched if entity == "contact"}
    # a handle (or external key) two people claimed goes to the first claim of a contact
    # that exists: whenever a claimant is touched (made, deleted, merged, its claims
    # changed), every claimant of its keys is derived again
    claimants = {derive.resolve(g) for e, g in touched if e == "contact" or e in _UNIQUE}
    for g in claimants:
        group = derive.group(g)
        marks = ", ".join("?" for _ in group)
        for entity in _UNIQUE:
            for (key,) in conn.execute(
                f"SELECT DISTINCT field FROM op WHERE gid IN ({marks}) AND entity = ?",
                (*group, entity),
            ).fetchall():
                for (owner,) in conn.execute(
                    f"SELECT DISTINCT gid FROM op WHERE entity = '{entity}'"
                    " AND entity IN ('handle', 'contact_ref') AND field = ?",
                    (key,),
                ):
                    touched.add((entity, owner))
    # Records first (a note after its contact), then the sets. Operations arrive in
    # causal order (a machine refers only to what it received, and a sync reads whole
    # files), so what refers to a contact comes with or after it; a merge that changes
    # the redirects brought in what refers to the contacts it moved (``_dependents``).
    order = {t: i for i, t in enumerate((*RECORDS, *SETS))}
    ordered = sorted(touched, key=lambda t: (order[t[0]], t[1]))
    for entity, g in ordered:
        if entity in RECORDS:
            derive.record(entity, g)
    for entity, g in ordered:
        if entity in RECORDS:
            if entity in ("contact", "interaction"):
                for child, (owner_table, *_rest) in SETS.items():
                    if owner_table == entity:
                        derive.children(child, derive.resolve(g))
        else:
            derive.children(entity, derive.resolve(g))
    from rave import contact_tally

    alive = [
        cid
        for cid in derive.touched_contacts
        if conn.execute("SELECT 1 FROM contact WHERE id = ?", (cid,)).fetchone()
    ]
    contact_tally.rebuild(conn, alive)
    return Applied(received, len(fresh), len(alive))


def conflicts(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """The conflicts applying operations settled: (kind, gid or key, what, winner)."""
    return [
        (str(a), str(b), str(c), str(d))
        for a, b, c, d in conn.execute(
            "SELECT kind, gid, detail, winner FROM sync_conflict ORDER BY id"
        )
    ]


def conflict_lines(conn: sqlite3.Connection, limit: int = 5) -> tuple[int, list[str]]:
    """The recorded conflicts for `rave doctor`: how many, and the first ``limit`` as
    text, the winning contact by name where it is one."""
    total = conn.execute("SELECT COUNT(*) FROM sync_conflict").fetchone()[0]
    lines = []
    for kind, key, detail, winner in conn.execute(
        "SELECT s.kind, s.gid, s.detail, COALESCE(c.name, s.winner) FROM sync_conflict s"
        " LEFT JOIN contact c ON c.gid = s.winner ORDER BY s.id LIMIT ?",
        (limit,),
    ):
        if kind in _UNIQUE:
            shown = " ".join(json.loads(key)) if key.startswith("[") else key
            lines.append(f"{kind} {shown} {detail}: kept by {winner}")
        elif kind == "merge":
            lines.append(f"contact {key} {detail}: kept the merge into {winner}")
        else:
            lines.append(f"{kind} {key}: {detail}")
    return int(total), lines
