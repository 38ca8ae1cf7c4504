"""What a user sees when the store is missing, odd, damaged, full, read-only or foreign,
and when an argument is not text: a message and a contract exit code, never a
traceback, and the store left as it was. Real files, links, FIFOs, sockets, read-only
files and, where the machine lets a test mount one, a small file system."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pty
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import Rave, cron_env, rave_executable, run_cron, wait_until_waiting
from rave import db, migrations

FIXTURES = Path(__file__).parent / "fixtures"


def count(path: Path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def clean(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def v1_store(path: Path, *, notes: int = 0) -> None:
    """A store written by rave 0.1.0 (schema 1), with ``notes`` extra 1 KB notes."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript((FIXTURES / "store" / "v1.sql").read_text(encoding="utf-8"))
        conn.executemany(
            "INSERT INTO note (contact_id, text, created_at) VALUES (1, ?, '2026-01-01T00:00:00Z')",
            [(f"{n:04d}" + "x" * 1000,) for n in range(notes)],
        )
        conn.commit()
    path.chmod(0o600)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- a small file system, mounted for the test ---------------------------------------


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here (needs root): {done.stderr!r}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(disk: Path, *, leave: int = 0) -> None:
    """Fill the file system holding ``disk`` to the last block, then free ``leave``
    bytes."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """RAVE_HOME on a 1 MB file system of its own."""
    with tmpfs(tmp_path / "disk", "1m") as mounted:
        monkeypatch.setenv("RAVE_HOME", str(mounted / "home"))
        yield mounted


# --- 1. one rule for a missing store ----------------------------------------------------

READS = [
    ["today"],
    ["today", "--json"],
    ["why", "Ana"],
    ["show", "Ana"],
    ["list", "--json"],
    ["followups"],
    ["stats", "--json"],
    ["digest", "--quiet-if-empty"],
    ["export", "json"],
]


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_of_a_missing_store_says_so_and_creates_nothing(
    rave: Rave, rave_home: Path, args: list[str]
) -> None:
    out = rave(*args)
    assert out.exit_code == 1, out
    assert f"no store at {rave_home / 'rave.db'} (see `rave paths`)" in out.stderr
    assert out.stdout == ""
    clean(out.stderr)
    assert not rave_home.exists()


def test_cron_digest_with_a_typo_in_rave_home_is_not_a_quiet_day(
    rave: Rave, rave_home: Path
) -> None:
    rave("add", "Ana", "--tier", "A")
    typo = rave_home.with_name("rave-hmoe")
    done = run_cron(typo, "digest", "--quiet-if-empty")
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"no store at {typo / 'rave.db'}" in done.stderr and "rave paths" in done.stderr
    clean(done.stderr)
    assert not typo.exists()
    assert run_cron(rave_home, "digest", "--quiet-if-empty").stdout != ""  # the right one


def test_an_export_of_a_missing_store_keeps_the_old_export(rave_home: Path, tmp_path: Path) -> None:
    good = tmp_path / "contacts.json"
    good.write_text('{"good": true}\n', encoding="utf-8")
    done = run_cron(rave_home, "export", "json", "-o", str(good))
    assert done.returncode == 1 and "no store at" in done.stderr
    clean(done.stderr)
    assert good.read_text(encoding="utf-8") == '{"good": true}\n'
    assert files(tmp_path) == ["contacts.json"]  # no temporary file left either


def test_rave_home_that_is_a_file(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("mine\n", encoding="utf-8")
    monkeypatch.setenv("RAVE_HOME", str(not_a_folder))
    listed = rave("list")
    assert listed.exit_code == 1
    assert "no store at" in listed.stderr and f"{not_a_folder} is a file" in listed.stderr
    added = rave("add", "Ana")
    assert added.exit_code == 1 and f"{not_a_folder} is a file, not a folder" in added.stderr
    for out in (listed, added, rave("today"), rave("export", "json")):
        assert out.exit_code == 1
        clean(out.stderr)
    assert not_a_folder.read_text(encoding="utf-8") == "mine\n"


def test_a_dangling_link_is_neither_read_as_empty_nor_written_through(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    rave_home.mkdir()
    target = tmp_path / "unmounted" / "rave.db"
    (rave_home / "rave.db").symlink_to(target)
    read = rave("today")
    assert read.exit_code == 1 and "no store at" in read.stderr
    assert f"symbolic link to {target}" in read.stderr
    write = rave("add", "Ana")
    assert write.exit_code == 1 and f"symbolic link to {target}" in write.stderr
    clean(read.stderr + write.stderr)
    assert not target.parent.exists()
    assert files(rave_home) == ["rave.db"] and (rave_home / "rave.db").is_symlink()


def test_a_fresh_machine_can_start(rave: Rave, rave_home: Path) -> None:
    for args in (["paths"], ["doctor"], ["demo"]):
        out = rave(*args)
        assert out.exit_code == 0, (args, out)
    assert not rave_home.exists()  # none of them made a store
    done = run_cron(
        rave_home, _RAVE_COMPLETE="complete_bash", COMP_WORDS="rave show A", COMP_CWORD="2"
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")  # silent
    assert not rave_home.exists()
    assert rave("log", "--create", "Zed").exit_code == 0
    assert count(rave_home / "rave.db", "interaction") == 1


@pytest.mark.parametrize(
    "first",
    [["add", "Ana"], ["import", "vcard", str(FIXTURES / "vcard" / "contacts_3.0.vcf")]],
    ids=" ".join,
)
def test_the_first_write_creates_the_store(rave: Rave, rave_home: Path, first: list[str]) -> None:
    assert rave(*first).exit_code == 0
    assert count(rave_home / "rave.db", "contact") >= 1
    assert rave("list", "--json").exit_code == 0


def test_reading_a_missing_store_in_the_library_raises_before_the_block(tmp_path: Path) -> None:
    from rave.errors import StoreMissing

    path = tmp_path / "none" / "rave.db"
    ran = False
    with pytest.raises(StoreMissing), db.reading(path):
        ran = True
    assert not ran and not path.parent.exists()


# --- 2. messages instead of tracebacks ----------------------------------------------------


def test_a_full_disk_is_a_message_on_every_command(rave: Rave, disk: Path) -> None:
    assert rave("add", "Ana").exit_code == 0
    assert rave("log", "Ana", "-n", "hello").exit_code == 0
    store = disk / "home" / "rave.db"
    assert not Path(f"{store}-shm").exists()  # closed: the next command has to make one
    fill(disk)
    for args in (
        ["today"],
        ["list", "--json"],
        ["show", "Ana"],
        ["export", "json"],
        ["stats"],
        ["add", "Bob"],
        ["log", "Ana"],
        ["note", "Ana", "x"],
    ):
        out = rave(*args)
        assert out.exit_code == 1, (args, out)
        assert f"the disk holding {store} is full" in out.stderr, (args, out)
        clean(out.stderr)
    (disk / "filler").unlink()
    assert (count(store, "contact"), count(store, "interaction"), count(store, "note")) == (1, 1, 0)
    with contextlib.closing(sqlite3.connect(store)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _damage_schema(path: Path) -> None:
    """A table whose CREATE statement holds a byte that is not UTF-8 and is not SQL:
    SQLite's message about it cannot be decoded."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE zz (a)")
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = CAST(X'435245415445205441424C45207A7A20E92028612920'"
            " AS TEXT) WHERE name = 'zz'"
        )
        conn.commit()


