"""The undo log: every write command's changes, kept as the statements that revert them,
so that `rave undo` can take the last command back (the technique of sqlite.org's
"Automatic Undo/Redo Using SQLite").

The write door (``store.writing``) calls :func:`start` at the beginning of each command:
it adds the command's row to ``undo_command`` and creates, on that command's connection
only, TEMP triggers on every table of what people record (contacts and what is theirs,
interactions, posts). For each row inserted, changed or deleted, a trigger stores in
``undo_step`` the statement that reverts it. :func:`finish` drops the command again if it
changed nothing and keeps the log bounded. Because the triggers are TEMP, nothing but a
rave write command is recorded: not migrations, not `rave undo` itself, not another
program's connection. ``contact_tally`` is derived data and is not recorded: undo folds
again the tallies of the contacts whose history the undone steps touched
(``contact_ids``).

Plain ``sqlite3`` on purpose, like ``contact_tally``: the write door calls it on its
session's connection, and `rave undo` runs without the ORM.
"""

from __future__ import annotations

import shlex
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rave import timeutil

#: The tables whose rows people create, change and delete (``contact_tally`` is derived).
#: A table that a later migration adds for people's data belongs here too (a test
#: compares this with the schema).
#: The operation log's tables (schema 7: ``op``, ``tombstone``, ``redirect``, the sync's)
#: are not here: `rave undo` takes a command's operations out of the log while no other
#: machine has them, and otherwise writes the operations that revert them
#: (``oplog.undone``): operations already sent cannot be unsent.
TABLES = (
    "contact",
    "alias",
    "handle",
    "tag",
    "contact_ref",
    "note",
    "interaction",
    "interaction_contact",
    "followup",
    "post",
    "distinct_pair",
)
#: The log keeps the last KEEP_COMMANDS commands, and drops older ones once it holds more
#: than about KEEP_STEPS changed rows; the last command is always kept whole.
KEEP_COMMANDS = 100
KEEP_STEPS = 1_000_000
_LABEL_LENGTH = 200


def command_line() -> str:
    """What was run, for `rave undo` to name it: the arguments of the ``rave`` script
    (or ``python -m rave``); "" when unknown (rave used as a library, or a test runner).
    Bytes that are not UTF-8 are replaced, long lines shortened."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    ours = program is not None and "rave" in (program.name, program.parent.name)
    said = shlex.join(["rave", *sys.argv[1:]]) if ours else ""
    said = said.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return said if len(said) <= _LABEL_LENGTH else said[: _LABEL_LENGTH - 1] + "…"


# --- recording ----------------------------------------------------------------------------

_COLUMNS = """
SELECT m.name, p.name, p.pk
  FROM sqlite_master m JOIN pragma_table_info(m.name) p
 WHERE m.type = 'table' AND m.name IN ({})
 ORDER BY m.name, p.cid
