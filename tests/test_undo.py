"""`rave undo` (issue 16): every write command can be taken back, exactly, one after the
other; the ranking tallies follow; it asks first; the log stays bounded."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import Rave, run_cron
from rave import contact_tally, undo_log

FIXTURES = Path(__file__).parent / "fixtures"
USER_TABLES = undo_log.TABLES


def dump(home: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table people write, in a fixed order."""
    with sqlite3.connect(home / "rave.db") as conn:
        return {
            table: sorted(
                conn.execute(f"SELECT * FROM {table}").fetchall(), key=lambda row: repr(row)
            )
            for table in USER_TABLES
        }


def tallies_are_a_fresh_fold(home: Path) -> bool:
    """The stored ranking rows equal a fold of the whole history (`rave doctor --rebuild`)."""
    conn = sqlite3.connect(home / "rave.db", isolation_level=None)
    try:
        sql = f"SELECT t.contact_id, {contact_tally.select_columns()} FROM contact_tally t"
        kept = {row[0]: row[1:] for row in conn.execute(sql)}
        conn.execute("BEGIN")
        contact_tally.rebuild(conn)
        fresh = {row[0]: row[1:] for row in conn.execute(sql)}
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    return kept == fresh


def exported(rave: Rave, tmp_path: Path) -> dict[str, object]:
    target = tmp_path / "export.json"
    assert rave("export", "json", "-o", str(target)).exit_code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    document.pop("exported_at", None)
    return document


@pytest.fixture
def seeded(rave: Rave, rave_home: Path) -> Path:
    for args in (
        ("add", "Ana Pérez", "--tier", "B", "--email", "ana@example.com", "--tag", "old"),
        ("add", "Bo Chen", "--tier", "A", "--alias", "Bobby", "--handle", "twitter=@bochen"),
        ("add", "Sam Lee", "--email", "sam@example.com"),
        ("add", "Samuel Lee", "--tag", "pycon"),
        ("log", "Ana", "--in", "-c", "email", "-n", "asked about the workshop"),
        ("log", "Bo Chen", "Sam Lee", "-k", "engage", "-c", "irl", "-w", "3d"),
        ("log", "Sam Lee", "-c", "email", "-w", "2w", "--follow-up", "send slides"),
        ("log", "Samuel", "--in", "-c", "linkedin", "-w", "1w", "-n", "congrats"),
        ("note", "Ana", "likes jazz"),
        ("post", "Why small teams ship faster", "--url", "https://example.com/p/1"),
    ):
        result = rave(*args)
        assert result.exit_code == 0, (args, result)
    return rave_home


BATCH = '{"contacts": ["Ana", "Bo Chen"], "kind": "engage", "channel": "irl", "when": "2d"}\n'