def test_a_damaged_schema_is_a_message(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    store = rave_home / "rave.db"
    _damage_schema(store)
    before = store.read_bytes()
    for args in (["today"], ["list"], ["show", "Ana"], ["add", "Bob"], ["export", "json"]):
        out = rave(*args)
        assert out.exit_code == 1, (args, out)
        assert "is damaged" in out.stderr and "rave doctor" in out.stderr
        clean(out.stderr)
    doctor = rave("doctor", "--json")  # the doctor says so too, never a traceback
    assert doctor.exit_code == 1, doctor
    failed = [c for c in doctor.json()["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["integrity"] and "damaged" in failed[0]["detail"]
    assert store.read_bytes() == before


def test_a_value_that_is_not_text_is_a_message(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    store = rave_home / "rave.db"
    with contextlib.closing(sqlite3.connect(store)) as conn:  # another tool wrote Latin-1
        conn.execute("UPDATE contact SET name = CAST(X'416EE9' AS TEXT)")
        conn.commit()
    for args in (["list"], ["today"], ["show", "#1"], ["export", "json"], ["log", "#1"]):
        out = rave(*args)
        assert out.exit_code == 1, (args, out)
        assert "holds text that is not UTF-8" in out.stderr and "column 'name'" in out.stderr
        clean(out.stderr)
    assert count(store, "interaction") == 0


def test_a_wal_deleted_under_a_running_writer(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    store = rave_home / "rave.db"
    writer = db.connect(store, create=True)  # a long import, say
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO post (text, channel, posted_at, created_at)"
            " VALUES ('hi', 'linkedin', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
        writer.execute("COMMIT")
        Path(f"{store}-wal").unlink()
        done = run_cron(rave_home, "today")
    finally:
        writer.close()
    assert done.returncode == 1, done
    assert f"a disk I/O error on {store}" in done.stderr and "rave doctor" in done.stderr
    clean(done.stderr)


def test_a_dropped_table_fails_only_what_touches_it(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    store = rave_home / "rave.db"
    with contextlib.closing(sqlite3.connect(store)) as conn:
        conn.execute("DROP TABLE note")
        conn.commit()
    for args in (["show", "Ana"], ["note", "Ana", "likes jazz"], ["export", "json"], ["today"]):
        out = rave(*args)
        assert out.exit_code == 1, (args, out)
        assert "damaged or was changed by another program (no such table: note)" in out.stderr
        clean(out.stderr)
    assert rave("list", "--json").json()[0]["name"] == "Ana"  # no note needed


def test_a_trigger_that_refuses_is_a_message(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    store = rave_home / "rave.db"
    with contextlib.closing(sqlite3.connect(store)) as conn:
        for table, how in (("note", "ABORT"), ("post", "ROLLBACK"), ("interaction", "FAIL")):
            conn.execute(
                f"CREATE TRIGGER no_{table} BEFORE INSERT ON {table}"
                f" BEGIN SELECT RAISE({how}, '{table}s are frozen'); END"
            )
        conn.commit()
    for args, table in (
        (["note", "Ana", "x"], "note"),
        (["post", "hello"], "post"),
        (["log", "Ana"], "interaction"),
    ):
        out = rave(*args)
        assert out.exit_code == 1, (args, out)
        assert f"a trigger in {store} refused the change ({table}s are frozen)" in out.stderr
        clean(out.stderr)
        assert count(store, table) == 0


def test_an_upgrade_stopped_by_a_rolling_back_trigger_reports_the_trigger(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite rolls back by itself on RAISE(ROLLBACK): a second ROLLBACK used to hide
    why the upgrade failed."""
    store = rave_home / "rave.db"
    v1_store(store)
    with contextlib.closing(sqlite3.connect(store)) as conn:
        conn.execute(
            "CREATE TRIGGER frozen BEFORE INSERT ON post"
            " BEGIN SELECT RAISE(ROLLBACK, 'frozen'); END"
        )
        conn.commit()
    step = "INSERT INTO post (text, channel, posted_at, created_at) VALUES ('a', 'b', 'c', 'd');"
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, (step, None)))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(migrations.MIGRATIONS))
    out = rave("list")
    assert out.exit_code == 1, out
    assert "a trigger in" in out.stderr and "(frozen)" in out.stderr
    clean(out.stderr)
    with contextlib.closing(sqlite3.connect(store)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM post").fetchone()[0] == 1  # the v1 one
    assert list(rave_home.glob("*.bak")) == []


@pytest.mark.parametrize(
    "args", [["list"], ["add", "Ana"], ["log", "Ana", "--create"]], ids=" ".join
)
def test_dev_null_is_not_a_store(rave: Rave, args: list[str]) -> None:
    journal = Path("/dev/null-journal")
    existed = journal.exists()
    out = rave("--db", os.devnull, *args)
    assert out.exit_code == 1, out
    assert f"{os.devnull} is a device, not a rave database" in out.stderr
    clean(out.stderr)
    assert journal.exists() == existed


def test_a_fifo_as_the_store_is_refused_at_once(rave_home: Path) -> None:
    rave_home.mkdir(mode=0o700)
    store = rave_home / "rave.db"
    os.mkfifo(store)
    for args in (["today"], ["add", "Ana"]):
        started = time.monotonic()
        done = subprocess.run(
            [rave_executable(), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=cron_env(rave_home),
            timeout=20,
            check=False,
        )
        assert time.monotonic() - started < 10  # did not wait for a writer on the FIFO
        assert done.returncode == 1, done
        assert f"{store} is a FIFO (named pipe), not a rave database" in done.stderr
        clean(done.stderr)
    assert files(rave_home) == ["rave.db"]


@pytest.mark.parametrize("kind", ["socket", "folder"])
def test_a_socket_or_folder_as_the_store_is_refused(rave: Rave, rave_home: Path, kind: str) -> None:
    rave_home.mkdir(mode=0o700)
    store = rave_home / "rave.db"
    with contextlib.ExitStack() as stack:
        if kind == "socket":
            sock = stack.enter_context(contextlib.closing(socket.socket(socket.AF_UNIX)))
            sock.bind(str(store))
        else:
            store.mkdir()
        for args in (["today"], ["add", "Ana"]):
            out = rave(*args)
            assert out.exit_code == 1, out
            assert f"{store} is a {kind}, not a rave database" in out.stderr
            clean(out.stderr)
    assert files(rave_home) == ["rave.db"]


def _run_bytes(home: Path, *args: bytes | str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [rave_executable(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=cron_env(home),
        timeout=60,
        check=False,
    )


def test_arguments_that_are_not_text_are_usage_errors(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    for args, label in (
        ((b"show", b"Jos\xe9"), "the argument CONTACT"),
        ((b"add", b"Ren\xe9"), "the argument NAME"),
        ((b"log", b"Ana", b"-n", b"caf\xe9"), "the option --note"),
    ):
        done = _run_bytes(rave_home, *args)
        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode == 2, (args, stderr)
        assert f"{label} is not valid text" in stderr and "\\xe9" in stderr, stderr
        clean(stderr)
    assert [c["name"] for c in rave("list", "--json").json()] == ["Ana"]  # no "Ren"
    assert count(rave_home / "rave.db", "interaction") == 0


def test_a_path_is_not_text_and_may_hold_any_bytes(tmp_path: Path, rave_home: Path) -> None:
    odd = os.fsencode(tmp_path) + b"/caf\xe9.db"
    done = _run_bytes(rave_home, b"--db", odd, b"add", b"Ana")
    assert done.returncode == 0, done.stderr
    assert os.path.exists(odd)


# --- 3. another program's SQLite file ---------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2, 3])
@pytest.mark.parametrize("tables", [["settings (k, v)"], ["contact (whatever TEXT)"]])
def test_another_programs_file_with_a_version_is_refused_untouched(
    rave: Rave, tmp_path: Path, version: int, tables: list[str]
) -> None:
    other = tmp_path / "other.sqlite"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        for table in tables:
            conn.execute(f"CREATE TABLE {table}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
    before = other.read_bytes()
    for args in (["today"], ["list"], ["add", "Ana"]):
        out = rave("--db", str(other), *args)
        assert out.exit_code == 1, out
        assert "a SQLite database of another program, not a rave store" in out.stderr
        clean(out.stderr)
    assert other.read_bytes() == before  # the journal mode too
    assert files(tmp_path) == ["other.sqlite"]  # no -wal, no .bak


# --- 4. upgrades, read-only stores, Ctrl-C at a prompt ----------------------------------------


def test_two_copies_before_upgrade_in_the_same_second_get_two_names(tmp_path: Path) -> None:
    store = tmp_path / "rave.db"
    v1_store(store)
    with contextlib.closing(sqlite3.connect(store)) as conn:
        first = migrations.backup_before_upgrade(conn, store, 1)
        second = migrations.backup_before_upgrade(conn, store, 1)
    assert first is not None and second is not None and first != second
    for copy in (first, second):
        assert copy.name.startswith("rave.db.v1-") and copy.suffix == ".bak"
        with contextlib.closing(sqlite3.connect(copy)) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
            assert conn.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 2
    assert sorted(files(tmp_path)) == sorted(["rave.db", first.name, second.name])


def test_two_first_uses_at_once_both_work_and_keep_one_copy(rave_home: Path) -> None:
    store = rave_home / "rave.db"
    v1_store(store)
    env = cron_env(rave_home)
    procs = [
        subprocess.Popen(
            [rave_executable(), "list", "--json"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in procs]
    for proc in procs:
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    (copy,) = rave_home.glob("rave.db.v1-*.bak")
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not list(rave_home.glob(".rave.db.upgrade-*"))


def test_a_first_use_waits_for_another_rave_switching_the_store_to_wal(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race of two first uses, made certain: the other rave holds the write lock of a
    # store still in rollback mode (its own switch to WAL under way) when this one
    # switches. SQLite refuses the switch at once then, busy timeout or not: rave must
    # wait for the other (here: the other finishes when rave pauses to try again).
    store = rave_home / "rave.db"
    v1_store(store)
    other = sqlite3.connect(store, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    waited = []

    def the_other_finishes(seconds: float) -> None:
        waited.append(seconds)
        if other.in_transaction:
            other.execute("COMMIT")
            other.execute("PRAGMA journal_mode = WAL")

    clock = SimpleNamespace(monotonic=time.monotonic, sleep=the_other_finishes)
    monkeypatch.setattr(db, "time", clock)
    try:
        out = rave("list", "--json")
    finally:
        other.close()
    assert out.exit_code == 0, out.stderr
    assert {c["name"] for c in json.loads(out.stdout)} == {"Ana Pérez", "Bob Stone"}
    assert waited  # it did meet the other's lock
    with contextlib.closing(sqlite3.connect(store)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    (copy,) = rave_home.glob("rave.db.v1-*.bak")  # the store as it was, kept once
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


KILLED_AT_THE_COPY = """
import os, signal, sqlite3, sys
real = sqlite3.connect
def connect(target, *args, **kwargs):
    if str(target).endswith((".bak", ".tmp")):  # the copy taken before the upgrade
        os.kill(os.getpid(), signal.SIGKILL)
    return real(target, *args, **kwargs)
sqlite3.connect = connect
from rave.cli import main
sys.argv = ["rave", "list"]
main()
"""


def test_a_killed_upgrade_leaves_no_partial_copy(rave: Rave, rave_home: Path) -> None:
    store = rave_home / "rave.db"
    v1_store(store)
    done = subprocess.run(
        [sys.executable, "-c", KILLED_AT_THE_COPY],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=cron_env(rave_home),
        timeout=60,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done
    assert list(rave_home.glob("*.bak")) == []  # no half copy under a name to trust
    assert rave("list", "--json").exit_code == 0  # the next use upgrades and tidies up
    (copy,) = rave_home.glob("rave.db.v1-*.bak")
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 2
    assert not list(rave_home.glob(".rave.db.upgrade-*"))


def test_a_full_disk_during_the_copy_before_upgrade_leaves_nothing(rave: Rave, disk: Path) -> None:
    store = disk / "home" / "rave.db"
    v1_store(store, notes=300)  # about 300 KB: its copy cannot fit in what is left
    fill(disk, leave=96 * 1024)  # room for the WAL index, not for a copy
    out = rave("list")
    assert out.exit_code == 1, out
    assert f"the disk holding {store} is full" in out.stderr
    clean(out.stderr)
    assert [name for name in files(store.parent) if ".bak" in name or ".upgrade-" in name] == []
    with contextlib.closing(sqlite3.connect(store)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM note").fetchone()[0] == 301


def _read_only_copies(rave: Rave, home: Path) -> tuple[Path, Path]:
    """The store (WAL mode, closed) and a one-file copy of it (rollback journal), as
    `rave backup` writes one."""
    assert rave("add", "Ana").exit_code == 0
    store = home / "rave.db"
    copy = home / "backup.db"
    source, target = sqlite3.connect(store), sqlite3.connect(copy)
    with contextlib.closing(source), contextlib.closing(target):
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
    copy.chmod(0o600)
    return store, copy


def _reads_work_and_writes_refuse(rave: Rave, store: Path, copy: Path) -> None:
    for path in (store, copy):
        before = path.read_bytes()
        assert [c["name"] for c in rave("--db", str(path), "list", "--json").json()] == ["Ana"]
        assert rave("--db", str(path), "today", "--json").json()[0]["name"] == "Ana"
        exported = rave("--db", str(path), "export", "json")
        assert exported.exit_code == 0 and '"Ana"' in exported.stdout
        added = rave("--db", str(path), "add", "Bob")
        assert added.exit_code == 1 and "read-only" in added.stderr, added
        clean(added.stderr)
        assert path.read_bytes() == before


def test_a_read_only_file_can_be_read(rave: Rave, rave_home: Path) -> None:
    store, copy = _read_only_copies(rave, rave_home)
    for path in (store, copy):
        path.chmod(0o400)
        # root writes a 0400 file all the same: make it immutable, as a read-only file is
        # for everyone else
        chattr = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if chattr.returncode and os.geteuid() == 0:
            pytest.skip("chattr +i is not available here, and root can write a 0400 file")
    try:
        _reads_work_and_writes_refuse(rave, store, copy)
    finally:
        for path in (store, copy):
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)


def test_a_store_on_a_read_only_mount_can_be_read(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(tmp_path / "ro", "4m") as mounted:
        home = mounted / "home"
        monkeypatch.setenv("RAVE_HOME", str(home))
        store, copy = _read_only_copies(rave, home)
        assert not Path(f"{store}-wal").exists()
        remount = ["mount", "-o", "remount,ro", str(mounted)]
        assert subprocess.run(remount, capture_output=True).returncode == 0
        _reads_work_and_writes_refuse(rave, store, copy)


def test_ctrl_c_at_a_confirmation_prompt_exits_130(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [rave_executable(), "rm", "Ana"],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=cron_env(rave_home, TERM="dumb"),
    )
    os.close(slave)
    try:
        seen = b""
        deadline = time.monotonic() + 30
        while b"[y/N]" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 1024)
        assert b"[y/N]" in seen, seen
        wait_until_waiting(proc.pid)  # a person reads the question before Ctrl-C
        proc.send_signal(signal.SIGINT)  # what Ctrl-C at the terminal sends
        assert proc.wait(timeout=30) == 130
        stderr = proc.stderr.read().decode() if proc.stderr else ""
    finally:
        os.close(master)
        if proc.stderr:
            proc.stderr.close()
    assert "interrupted" in stderr
    clean(stderr)
    assert count(rave_home / "rave.db", "contact") == 1


def test_no_store_refusal_is_one_rule_in_db_connect(tmp_path: Path) -> None:
    from rave.errors import StoreMissing

    with pytest.raises(StoreMissing):
        db.connect(tmp_path / "missing.db")
    assert files(tmp_path) == []
    db.connect(tmp_path / "made.db", create=True).close()
    assert "made.db" in files(tmp_path)
