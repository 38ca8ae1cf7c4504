"""The one place that opens SQLite: pragmas, file modes, schema version, and the one
translation of SQLite's errors into messages.

Both doors use :func:`connect`: ``rave.queries`` reads on the stdlib connection directly,
``store.py`` builds its SQLAlchemy engine on it. Connections are in autocommit mode
(``isolation_level=None``) so that transactions are explicit: writers start with
``BEGIN IMMEDIATE``, multi-query readers with ``BEGIN`` (one consistent snapshot).

One rule for a missing store: a writer (``create=True``) creates it; a reader is refused
(:class:`~rave.errors.StoreMissing`), so that a typo in ``RAVE_HOME`` is never read as an
empty network. What is at the path is checked before SQLite opens it: a folder, a FIFO
(opening one would hang), a socket or a device is not a store. A store that cannot be
written (a read-only file or mount, such as a backup on a read-only disk) is opened
read-only, without changing its journal mode.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from rave import migrations
from rave.errors import Interrupted, LockedError, StoreError, StoreMissing
from rave.scoring.state import warmth_weight

BUSY_TIMEOUT_MS = 15_000
WAL_RETRY_SECONDS = 0.01  # between tries of the switch to WAL (see _use_wal)
FILE_MODE = 0o600
DIR_MODE = 0o700

_DOCTOR = "run `rave doctor`"


def _pragmas(conn: sqlite3.Connection, *, where: str, wal: bool) -> None:
    # The warmth formula lives in the pure scoring module; SQL aggregates it.
    conn.create_function("rave_warmth", 4, warmth_weight, deterministic=True)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # Refuse another program's file or a newer store before anything (even the journal
    # mode) touches it.
    migrations.check_store(conn, where)
    if wal:
        _use_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the store to WAL, waiting up to the busy timeout for another rave doing
    the same. On a store still in rollback mode (a new one, or one an older rave wrote)
    the switch reads the header, then upgrades that read to a write to change it; SQLite
    never calls the busy handler for such an upgrade (waiting could deadlock), so while
    another connection holds the write lock (a second rave making the same switch) it
    fails at once with SQLITE_BUSY, whatever ``busy_timeout`` says. Tried again, it
    waits for the other's switch and then finds WAL already set."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", None) or 0
            if code & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(WAL_RETRY_SECONDS)


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def check_file(path: Path) -> os.stat_result | None:
    """What is at ``path`` (links followed), checked before anything opens it: None when
    there is nothing; anything but a regular file is refused (a FIFO would hang SQLite's
    open, a device such as ``/dev/null`` would swallow the store)."""
    try:
        found = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise translate_os_error(exc, path) from None
    if not stat.S_ISREG(found.st_mode):
        raise StoreError(f"{path} is a {file_kind(found.st_mode)}, not a rave database")
    return found


def _not_a_folder(path: Path) -> Path | None:
    """The nearest ancestor of ``path`` that exists but is not a folder, if any."""
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _missing(path: Path) -> StoreMissing:
    """The refusal of a read where there is no store, with the likely reason."""
    if path.is_symlink():
        hint = f"{path} is a symbolic link to {path.readlink()}, which does not exist"
    elif (blocker := _not_a_folder(path)) is not None:
        hint = f"{blocker} is a file, not a folder"
    else:
        hint = "the first `rave add` (or `rave log --create`, `rave import`) creates it"
    return StoreMissing(path, hint=hint)


def _create_file(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600), whatever the umask;
    never through a dangling link, and never where a file stands for a folder."""
    if path.is_symlink():
        raise StoreError(
            f"{path} is a symbolic link to {path.readlink()}, which does not exist; "
            "no store was created there",
            hint="fix or remove the link (see `rave paths`)",
        )
    blocker = _not_a_folder(path)
    if blocker is not None:
        raise StoreError(
            f"cannot create {path}: {blocker} is a file, not a folder",
            hint="see `rave paths`",
        )
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        parent.chmod(DIR_MODE)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:  # another rave created it meanwhile
        return
    os.close(fd)
    path.chmod(FILE_MODE)