""".format(", ".join(f"'{table}'" for table in TABLES))

# Whose ranking tallies a change may move: the people of an interaction.
_CONTACTS = {
    ("interaction_contact", "insert"): "NEW.contact_id",
    ("interaction_contact", "delete"): "OLD.contact_id",
    ("interaction_contact", "update"): "OLD.contact_id || ' ' || NEW.contact_id",
    ("interaction", "update"): (
        "(SELECT group_concat(contact_id, ' ') FROM interaction_contact"
        " WHERE interaction_id = NEW.id)"
    ),
}


def _joined(parts: list[str], separator: str) -> str:
    """An SQL expression that joins the SQL text expressions ``parts``."""
    return f" || '{separator}' || ".join(parts)


def _triggers(table: str, columns: list[str], keys: list[str]) -> Iterator[str]:
    """The TEMP triggers that record how to revert each change to ``table``."""

    def where(row: str) -> str:
        return _joined([f'\'"{k}" = \' || quote({row}."{k}")' for k in keys], " AND ")

    def differs(c: str) -> str:
        # A gid given to a row that had none is not recorded (see below).
        if c == "gid":
            return f'(OLD."{c}" IS NOT NULL AND OLD."{c}" IS NOT NEW."{c}")'
        return f'OLD."{c}" IS NOT NEW."{c}"'

    names = ", ".join(f'"{c}"' for c in columns)
    inverse = {
        "insert": f"'DELETE FROM {table} WHERE ' || {where('NEW')}",
        # only the columns the command changed: a change `rave sync` applied since to
        # another field of the row stays (the reverting operations name only these)
        "update": f"'UPDATE {table} SET ' || substr("
        + " || ".join(
            f"CASE WHEN {differs(c)} THEN ', \"{c}\" = ' || quote(OLD.\"{c}\") ELSE '' END"
            for c in columns
        )
        + f", 3) || ' WHERE ' || {where('NEW')}",
        "delete": f"'INSERT INTO {table} ({names}) VALUES (' || "
        + _joined([f'quote(OLD."{c}")' for c in columns], ", ")
        + " || ')'",
    }
    # A gid given to a row that had none is not recorded: only the schema's trigger does
    # that (``rave.gid.sql_triggers``), to a row the same command inserted, whose
    # recorded insert already takes it back (recorded, its revert would come after the
    # row is gone, whichever trigger SQLite fires first).
    changed = " OR ".join(differs(c) for c in columns)
    for op, sql in inverse.items():
        when = f" WHEN {changed}" if op == "update" else ""
        contacts = _CONTACTS.get((table, op), "NULL")
        yield (
            f"CREATE TEMP TRIGGER rave_undo_{table}_{op} AFTER {op.upper()} ON main.{table}"
            f"{when} BEGIN INSERT INTO undo_step (table_name, op, contact_ids, sql)"
            f" VALUES ('{table}', '{op}', {contacts}, {sql}); END"
        )


def start(conn: sqlite3.Connection, command: str, at: datetime) -> None:
    """Begin recording a command on ``conn``, inside its write transaction: its row in
    ``undo_command``, and the triggers that record its changes (on this connection only,
    until it closes)."""
    first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM undo_step").fetchone()[0]
    conn.execute(
        "INSERT INTO undo_command (command, at, first_step) VALUES (?, ?, ?)",
        (command, timeutil.to_db(at), first),
    )
    # A row replaced by INSERT OR REPLACE must be recorded as deleted too.
    conn.execute("PRAGMA recursive_triggers = ON")
    columns: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    for table, column, key in conn.execute(_COLUMNS):
        names, keys = columns.setdefault(table, ([], []))
        names.append(column)
        if key:
            keys.append((key, column))
    for table, (names, keys) in columns.items():
        for sql in _triggers(table, names, [column for _, column in sorted(keys)]):
            conn.execute(sql)


def finish(conn: sqlite3.Connection) -> None:
    """End the command begun by :func:`start`: forget it if it changed nothing, else
    drop the oldest commands past the log's bounds."""
    last = conn.execute(
        "SELECT id, first_step FROM undo_command ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if last is None:  # pragma: no cover - start() always adds one
        return
    command_id, first = last
    if conn.execute("SELECT 1 FROM undo_step WHERE id >= ? LIMIT 1", (first,)).fetchone() is None:
        conn.execute("DELETE FROM undo_command WHERE id = ?", (command_id,))
        return
    by_count = conn.execute(
        "SELECT id FROM undo_command ORDER BY id DESC LIMIT 1 OFFSET ?", (KEEP_COMMANDS - 1,)
    ).fetchone()
    by_size = conn.execute(
        "SELECT id FROM undo_command"
        " WHERE first_step > (SELECT MAX(id) FROM undo_step) - ? ORDER BY id LIMIT 1",
        (KEEP_STEPS,),
    ).fetchone()
    oldest_kept = max(
        command_id if by_size is None else by_size[0], 0 if by_count is None else by_count[0]
    )
    keep_from = conn.execute(
        "SELECT first_step FROM undo_command WHERE id = ?", (oldest_kept,)
    ).fetchone()[0]
    conn.execute("DELETE FROM undo_step WHERE id < ?", (keep_from,))
    conn.execute("DELETE FROM undo_command WHERE id < ?", (oldest_kept,))


# --- reading and replaying ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """What a command did to one table: rows it added (undo removes them), deleted (undo
    restores them) and changed (undo reverts them)."""

    table: str
    added: int
    deleted: int
    changed: int


@dataclass(frozen=True, slots=True)
class Command:
    """One command of the log."""

    id: int
    command: str
    at: datetime
    changes: tuple[Change, ...]
    rows: int
    earlier: int  # how many commands the log holds before this one


def last_command(conn: sqlite3.Connection) -> Command | None:
    """The last command of the log, with what it changed; None when the log is empty."""
    row = conn.execute(
        "SELECT id, command, at, first_step FROM undo_command ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    command_id, command, at, first = row
    counts: dict[str, dict[str, int]] = {}
    for table, op, count in conn.execute(
        "SELECT table_name, op, COUNT(*) FROM undo_step WHERE id >= ? GROUP BY 1, 2", (first,)
    ):
        counts.setdefault(table, {})[op] = count
    changes = tuple(
        Change(table, ops.get("insert", 0), ops.get("delete", 0), ops.get("update", 0))
        for table in TABLES
        if (ops := counts.get(table))
    )
    earlier = conn.execute("SELECT COUNT(*) FROM undo_command WHERE id < ?", (command_id,))
    return Command(
        id=command_id,
        command=command,
        at=timeutil.from_db(at),
        changes=changes,
        rows=sum(sum(ops.values()) for ops in counts.values()),
        earlier=earlier.fetchone()[0],
    )


class Conflict(Exception):
    """A step could not be reverted: the store changed outside rave's commands."""


