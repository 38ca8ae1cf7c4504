"""The store on a real SQLite file: schema, pragmas, modes, cascades, UTC, versions."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rave import contact_tally, db, migrations, store
from rave.errors import StoreError


def _describe(conn: sqlite3.Connection) -> dict[str, object]:
    out: dict[str, object] = {}
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()
    for table, sql in tables:
        cols = [
            (r[1], r[2].upper(), r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({table})")
        ]
        fks = sorted(
            (r[2], r[3], r[4], r[6]) for r in conn.execute(f"PRAGMA foreign_key_list({table})")
        )
        indexes = sorted(
            (r[2], tuple(x[2] for x in conn.execute(f"PRAGMA index_info('{r[1]}')")))
            for r in conn.execute(f"PRAGMA index_list({table})")
        )
        checks = sorted(
            " ".join(part.split("CHECK", 1)[1].split())
            for part in sql.split("\n")
            if "CHECK" in part
        )
        out[table] = (cols, fks, indexes, len(checks))
    return out


def test_models_and_migrations_describe_the_same_schema(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from rave import models

    orm_path = tmp_path / "orm.db"
    engine = create_engine(f"sqlite:///{orm_path}")
    models.load_all().create_all(engine)
    engine.dispose()
    with sqlite3.connect(orm_path) as orm:
        from_models = _describe(orm)
    sql = db.connect(tmp_path / "sql.db", create=True)
    from_migrations = _describe(sql)
    sql.close()
    # contact_tally is derived data written in plain SQL only (rave.contact_tally), not a model:
    # defining it for the ORM would cost every write command its import
    tally_columns = [c[0] for c in from_migrations.pop("contact_tally")[0]]  # type: ignore[index]
    assert tally_columns == [
        "contact_id",
        "latest_at",
        "latest_id",
        "latest_gid",
        *contact_tally.COLUMNS,
    ]
    # the undo log is written by TEMP triggers and read by `rave undo` in plain SQL only
    # (rave.undo_log): no command writes it through the ORM
    undo = {table: [c[0] for c in from_migrations.pop(table)[0]] for table in UNDO_TABLES}  # type: ignore[index]
    assert undo == UNDO_TABLES
    # the operation log is written and read in plain SQL only (rave.oplog, rave.sync)
    log = {table: [c[0] for c in from_migrations.pop(table)[0]] for table in OPLOG_TABLES}  # type: ignore[index]
    assert log == OPLOG_TABLES
    assert from_models == from_migrations


UNDO_TABLES = {
    "undo_command": ["id", "command", "at", "first_step"],
    "undo_step": ["id", "table_name", "op", "contact_ids", "sql"],
}


OPLOG_TABLES = {
    "op": [
        "seq",
        "id",
        "hlc",
        "device",
        "author",
        "kind",
        "entity",
        "gid",
        "field",
        "value",
        "command",
    ],
    "replica": ["id", "device", "name", "hlc", "sent"],
    "tombstone": ["gid", "hlc", "entity", "undone"],
    "redirect": ["from_gid", "to_gid", "hlc"],
    "sync_peer": ["device", "applied"],
    "sync_state": ["id", "remote", "last_sync", "member", "hub_seq", "hub_sent"],
    "sync_conflict": ["id", "kind", "gid", "detail", "winner"],
}


def test_pragmas_on_every_connection(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "r.db", create=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 15000
    assert migrations.schema_version(conn) == migrations.SCHEMA_VERSION
    conn.close()


def test_new_store_is_private_even_under_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "deep" / "folder" / "rave.db"
        with store.writing(path) as session:
            store.add_contact(session=session, name="Ana", now=datetime.now(UTC))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_reading_a_missing_store_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    from rave.errors import StoreMissing

    path = tmp_path / "none" / "rave.db"
    with pytest.raises(StoreMissing) as info, db.reading(path):
        pass
    assert info.value.exit_code == 1 and "no store at" in info.value.message
    assert not path.exists() and not path.parent.exists()


def test_datetimes_are_utc_aware_both_ways(tmp_path: Path) -> None:
    from rave.models.interaction import Interaction

    path = tmp_path / "rave.db"
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 1, 10, 30, tzinfo=paris)
    with store.writing(path) as session:
        cid = store.add_contact(session=session, name="Ana", now=moment)
        iid = store.add_interaction(
            session=session,
            contact_ids=[cid],
            kind="chat",
            direction="out",
            channel="email",
            when=moment,
            now=moment,
        )
    with sqlite3.connect(path) as conn:
        raw = conn.execute("SELECT happened_at FROM interaction").fetchone()[0]
    assert raw == "2026-03-01T09:30:00Z"
    with store.writing(path) as session:
        loaded = session.get(Interaction, iid)
        assert loaded is not None
        assert loaded.happened_at == moment
        assert loaded.happened_at.tzinfo is not None
        assert loaded.happened_at.utcoffset() == timedelta(0)


def test_naive_datetimes_never_reach_the_store(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="naive"), store.writing(tmp_path / "r.db") as session:
        store.add_contact(session=session, name="Ana", now=datetime(2026, 1, 1))  # noqa: DTZ001
    with db.reading(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 0


def test_foreign_keys_cascade_from_contact(tmp_path: Path) -> None:
    path = tmp_path / "rave.db"
    now = datetime.now(UTC)
    with store.writing(path) as session:
        cid = store.add_contact(
            session=session,
            name="Ana",
            now=now,
            handles=[("email", "a@x.io")],
            tags=["t"],
            aliases=["Anita"],
        )
        iid = store.add_interaction(
            session=session,
            contact_ids=[cid],
            kind="chat",
            direction="in",
            channel="email",
            when=now,
            now=now,
        )
        store.add_note(session=session, contact_id=cid, text="n", now=now)
        store.add_followup(
            session=session, contact_id=cid, text="f", due=None, now=now, interaction_id=iid
        )
    conn = db.connect(path)
    conn.execute("DELETE FROM contact WHERE id = ?", (cid,))
    for table in ("handle", "tag", "alias", "note", "followup", "interaction_contact"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO note (contact_id, text, created_at) VALUES (999, 'x', 'y')")
    conn.close()


def test_store_from_a_newer_rave_is_refused_untouched(tmp_path: Path, rave) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE something_new (x)")
    conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for args in (["list"], ["add", "Ana"], ["log", "Ana", "--create"]):
        out = rave("--db", str(path), *args)
        assert out.exit_code == 1, out
        assert "newer rave" in out.stderr
    assert path.read_bytes() == before


def test_not_a_database_is_a_clear_error(tmp_path: Path, rave) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not sqlite\n" * 100)
    out = rave("--db", str(path), "list")
    assert out.exit_code == 1
    assert "not a rave database" in out.stderr
    assert path.read_text().startswith("this is not sqlite")


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    path = tmp_path / "rave.db"
    with pytest.raises(RuntimeError), store.writing(path) as session:
        store.add_contact(session=session, name="Ana", now=datetime.now(UTC))
        raise RuntimeError("boom")
    with db.reading(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 0


def test_migration_is_idempotent_and_concurrent_safe(tmp_path: Path) -> None:
    path = tmp_path / "rave.db"
    first = db.connect(path, create=True)
    second = db.connect(path, create=True)
    assert migrations.migrate(second, str(path)) == migrations.SCHEMA_VERSION
    first.close()
    second.close()


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        db.connect(tmp_path, create=True)


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path: Path, rave) -> None:
    path = tmp_path / "other-app.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contact (whatever TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for args in (["today"], ["list"], ["add", "Ana"]):
        out = rave("--db", str(path), *args)
        assert out.exit_code == 1, out
        assert "another program" in out.stderr
    assert path.read_bytes() == before
