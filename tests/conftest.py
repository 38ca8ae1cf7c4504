"""Every test runs against its own temporary RAVE_HOME, with a fixed terminal width,
and never sees the real user's data or environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
from typer.testing import CliRunner

from rave.cli import app

if TYPE_CHECKING:
    from pgserver import PgHub, PgServer

RAVE_ENV = ("RAVE_DB", "RAVE_HOME", "RAVE_CONFIG", "NO_COLOR", "FORCE_COLOR")
# the locale names the default phone region (rave.phones): a test sets its own
LOCALE_ENV = ("LC_ALL", "LC_TELEPHONE", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def rave_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from rave import phones

    for name in (*RAVE_ENV, *LOCALE_ENV):
        monkeypatch.delenv(name, raising=False)
    phones.configure(None)  # no default region left by a test before
    home = tmp_path / "rave-home"
    monkeypatch.setenv("RAVE_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "dumb")
    return home


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"Result(exit={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


Rave = Callable[..., Result]


@pytest.fixture
def rave() -> Rave:
    """Run the Typer app in-process: ``rave("log", "Ana", input=...)``."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def empty_store(rave_home: Path) -> Path:
    """An existing store with nothing in it (a store that does not exist is an error for
    read commands: `no store at PATH`)."""
    from rave import db

    db.connect(rave_home / "rave.db", create=True).close()
    return rave_home


def rave_executable() -> str:
    """The installed console script (the one a user and cron run)."""
    candidate = Path(sys.executable).parent / "rave"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("rave")
    assert found, "the rave console script is not installed"
    return found


def wait_until_waiting(pid: int, timeout: float = 30.0) -> None:
    """Return once process ``pid`` sleeps in a system call (reading its terminal or
    stdin): what a person sees when they press Ctrl-C at a prompt. A signal sent a
    moment earlier, after the prompt is printed but before the read begins, lands
    between Python's last check for signals and the read, and waits there for the next
    one (CPython's own race, under load on a shared machine). Linux /proc; elsewhere a
    short pause."""
    import time

    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        time.sleep(0.5)
        return
    deadline = time.monotonic() + timeout
    asleep = 0
    while asleep < 3 and time.monotonic() < deadline:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
        asleep = asleep + 1 if state == "S" else 0
        time.sleep(0.02)


def cron_env(home: Path, **extra: str) -> dict[str, str]:
    """What cron gives a job: PATH and HOME, nothing else (plus RAVE_HOME)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home.parent)}
    env["RAVE_HOME"] = str(home)
    env.update(extra)
    return env


ANSI = "\x1b["


def run_cron(
    home: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """The installed `rave` as cron runs it: minimal environment, no terminal, stdin
    from /dev/null unless ``stdin`` is given, stdout and stderr captured."""
    return subprocess.run(
        [rave_executable(), *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=cron_env(home, **env),
        timeout=60,
        check=False,
    )


def run_on_terminal(
    args: Sequence[str], env: dict[str, str], *, size: tuple[int, int] | None = None
) -> tuple[int, str]:
    """The installed `rave` on a pseudo-terminal (stdin, stdout and stderr), of ``size``
    (rows, columns) when given: its exit code and everything it showed."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    if size is not None:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
    process = subprocess.Popen(
        [rave_executable(), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


_PROBE = """
import sys
from rave.cli import app
code = 0
try:
    app(args=sys.argv[1:], prog_name="rave")
except SystemExit as exc:
    code = exc.code
import json
orm = sys.modules.get("sqlmodel")
tables = sorted(orm.SQLModel.metadata.tables) if orm else []
sys.stderr.write("\\nPROBE=" + json.dumps([code, sorted(sys.modules), tables]) + "\\n")
"""


class Probe(NamedTuple):
    exit_code: int | str | None
    modules: frozenset[str]  # every module the command imported
    tables: list[str]  # the SQLModel tables it defined
    stdout: str


def probe(home: Path, *args: str) -> Probe:
    """Run ``rave ARGS`` in a fresh interpreter, as cron would, and report what it
    loaded: start-up cost is a matter of which modules a command imports."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=cron_env(home),
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    found = [line for line in out.stderr.splitlines() if line.startswith("PROBE=")]
    assert found, out.stderr
    code, modules, tables = json.loads(found[-1].removeprefix("PROBE="))
    return Probe(code, frozenset(modules), tables, out.stdout)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the team hub tests (tests/pgserver.py): started the
    first time a test asks for it, stopped and removed at the end of the session. No
    server binaries: skipped, or failed under CI (CI=true)."""
    from pgserver import pg_server_for_tests

    with pg_server_for_tests() as server:
        yield server


@pytest.fixture
def pg_hubs(pg_server: PgServer) -> Iterator[Callable[[], PgHub]]:
    """Make as many hubs (a database and its admin role) as the test needs; after the
    test every database and role created during it is dropped, by the test or by rave,
    so role names never carry over to the next test."""
    with pg_server.isolation():
        yield pg_server.fresh_database


@pytest.fixture
def pg_hub(pg_hubs: Callable[[], PgHub]) -> PgHub:
    """This test's hub: a fresh database owned by a fresh admin role (LOGIN, CREATEROLE,
    a password, not a superuser); ``pg_hub.admin_url`` is what `rave` is given."""
    return pg_hubs()
