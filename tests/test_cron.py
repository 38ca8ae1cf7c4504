"""What cron and shell scripts see: the installed `rave` with only PATH and HOME, stdin
from /dev/null, stdout a pipe. Exit codes, JSON, the digest, batch logging, closed pipes,
Ctrl-C, completion, and the scripts in examples/."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ANSI, Rave, cron_env, rave_executable, run_cron, wait_until_waiting

ROOT = Path(__file__).resolve().parent.parent


def interactions(home: Path) -> int:
    path = home / "rave.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM interaction").fetchone()[0])


@pytest.fixture
def network(rave_home: Path, rave: Rave) -> Path:
    rave("add", "Ana Pérez", "--tier", "B")
    rave("add", "Bob Stone", "--tier", "A")
    rave("log", "Ana", "--in", "-c", "email", "-w", "1d", "-n", "asked for the deck")
    rave(
        "log",
        "Bob",
        "-k",
        "engage",
        "-w",
        "40d",
        "--follow-up",
        "send slides",
        "--due",
        "2020-01-01",
    )
    return rave_home


@pytest.mark.slow
def test_exit_codes_for_each_contract_case(network: Path) -> None:
    assert run_cron(network, "today").returncode == 0
    assert run_cron(network, "rm", "Ana Pérez").returncode == 1  # would prompt: refused
    assert run_cron(network, "log", "Ana", "-w", "someday").returncode == 2
    assert run_cron(network, "show", "Nobody").returncode == 3
    run_cron(network, "add", "Ana Smith")
    assert run_cron(network, "show", "ana").returncode == 4
    assert (
        run_cron(network, "log", "--batch", "-", stdin='{"contact": "Nobody"}\n').returncode == 65
    )


def test_today_and_digest_json_are_valid_without_ansi(network: Path) -> None:
    for args in (("today", "--json"), ("digest", "--json"), ("why", "bob", "--json")):
        out = run_cron(network, *args, TERM="xterm-256color")
        assert out.returncode == 0, out.stderr
        assert ANSI not in out.stdout
        json.loads(out.stdout)
    digest = json.loads(run_cron(network, "digest", "--json").stdout)
    assert set(digest) >= {"as_of", "reply", "outreach", "followups_due", "not_shown"}
    assert [i["name"] for i in digest["reply"]] == ["Ana Pérez"]
    assert [f["text"] for f in digest["followups_due"]] == ["send slides"]


def test_digest_text_for_mail(network: Path) -> None:
    out = run_cron(network, "digest")
    assert out.returncode == 0
    text = out.stdout
    assert text.startswith("rave digest for ")
    assert "Answer first (1)" in text and "Ana Pérez" in text and "asked for the deck" in text
    assert "Reach out" in text and "Bob Stone" in text
    assert "Follow-ups due (1)" in text and "send slides" in text and "overdue" in text
    assert ANSI not in text and out.stderr == ""


def test_digest_quiet_if_empty_prints_nothing(rave_home: Path, rave: Rave) -> None:
    # a typo in RAVE_HOME is not a quiet day: it says so, every time
    missing = run_cron(rave_home, "digest", "--quiet-if-empty")
    assert missing.returncode == 1 and "no store at" in missing.stderr
    from rave import db

    db.connect(rave_home / "rave.db", create=True).close()
    empty = run_cron(rave_home, "digest", "--quiet-if-empty")
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "", "")
    assert "Nothing to do today." in run_cron(rave_home, "digest").stdout
    rave("add", "Ana", "--tier", "A")  # never contacted: an intro is due
    busy = run_cron(rave_home, "digest", "--quiet-if-empty")
    assert "Ana" in busy.stdout


def test_batch_logging_success(rave_home: Path, rave: Rave) -> None:
    rave("add", "Ana Pérez")
    batch = "\n".join(
        [
            json.dumps(
                {
                    "contact": "ana",
                    "kind": "engage",
                    "channel": "irl",
                    "when": "2d",
                    "note": "coffee",
                    "follow_up": "send the deck",
                    "due": "friday",
                }
            ),
            "",
            json.dumps({"contacts": ["Ana", "Carl New"], "in": True, "create": True}),
            json.dumps({"contact": "Carl New", "direction": "out", "when": "2026-01-05T10:00Z"}),
        ]
    )
    out = run_cron(rave_home, "log", "--batch", "-", "--json", stdin=batch)
    assert out.returncode == 0, out.stderr
    logged = json.loads(out.stdout)
    assert [r["kind"] for r in logged] == ["engage", "chat", "chat"]
    assert logged[0]["followups"][0]["text"] == "send the deck"
    assert logged[1]["needs_reply"] is True and logged[1]["created_contacts"] == [2]
    assert logged[2]["when"] == "2026-01-05T10:00:00Z"
    assert interactions(rave_home) == 3


def test_batch_from_a_file(rave_home: Path, rave: Rave, tmp_path: Path) -> None:
    rave("add", "Ana")
    path = tmp_path / "calls.jsonl"
    path.write_text('{"contact": "Ana"}\n{"contact": "Ana", "kind": "engage"}\n', encoding="utf-8")
    out = run_cron(rave_home, "log", "--batch", str(path))
    assert out.returncode == 0
    assert "Logged 2 interactions" in out.stdout
    assert run_cron(rave_home, "log", "--batch", str(tmp_path / "missing.jsonl")).returncode == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"contact": "Nobody"}', "no contact matches"),
        ('{"contact": "Ana", "when": "someday"}', "cannot read"),
        ('{"contact": "Ana", "chanel": "email"}', "unknown key 'chanel'"),
        ('{"contact": "Ana", "kind": "shout"}', "unknown kind"),
        ("not json at all", "not valid JSON"),
        ('["Ana"]', "JSON object"),
        ('{"contacts": []}', "non-empty"),
    ],
)
def test_batch_bad_line_names_it_and_writes_nothing(
    rave_home: Path, rave: Rave, bad_line: str, reason: str
) -> None:
    rave("add", "Ana")
    batch = '{"contact": "Ana"}\n{"contact": "Ana", "kind": "engage"}\n' + bad_line + "\n"
    out = run_cron(rave_home, "log", "--batch", "-", stdin=batch)
    assert out.returncode == 65, out
    assert "<stdin>:3:" in out.stderr and reason in out.stderr
    assert "Traceback" not in out.stderr
    assert interactions(rave_home) == 0


def test_closed_pipe_ends_quietly(rave_home: Path) -> None:
    # enough output to overflow the pipe buffer, so the writer really meets a closed pipe
    path = rave_home / "rave.db"
    rave_home.mkdir(parents=True, exist_ok=True)
    from rave import db

    conn = db.connect(path, create=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO contact (name, name_key, tier, created_at, updated_at)"
        " VALUES (?, ?, 'B', ?, ?)",
        [(f"Person {n:05d} " + "x" * 40, f"person {n:05d}", stamp, stamp) for n in range(4000)],
    )
    conn.execute("COMMIT")
    conn.close()
    for command in ("list", "list --json", "today", "today --json --explain"):
        done = subprocess.run(
            f"'{rave_executable()}' {command} | head -1",
            shell=True,
            capture_output=True,
            text=True,
            env=cron_env(rave_home),
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0
        assert len(done.stdout.splitlines()) == 1
        assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
        assert "Exception" not in done.stderr, done.stderr
        if command.startswith("list"):
            assert done.stderr == "", done.stderr


def _locked(path: Path) -> bool:
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def test_ctrl_c_during_a_batch_exits_130_and_writes_nothing(rave_home: Path, rave: Rave) -> None:
    rave("add", "Ana")
    path = rave_home / "rave.db"
    proc = subprocess.Popen(
        [rave_executable(), "log", "--batch", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cron_env(rave_home),
    )
    assert proc.stdin is not None
    for _ in range(20):
        proc.stdin.write('{"contact": "Ana", "kind": "engage"}\n')
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while not _locked(path):  # the batch's transaction is open, lines written into it
        assert time.monotonic() < deadline, "the batch never started"
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    wait_until_waiting(proc.pid)  # every line read, waiting for more
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)  # stdin stays open: the batch can only end by the signal
    proc.stdin.close()
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err
    assert interactions(rave_home) == 0
    assert not _locked(path)


PROBE = """
import os, sys
from rave.cli import main
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in ("sqlalchemy", "sqlmodel") if m in sys.modules)
sys.stderr.write("HEAVY=" + ",".join(heavy) + "\\n")
"""


def test_completion_lists_contact_names_without_the_orm(network: Path) -> None:
    env = cron_env(
        network, _RAVE_COMPLETE="complete_bash", COMP_WORDS="rave show An", COMP_CWORD="2"
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.stdout.splitlines() == ["Ana\\ Pérez"]  # bash inserts it as typed
    assert "HEAVY=\n" in done.stderr
    lower = run_cron(
        network, _RAVE_COMPLETE="complete_bash", COMP_WORDS="rave show an", COMP_CWORD="2"
    )
    assert lower.stdout.splitlines() == ["ana\\ Pérez"]  # case-insensitive, keeps what was typed
    commands = run_cron(
        network, _RAVE_COMPLETE="complete_bash", COMP_WORDS="rave dig", COMP_CWORD="1"
    )
    assert commands.stdout.split() == ["digest"]


# --- examples/ -------------------------------------------------------------------------


def _path_with_rave(home: Path) -> dict[str, str]:
    env = cron_env(home)
    env["PATH"] = str(Path(rave_executable()).parent) + os.pathsep + env["PATH"]
    return env


def test_example_crontab_line_runs_as_written(network: Path) -> None:
    lines = [
        line
        for line in (ROOT / "examples" / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    (entry,) = lines
    fields = entry.split(None, 5)
    assert len(fields) == 6  # minute hour day month weekday command
    command = fields[5]
    assert command.split()[1].startswith("/"), "cron needs an absolute path"
    # the same command with this machine's paths
    words = command.split()
    words[0] = f"RAVE_HOME={network}"
    words[1] = rave_executable()
    done = subprocess.run(
        " ".join(words),
        shell=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(network.parent)},
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rave digest for ") and "Ana Pérez" in done.stdout


def test_example_log_calls_from_csv(rave_home: Path, rave: Rave, tmp_path: Path) -> None:
    rave("add", "Ana Pérez")
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "date,name,direction,minutes,note\r\n"
        "2026-11-20T09:15,Ana Pérez,out,12,pricing workshop\r\n"
        "2026-11-21T16:40,Bob Stone,in,3,\r\n"
        "2026-11-22T08:05,Carla Diaz,in,0,\r\n",
        encoding="utf-8-sig",
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "log_calls_from_csv.py"), str(calls)],
        capture_output=True,
        text=True,
        env=_path_with_rave(rave_home),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ana = rave("show", "Ana", "--json").json()["interactions"]
    assert [(i["kind"], i["direction"], i["channel"], i["note"]) for i in ana] == [
        ("engage", "both", "phone", "pricing workshop")
    ]
    bob = rave("show", "Bob Stone", "--json").json()
    assert bob["tier"] == "none"
    # he called and you talked: a live exchange, nothing owed
    assert bob["interactions"][0]["direction"] == "both"
    assert bob["interactions"][0]["needs_reply"] is False
    carla = rave("show", "Carla Diaz", "--json").json()["interactions"][0]
    assert (carla["direction"], carla["needs_reply"], carla["note"]) == ("in", True, "missed call")
    assert rave("stats", "--since", "2026-11-01", "--json").json()["initiated"] == {
        "me": 1,
        "them": 2,
    }


def test_example_log_calls_from_csv_without_minutes_logs_calls_that_took_place(
    rave_home: Path, rave: Rave, tmp_path: Path
) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text("date,name,direction\n2026-11-20T09:15,Dana Roe,in\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "log_calls_from_csv.py"), str(calls)],
        capture_output=True,
        text=True,
        env=_path_with_rave(rave_home),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (call,) = rave("show", "Dana Roe", "--json").json()["interactions"]
    assert (call["direction"], call["needs_reply"], call["note"]) == ("both", False, "call")


def test_example_notify_today(network: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "notify_today.py"), "--print"],
        capture_output=True,
        text=True,
        env=_path_with_rave(network),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    title, *body = done.stdout.splitlines()
    assert title == "rave: 1 to answer, 1 to reach out to"
    assert body[0].startswith("1. Ana Pérez: reply")