# Every command that writes, as a user types it (the store is `seeded`).
WRITES = {
    "add": ("add", "Lea Novak", "--email", "lea@example.com", "--tag", "x", "--alias", "L"),
    "edit": (
        "edit",
        "Bo Chen",
        "--tier",
        "B",
        "--company",
        "Acme",
        "--untag",
        "nothing",
        "--drop-alias",
        "Bobby",
        "--drop-handle",
        "twitter=@bochen",
        "--email",
        "bo@example.com",
        "--tag",
        "climate",
    ),
    "rm": ("rm", "Sam Lee", "--yes"),
    "merge": ("merge", "Samuel Lee", "Sam Lee", "--yes"),
    "log": ("log", "Ana", "Samuel", "-k", "engage", "-w", "5d", "--follow-up", "call back"),
    "log --create": ("log", "Zed Newcomer", "--create", "--in", "-c", "email"),
    "log --batch": ("log", "--batch", "-"),
    "post": ("post", "A second post", "-c", "twitter"),
    "note": ("note", "Bo Chen", "two kids"),
    "followup done": ("followup", "done", "1"),
    "snooze": ("snooze", "Ana", "2w"),
    "unsnooze": ("unsnooze", "Ana"),  # after the snooze below
    "change": ("change", "i2", "--in", "-k", "chat", "-n", "dinner", "--contact", "Ana"),
    "change a note": ("change", "n1", "--text", "loves jazz", "--contact", "Bo Chen"),
    "change a follow-up": ("change", "f1", "--due", "friday", "--closed"),
    "delete": ("delete", "i1", "n1", "p1", "f1", "--yes"),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_undo_restores_the_store_exactly(
    rave: Rave, seeded: Path, tmp_path: Path, name: str
) -> None:
    if name == "unsnooze":
        assert rave("snooze", "Ana", "2w").exit_code == 0
    before, document = dump(seeded), exported(rave, tmp_path)
    done = rave(*WRITES[name], input=BATCH)
    assert done.exit_code == 0, done
    assert dump(seeded) != before
    assert tallies_are_a_fresh_fold(seeded)
    undone = rave("undo", "--yes")
    assert undone.exit_code == 0, undone
    assert undone.stdout.startswith("Undid ")
    assert dump(seeded) == before
    assert exported(rave, tmp_path) == document
    assert tallies_are_a_fresh_fold(seeded)


def test_undo_of_an_import_removes_what_it_brought(
    rave: Rave, seeded: Path, tmp_path: Path
) -> None:
    before = dump(seeded)
    imported = rave("import", "linkedin", str(FIXTURES / "linkedin" / "Connections.csv"))
    assert imported.exit_code == 0, imported
    messages = rave("import", "linkedin-messages", str(FIXTURES / "linkedin" / "messages.csv"))
    assert messages.exit_code == 0, messages
    assert rave("undo", "--yes").exit_code == 0
    assert rave("undo", "--yes").exit_code == 0
    assert dump(seeded) == before
    assert tallies_are_a_fresh_fold(seeded)


def test_undo_is_repeatable_back_to_an_empty_store(rave: Rave, rave_home: Path) -> None:
    steps = [
        ("add", "Ana"),
        ("log", "Ana", "--in", "-n", "hi"),
        ("change", "i1", "--closed"),
        ("note", "Ana", "jazz"),
        ("delete", "i1", "--yes"),
    ]
    states = []
    for args in steps:
        states.append(dump(rave_home) if (rave_home / "rave.db").exists() else None)
        assert rave(*args).exit_code == 0
    for state in reversed(states[1:]):
        assert rave("undo", "--yes").exit_code == 0
        assert dump(rave_home) == state
        assert tallies_are_a_fresh_fold(rave_home)
    last = rave("undo", "--yes", "--json")
    assert last.exit_code == 0
    assert last.json()["command"] is None or "add" in last.json()["command"]
    assert last.json()["remaining"] == 0
    assert dump(rave_home) == {table: [] for table in USER_TABLES}
    nothing = rave("undo", "--yes")
    assert nothing.exit_code == 1
    assert "nothing to undo" in nothing.stderr


def test_undo_asks_and_refuses_without_a_terminal(rave: Rave, seeded: Path) -> None:
    before = dump(seeded)
    assert rave("log", "Ana", "-n", "one more").exit_code == 0
    after = dump(seeded)
    refused = rave("undo")
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr
    assert "rave log" in refused.stderr or "last command" in refused.stderr
    assert "removes 1 interaction" in refused.stderr
    assert dump(seeded) == after
    refused_json = rave("undo", "--json")
    assert refused_json.exit_code == 1 and refused_json.stdout == ""
    assert rave("undo", "-y").exit_code == 0
    assert dump(seeded) == before


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdin is a terminal: the prompt reads the answer from the test's input."""
    from typer import testing

    monkeypatch.setattr(testing._NamedTextIOWrapper, "isatty", lambda self: True)


@pytest.mark.usefixtures("terminal")
def test_undo_on_a_terminal_does_what_the_answer_says(rave: Rave, seeded: Path) -> None:
    assert rave("note", "Ana", "hates jazz").exit_code == 0
    noted = dump(seeded)
    declined = rave("undo", input="n\n")
    assert declined.exit_code == 1
    assert "Undo " in declined.stdout and "removes 1 note" in declined.stdout
    assert "cancelled" in declined.stderr
    assert dump(seeded) == noted
    accepted = rave("undo", input="y\n")
    assert accepted.exit_code == 0, accepted
    assert "Undid " in accepted.stdout and "removed 1 note" in accepted.stdout
    assert dump(seeded) != noted


def test_dry_run_says_what_would_be_undone_and_changes_nothing(rave: Rave, seeded: Path) -> None:
    assert rave("rm", "Ana", "--yes").exit_code == 0
    before = dump(seeded)
    said = rave("undo", "--dry-run")
    assert said.exit_code == 0
    assert "restores 1 contact" in said.stdout and "1 note" in said.stdout
    data = rave("undo", "--dry-run", "--json").json()
    assert set(data) == {
        "command",
        "at",
        "rows",
        "changes",
        "contacts_refolded",
        "remaining",
        "dry_run",
    }
    assert data["dry_run"] is True and data["contacts_refolded"] == []
    tables = {c["table"]: c for c in data["changes"]}
    assert tables["contact"] == {"table": "contact", "added": 0, "deleted": 1, "changed": 0}
    assert data["rows"] == sum(c["added"] + c["deleted"] + c["changed"] for c in data["changes"])
    assert dump(seeded) == before
    done = rave("undo", "--yes", "--json").json()
    assert done["dry_run"] is False and done["contacts_refolded"] == [1]
    assert done["remaining"] == data["remaining"]


def test_a_command_that_changes_nothing_leaves_nothing_to_undo(rave: Rave, seeded: Path) -> None:
    assert rave("followup", "done", "1").exit_code == 0
    closed = dump(seeded)
    assert rave("followup", "done", "1").exit_code == 0  # already done: nothing written
    assert (
        rave(
            "import", "linkedin", str(FIXTURES / "linkedin" / "Connections.csv"), "--dry-run"
        ).exit_code
        == 0
    )
    assert dump(seeded) == closed
    data = rave("undo", "--yes", "--json").json()
    assert data["changes"] == [{"table": "followup", "added": 0, "deleted": 0, "changed": 1}]
    assert dump(seeded)["followup"][0][5] is None  # open again


def test_the_log_keeps_the_last_commands_only(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(undo_log, "KEEP_COMMANDS", 3)
    for name in ("Ana", "Bo", "Cy", "Di", "Ed"):
        assert rave("add", name).exit_code == 0
    with sqlite3.connect(rave_home / "rave.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM undo_command").fetchone()[0] == 3
        assert conn.execute("SELECT COUNT(*) FROM undo_step").fetchone()[0] == 3
    for _ in range(3):
        assert rave("undo", "--yes").exit_code == 0
    assert rave("undo", "--yes").exit_code == 1
    names = [row["name"] for row in rave("list", "--json").json()]
    assert names == ["Ana", "Bo"]


def test_the_log_drops_old_commands_past_its_size(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(undo_log, "KEEP_STEPS", 4)
    assert rave("add", "Ana", "--email", "a@example.com", "--tag", "x").exit_code == 0  # 3 rows
    assert rave("add", "Bo", "--email", "b@example.com", "--tag", "y").exit_code == 0
    assert rave("undo", "--yes").exit_code == 0  # the last command is always kept
    nothing = rave("undo", "--yes")
    assert nothing.exit_code == 1 and "nothing to undo" in nothing.stderr


def test_a_change_made_outside_rave_stops_the_undo_whole(rave: Rave, seeded: Path) -> None:
    assert rave("rm", "Bo Chen", "--yes").exit_code == 0
    with sqlite3.connect(seeded / "rave.db") as conn:  # someone re-adds the handle by hand
        conn.execute(
            "INSERT INTO contact (name, name_key, created_at, updated_at)"
            " VALUES ('X', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
        conn.execute(
            "INSERT INTO handle (contact_id, channel, value)"
            " VALUES (last_insert_rowid(), 'twitter', '@bochen')"
        )
    before = dump(seeded)
    refused = rave("undo", "--yes")
    assert refused.exit_code == 1
    assert "changed outside rave" in refused.stderr and "nothing was undone" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert dump(seeded) == before


def test_undo_without_a_store_is_the_missing_store_message(rave: Rave) -> None:
    result = rave("undo", "--yes")
    assert result.exit_code == 1
    assert "no store at" in result.stderr


def test_the_log_records_only_rave_commands(rave: Rave, seeded: Path) -> None:
    with sqlite3.connect(seeded / "rave.db") as conn:  # another program's write
        conn.execute("UPDATE contact SET company = 'Elsewhere' WHERE id = 1")
        commands = conn.execute("SELECT COUNT(*) FROM undo_command").fetchone()[0]
    assert rave("undo", "--yes").exit_code == 0  # takes back the post, not that update
    with sqlite3.connect(seeded / "rave.db") as conn:
        assert conn.execute("SELECT company FROM contact WHERE id = 1").fetchone()[0] == (
            "Elsewhere"
        )
        assert conn.execute("SELECT COUNT(*) FROM post").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM undo_command").fetchone()[0] == commands - 1


def test_an_upgraded_store_has_nothing_to_undo_yet(rave: Rave, rave_home: Path) -> None:
    """A store of schema 3 gains the log on its upgrade; what came before is not in it."""
    from rave import db, migrations

    rave_home.mkdir(parents=True)
    path = rave_home / "rave.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script, _fill in migrations.MIGRATIONS[:3]:
        for statement in migrations._statements(script):
            conn.execute(statement)
    conn.execute(
        "INSERT INTO contact (name, name_key, created_at, updated_at)"
        " VALUES ('Ana', 'ana', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    db.connect(path).close()
    nothing = rave("undo", "--yes")
    assert nothing.exit_code == 1 and "nothing to undo" in nothing.stderr
    assert rave("log", "Ana", "-n", "hi").exit_code == 0
    assert rave("undo", "--yes").exit_code == 0
    assert [row["name"] for row in rave("list", "--json").json()] == ["Ana"]


@pytest.mark.slow
def test_the_installed_script_names_the_command_it_undoes(seeded: Path) -> None:
    logged = run_cron(seeded, "log", "Ana", "-c", "email", "-n", "quick note")
    assert logged.returncode == 0, logged.stderr
    undone = run_cron(seeded, "undo", "--yes")
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.startswith("Undid `rave log Ana -c email -n 'quick note'` (2 rows)")
    assert "removed 1 interaction" in undone.stdout


def test_undo_after_a_copy_of_the_store_works_on_the_copy(rave: Rave, seeded: Path) -> None:
    """The log lives in the store: a backup taken before an undo can undo the same."""
    copy = seeded.parent / "copy.db"
    assert rave("backup", str(copy)).exit_code == 0
    assert rave("undo", "--yes").exit_code == 0
    shutil.copy(copy, seeded / "rave.db")
    for suffix in ("-wal", "-shm"):
        Path(f"{seeded / 'rave.db'}{suffix}").unlink(missing_ok=True)
    assert rave("undo", "--yes").exit_code == 0
    assert rave("history", "--type", "post", "--json").json() == []


def test_clear_forgets_the_log_and_what_it_kept(rave: Rave, seeded: Path) -> None:
    assert rave("rm", "Bo Chen", "--yes").exit_code == 0
    refused = rave("undo", "--clear")
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    cleared = rave("undo", "--clear", "--yes", "--json")
    assert cleared.exit_code == 0, cleared
    assert cleared.json()["cleared_commands"] == 11
    with sqlite3.connect(seeded / "rave.db") as conn:
        kept = conn.execute("SELECT COUNT(*) FROM undo_step WHERE sql LIKE '%Bo Chen%'")
        assert kept.fetchone()[0] == 0
    nothing = rave("undo", "--yes")
    assert nothing.exit_code == 1 and "nothing to undo" in nothing.stderr
    assert rave("undo", "--clear", "--dry-run").exit_code == 2


def test_a_reference_broken_outside_rave_stops_the_undo_whole(rave: Rave, seeded: Path) -> None:
    assert rave("delete", "f1", "--yes").exit_code == 0  # made with interaction i3
    with sqlite3.connect(seeded / "rave.db") as conn:  # another program removes i3
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM interaction WHERE id = 3")
    before = dump(seeded)
    refused = rave("undo", "--yes")
    assert refused.exit_code == 1, refused
    assert "changed outside rave" in refused.stderr and "Traceback" not in refused.stderr
    assert dump(seeded) == before


def test_every_table_of_peoples_data_is_recorded() -> None:
    """A table added by a migration is either recorded for undo or known as derived."""
    from rave import migrations

    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrate(conn, ":memory:")
    tables = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    conn.close()
    derived = {"contact_tally", "undo_command", "undo_step"}
    # the operation log: `rave undo` takes back operations never sent, else writes the
    # reverting ones (rave.oplog.undone)
    derived |= {"op", "replica", "tombstone", "redirect", "sync_peer", "sync_state"}
    derived |= {"sync_conflict"}
    assert tables - derived == set(USER_TABLES)


def test_undo_refuses_when_another_command_wrote_after_the_question(
    rave: Rave, seeded: Path
) -> None:
    from rave.errors import RaveError
    from rave.services import undo

    path = seeded / "rave.db"
    asked = undo.last(path)  # what the person was asked about
    assert rave("note", "Ana", "written meanwhile").exit_code == 0
    before = dump(seeded)
    with pytest.raises(RaveError, match="another command wrote"):
        undo.undo(path, expected=asked.id)
    assert dump(seeded) == before
