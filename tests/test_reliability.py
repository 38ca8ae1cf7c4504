"""Nothing recorded is ever lost: concurrent writers and readers, a killed import, an
upgrade, backups, doctor, a full disk and a read-only store."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import Rave, cron_env, rave_executable, run_cron
from rave import db, migrations

FIXTURES = Path(__file__).parent / "fixtures"
BENCH = Path(__file__).parent.parent / "bench"


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


# --- concurrency -------------------------------------------------------------------


def _writer(path: str, seconds: float, results: multiprocessing.Queue) -> None:
    from rave import timeutil
    from rave.errors import RaveError
    from rave.services import recording

    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        request = recording.LogRequest(
            refs=("Ana",), kind="chat", direction="out", channel="email", when=timeutil.utcnow()
        )
        try:
            recording.log_interaction(Path(path), request)
            done += 1
        except RaveError:
            failed += 1
    results.put(("w", done, failed))


def _reader(path: str, home: str, seconds: float, results: multiprocessing.Queue) -> None:
    from rave import timeutil
    from rave.config import resolve_paths
    from rave.errors import RaveError
    from rave.services import contacts, ranking

    paths = resolve_paths(Path(path), env={"RAVE_HOME": home})
    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            ranking.today_view(paths, as_of=timeutil.utcnow())
            contacts.list_contacts(paths.db)
            done += 1
        except RaveError:
            failed += 1
    results.put(("r", done, failed))


@pytest.mark.slow
def test_concurrent_writers_and_readers_lose_nothing(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    path = rave_home / "rave.db"
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    workers = [context.Process(target=_writer, args=(str(path), 4.0, results)) for _ in range(3)]
    workers += [
        context.Process(target=_reader, args=(str(path), str(rave_home), 4.0, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    writes = sum(done for kind, done, _ in outcomes if kind == "w")
    reads = sum(done for kind, done, _ in outcomes if kind == "r")
    assert all(failed == 0 for _, _, failed in outcomes), outcomes
    assert writes > 10 and reads > 2
    assert count(path, "interaction") == writes  # every acknowledged write is there


def test_locked_past_the_timeout_is_exit_75(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rave("add", "Ana")
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(rave_home / "rave.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        out = rave("log", "Ana")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.exit_code == 75, out
    assert "locked" in out.stderr and "try again" in out.stderr
    assert count(rave_home / "rave.db", "interaction") == 0
    assert rave("log", "Ana").exit_code == 0  # and it works once the lock is gone


# --- a killed import -----------------------------------------------------------------


# The import is caught this far into its one transaction: with 10,000 rows it writes
# about 5 MB of -wal in all, so the kill lands well before the end.
MID_IMPORT = 1 << 20


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _counts(path: Path) -> dict[str, int]:
    """The rows of every table, as a reader sees them."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _write_locked(path: Path) -> bool:
    """Whether another connection holds the write lock: BEGIN IMMEDIATE is SQLITE_BUSY."""
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as conn:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                return True
            raise
        conn.execute("ROLLBACK")
        return False


@pytest.mark.slow
def test_killed_import_leaves_all_or_nothing(rave: Rave, rave_home: Path, tmp_path: Path) -> None:
    """kill -9 in the middle of an import: caught once its transaction has put a megabyte
    in the -wal file, stopped there (so it cannot commit) while it holds the write lock,
    then killed. None of it is visible and the store is intact; the same import run to the
    end is all there."""
    source = tmp_path / "Connections.csv"
    make = [sys.executable, str(BENCH / "make_connections.py"), "10000", str(source)]
    subprocess.run(make, check=True)
    rave("add", "Already Here")
    path, wal = rave_home / "rave.db", rave_home / "rave.db-wal"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # an empty -wal: what grows is the import
    assert _size(wal) == 0
    before = _counts(path)
    proc = subprocess.Popen(
        [rave_executable(), "import", "linkedin", str(source)],
        env=cron_env(rave_home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while _size(wal) < MID_IMPORT:
            assert proc.poll() is None, "the import ended before it wrote 1 MB: a bigger file"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.005)
        proc.send_signal(signal.SIGSTOP)  # frozen mid-transaction: it cannot commit now
        assert proc.poll() is None  # it had not exited
        assert _write_locked(path)  # its transaction is open...
        assert _counts(path) == before  # ...and not committed
        written = _size(wal)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert _size(wal) >= written >= MID_IMPORT  # its frames are on disk, uncommitted
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _counts(path) == before  # nothing of the killed import
    assert rave("doctor").exit_code == 0
    done = run_cron(rave_home, "import", "linkedin", str(source), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["contacts_created"] == 9_980  # 20 rows are blank
    assert count(path, "contact") == before["contact"] + 9_980


# --- upgrades ------------------------------------------------------------------------


def _v1_store(path: Path, version: int = 1) -> None:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "store" / f"v{version}.sql").read_text(encoding="utf-8"))
    conn.close()
    path.chmod(0o600)


