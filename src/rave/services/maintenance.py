"""Keeping the store healthy: `rave backup` and `rave doctor`."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from rave import contact_tally, db, migrations, oplog, safefile, timeutil, undo_log
from rave.config import Paths, validate
from rave.errors import ConfigError, RaveError, StoreError, StoreMissing, UsageError


def default_backup_path(db_path: Path) -> Path:
    stamp = timeutil.utcnow().strftime("%Y%m%d-%H%M%S")
    return db_path.with_name(f"rave-backup-{stamp}.db")


def _store_file(db_path: Path) -> os.stat_result:
    """The store's file status; a store that is not a regular file is refused (a FIFO
    would hang whoever opens it)."""
    try:
        found = db_path.stat()
    except FileNotFoundError:
        raise StoreMissing(db_path, hint="nothing to back up yet") from None
    except OSError as exc:
        raise db.translate_os_error(exc, db_path) from None
    if not stat.S_ISREG(found.st_mode):
        raise StoreError(f"{db_path} is a {db.file_kind(found.st_mode)}, not a rave store")
    return found


def _damage(conn: sqlite3.Connection) -> list[str]:
    """What ``PRAGMA quick_check`` finds wrong in the database on ``conn`` ([] if nothing)."""
    found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(5)")]
    return [] if found == ["ok"] else _lines(found)


def _lines(found: list[str]) -> list[str]:
    """The messages of an integrity or quick check, one per line (SQLite puts several
    in one row, after a ``*** in database main ***`` heading)."""
    lines = (line.strip() for row in found for line in row.splitlines())
    return [line for line in lines if line and not line.startswith("***")]


def backup(db_path: Path, target: Path | None, *, force: bool = False) -> Path:
    """A consistent copy of the store through SQLite's backup API (safe while another
    process writes), checked with ``PRAGMA quick_check`` and only then renamed into place
    (``safefile``), mode 0600. A damaged store is refused and the old backup left as it
    was; a target that is a symbolic link is refused (never written through)."""
    _check_store(db_path)
    if target is None:
        target = default_backup_path(db_path)
    elif target.is_dir():
        target = target / default_backup_path(db_path).name
    with contextlib.suppress(OSError):
        if target.samefile(db_path):
            raise RaveError("the backup cannot replace the store itself")
    target = safefile.prepare(target, replace=force)
    with _reading(db_path, target) as source, safefile.staged(target) as staging:
        _checked_copy(source, db_path, staging)
    return target


def backup_to_stream(db_path: Path, stream: BinaryIO) -> int:
    """The same checked copy as :func:`backup`, written to ``stream`` (stdout) once it is
    whole and checked; the number of bytes written. The copy is made in a private
    temporary folder, which is removed before the copy is streamed (from the open file):
    a reader that stops early, or a kill, leaves nothing behind."""
    _check_store(db_path)
    scratch = Path(tempfile.gettempdir())
    with _reading(db_path, scratch) as source, safefile.private_folder("rave-backup-") as folder:
        copy = folder / default_backup_path(db_path).name
        _checked_copy(source, db_path, copy)
        written = copy.open("rb")
    with written:
        try:
            shutil.copyfileobj(written, stream)
            stream.flush()
        except OSError as exc:
            raise db.translate_os_error(exc, Path("<stdout>")) from None
        return os.fstat(written.fileno()).st_size


def _check_store(db_path: Path) -> None:
    if _store_file(db_path).st_size == 0:
        raise StoreError(f"{db_path} is empty (0 bytes): not a rave store; nothing to back up")


@contextlib.contextmanager
def _reading(db_path: Path, target: Path) -> Iterator[sqlite3.Connection]:
    """The store, opened before anything is made where the copy goes; SQLite's and the
    file system's errors as rave's messages (a damaged store named as such)."""
    source = db.connect(db_path)
    try:
        yield source
    except sqlite3.Error as exc:
        text = str(exc).lower()
        damaged = "malformed" in text or "not a database" in text or "corrupt" in text
        raise db.translate(exc, db_path if damaged else target) from None
    except OSError as exc:
        raise db.translate_os_error(exc, target) from None
    finally:
        source.close()


def _checked_copy(source: sqlite3.Connection, db_path: Path, copy_path: Path) -> None:
    """Copy the store into the new private file ``copy_path`` and check the copy."""
    os.close(safefile.create(copy_path))
    copy = sqlite3.connect(copy_path, isolation_level=None)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        damage = _damage(copy)
    finally:
        copy.close()
    if damage:
        raise StoreError(
            f"{db_path} is damaged ({'; '.join(damage[:2])}); no backup was written",
            hint="run `rave doctor`, and keep your earlier backups",
        )


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _permissions(db_path: Path) -> list[Check]:
    checks = []
    folder_mode = _mode(db_path.parent)
    checks.append(
        Check(
            "folder permissions",
            folder_mode & 0o077 == 0,
            f"{db_path.parent} is {folder_mode:04o}"
            + ("" if folder_mode & 0o077 == 0 else " (should be 0700: chmod 700)"),
        )
    )
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        if path.exists():
            mode = _mode(path)
            private = mode & 0o077 == 0
            hint = "" if private else " (should be 0600: chmod 600)"
            checks.append(Check(f"permissions {path.name}", private, f"{mode:04o}{hint}"))
    return checks


def _writable(db_path: Path) -> Check:
    """Whether rave can write the store: the file, its journal files and its folder
    (where SQLite makes the journal files)."""
    blocked = [
        path
        for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"))
        if path.exists() and not os.access(path, os.W_OK)
    ]
    if not os.access(db_path.parent, os.W_OK | os.X_OK):
        blocked.append(db_path.parent)
    if not blocked:
        return Check("writable", True, "yes")
    listed = ", ".join(str(path) for path in blocked)
    return Check(
        "writable",
        False,
        f"the store cannot be written: no write permission on {listed} "
        "(rave writes the file and makes its journal in its folder: chmod u+w)",
    )


def _expected_tables() -> dict[str, set[str]]:
    """Each table of a current store and its columns, from the migrations themselves."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrations.migrate(conn, ":memory:")
        return _tables(conn)
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> dict[str, set[str]]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: {row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (name,))}
        for name in names
    }