def revert(conn: sqlite3.Connection, command: Command) -> set[int]:
    """Run ``command``'s steps backwards and remove it from the log, inside the caller's
    write transaction (``conn`` must not record: no :func:`start` on it). Returns the
    contacts whose history changed (their tallies must be folded again). Raises
    :class:`Conflict` when a step does not apply to exactly one row."""
    from rave import oplog

    # The steps restore earlier states in reverse order; references are checked at commit.
    conn.execute("PRAGMA defer_foreign_keys = ON")
    oplog.start(conn)  # what the steps change, for the operation log
    first = conn.execute(
        "SELECT first_step FROM undo_command WHERE id = ?", (command.id,)
    ).fetchone()[0]
    touched: set[int] = set()
    steps = conn.execute(
        "SELECT table_name, contact_ids, sql FROM undo_step WHERE id >= ? ORDER BY id DESC",
        (first,),
    )
    for table, contact_ids, sql in steps:
        try:
            done = conn.execute(sql).rowcount
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"a row of {table} could not be restored ({exc})") from None
        if done != 1:
            raise Conflict(f"a row of {table} is no longer as that command left it")
        if contact_ids:
            touched.update(int(cid) for cid in contact_ids.split())
    # the command's operations, taken out of the log if never sent, else reverted by new
    # ones (``oplog.undone``)
    oplog.undone(conn, command.id)
    conn.execute("DELETE FROM undo_step WHERE id >= ?", (first,))
    conn.execute("DELETE FROM undo_command WHERE id = ?", (command.id,))
    return touched


def clear(conn: sqlite3.Connection) -> tuple[int, int]:
    """Forget the whole log, inside the caller's write transaction, its rows overwritten
    with zeros where they were stored (``secure_delete``). Returns (commands, rows)
    forgotten."""
    conn.execute("PRAGMA secure_delete = ON")
    commands = conn.execute("DELETE FROM undo_command").rowcount
    rows = conn.execute("DELETE FROM undo_step").rowcount
    return commands, rows