def test_a_store_from_before_ranking_v2_upgrades_its_calls_to_both(
    rave: Rave, rave_home: Path
) -> None:
    rave_home.mkdir(mode=0o700)
    path = rave_home / "rave.db"
    _v1_store(path, version=2)
    ana = rave("show", "ana", "--json").json()["interactions"]
    assert [(i["note"], i["direction"]) for i in ana] == [
        ("sent the signed quote", "in"),
        ("lunch", "both"),  # out on in_person: you met
        ("call about the quote", "both"),  # out on the phone: you talked
    ]
    bob = rave("show", "bob", "--json").json()["interactions"]
    assert [(i["kind"], i["direction"], i["channel"]) for i in bob] == [
        ("broadcast", "out", "phone"),  # a like stays one-way
        ("chat", "out", "linkedin"),
        ("chat", "both", "phone"),  # he called: you talked (v1 had no missed calls)
        ("chat", "both", "video"),
    ]
    assert rave("show", "bob", "--json").json()["interactions"][2]["needs_reply"] is False
    # three calls with a client are no longer three unanswered messages
    state = rave("why", "ana", "--json").json()["state"]
    assert (state["unanswered"], state["last_offline"]) == (0, "2026-11-12T12:00:00Z")
    (backup,) = rave_home.glob("rave.db.v2-*.bak")
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 2
        directions = [r[0] for r in old.execute("SELECT direction FROM interaction ORDER BY id")]
        assert directions == ["out", "out", "in", "out", "in", "out", "out"]
    with sqlite3.connect(path) as new:
        assert new.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
        assert new.execute("PRAGMA foreign_key_check").fetchall() == []
        assert new.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        started = new.execute("SELECT id, started_by FROM interaction ORDER BY id").fetchall()
        assert started == [
            (1, "me"),
            (2, "me"),
            (3, None),
            (4, "me"),
            (5, "them"),
            (6, None),
            (7, None),
        ]
        links = new.execute("SELECT COUNT(*) FROM interaction_contact").fetchone()[0]
        assert links == 7  # the rebuilt table kept every link
    assert rave("doctor").exit_code == 0
    exported = rave("export", "json").json()
    assert [i.get("started_by") for i in exported["interactions"]][:2] == ["me", "me"]


def test_the_upgrade_keeps_links_and_tolerates_what_was_already_broken(
    rave: Rave, rave_home: Path
) -> None:
    rave_home.mkdir(mode=0o700)
    path = rave_home / "rave.db"
    _v1_store(path, version=2)
    with sqlite3.connect(path) as conn:  # foreign keys off, as any old tool might have
        conn.execute(
            "INSERT INTO followup (id, contact_id, interaction_id, text, created_at)"
            " VALUES (1, 1, 2, 'send the lunch notes', '2026-11-12T13:00:00Z')"
        )
        conn.execute(  # a note of a contact deleted long ago: broken before the upgrade
            "INSERT INTO note (id, contact_id, text, created_at)"
            " VALUES (9, 99, 'orphan', '2026-01-01T00:00:00Z')"
        )
    assert rave("list", "--json").exit_code == 0  # upgraded despite the old orphan
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
        assert conn.execute("SELECT interaction_id FROM followup").fetchall() == [(2,)]
    assert rave("followups", "--json").json()[0]["text"] == "send the lunch notes"