def _tables_check(conn: sqlite3.Connection) -> Check:
    expected, found = _expected_tables(), _tables(conn)
    missing = sorted(set(expected) - set(found))
    lacking = [
        f"{table} lacks {', '.join(sorted(columns - found[table]))}"
        for table, columns in sorted(expected.items())
        if table in found and columns - found[table]
    ]
    if missing or lacking:
        parts = (
            [f"missing table{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"]
            if missing
            else []
        ) + lacking
        return Check("tables", False, "; ".join(parts) + " (restore a backup)")
    return Check("tables", True, f"all {len(expected)} present")


# The latest moment the store can hold: a fold "as of" it is a fold of the whole history.
_END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
SAMPLE_RECENT, SAMPLE_RANDOM = 180, 20


def _same_row(stored: tuple[Any, ...] | None, fresh: tuple[Any, ...] | None) -> bool:
    if stored is None or fresh is None:
        return stored is fresh
    if len(stored) != len(fresh):
        return False
    return all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        if isinstance(a, float) and isinstance(b, float)
        else a == b
        for a, b in zip(stored, fresh, strict=True)
    )


def _stored_tallies(conn: sqlite3.Connection, ids: list[int] | None) -> dict[int, tuple[Any, ...]]:
    """The stored tally rows (``contact_tally.select_columns`` order) of these contacts (all:
    None), by contact."""
    sql = f"SELECT t.contact_id, {contact_tally.select_columns('t')} FROM contact_tally t"
    if ids is None:
        rows = conn.execute(sql)
    else:
        rows = conn.execute(
            sql + " WHERE t.contact_id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        )
    return {row[0]: tuple(row[1:]) for row in rows}


def stale_tallies(
    conn: sqlite3.Connection, *, recent: int = SAMPLE_RECENT, random: int = SAMPLE_RANDOM
) -> tuple[int, list[int]]:
    """Compare a sample of the stored tallies with a fresh fold of those contacts'
    history: the most recently active contacts, a few random ones, every contact with
    history but no tally and every tally without history. (How many were compared, the
    contacts whose tally is wrong.)"""

    def ids(sql: str, *args: int) -> list[int]:
        return [row[0] for row in conn.execute(sql, args)]

    sample = ids(  # ordered by the stored latest event: a sample, the fold is the judge
        "SELECT contact_id FROM contact_tally ORDER BY latest_at DESC, latest_id DESC LIMIT ?",
        recent,
    )
    sample += ids("SELECT contact_id FROM contact_tally ORDER BY random() LIMIT ?", random)
    sample += ids(  # history but no tally
        "SELECT c.id FROM contact c"
        " WHERE NOT EXISTS (SELECT 1 FROM contact_tally t WHERE t.contact_id = c.id)"
        " AND EXISTS (SELECT 1 FROM interaction_contact ic WHERE ic.contact_id = c.id)"
        " LIMIT 100"
    )
    sample += ids(  # a tally but no history
        "SELECT t.contact_id FROM contact_tally t WHERE NOT EXISTS"
        " (SELECT 1 FROM interaction_contact ic WHERE ic.contact_id = t.contact_id) LIMIT 100"
    )
    checked = sorted(set(sample))
    fresh = contact_tally.folded_as_of(conn, _END_OF_TIME, checked)
    stored = _stored_tallies(conn, checked)
    wrong = [
        cid
        for cid in checked
        if not _same_row(
            stored.get(cid), contact_tally.to_row(fresh[cid]) if cid in fresh else None
        )
    ]
    return len(checked), wrong


def _names(conn: sqlite3.Connection, ids: list[int]) -> str:
    names = dict(
        conn.execute(
            "SELECT id, name FROM contact WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ).fetchall()
    )
    return ", ".join(f"{names.get(cid, '?')} (#{cid})" for cid in ids)


def _tallies_check(conn: sqlite3.Connection) -> Check:
    checked, wrong = stale_tallies(conn)
    if not wrong:
        return Check("tallies", True, f"{checked} checked against the history")
    shown = _names(conn, wrong[:10]) + (f" and {len(wrong) - 10} more" if len(wrong) > 10 else "")
    return Check(
        "tallies",
        False,
        f"{len(wrong)} of {checked} checked differ from the history: {shown}; "
        "the ranking is wrong for them: run `rave doctor --rebuild`",
    )


def _conflicts_check(conn: sqlite3.Connection) -> Check | None:
    """What `rave sync` settled by rule (one handle given to two people on two machines,
    two merges of one contact): every machine settled it the same way, listed so you can
    correct it (`rave edit`, `rave merge`). Not a problem; None when there were none."""
    total, lines = oplog.conflict_lines(conn)
    if not total:
        return None
    more = f"; and {total - len(lines)} more" if total > len(lines) else ""
    return Check("sync conflicts", True, f"{total} settled by rule: " + "; ".join(lines) + more)


def _phones_check(conn: sqlite3.Connection) -> Check | None:
    """Phone numbers kept as their digits (stored while no region was known) that your
    region now reads as numbers: they match neither what you type nor what imports
    bring until `rave doctor --rebuild` stores them in E.164. None when there are none
    to look at (phonenumbers is then never loaded)."""
    rows = conn.execute(
        "SELECT channel, value FROM handle"
        " WHERE channel IN ('phone', 'sms', 'whatsapp') AND value >= '0'"
    ).fetchall()
    if not rows:
        return None
    from rave import normalize, phones

    try:
        region = phones.default_region()
    except ConfigError:
        return None  # the config check says what is wrong with [phone]
    if region is None:
        return None
    stale = 0
    for channel, value in rows:
        try:
            stale += normalize.normalize_handle(channel, value, region=region) != value
        except UsageError:
            continue
    if not stale:
        return Check("phones", True, f"stored in E.164 where {region} reads them")
    return Check(
        "phones",
        False,
        f"{stale} phone number{'s' if stale != 1 else ''} kept as digits (stored while no "
        f"region was set) read as numbers of {region} now: they match nothing you type; "
        "run `rave doctor --rebuild`",
    )


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What ``rave doctor --rebuild`` did: tallies written, how many stored ones
    differed from the history before (missing and left-over ones included), and phone
    numbers stored again in the form the current region reads them in."""

    tallies: int
    differed: int
    phones: int = 0


def rebuild_tallies(db_path: Path) -> Rebuilt:
    """Fold every contact's history again into its tally, in one write transaction."""
    if _store_file(db_path).st_size == 0:
        raise StoreError(f"{db_path} is empty (0 bytes): not a rave store; nothing to rebuild")
    conn = db.connect(db_path, create=False)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # numbers read anew are a change `rave undo` can take back, like any command's
            undo_log.start(conn, "rave doctor --rebuild", timeutil.utcnow())
            oplog.start(conn)  # and your other machines get them (`rave sync`)
            phones = migrations.renormalise_phones(conn)
            oplog.finish(conn)
            undo_log.finish(conn)
            before = _stored_tallies(conn, None)
            written = contact_tally.rebuild(conn)
            after = _stored_tallies(conn, None)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise db.translate(exc, db_path) from None
    finally:
        conn.close()
    differed = sum(
        1 for cid in before.keys() | after.keys() if not _same_row(before.get(cid), after.get(cid))
    )
    return Rebuilt(written, differed, phones)


def _store_check(db_path: Path) -> Check | None:
    """A problem with the store file itself (not a regular file, empty), checked before
    anything opens it (opening a FIFO would hang); None when it can be opened."""
    try:
        found = db_path.stat()
    except OSError as exc:
        return Check("store", False, f"cannot read {db_path}: {exc.strerror or exc}")
    if not stat.S_ISREG(found.st_mode):
        return Check(
            "store",
            False,
            f"{db_path} is a {db.file_kind(found.st_mode)}, not a rave store "
            "(move it away; rave makes a new store on the next write)",
        )
    if found.st_size == 0:
        return Check(
            "store",
            False,
            f"{db_path} is empty (0 bytes): not a rave store (restore a backup, or remove "
            "it and rave makes a new store on the next write)",
        )
    return None


def doctor(paths: Paths) -> list[Check]:
    """Every check, in order; the store is opened read-only and never changed."""
    checks: list[Check] = [Check("database path", True, f"{paths.db} (from {paths.db_source})")]
    try:
        validate(paths.config)  # every section, validated as the commands do
        checks.append(
            Check(
                "config",
                True,
                f"{paths.config} ({'found' if paths.config.exists() else 'defaults'})",
            )
        )
    except ConfigError as exc:
        checks.append(Check("config", False, exc.message))
    if not paths.db.exists():
        checks.append(Check("store", True, "no store yet: it is created on the first write"))
        return checks
    problem = _store_check(paths.db)
    if problem is not None:
        return [*checks, problem, *_permissions(paths.db)]
    try:
        uri = paths.db.absolute().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=db.BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return [*checks, Check("open", False, str(exc)), *_permissions(paths.db)]
    try:
        checks.extend(_store_checks(conn, paths.db))
    finally:
        conn.close()
    if any(check.name == "integrity" and not check.ok for check in checks):
        return [*checks, *_permissions(paths.db)]
    checks.append(_writable(paths.db))
    checks.extend(_permissions(paths.db))
    return checks


def _store_checks(conn: sqlite3.Connection, db_path: Path) -> list[Check]:
    checks: list[Check] = []
    try:
        version = migrations.schema_version(conn)
        if version == 0:
            other = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1"
            ).fetchone()
            what = "a SQLite database of another program" if other else "an empty database"
            checks.append(Check("schema version", False, f"0: {what}, not a rave store"))
            return checks
        if version > migrations.SCHEMA_VERSION:
            checks.append(Check("schema version", False, f"{version}: written by a newer rave"))
            return checks
        current = version == migrations.SCHEMA_VERSION
        note = "current" if current else "older: upgraded on next use"
        checks.append(Check("schema version", True, f"{version} ({note})"))
        tables = _tables_check(conn) if current else None
        if tables is not None:
            checks.append(tables)
        result = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        detail = "ok" if result == ["ok"] else "; ".join(_lines(result)[:5])
        checks.append(Check("integrity", result == ["ok"], detail))
        bad_keys = conn.execute("PRAGMA foreign_key_check").fetchall()
        checks.append(
            Check(
                "foreign keys",
                not bad_keys,
                "ok" if not bad_keys else f"{len(bad_keys)} broken references",
            )
        )
        if tables is not None and tables.ok and result == ["ok"]:
            checks.append(_tallies_check(conn))
            phones = _phones_check(conn)
            if phones is not None:
                checks.append(phones)
            conflicts = _conflicts_check(conn)
            if conflicts is not None:
                checks.append(conflicts)
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        wal = Path(f"{db_path}-wal")
        size = wal.stat().st_size if wal.exists() else 0
        checks.append(Check("journal", mode == "wal", f"{mode}, WAL file {size // 1024} KiB"))
        present = set(_tables(conn))
        counts = {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("contact", "interaction", "note", "followup", "post")
            if table in present
        }
        checks.append(Check("contents", True, ", ".join(f"{n} {t}s" for t, n in counts.items())))
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # a damaged schema, too
        translated = db.translate(exc, db_path)
        detail = getattr(translated, "message", f"not a readable rave database ({exc})")
        checks.append(Check("integrity", False, detail))
    return checks
