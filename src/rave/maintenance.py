"""Keeping the store healthy: `rave backup` and `rave doctor`."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from rave import db, migrations, timeutil
from rave.config import Paths, load_settings
from rave.errors import ConfigError, RaveError, StoreError


def default_backup_path(db_path: Path) -> Path:
    stamp = timeutil.utcnow().strftime("%Y%m%d-%H%M%S")
    return db_path.with_name(f"rave-backup-{stamp}.db")


def backup(db_path: Path, target: Path | None, *, force: bool = False) -> Path:
    """A consistent copy of the store through SQLite's backup API (safe while another
    process writes), written to a temporary file and renamed into place, mode 0600."""
    if not db_path.exists():
        raise RaveError(f"there is no store at {db_path} yet; nothing to back up")
    if target is None:
        target = default_backup_path(db_path)
    elif target.is_dir():
        target = target / default_backup_path(db_path).name
    target = target.absolute()
    if target == db_path.absolute():
        raise RaveError("the backup cannot replace the store itself")
    if target.exists() and not force:
        raise RaveError(f"{target} already exists", hint="choose another path or pass --force")
    if not target.parent.is_dir():
        raise StoreError(f"no such folder: {target.parent}")
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    source = db.connect(db_path)
    try:
        fd = os.open(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        os.close(fd)
        copy = sqlite3.connect(temp)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
        with temp.open("rb") as handle:
            os.fsync(handle.fileno())
        temp.chmod(0o600)
        temp.replace(target)
    except sqlite3.Error as exc:
        raise db.translate(exc, target) from None
    except OSError as exc:
        raise db.translate_os_error(exc, target) from None
    finally:
        source.close()
        with contextlib.suppress(OSError):
            temp.unlink()
    return target


@dataclass(frozen=True)
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


def doctor(paths: Paths) -> list[Check]:
    """Every check, in order; the store is opened read-only and never changed."""
    checks: list[Check] = [Check("database path", True, f"{paths.db} (from {paths.db_source})")]
    try:
        load_settings(paths.config)  # every section, validated as the commands do
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
    try:
        conn = sqlite3.connect(
            f"file:{paths.db}?mode=ro", uri=True, timeout=db.BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.Error as exc:
        return [*checks, Check("open", False, str(exc))]
    try:
        version = migrations.schema_version(conn)
        if version > migrations.SCHEMA_VERSION:
            checks.append(Check("schema version", False, f"{version}: written by a newer rave"))
        else:
            note = (
                "current" if version == migrations.SCHEMA_VERSION else "older: upgraded on next use"
            )
            checks.append(Check("schema version", True, f"{version} ({note})"))
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        checks.append(Check("integrity", result == ["ok"], "; ".join(result[:5])))
        bad_keys = conn.execute("PRAGMA foreign_key_check").fetchall()
        checks.append(
            Check(
                "foreign keys",
                not bad_keys,
                "ok" if not bad_keys else f"{len(bad_keys)} broken references",
            )
        )
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        wal = Path(f"{paths.db}-wal")
        size = wal.stat().st_size if wal.exists() else 0
        checks.append(Check("journal", mode == "wal", f"{mode}, WAL file {size // 1024} KiB"))
        counts = {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("contact", "interaction", "note", "followup", "post")
        }
        checks.append(Check("contents", True, ", ".join(f"{n} {t}s" for t, n in counts.items())))
    except sqlite3.DatabaseError as exc:
        checks.append(Check("integrity", False, f"not a readable rave database ({exc})"))
    finally:
        conn.close()
    checks.extend(_permissions(paths.db))
    return checks