def test_a_failed_upgrade_leaves_no_copy_and_foreign_keys_on(
    rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rave_home.mkdir(mode=0o700)
    path = rave_home / "rave.db"
    _v1_store(path, version=2)
    step = "THIS IS NOT SQL;"
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, (step, None)))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(migrations.MIGRATIONS))
    conn = sqlite3.connect(path, isolation_level=None)
    for _ in range(3):  # a cron job retrying every day piles nothing up
        with pytest.raises(sqlite3.OperationalError):
            migrations.migrate(conn, str(path), path=path)
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()
    assert list(rave_home.glob("*.bak")) == []


def test_an_upgrade_that_would_break_a_reference_is_refused(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rave_home.mkdir(mode=0o700)
    path = rave_home / "rave.db"
    _v1_store(path, version=2)
    step = "DELETE FROM contact WHERE id = 1;"  # foreign keys are off while migrating
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, (step, None)))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(migrations.MIGRATIONS))
    out = rave("list")
    assert out.exit_code == 1 and "would break a reference" in out.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 2


def test_first_schema_store_opens_with_its_data(rave: Rave, rave_home: Path) -> None:
    rave_home.mkdir(mode=0o700)
    _v1_store(rave_home / "rave.db")
    ana = rave("show", "ana", "--json").json()
    assert ana["aliases"] == ["Anita"] and ana["tags"] == ["client"]
    assert [i["note"] for i in ana["interactions"]] == ["asked about rates", "dinner in Lyon"]
    assert [n["text"] for n in ana["notes"]] == ["daughter starts school in May"]
    assert rave("today", "--json").json()[0]["name"] == "Ana Pérez"


def test_upgrade_backs_up_first_and_keeps_data(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rave_home.mkdir(mode=0o700)
    _v1_store(rave_home / "rave.db")
    step = (
        "ALTER TABLE contact ADD COLUMN pronouns TEXT;\nCREATE INDEX ix_test ON contact (pronouns);"
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, (step, None)))
    latest = len(migrations.MIGRATIONS)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", latest)
    assert rave("list", "--json").exit_code == 0
    (backup,) = rave_home.glob("rave.db.v1-*.bak")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1
        assert old.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 2
    with sqlite3.connect(rave_home / "rave.db") as new:
        assert new.execute("PRAGMA user_version").fetchone()[0] == latest
        assert "pronouns" in [r[1] for r in new.execute("PRAGMA table_info(contact)")]
    assert rave("show", "bob", "--json").json()["snoozed_until"].startswith("2030-0")
    assert len(rave("list", "--json").json()) == 2


