"""The one place that opens SQLite: pragmas, file modes, schema version.

Both doors use :func:`connect`: ``queries.py`` reads on the stdlib connection directly,
``store.py`` builds its SQLAlchemy engine on it. Connections are in autocommit mode
(``isolation_level=None``) so that transactions are explicit: writers start with
``BEGIN IMMEDIATE``, multi-query readers with ``BEGIN`` (one consistent snapshot).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from rave import migrations, scoring
from rave.errors import LockedError, StoreError

BUSY_TIMEOUT_MS = 15_000
FILE_MODE = 0o600
DIR_MODE = 0o700


def _pragmas(conn: sqlite3.Connection, *, where: str, wal: bool) -> None:
    # The warmth formula lives in the pure scoring module; SQL aggregates it.
    conn.create_function("rave_warmth", 4, scoring.warmth_weight, deterministic=True)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # Refuse a newer store before anything (even the journal mode) touches the file.
    migrations.check_not_newer(conn, where)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def _create_file(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600), whatever the umask."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        parent.chmod(DIR_MODE)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    path.chmod(FILE_MODE)


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """An open, migrated connection to the store at ``path``.

    With ``create=False`` (readers) a missing store is an empty in-memory one, so read
    commands on a fresh machine show empty results and write nothing to disk.
    """
    try:
        if not path.exists():
            if not create:
                conn = sqlite3.connect(":memory:", isolation_level=None)
                _pragmas(conn, where=str(path), wal=False)
                migrations.migrate(conn, str(path))
                return conn
            with contextlib.suppress(FileExistsError):
                _create_file(path)
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a rave database")
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except OSError as exc:
        raise translate_os_error(exc, path) from None
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    try:
        _pragmas(conn, where=str(path), wal=True)
        migrations.migrate(conn, str(path), path=path)
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from None
    except OSError as exc:  # the copy taken before an upgrade could not be written
        conn.close()
        raise translate_os_error(exc, path) from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A read connection holding one snapshot for the whole block."""
    conn = connect(path)
    try:
        conn.execute("BEGIN")
        yield conn
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def translate(exc: sqlite3.Error, path: Path) -> Exception:
    """A sqlite3 error as the typed error a user should see."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return LockedError(
            f"the database {path} stayed locked for {BUSY_TIMEOUT_MS // 1000} s "
            "(another rave is writing)",
            hint="try again in a moment",
        )
    if "disk is full" in text or "disk full" in text:
        return StoreError(f"the disk holding {path} is full; nothing was written")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the database {path} is read-only; nothing was written")
    if "not a database" in text or "malformed" in text:
        return StoreError(
            f"{path} is not a rave database or is damaged ({exc})",
            hint="run `rave doctor`",
        )
    if "unable to open" in text:
        return StoreError(f"cannot open the database {path}")
    return exc


def translate_os_error(exc: OSError, path: Path) -> Exception:
    if exc.errno == errno.ENOSPC:
        return StoreError(f"the disk holding {path} is full; nothing was written")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StoreError(f"no permission to create {path}")
    return StoreError(f"cannot open {path}: {exc.strerror or exc}")
