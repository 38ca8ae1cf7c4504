"""Backups, exports and `rave doctor` against a hostile or broken file system: names
planted by another user, symbolic links, folders that cannot be written, a damaged
store, a FIFO, an empty file, a read-only store, odd characters in paths, and ranking
tallies that drifted from the history. Real files, links, FIFOs and permissions; the
installed script where a user would run it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import Rave, cron_env, rave_executable, run_cron

SQLITE_MAGIC = b"SQLite format 3\x00"


def _store(home: Path, interactions: int = 40) -> Path:
    """A real store made by the installed script: two contacts and some history."""
    assert run_cron(home, "add", "Ana").returncode == 0
    assert run_cron(home, "add", "Bob").returncode == 0
    note = "x" * 300
    batch = "".join(
        json.dumps({"contacts": ["Ana" if n % 3 else "Bob"], "kind": "chat", "note": f"{n} {note}"})
        + "\n"
        for n in range(interactions)
    )
    done = run_cron(home, "log", "--batch", "-", stdin=batch)
    assert done.returncode == 0, done.stderr
    return home / "rave.db"


def _tree(folder: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under ``folder``: its mode and its content (a link: where it points)."""
    found: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            content: bytes | str = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            content = path.read_bytes()
        else:
            content = ""
        found[str(path.relative_to(folder))] = (stat.S_IMODE(info.st_mode), content)
    return found


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions apply: as root, the installed script
    runs without the capabilities that override them (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH), so a 0500 folder cannot be written, as for any user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    drop = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}", "--"]