def test_failed_upgrade_leaves_the_store_as_it_was(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rave_home.mkdir(mode=0o700)
    path = rave_home / "rave.db"
    _v1_store(path)
    before = count(path, "contact")
    step = "ALTER TABLE contact ADD COLUMN x TEXT;\nTHIS IS NOT SQL;"
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, (step, None)))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(migrations.MIGRATIONS))
    with pytest.raises(sqlite3.OperationalError):
        db.connect(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "x" not in [r[1] for r in conn.execute("PRAGMA table_info(contact)")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert count(path, "contact") == before


# --- backup and doctor ---------------------------------------------------------------


def test_backup_is_consistent_private_and_restorable(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    rave("add", "Ana")
    for n in range(5):
        rave("log", "Ana", "-n", f"talk {n}")
    old = os.umask(0o022)
    try:
        out = rave("backup", str(tmp_path), "--json")
    finally:
        os.umask(old)
    assert out.exit_code == 0, out
    target = Path(out.json()["backup"])
    assert target.parent == tmp_path
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM interaction").fetchone()[0] == 5
    assert rave("backup", str(target)).exit_code == 1  # never overwrites silently
    assert rave("backup", str(target), "--force").exit_code == 0
    assert rave("--db", str(target), "show", "Ana", "--json").json()["interaction_count"] == 5


@pytest.mark.slow
def test_backup_while_another_process_writes(rave: Rave, rave_home: Path, tmp_path: Path) -> None:
    rave("add", "Ana")
    path = rave_home / "rave.db"
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    writer = context.Process(target=_writer, args=(str(path), 3.0, results))
    writer.start()
    copies = []
    for n in range(3):
        time.sleep(0.5)
        out = rave("backup", str(tmp_path / f"b{n}.db"))
        assert out.exit_code == 0, out
        copies.append(tmp_path / f"b{n}.db")
    results.get(timeout=60)
    writer.join(timeout=30)
    seen = []
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            seen.append(conn.execute("SELECT COUNT(*) FROM interaction").fetchone()[0])
            links = conn.execute("SELECT COUNT(*) FROM interaction_contact").fetchone()[0]
            assert links == seen[-1]  # no interaction without its contact link
    assert seen == sorted(seen)


def test_doctor_reports_problems_with_exit_1(rave: Rave, rave_home: Path) -> None:
    assert rave("doctor").exit_code == 0  # no store yet is fine
    rave("add", "Ana")
    healthy = rave("doctor", "--json")
    assert healthy.exit_code == 0 and healthy.json()["ok"] is True
    names = {c["name"] for c in healthy.json()["checks"]}
    assert {"integrity", "foreign keys", "schema version", "journal", "folder permissions"} <= names
    (rave_home / "rave.db").chmod(0o644)
    loose = rave("doctor", "--json")
    assert loose.exit_code == 1
    assert any(c["name"] == "permissions rave.db" and not c["ok"] for c in loose.json()["checks"])
    (rave_home / "rave.db").chmod(0o600)
    with sqlite3.connect(rave_home / "rave.db") as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("INSERT INTO note (contact_id, text, created_at) VALUES (99, 'x', 'y')")
    broken = rave("doctor")
    assert (
        broken.exit_code == 1
        and "PROBLEM" in broken.stdout
        and "broken references" in broken.stdout
    )


# --- a full disk, a read-only store, privacy ---------------------------------------------


def _with_pragma(monkeypatch: pytest.MonkeyPatch, pragma: str) -> None:
    original = db._pragmas

    def patched(conn: sqlite3.Connection, *, where: str, wal: bool) -> None:
        original(conn, where=where, wal=wal)
        conn.execute(pragma)

    monkeypatch.setattr(db, "_pragmas", patched)


def test_full_disk_is_a_clear_error_and_the_store_intact(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rave("add", "Ana")
    path = rave_home / "rave.db"
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    _with_pragma(monkeypatch, f"PRAGMA max_page_count = {pages}")  # no room to grow
    out = rave("note", "Ana", "x" * 200_000)
    assert out.exit_code == 1, out
    assert "disk" in out.stderr and "full" in out.stderr and "nothing was written" in out.stderr
    assert "Traceback" not in out.stderr
    monkeypatch.undo()
    assert count(path, "note") == 0
    assert rave("doctor").exit_code == 0


def test_read_only_store_is_a_clear_error(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rave("add", "Ana")
    _with_pragma(monkeypatch, "PRAGMA query_only = ON")
    out = rave("log", "Ana")
    assert out.exit_code == 1, out
    assert "read-only" in out.stderr
    assert rave("list", "--json").json()[0]["name"] == "Ana"  # reading still works
    monkeypatch.undo()
    assert count(rave_home / "rave.db", "interaction") == 0


def test_full_stdout_is_a_clear_error(rave_home: Path, rave: Rave) -> None:
    rave("add", "Ana")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [rave_executable(), "export", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=cron_env(rave_home),
            timeout=60,
            check=False,
        )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr


def test_database_errors_never_echo_contact_data(rave_home: Path) -> None:
    from rave import store
    from rave.models.details import Handle

    with store.writing(rave_home / "rave.db") as session:
        cid = store.add_contact(session=session, name="Secret Person", now=datetime.now(UTC))
    with pytest.raises(Exception) as info, store.writing(rave_home / "rave.db") as session:
        session.add(Handle(contact_id=cid, channel="email", value="secret@example.com"))
        session.add(Handle(contact_id=cid, channel="email", value="secret@example.com"))
        session.flush()
    assert "secret@example.com" not in str(info.value)
    from rave.cli import app

    assert app.pretty_exceptions_enable is False  # no locals in tracebacks
