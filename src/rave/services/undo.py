"""`rave undo`: take back the last command that wrote, from the undo log
(``rave.undo_log``). Repeatable: each undo removes the command it reverted from the log,
so the next one reverts the command before. Runs on the stdlib connection, without the
ORM and without recording: an undo is not itself undone."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rave import contact_tally, db, undo_log
from rave.errors import RaveError


@dataclass(frozen=True, slots=True)
class Undone:
    """A command of the log, and (once undone) the contacts whose ranking was folded
    again."""

    command: undo_log.Command
    dry_run: bool
    contacts_refolded: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Cleared:
    """What `rave undo --clear` forgot."""

    commands: int
    rows: int


def _nothing() -> RaveError:
    return RaveError(
        "nothing to undo",
        hint=f"rave can take back the last {undo_log.KEEP_COMMANDS} commands that wrote "
        "(made with this version of rave or a later one), one `rave undo` each",
    )


def last(path: Path) -> undo_log.Command:
    """The command `rave undo` would take back now (nothing to undo: exit 1)."""
    with db.reading(path) as conn:
        found = undo_log.last_command(conn)
    if found is None:
        raise _nothing()
    return found


@contextlib.contextmanager
def _transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """A write transaction on the stdlib connection (the block commits it); rolled back
    if the block does not."""
    conn = db.connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise db.translate(exc, path) from None
    finally:
        conn.close()


def undo(path: Path, *, expected: int | None = None) -> Undone:
    """Revert the last command of the log in one write transaction, and fold again the
    ranking tallies of the contacts whose history it changed. ``expected``: the id of
    the command the person agreed to undo (refused if another command wrote since)."""
    with _transaction(path) as conn:
        command = undo_log.last_command(conn)
        if command is None:
            raise _nothing()
        if expected is not None and command.id != expected:
            raise RaveError(
                "another command wrote to the store meanwhile; nothing was undone",
                hint="run `rave undo` again to see what it would take back",
            )
        try:
            touched = undo_log.revert(conn, command)
            contact_tally.rebuild(conn, touched)
            conn.execute("COMMIT")  # where references left broken are found
        except (undo_log.Conflict, sqlite3.IntegrityError) as exc:
            name = f"`{command.command}`" if command.command else "the last command"
            raise RaveError(
                f"cannot undo {name}: the store was changed outside rave since ({exc}); "
                "nothing was undone",
                hint="run `rave doctor`; `rave backup` copies keep earlier states",
            ) from None
    return Undone(command, dry_run=False, contacts_refolded=tuple(sorted(touched)))


def clear(path: Path) -> Cleared:
    """Forget the undo log, with what it kept of the records you deleted (they could come
    back with `rave undo` until then): nothing can be undone afterwards."""
    with _transaction(path) as conn:
        commands, rows = undo_log.clear(conn)
        conn.execute("COMMIT")
    return Cleared(commands, rows)