def _run(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed script as a plain user runs it (without root's overrides)."""
    return subprocess.run(
        [*_unprivileged(), rave_executable(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=cron_env(home),
        timeout=timeout,
        check=False,
    )


def _damage(path: Path) -> None:
    """Zero the middle of a table page of a real store, the way a bad disk block does:
    SQLite's backup API copies such a page faithfully, and `quick_check` sees it."""
    data = path.read_bytes()
    size = int.from_bytes(data[16:18], "big")
    leaves = [n for n in range(1, len(data) // size) if data[n * size] == 0x0D]
    page = leaves[len(leaves) // 2]
    with path.open("r+b") as handle:
        handle.seek(page * size + size // 4)
        handle.write(b"\x00" * (size // 2))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]


# --- 1. one safe way to write a file ---------------------------------------------------


def _old_temp_names(target: Path) -> list[Path]:
    """Every name the old backup wrote at: `.NAME.PID.tmp` and SQLite's files beside it."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    return [temp, *(Path(f"{temp}{suffix}") for suffix in ("-journal", "-wal", "-shm"))]


@pytest.mark.parametrize("plant", ["file", "symlink"])
def test_backup_never_writes_at_a_name_someone_planted(
    rave: Rave, rave_home: Path, tmp_path: Path, plant: str
) -> None:
    rave("add", "Ana")
    rave("log", "Ana", "-n", "a private note")
    shared = tmp_path / "shared"  # a folder another user can also write in
    shared.mkdir()
    outside = tmp_path / "victim"  # files of the victim the links point at
    outside.mkdir()
    target = shared / "copy.db"
    planted = _old_temp_names(target)
    for n, name in enumerate(planted):
        if plant == "file":
            name.write_text("planted\n")
            name.chmod(0o644)
        else:
            victim = outside / f"file{n}.txt"
            victim.write_text("victim's own file\n")
            name.symlink_to(victim)
    watcher = planted[0].open("rb") if plant == "file" else None  # the other user's handle
    before_shared, before_outside = _tree(shared), _tree(outside)
    old = os.umask(0o022)
    try:
        out = rave("backup", str(target))
    finally:
        os.umask(old)
    assert out.exit_code == 0, out
    if watcher is not None:
        with watcher:
            assert watcher.read() == b"planted\n"  # nothing of the store reached it
    assert _tree(outside) == before_outside  # no file outside the target was touched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rave-home", "shared", "victim"]
    after = _tree(shared)
    assert {k: v for k, v in after.items() if k != "copy.db"} == before_shared
    assert after["copy.db"][0] == 0o600 and after["copy.db"][1][:16] == SQLITE_MAGIC
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT note FROM interaction").fetchone()[0] == "a private note"


@pytest.mark.slow
def test_backup_and_export_refuse_a_target_that_is_a_symlink(
    rave_home: Path, tmp_path: Path
) -> None:
    """A target that is a symbolic link is refused, with or without --force: rave never
    writes through it (to the file it points at) nor replaces it."""
    _store(rave_home, interactions=3)
    victim = tmp_path / "victim.txt"
    victim.write_text("someone's file\n")
    for name, command in (
        ("backup.db", ["backup"]),
        ("backup2.db", ["backup", "--force"]),
        ("out.json", ["export", "json", "-o"]),
    ):
        link = tmp_path / name
        link.symlink_to(victim)
        if command[0] == "backup":
            args = [command[0], str(link), *command[1:]]
        else:
            args = [*command, str(link)]
        out = run_cron(rave_home, *args)
        assert out.returncode == 1, out
        assert "symbolic link" in out.stderr and "Traceback" not in out.stderr
        assert link.is_symlink() and os.readlink(link) == str(victim)
        assert victim.read_text() == "someone's file\n"
    dangling = tmp_path / "dangling.db"
    dangling.symlink_to(tmp_path / "nowhere.db")
    out = run_cron(rave_home, "backup", str(dangling))
    assert out.returncode == 1 and "symbolic link" in out.stderr
    assert not (tmp_path / "nowhere.db").exists()
    names = sorted(p.name for p in tmp_path.iterdir())
    links = ["backup.db", "backup2.db", "dangling.db", "out.json"]
    assert names == [*links, "rave-home", "victim.txt"]  # no temporary file left


@pytest.mark.slow
def test_backup_and_export_into_a_folder_you_cannot_write(rave_home: Path, tmp_path: Path) -> None:
    _store(rave_home, interactions=3)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        for args in (
            ("backup", str(locked)),
            ("backup", str(locked / "copy.db")),
            ("export", "json", "-o", str(locked / "out.json")),
        ):
            out = _run(rave_home, *args)
            assert out.returncode == 1, out
            assert f"cannot write in {locked}" in out.stderr, out.stderr
            assert "Traceback" not in out.stderr
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_ctrl_c_during_a_backup_or_an_export_leaves_nothing_behind(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rave.formats import ravejson
    from rave.services import maintenance

    rave("add", "Ana")
    backup, export = tmp_path / "copy.db", tmp_path / "out.json"
    assert rave("backup", str(backup)).exit_code == 0
    export.write_text("previous export\n")
    before = _tree(tmp_path / "rave-home"), backup.read_bytes()

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(maintenance, "_damage", interrupt)  # after the copy, before the rename
    monkeypatch.setattr(ravejson, "dump", interrupt)  # in the middle of writing
    assert rave("backup", str(backup), "--force").exit_code == 130
    assert rave("export", "json", "-o", str(export)).exit_code == 130
    assert (_tree(tmp_path / "rave-home"), backup.read_bytes()) == before
    assert export.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "out.json", "rave-home"]


# --- 2. a damaged store is never backed up ---------------------------------------------


@pytest.mark.slow
def test_backup_of_a_damaged_store_fails_and_keeps_the_last_good_backup(
    rave_home: Path, tmp_path: Path
) -> None:
    store = _store(rave_home, interactions=300)
    good = tmp_path / "good.db"
    assert run_cron(rave_home, "backup", str(good)).returncode == 0
    kept = good.read_bytes()
    _damage(store)
    replaced = run_cron(rave_home, "backup", str(good), "--force")
    assert replaced.returncode == 1, replaced
    assert "damaged" in replaced.stderr and "no backup was written" in replaced.stderr
    assert "Traceback" not in replaced.stderr
    assert good.read_bytes() == kept
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    out = run_cron(rave_home, "backup", str(fresh))
    assert out.returncode == 1 and "damaged" in out.stderr
    assert list(fresh.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "good.db", "rave-home"]


# --- 3. doctor -------------------------------------------------------------------------


@pytest.mark.slow
def test_doctor_opens_a_store_whose_folder_has_uri_characters(tmp_path: Path) -> None:
    parent = tmp_path / "odd"
    parent.mkdir()
    home = parent / "a#b?c%d"
    _store(home, interactions=3)
    run_cron(home, "list")  # leaves the folder as any command does
    before = sorted(p.name for p in parent.iterdir())
    inside = {p.name for p in home.iterdir()}
    out = run_cron(home, "doctor", "--json")
    assert out.returncode == 0, out
    checks = {c["name"]: c for c in json.loads(out.stdout)["checks"]}
    assert checks["contents"]["detail"].startswith("2 contacts, 3 interactions")
    assert sorted(p.name for p in parent.iterdir()) == before == ["a#b?c%d"]
    assert {p.name for p in home.iterdir()} - {"rave.db-wal", "rave.db-shm"} == inside - {
        "rave.db-wal",
        "rave.db-shm",
    }
    assert not (tmp_path / "odd" / "a").exists()


@pytest.mark.slow
@pytest.mark.parametrize("table", ["contact_tally", "followup"])
def test_doctor_names_a_missing_table(rave_home: Path, table: str) -> None:
    store = _store(rave_home, interactions=3)
    with sqlite3.connect(store) as conn:
        conn.execute(f"DROP TABLE {table}")
    out = run_cron(rave_home, "doctor", "--json")
    assert out.returncode == 1, out
    checks = {c["name"]: c for c in json.loads(out.stdout)["checks"]}
    assert not checks["tables"]["ok"] and f"missing table: {table}" in checks["tables"]["detail"]


@pytest.mark.slow
def test_doctor_says_a_read_only_store_cannot_be_written(rave_home: Path) -> None:
    store = _store(rave_home, interactions=3)
    assert _run(rave_home, "doctor").returncode == 0
    store.chmod(0o400)
    try:
        out = _run(rave_home, "doctor", "--json")
        assert out.returncode == 1, out
        document = json.loads(out.stdout)
        checks = {c["name"]: c for c in document["checks"]}
        assert not checks["writable"]["ok"]
        assert "the store cannot be written" in checks["writable"]["detail"]
        assert checks["integrity"]["ok"]  # it was read all the same
        assert set(document) >= {"ok", "checks"}
        assert all(set(c) >= {"name", "ok", "detail"} for c in document["checks"])
    finally:
        store.chmod(0o600)


def test_doctor_on_an_empty_file_says_it_is_not_a_store(rave_home: Path) -> None:
    rave_home.mkdir(mode=0o700)
    (rave_home / "rave.db").touch(mode=0o600)
    out = run_cron(rave_home, "doctor")
    assert out.returncode == 1, out
    assert "empty (0 bytes): not a rave store" in out.stdout
    assert (rave_home / "rave.db").stat().st_size == 0
    assert run_cron(rave_home, "backup").returncode == 1


def test_doctor_and_backup_never_open_a_fifo(rave_home: Path, tmp_path: Path) -> None:
    rave_home.mkdir(mode=0o700)
    os.mkfifo(rave_home / "rave.db", 0o600)
    for args in (("doctor",), ("doctor", "--rebuild"), ("backup", str(tmp_path / "b.db"))):
        out = subprocess.run(
            [rave_executable(), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=cron_env(rave_home),
            timeout=20,  # opening the FIFO would block here for ever
            check=False,
        )
        assert out.returncode == 1, out
        assert "FIFO" in out.stdout + out.stderr and "Traceback" not in out.stderr
    assert stat.S_ISFIFO((rave_home / "rave.db").lstat().st_mode)
    assert not (tmp_path / "b.db").exists()


@pytest.mark.slow
def test_doctor_finds_a_drifted_tally_and_rebuild_fixes_it(rave_home: Path) -> None:
    store = _store(rave_home, interactions=12)
    assert run_cron(rave_home, "doctor").returncode == 0
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE contact_tally SET unanswered = unanswered + 5 WHERE contact_id = 1")
        conn.execute("DELETE FROM contact_tally WHERE contact_id = 2")
    found = run_cron(rave_home, "doctor")
    assert found.returncode == 1, found
    assert "Ana (#1)" in found.stdout and "Bob (#2)" in found.stdout
    assert "rave doctor --rebuild" in found.stdout
    report = run_cron(rave_home, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(report.stdout)["checks"]}
    assert report.returncode == 1 and not checks["tallies"]["ok"]
    fixed = run_cron(rave_home, "doctor", "--rebuild", "--json")
    assert fixed.returncode == 0, fixed
    document = json.loads(fixed.stdout)
    assert document["ok"] is True
    assert document["rebuilt"] == {"tallies": 2, "differed": 2, "phones": 0}
    again = run_cron(rave_home, "doctor", "--rebuild")
    assert again.returncode == 0
    assert "Rebuilt 2 tallies from the history; 0 differed before." in again.stdout
    assert run_cron(rave_home, "doctor").returncode == 0
    assert run_cron(rave_home, "why", "Ana", "--json").returncode == 0


def test_doctor_rebuild_without_a_store_is_a_message(rave_home: Path) -> None:
    out = run_cron(rave_home, "doctor", "--rebuild")
    assert out.returncode == 1 and "no store" in out.stderr
    assert not (rave_home / "rave.db").exists()


# --- 4. an export never replaces a good file with nothing ------------------------------


def test_export_of_a_store_that_cannot_be_read_keeps_the_old_file(
    rave_home: Path, tmp_path: Path
) -> None:
    rave_home.mkdir(mode=0o700)
    target = tmp_path / "out.json"
    target.write_text("good export\n")
    (rave_home / "rave.db").write_bytes(b"this is not a database" * 100)
    out = run_cron(rave_home, "export", "json", "-o", str(target))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert target.read_text() == "good export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "rave-home"]


def test_export_of_a_missing_store_keeps_the_old_file(rave_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("good export\n")
    out = run_cron(rave_home, "export", "json", "-o", str(target))
    assert out.returncode == 1, out
    assert "Traceback" not in out.stderr and "no store at" in out.stderr
    assert target.read_text() == "good export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_backup_to_stdout_is_the_checked_copy_and_nothing_else(rave: Rave, rave_home: Path) -> None:
    assert rave("add", "Ana Pérez", "--tier", "B").exit_code == 0
    assert rave("log", "ana", "-n", "coffee").exit_code == 0
    done = subprocess.run(
        [rave_executable(), "backup", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=cron_env(rave_home),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"SQLite format 3\x00")
    assert done.stderr.decode().startswith(f"Backed up {len(done.stdout)} bytes to stdout")
    copy = rave_home.parent / "copy.db"
    copy.write_bytes(done.stdout)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT name FROM contact").fetchall() == [("Ana Pérez",)]
        assert conn.execute("SELECT count(*) FROM interaction").fetchone()[0] == 1
    assert not (Path.cwd() / "-").exists()  # never a file named "-"
    both = rave("backup", "-", "--json")
    assert both.exit_code == 2 and "stdout" in both.stderr


def test_backup_to_a_reader_that_stops_early_leaves_no_copy_behind(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    assert rave("add", "Ana Pérez").exit_code == 0
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    writer = subprocess.Popen(
        [rave_executable(), "backup", "-"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=cron_env(rave_home, TMPDIR=str(scratch)),
    )
    assert writer.stdout is not None
    assert writer.stdout.read(16) == b"SQLite format 3\x00"
    writer.stdout.close()  # the reader goes away (`rave backup - | head -c 16`)
    writer.wait(timeout=60)
    assert list(scratch.iterdir()) == []  # no copy of the store left in the temporary folder


def test_closed_stdin_or_stdout_is_a_message_not_a_traceback(rave: Rave, rave_home: Path) -> None:
    assert rave("add", "Ana").exit_code == 0
    env = cron_env(rave_home)
    closed_out = subprocess.run(
        [rave_executable(), "list"],
        stdin=subprocess.DEVNULL,
        stdout=None,
        capture_output=False,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert closed_out.returncode == 1
    assert b"stdout is closed" in closed_out.stderr and b"Traceback" not in closed_out.stderr
    closed_in = subprocess.run(
        [rave_executable(), "import", "vcard", "-"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    assert closed_in.returncode == 65, closed_in.stderr  # an empty stdin: nothing to import
    assert b"Traceback" not in closed_in.stderr


def test_a_limit_past_any_store_is_a_usage_error(rave: Rave, empty_store: Path) -> None:
    huge = rave("list", "--limit", "99999999999999999999")
    assert huge.exit_code == 2 and "date" not in huge.stderr
    assert "--limit" in huge.stderr
