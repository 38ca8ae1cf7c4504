"""`rave sync` over real git (issue 18): bare repositories in temporary folders, the
installed `rave` run as cron runs it; interruptions (kill -9 in the middle of a sync, a
remote that is gone) resume without loss or duplicates."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import probe, run_cron
from rave import oplog
from test_oplog import NAMES, by_gid, command

FIXTURES = Path(__file__).parent / "fixtures"


def bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def rave(home: Path, *args: str, code: int = 0, **env: str) -> subprocess.CompletedProcess[str]:
    done = run_cron(home, *args, **env)
    assert done.returncode == code, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done


def exported(home: Path) -> dict[str, Any]:
    document = json.loads(rave(home, "export", "json").stdout)
    return by_gid(document)


def remote_lines(hub: Path) -> dict[str, list[str]]:
    """Each device's file as the remote holds it."""
    listing = subprocess.run(
        ["git", "-C", str(hub), "ls-tree", "--name-only", "main", "ops/"],
        capture_output=True,
        text=True,
        check=False,
    )
    out = {}
    for name in listing.stdout.split():
        text = subprocess.run(
            ["git", "-C", str(hub), "show", f"main:{name}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        out[Path(name).stem] = text.splitlines()
    return out


def op_count(home: Path) -> int:
    with sqlite3.connect(home / "rave.db") as conn:
        return int(conn.execute("SELECT COUNT(*) FROM op").fetchone()[0])


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    return bare(tmp_path / "rave.git")


def test_two_machines_and_a_cron_machine_share_one_history(tmp_path: Path, hub: Path) -> None:
    laptop, desktop, server = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "server"
    rave(laptop, "add", "Ana Pérez", "--email", "ana@example.com", "--tier", "A")
    rave(laptop, "log", "ana", "--in", "-c", "email", "-n", "asked about the talk")
    first = json.loads(rave(laptop, "sync", "--remote", str(hub), "--json").stdout)
    assert first["sent"] == op_count(laptop) and first["remote"] == str(hub)
    rave(desktop, "sync", "--remote", str(hub))
    rave(desktop, "log", "ana", "-c", "email", "-n", "sent the slides")  # answered her
    rave(desktop, "sync")  # remembered
    rave(server, "sync", "--remote", str(hub), "--pull")
    assert exported(server) == exported(desktop)
    rave(laptop, "sync")
    assert exported(laptop) == exported(desktop)
    # the answer on the desktop cleared the reply lane on the laptop
    today = json.loads(rave(laptop, "today", "--json").stdout)
    assert not [row for row in today if row["lane"] == "reply"]
    # the cron machine only received: its file is not in the remote
    files = remote_lines(hub)
    assert len(files) == 2
    with sqlite3.connect(server / "rave.db") as conn:
        assert conn.execute("SELECT device FROM replica").fetchone()[0] not in files
    # syncing again changes nothing
    again = json.loads(rave(laptop, "sync", "--json").stdout)
    assert (again["sent"], again["applied"]) == (0, 0)
    # every line of the remote is one operation, once
    ids = [json.loads(line)["id"] for lines in files.values() for line in lines]
    assert len(ids) == len(set(ids)) == op_count(laptop)


def test_rave_commits_under_its_own_name_without_any_git_config(tmp_path: Path, hub: Path) -> None:
    home = tmp_path / "a"
    rave(home, "add", "Ana")
    rave(home, "sync", "--remote", str(hub), GIT_CONFIG_NOSYSTEM="1")
    author = subprocess.run(
        ["git", "-C", str(hub), "log", "-1", "--format=%an <%ae>", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert author.startswith("rave <rave@")


def test_without_a_remote_sync_says_how_to_give_one(tmp_path: Path) -> None:
    home = tmp_path / "a"
    rave(home, "add", "Ana")
    done = rave(home, "sync", code=2)
    assert "no remote" in done.stderr and "--remote" in done.stderr


def test_a_remote_that_is_gone_is_a_message_and_nothing_is_lost(tmp_path: Path, hub: Path) -> None:
    home, other = tmp_path / "a", tmp_path / "b"
    rave(home, "add", "Ana")
    done = rave(home, "sync", "--remote", str(tmp_path / "nowhere.git"), code=1)
    assert "git fetch failed" in done.stderr and "run `rave sync` again" in done.stderr
    rave(home, "log", "ana")  # meanwhile
    rave(home, "sync", "--remote", str(hub))
    rave(other, "sync", "--remote", str(hub))
    assert exported(other) == exported(home)


def _fake_git(folder: Path, when: str) -> Path:
    """A `git` that kills the rave that runs it (kill -9) when asked to ``when``."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True)
    folder.mkdir()
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do if [ "$a" = "{when}" ]; then kill -9 $PPID; exit 1; fi; done\n'
        f'exec {real.stdout.strip()} "$@"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.mark.parametrize("when", ["push", "commit", "fetch"])
def test_a_sync_killed_midway_resumes_without_loss_or_duplicates(
    tmp_path: Path, hub: Path, when: str
) -> None:
    home, other = tmp_path / "a", tmp_path / "b"
    rave(home, "add", "Ana", "--tag", "x")
    rave(home, "sync", "--remote", str(hub))
    rave(home, "log", "ana", "-n", "after the first sync")
    rave(other, "sync", "--remote", str(hub))
    rave(other, "note", "ana", "likes tea")
    rave(other, "sync")
    fake = _fake_git(tmp_path / "bin", when)
    killed = run_cron(home, "sync", PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert killed.returncode == -9
    for _ in range(2):
        rave(home, "sync")
        rave(other, "sync")
    assert exported(home) == exported(other)
    files = remote_lines(hub)
    ids = [json.loads(line)["id"] for lines in files.values() for line in lines]
    assert len(ids) == len(set(ids)) == op_count(home) == op_count(other)


def test_a_push_refused_because_another_machine_pushed_first_is_tried_again(
    tmp_path: Path, hub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rave.services import sync as syncing

    a, b = tmp_path / "a", tmp_path / "b"
    rave(a, "add", "Ana")
    rave(b, "add", "Bo")
    rave(b, "sync", "--remote", str(hub))
    real = syncing._prepare
    raced = []

    def prepare(git: Any, clone: Path, remote: str) -> bool:
        found = real(git, clone, remote)
        if not raced:  # b pushes between a's fetch and a's push
            raced.append(True)
            rave(b, "note", "bo", "pushed in between")
            rave(b, "sync")
        return found

    monkeypatch.setattr(syncing, "_prepare", prepare)
    result = syncing.sync(a / "rave.db", remote=str(hub))
    assert raced and result.sent > 0 and result.applied > 0
    rave(b, "sync")
    assert exported(a) == exported(b)


def test_a_line_from_a_newer_rave_is_refused_and_nothing_applied(tmp_path: Path, hub: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    rave(a, "add", "Ana")
    rave(a, "sync", "--remote", str(hub))
    clone = a / "rave.db.sync"
    device = next((clone / "ops").glob("*.jsonl")).stem
    newer = {
        "id": "01a22880-0000-7000-8000-000000000000",
        "hlc": f"9999999999999.00000.{device}",
        "device": device,
        "author": "x",
        "kind": "teleport",
        "entity": "contact",
        "gid": "01a22880-0000-7000-8000-000000000001",
        "field": None,
        "value": None,
    }
    with (clone / "ops" / f"{device}.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(newer) + "\n")
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "commit", "-qam", "newer"], check=True)
    subprocess.run([*git, "push", "-q", "origin", "HEAD:main"], check=True)
    done = rave(b, "sync", "--remote", str(hub), code=65)
    assert (
        f"{device}.jsonl:2: not an operation" in done.stderr
        and "upgrade rave on every machine" in done.stderr
    )
    assert rave(b, "list", "--json", code=0).stdout.strip() in ("[]", "")


def test_read_commands_never_load_the_sync(tmp_path: Path, hub: Path) -> None:
    home = tmp_path / "a"
    rave(home, "add", "Ana")
    rave(home, "sync", "--remote", str(hub))
    for args in (("today",), ("digest",), ("list",), ("show", "ana"), ("log", "ana")):
        found = probe(home, *args)
        assert found.exit_code == 0
        assert not {"rave.services.sync", "rave.cli.sync"} & found.modules, args


# --- convergence over real git ----------------------------------------------------------------


@pytest.mark.slow
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.one_of(st.none(), st.composite(command)())),
        min_size=3,
        max_size=8,
    ),
    seed=st.integers(0, 1000),
)
def test_machines_converge_over_git_whatever_the_order(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[int, tuple[str, ...] | None]],
    seed: int,
) -> None:
    root = tmp_path_factory.mktemp("git")
    hub = bare(root / "rave.git")
    homes = [root / name for name in "abc"]
    for name in NAMES:
        rave(homes[0], "add", name)
    for home in homes:
        rave(home, "sync", "--remote", str(hub))
    rng = random.Random(seed)
    for index, step in steps:
        if step is None:
            rave(homes[index], "sync", *(["--pull"] if rng.random() < 0.3 else []))
        else:
            run_cron(homes[index], *step)
    order = homes[:]
    rng.shuffle(order)
    for home in (*order, *order):
        rave(home, "sync")
    first = exported(homes[0])
    for home in homes[1:]:
        assert exported(home) == first
    for home in homes:
        assert json.loads(rave(home, "sync", "--json").stdout)["applied"] == 0
        assert oplog is not None


def test_the_digest_says_when_the_last_sync_was(tmp_path: Path, hub: Path) -> None:
    home = tmp_path / "a"
    rave(home, "add", "Ana", "--tier", "A")
    assert "Last sync" not in rave(home, "digest").stdout  # no remote: nothing to say
    assert rave(home, "digest", "--json").stdout.count('"last_sync": null') == 1
    rave(home, "sync", "--remote", str(hub))
    text = rave(home, "digest").stdout
    assert "Last sync: " in text and "(just now)" in text
    stamp = json.loads(rave(home, "digest", "--json").stdout)["last_sync"]
    assert stamp is not None and stamp.endswith("Z")


def test_a_store_restored_from_a_backup_gets_back_what_it_had_sent(
    tmp_path: Path, hub: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    rave(a, "add", "Ana")
    rave(a, "sync", "--remote", str(hub))
    rave(a, "backup", str(tmp_path / "old.db"))
    rave(a, "log", "ana", "-n", "sent, then lost with the disk")
    rave(a, "sync")
    for suffix in ("-wal", "-shm"):
        (a / f"rave.db{suffix}").unlink(missing_ok=True)
    (tmp_path / "old.db").replace(a / "rave.db")
    rave(a, "note", "ana", "written after the restore")
    rave(a, "sync")
    rave(b, "sync", "--remote", str(hub))
    assert exported(a) == exported(b)
    (lost,) = exported(a)["interactions"].values()
    assert lost["note"] == "sent, then lost with the disk"
    lines = [json.loads(line)["id"] for line in remote_lines(hub)[_device(a)]]
    assert len(lines) == len(set(lines)) == op_count(a)


def _device(home: Path) -> str:
    with sqlite3.connect(home / "rave.db") as conn:
        return str(conn.execute("SELECT device FROM replica").fetchone()[0])


def test_a_first_push_that_failed_is_made_again(tmp_path: Path, hub: Path) -> None:
    home, other = tmp_path / "a", tmp_path / "b"
    rave(home, "add", "Ana")
    fake = _fake_git(tmp_path / "bin", "push")
    killed = run_cron(
        home, "sync", "--remote", str(hub), PATH=f"{fake}{os.pathsep}{os.environ['PATH']}"
    )
    assert killed.returncode == -9  # committed here, never pushed; the remote is empty
    rave(home, "sync")  # nothing new recorded meanwhile: the commit is made again
    rave(other, "sync", "--remote", str(hub))
    assert exported(other) == exported(home)


def test_one_sync_at_a_time_and_git_missing_is_a_message(tmp_path: Path, hub: Path) -> None:
    import fcntl

    home = tmp_path / "a"
    rave(home, "add", "Ana")
    lock = os.open(home / "rave.db.sync.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another `rave sync` of this store
        busy = rave(home, "sync", "--remote", str(hub), code=75)
        assert "another `rave sync` is running" in busy.stderr
    finally:
        os.close(lock)
    empty = tmp_path / "no-git"
    empty.mkdir()
    missing = rave(home, "sync", code=1, PATH=str(empty))
    assert "git is not installed" in missing.stderr
    rave(home, "sync")
    assert len(remote_lines(hub)) == 1


# --- a store records operations only once it syncs ---------------------------------------------

PEOPLE_VCF = "".join(
    f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name.split()[1]};"
    f"{name.split()[0]};;;\r\nEMAIL;TYPE=INTERNET:{name.split()[0].lower()}@example.com\r\n"
    "END:VCARD\r\n"
    for uid, name in (
        ("6a1f0b3e-0c52-4d0e-9d0a-1b2c3d4e5f60", "Nora Moretti"),
        ("6a1f0b3e-0c52-4d0e-9d0a-1b2c3d4e5f61", "Omar Haddad"),
        ("6a1f0b3e-0c52-4d0e-9d0a-1b2c3d4e5f62", "Pia Lund"),
    )
)


def names(home: Path) -> list[str]:
    return sorted(c["name"] for c in json.loads(rave(home, "export", "json").stdout)["contacts"])


def test_a_store_that_never_synced_keeps_no_log_and_deletions_stay_final(
    tmp_path: Path,
) -> None:
    home = tmp_path / "a"
    cards = tmp_path / "people.vcf"
    cards.write_text(PEOPLE_VCF, encoding="utf-8", newline="")
    rave(home, "import", "vcard", str(cards))
    rave(home, "log", "nora", "-n", "coffee")
    rave(home, "rm", "omar", "--yes")
    assert op_count(home) == 0
    again = json.loads(rave(home, "import", "vcard", str(cards), "--json").stdout)
    assert again["skipped_reasons"] == {"deleted here (rave rm)": 1}  # the nightly import
    assert names(home) == ["Nora Moretti", "Pia Lund"]
    rave(home, "undo", "--yes")  # the import changed nothing: this takes back the rm
    assert names(home) == ["Nora Moretti", "Omar Haddad", "Pia Lund"]
    rave(home, "import", "vcard", str(cards))  # back for good: no duplicate, no tombstone
    assert names(home) == ["Nora Moretti", "Omar Haddad", "Pia Lund"]
    assert op_count(home) == 0


def test_the_first_remote_sends_the_history_and_what_was_deleted_or_merged_before(
    tmp_path: Path, hub: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    cards = tmp_path / "people.vcf"
    cards.write_text(PEOPLE_VCF, encoding="utf-8", newline="")
    for home in (a, b):
        rave(home, "import", "vcard", str(cards))
    rave(a, "rm", "omar", "--yes")
    rave(a, "merge", "nora", "pia", "--yes")
    rave(a, "log", "nora", "-n", "before any sync")
    assert op_count(a) == 0
    rave(a, "sync", "--remote", str(hub))
    assert op_count(a) > 0
    rave(b, "sync", "--remote", str(hub))
    for home in (a, b, a):
        rave(home, "sync")
    assert names(a) == names(b) == ["Nora Moretti"]
    assert exported(a) == exported(b)
    rave(b, "import", "vcard", str(cards))  # deleted and merged away on a: not again
    assert names(b) == ["Nora Moretti"]


def test_edits_made_before_the_other_machine_first_synced_still_win(
    tmp_path: Path, hub: Path
) -> None:
    """The first sync's snapshot dates each record by its last change, not by the sync:
    an edit made elsewhere since wins, as it would have had both synced all along."""
    a, b = tmp_path / "a", tmp_path / "b"
    cards = tmp_path / "people.vcf"
    cards.write_text(PEOPLE_VCF, encoding="utf-8", newline="")
    rave(b, "import", "vcard", str(cards))
    rave(b, "sync", "--remote", str(hub))
    rave(a, "import", "vcard", str(cards))
    rave(a, "merge", "nora", "pia", "--yes")
    rave(b, "edit", "omar", "--tier", "A", "--company", "B Corp")
    rave(b, "edit", "pia", "--title", "CTO")  # after a merged her into Nora
    rave(b, "sync")
    rave(a, "sync", "--remote", str(hub))
    rave(b, "sync")
    people = {c["name"]: c for c in exported(a)["contacts"].values()}
    assert (people["Omar Haddad"]["tier"], people["Omar Haddad"]["company"]) == ("A", "B Corp")
    assert people["Nora Moretti"]["title"] == "CTO" and "Pia Lund" not in people
    assert exported(a) == exported(b)


def test_an_import_taken_back_after_the_first_sync_can_be_made_again(
    tmp_path: Path, hub: Path
) -> None:
    home = tmp_path / "a"
    cards = tmp_path / "people.vcf"
    cards.write_text(PEOPLE_VCF, encoding="utf-8", newline="")
    rave(home, "import", "vcard", str(cards))
    rave(home, "sync", "--remote", str(hub))
    rave(home, "undo", "--yes")  # sent already: undone by deleting them everywhere
    assert names(home) == []
    again = json.loads(rave(home, "import", "vcard", str(cards), "--json").stdout)
    assert again["contacts_created"] == 3 and again["skipped_reasons"] == {}


def test_a_person_deleted_here_is_found_deleted_by_any_key_of_theirs(tmp_path: Path) -> None:
    """LinkedIn made Nora (her profile's id); a vCard with her UID and address joined
    her; after `rave rm`, neither file, nor her LinkedIn messages, bring her back."""
    home = tmp_path / "a"
    connections = tmp_path / "Connections.csv"
    connections.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Nora,Moretti,https://www.linkedin.com/in/nora-moretti,nora@example.com,Acme,CTO,"
        "01 Mar 2024\n",
        encoding="utf-8",
    )
    card = tmp_path / "nora.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:1f0c2a9e-8a55-4c47-9d5e-2b6f1f7c0d11\r\n"
        "FN:Nora Moretti\r\nN:Moretti;Nora;;;\r\nEMAIL;TYPE=INTERNET:nora@example.com\r\n"
        "NOTE:met at the Lyon meetup\r\nEND:VCARD\r\n",
        encoding="utf-8",
        newline="",
    )
    rave(home, "import", "linkedin", str(connections))
    rave(home, "import", "vcard", str(card))
    assert names(home) == ["Nora Moretti"]
    rave(home, "rm", "nora", "--yes")
    for fmt, path in (("vcard", card), ("linkedin", connections)):
        done = json.loads(rave(home, "import", fmt, str(path), "--json").stdout)
        assert done["skipped_reasons"] == {"deleted here (rave rm)": 1}, fmt
    messages = tmp_path / "messages.csv"
    messages.write_text(
        (FIXTURES / "linkedin" / "messages.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    rave(
        home,
        "import",
        "linkedin-messages",
        str(messages),
        "--me",
        "https://www.linkedin.com/in/maya-haddad",
    )
    assert "Nora Moretti" not in names(home)


def test_a_note_deleted_here_is_not_imported_again(tmp_path: Path) -> None:
    home = tmp_path / "a"
    card = tmp_path / "nora.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:1f0c2a9e-8a55-4c47-9d5e-2b6f1f7c0d12\r\n"
        "FN:Nora Moretti\r\nN:Moretti;Nora;;;\r\nNOTE:met at the Lyon meetup\r\nEND:VCARD\r\n",
        encoding="utf-8",
        newline="",
    )
    rave(home, "import", "vcard", str(card))
    (note,) = exported_list(home, "notes")
    rave(home, "delete", f"n{note['id']}", "--yes")
    done = json.loads(rave(home, "import", "vcard", str(card), "--json").stdout)
    assert done["notes_created"] == 0 and exported_list(home, "notes") == []


def exported_list(home: Path, kind: str) -> list[dict[str, Any]]:
    return list(json.loads(rave(home, "export", "json").stdout)[kind])