def _writable(path: Path) -> bool:
    """Whether rave may write the store: the file and its folder (the journal, the WAL
    and its index live beside it)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _open(path: Path, *, writable: bool) -> sqlite3.Connection:
    timeout = BUSY_TIMEOUT_MS / 1000
    if writable:
        return sqlite3.connect(path, isolation_level=None, timeout=timeout)
    uri = path.absolute().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error as exc:
        conn.close()
        code = getattr(exc, "sqlite_errorcode", None) or 0
        wal = Path(f"{path}-wal")
        if code & 0xFF != sqlite3.SQLITE_CANTOPEN or (wal.exists() and wal.stat().st_size > 0):
            raise
    except BaseException:
        conn.close()
        raise
    # A WAL store in a folder nobody can write (a read-only mount) and with no pending
    # WAL: SQLite cannot make the WAL index, and nothing can change the file meanwhile.
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None, timeout=timeout)


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """An open, migrated connection to the store at ``path``.

    With ``create=True`` (writers) a missing store is created; with ``create=False``
    (readers) it is refused with :class:`StoreMissing`, before anything is written
    anywhere. A store that cannot be written is opened read-only for readers (its journal
    mode unchanged) and refused for writers."""
    try:
        if check_file(path) is None:
            if not create:
                raise _missing(path)
            _create_file(path)
            if check_file(path) is None:
                raise StoreError(f"cannot create {path}")
        writable = _writable(path)
        if not writable and create:
            what = "file" if not os.access(path, os.W_OK) else "folder holding it"
            raise StoreError(
                f"the database {path} is read-only (the {what} cannot be written); "
                "nothing was written"
            )
        conn = _open(path, writable=writable)
    except OSError as exc:
        raise translate_os_error(exc, path) from None
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise translate(exc, path) from None
    try:
        _pragmas(conn, where=str(path), wal=writable)
        if writable:
            migrations.migrate(conn, str(path), path=path)
        elif (version := migrations.schema_version(conn)) != migrations.SCHEMA_VERSION:
            raise StoreError(
                f"{path} is read-only and "
                + (
                    "holds no rave store yet"
                    if version == 0
                    else f"comes from an older rave (schema {version}); "
                    "its upgrade would write to it"
                ),
                hint="copy it to a folder you can write to and use `--db COPY`",
            )
    except (sqlite3.Error, UnicodeDecodeError) as exc:
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
    """A read connection holding one snapshot for the whole block. A missing store is
    refused (:class:`StoreMissing`) before the block runs."""
    conn = connect(path)
    try:
        conn.execute("BEGIN")
        yield conn
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    finally:
        _end(conn)
        conn.close()


def _end(conn: sqlite3.Connection) -> None:
    """Roll back what is still open on ``conn``. A failure here (SQLite may already have
    rolled back after an I/O error) must not hide the error that got us here."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _disk_full(path: Path) -> bool:
    """Whether the file system holding ``path`` has no room left (blocks or inodes)."""
    for folder in (path, *path.parents):
        try:
            info = os.statvfs(folder)
        except OSError:
            continue
        return info.f_bavail == 0 or (info.f_files > 0 and info.f_favail == 0)
    return False


# What a user is told for each SQLite primary result code that needs nothing else to be
# told apart (the others are sorted out in ``translate``): the message, with ``{path}``,
# ``{name}`` (the extended code's name) and ``{exc}`` (SQLite's words), and the hint.
_MESSAGES: dict[int, tuple[str, str | None]] = {
    sqlite3.SQLITE_READONLY: ("the database {path} is read-only; nothing was written", None),
    sqlite3.SQLITE_IOERR: (
        "a disk I/O error on {path} ({name}); nothing was written",
        "if another program is changing the store or its -wal file, let it finish and try "
        "again; then run `rave doctor`",
    ),
    sqlite3.SQLITE_CORRUPT: ("{path} is not a rave database or is damaged ({exc})", _DOCTOR),
    sqlite3.SQLITE_NOTADB: ("{path} is not a rave database or is damaged ({exc})", _DOCTOR),
    sqlite3.SQLITE_CANTOPEN: (
        "cannot open the database {path}",
        "check that its folder can be read and written (see `rave paths`)",
    ),
    sqlite3.SQLITE_PERM: ("no permission to use the database {path}", None),
    sqlite3.SQLITE_AUTH: ("no permission to use the database {path}", None),
    sqlite3.SQLITE_NOMEM: ("out of memory while using {path}; nothing was written", None),
    sqlite3.SQLITE_ABORT: ("the work on {path} was aborted; nothing was written", None),
    sqlite3.SQLITE_SCHEMA: (
        "the schema of {path} changed while rave was reading it",
        "try again in a moment",
    ),
    sqlite3.SQLITE_TOOBIG: (
        "a value is too large for the database {path}; nothing was written",
        None,
    ),
    sqlite3.SQLITE_NOLFS: ("{path} is too large for this system", None),
}


def translate(exc: Exception, path: Path) -> Exception:
    """The one translation of SQLite's errors: the typed error a user should see, by
    SQLite's (extended) result code. An error that can only come from a bug in rave (a
    misuse, a constraint rave checks itself) is returned as it is: a traceback is for
    bugs.

    A ``UnicodeDecodeError`` is SQLite's own message that Python could not decode: a
    damaged schema (bytes that are not text) reported while it was being read."""
    if isinstance(exc, UnicodeDecodeError):
        raw = exc.object if isinstance(exc.object, bytes) else b""
        said = raw.decode("utf-8", "replace")
        return StoreError(
            f"{path} is damaged: its schema holds bytes that are not text ({said})",
            hint=_DOCTOR,
        )
    if not isinstance(exc, sqlite3.Error):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # raised by Python's sqlite3 module itself
        if str(exc).startswith("Could not decode to UTF-8"):  # a value that is not text
            return StoreError(
                f"{path} is damaged or was changed by another program: it holds text "
                f"that is not UTF-8 ({exc})",
                hint=_DOCTOR,
            )
        return exc  # a misuse: a bug in rave
    name = getattr(exc, "sqlite_errorname", None) or str(code)
    primary = code & 0xFF
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL):
        return LockedError(
            f"the database {path} stayed locked for {BUSY_TIMEOUT_MS // 1000} s "
            "(another rave is writing)",
            hint="try again in a moment",
        )
    if primary == sqlite3.SQLITE_FULL or (
        primary in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN) and _disk_full(path)
    ):
        return disk_full(path)
    if code == sqlite3.SQLITE_READONLY_DBMOVED:
        return StoreError(
            f"{path} was moved or deleted while rave was using it; nothing was written",
            hint="see `rave paths`",
        )
    if primary == sqlite3.SQLITE_INTERRUPT:
        return Interrupted("interrupted; nothing was written")
    if primary in _MESSAGES:
        message, hint = _MESSAGES[primary]
        return StoreError(message.format(path=path, name=name, exc=exc), hint=hint)
    if code == sqlite3.SQLITE_CONSTRAINT_TRIGGER:
        return StoreError(
            f"a trigger in {path} refused the change ({exc}); nothing was written",
            hint="rave creates no triggers: another program added this one",
        )
    if primary == sqlite3.SQLITE_ERROR and str(exc).startswith("no such "):
        # "no such table: note": a table, column or index rave made is gone
        return StoreError(
            f"{path} is damaged or was changed by another program ({exc})", hint=_DOCTOR
        )
    # SQLITE_ERROR (an SQL mistake), SQLITE_CONSTRAINT (rave checks its own rules first),
    # SQLITE_MISMATCH, SQLITE_MISUSE, SQLITE_RANGE, SQLITE_INTERNAL, SQLITE_NOTFOUND,
    # SQLITE_EMPTY, SQLITE_FORMAT: bugs in rave.
    return exc


def disk_full(path: Path) -> StoreError:
    """The one message for a full disk (SQLite's error or the system's)."""
    return StoreError(f"the disk holding {path} is full; nothing was written")


def translate_os_error(exc: OSError, path: Path) -> Exception:
    if exc.errno == errno.ENOSPC:
        return disk_full(path)
    if exc.errno == errno.EROFS:
        return StoreError(f"{path} is on a read-only file system; nothing was written")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(
            f"no permission to use {path}", hint="check its folder's permissions (`rave paths`)"
        )
    if exc.errno == errno.ENOTDIR:
        return StoreError(f"cannot use {path}: part of the path is a file, not a folder")
    return StoreError(f"cannot open {path}: {exc.strerror or exc}")
