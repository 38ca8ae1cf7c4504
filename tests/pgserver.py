"""A real PostgreSQL server for the team hub tests: a throwaway cluster in a temporary
folder, started once per test session on a free loopback port, stopped and removed at
the end (also when tests fail).

Why a real server and not a fake: the hub's contract is PostgreSQL's own (roles, grants,
row-level security, password logins), and only the server can say what it refuses. The
cluster is set up the way a team would run one: local socket logins are trusted (the
test process sets things up), but TCP logins, the way `rave` connects, check a
SCRAM-SHA-256 password, so a wrong password really is refused.

``initdb`` refuses to run as root; as root the server runs as the ``postgres`` system
user (``nobody`` when there is none) through ``runuser``, in a folder given to it.

No binaries: the tests that need a server are skipped, except under CI (``CI=true`` or
``CI=1``), where that fails the run: a CI without a server must not pass quietly.
``RAVE_TEST_PG_BIN`` names the folder to take the binaries from (and only that one),
e.g. ``RAVE_TEST_PG_BIN=/nonexistent`` to see the skip.

psycopg is imported only inside the helpers that connect, so the suite collects without
it."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

if TYPE_CHECKING:
    import psycopg

BIN_ENV = "RAVE_TEST_PG_BIN"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
PORT_ATTEMPTS = 5  # another process may take the free port between the pick and the start
TIMEOUT = 120  # seconds, for initdb and each pg_ctl call (a busy shared machine)
_NAMES = itertools.count(1)
_BIND_ERRORS = ("could not bind", "Address already in use", "could not create any TCP/IP")


class PgSetupError(Exception):
    """initdb or pg_ctl failed: the message holds their output and the server log."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(folder: Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` → (15,), so 15 sorts after 9.6."""
    return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name)) or (0,)


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``: ``$RAVE_TEST_PG_BIN``
    when set (nothing else then), else where ``pg_ctl`` on PATH really lives, else the
    newest ``/usr/lib/postgresql/*/bin`` (Debian keeps them off PATH), else
    ``/usr/local/pgsql/bin`` (a source build). None when there are none."""
    override = os.environ.get(BIN_ENV)
    if override:
        return Path(override) if _complete(Path(override)) else None
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        # the real folder: initdb looks for `postgres` next to its own resolved path
        candidates.append(Path(on_path).resolve().parent)
        candidates.append(Path(on_path).parent)
    candidates.extend(
        sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    )
    candidates.append(Path("/usr/local/pgsql/bin"))
    return next((folder for folder in candidates if _complete(folder)), None)


def require_bin_dir() -> Path:
    """The binaries' folder, or skip (fail under CI) with what to install."""
    found = find_bin_dir()
    if found is not None:
        return found
    where = (
        f"{BIN_ENV}={os.environ[BIN_ENV]} has no initdb, pg_ctl and postgres"
        if os.environ.get(BIN_ENV)
        else "no PostgreSQL server binaries (initdb, pg_ctl) on PATH, in "
        "/usr/lib/postgresql/*/bin or in /usr/local/pgsql/bin"
    )
    advice = "install PostgreSQL (Debian/Ubuntu: apt-get install postgresql)"
    if in_ci():
        pytest.fail(f"{where}: the team hub tests need a server; {advice}", pytrace=False)
    pytest.skip(f"{where}; {advice} to run the team hub tests")


def require_psycopg() -> None:
    """psycopg (the `test` extra) or skip (fail under CI)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        message = "psycopg is not installed: pip install '.[test]'"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def free_port() -> int:
    """A loopback port nobody listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _server_user() -> str | None:
    """Who runs initdb and the server: None for ourselves, unless we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PgSetupError("running as root and there is neither a postgres nor a nobody user")


def _reachable_temp_root() -> str:
    """A parent for the cluster's folder that the server user can walk into and where the
    socket path stays short (Unix sockets allow about 100 bytes): the usual temporary
    folder, or /tmp when that one is private (root's) or too deep."""
    base = Path(tempfile.gettempdir()).resolve()
    walkable = all(os.stat(p).st_mode & 0o001 for p in (base, *base.parents))
    return str(base) if walkable and len(str(base)) < 60 else "/tmp"


def _clean_env() -> dict[str, str]:
    """Our environment without libpq's and the server's PG* variables: a PGDATA or
    PGPORT of the person running the tests must not steer the throwaway cluster."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


@dataclass(frozen=True, slots=True)
class PgServer:
    """A running throwaway cluster. ``superuser`` logs in over TCP with
    ``superuser_password``; ``folder`` holds ``data/``, the socket and ``server.log``."""

    host: str
    port: int
    superuser: str
    superuser_password: str
    bin_dir: Path
    folder: Path
    run_as: str | None  # the system user running the server (None: this process's)
    version: int = 0  # server_version_num, e.g. 150012

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def url(self, user: str, password: str | None = None, dbname: str = "postgres") -> str:
        """``postgresql://USER:PASSWORD@127.0.0.1:PORT/DBNAME``, user and password
        URL-quoted (no password: no ``:…`` part)."""
        auth = quote(user, safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def superuser_url(self, dbname: str = "postgres") -> str:
        return self.url(self.superuser, self.superuser_password, dbname)

    def superuser_conn(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """A new autocommit connection as the superuser (over TCP, with the password);
        use it in a ``with`` block."""
        import psycopg

        return psycopg.connect(self.superuser_url(dbname), autocommit=True, connect_timeout=30)

    def execute_as_superuser(
        self, query: Any, params: Sequence[Any] | None = None, dbname: str = "postgres"
    ) -> list[tuple[Any, ...]]:
        """Run one statement as the superuser (autocommit) and return its rows ([] for a
        statement without any). ``query`` is a string or a ``psycopg.sql`` object."""
        with self.superuser_conn(dbname) as conn, conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description is not None else []

    def fresh_database(self) -> PgHub:
        """A new empty database owned by a new admin role (LOGIN, CREATEROLE, a password,
        not a superuser): what a team's hub gets from whoever runs the server. Names are
        unique in this cluster (a counter and our pid); the caller drops them, or uses
        ``isolation()``, which drops whatever was created under it."""
        from psycopg import sql

        base = f"rave_{os.getpid()}_{next(_NAMES)}"
        hub = PgHub(
            server=self,
            dbname=base,
            admin=f"{base}_admin",
            admin_password=secrets.token_urlsafe(12),
            role_prefix=f"{base}_",
        )
        with self.superuser_conn() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEROLE NOSUPERUSER PASSWORD {}").format(
                    sql.Identifier(hub.admin), sql.Literal(hub.admin_password)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(hub.dbname), sql.Identifier(hub.admin)
                )
            )
        return hub

    def _names(self) -> tuple[set[str], set[str]]:
        with self.superuser_conn() as conn:
            dbs = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
            roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles").fetchall()}
        return dbs, roles

    @contextlib.contextmanager
    def isolation(self) -> Iterator[None]:
        """Drop every database, then every role, created while the block ran (by the test
        or by the code it tests): roles are cluster-wide in PostgreSQL, so one test's
        `ana` must not be there for the next. Databases first: a role that owns or was
        granted something in one cannot be dropped before it."""
        from psycopg import sql

        dbs_before, roles_before = self._names()
        try:
            yield
        finally:
            dbs_after, roles_after = self._names()
            with self.superuser_conn() as conn:
                for name in sorted(dbs_after - dbs_before):
                    conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()",
                        (name,),
                    )
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
                new_roles = [sql.Identifier(name) for name in sorted(roles_after - roles_before)]
                if new_roles:
                    # what they own or were granted in the databases that stay (postgres)
                    conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.SQL(", ").join(new_roles)))
                for role in new_roles:
                    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


@dataclass(frozen=True, slots=True)
class PgHub:
    """One test's hub: database ``dbname``, owned by ``admin`` (password
    ``admin_password``, LOGIN and CREATEROLE, not a superuser). Member roles a test
    makes are cluster-wide: name them ``role("ana")`` (``role_prefix + "ana"``) so two
    tests never meet."""

    server: PgServer
    dbname: str
    admin: str
    admin_password: str
    role_prefix: str

    @property
    def admin_url(self) -> str:
        """``postgresql://ADMIN:PASSWORD@127.0.0.1:PORT/DBNAME``: what `rave sync
        --remote` and `rave team` are given."""
        return self.server.url(self.admin, self.admin_password, self.dbname)

    def url(self, user: str, password: str | None = None) -> str:
        """Another role's URL for this hub's database."""
        return self.server.url(user, password, self.dbname)

    def role(self, name: str) -> str:
        """A cluster-unique role name for this hub: ``role_prefix + name``."""
        return self.role_prefix + name

    def admin_conn(self) -> psycopg.Connection[Any]:
        """A new autocommit connection to the hub's database as its admin."""
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=30)


def _run(
    args: Sequence[str], user: str | None, folder: Path, what: str
) -> subprocess.CompletedProcess[str]:
    """Run a server program, as ``user`` through runuser when given (root's case)."""
    command = list(args)
    extra: dict[str, Any] = {}
    if user is not None:
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        if Path(runuser).exists():
            command = [runuser, "-u", user, "--", *command]
        else:  # no util-linux: drop privileges in the child ourselves
            extra = {"user": user, "group": _primary_group(user), "extra_groups": []}
    try:
        return subprocess.run(
            command,
            cwd=folder,  # the server user may not be allowed into our working folder
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            **extra,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PgSetupError(f"{what}: {exc}") from exc


def _primary_group(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid


def _failure(what: str, result: subprocess.CompletedProcess[str], log: str = "") -> str:
    parts = [f"{what} failed (exit {result.returncode}): {' '.join(map(str, result.args))}"]
    parts += [text.strip() for text in (result.stderr, result.stdout, log) if text.strip()]
    return "\n".join(parts)


def _init_cluster(bin_dir: Path, folder: Path, user: str | None, password: str) -> None:
    pwfile = folder / "pwfile"
    pwfile.write_text(password + "\n")
    if user is not None:
        shutil.chown(pwfile, user)
    pwfile.chmod(0o600)
    result = _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(folder / "data"),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        user,
        folder,
        "initdb",
    )
    pwfile.unlink()
    if result.returncode != 0:
        raise PgSetupError(_failure("initdb", result))


def _start(bin_dir: Path, folder: Path, user: str | None) -> int:
    """Start the server on a free port (another one when that port was taken meanwhile)
    and return the port."""
    log = folder / "server.log"
    result: subprocess.CompletedProcess[str] | None = None
    tail = ""
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        seen = log.stat().st_size if log.exists() else 0
        options = (
            f"-c listen_addresses={HOST} -p {port} -c unix_socket_directories={folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c password_encryption=scram-sha-256"
        )
        result = _run(
            [
                str(bin_dir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                str(TIMEOUT),
                "-D",
                str(folder / "data"),
                "-l",
                str(log),
                "-o",
                options,
            ],
            user,
            folder,
            "pg_ctl start",
        )
        if result.returncode == 0:
            return port
        with contextlib.suppress(OSError), log.open(errors="replace") as handle:
            handle.seek(seen)
            tail = handle.read()[-4000:]
        if not any(error in tail for error in _BIND_ERRORS):
            break
    assert result is not None
    raise PgSetupError(_failure("pg_ctl start", result, tail))


def _stop(bin_dir: Path, folder: Path, user: str | None) -> None:
    """Stop the server; immediate mode: the cluster is thrown away anyway. Should pg_ctl
    fail, the postmaster is killed (its children follow it): no server outlives the run."""
    pidfile = folder / "data" / "postmaster.pid"
    if not pidfile.exists():
        return
    args = [str(bin_dir / "pg_ctl"), "stop", "-w", "-t", str(TIMEOUT), "-D", str(folder / "data")]
    with contextlib.suppress(PgSetupError):
        if _run([*args, "-m", "immediate"], user, folder, "pg_ctl stop").returncode == 0:
            return
    with contextlib.suppress(OSError, ValueError, IndexError):
        os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)


def _check_login(server: PgServer) -> int:
    """Log in as the superuser over TCP, with the password, as the tests will: the
    server's version number, or PgSetupError with the log."""
    import psycopg

    try:
        return int(server.execute_as_superuser("SHOW server_version_num")[0][0])
    except psycopg.Error as exc:
        log = server.log_file.read_text(errors="replace")[-4000:]
        raise PgSetupError(f"the superuser cannot log in over TCP: {exc}\n{log}") from exc


@contextlib.contextmanager
def running_server(bin_dir: Path) -> Iterator[PgServer]:
    """Start a throwaway cluster from ``bin_dir``'s binaries, yield it, and stop and
    remove it afterwards, whatever happened. Raises PgSetupError with initdb's or
    pg_ctl's output (and the server log) when it cannot be started."""
    user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="rave-pg-", dir=_reachable_temp_root()))
    try:
        if user is not None:
            shutil.chown(folder, user, _primary_group(user))
        folder.chmod(0o755)  # the test process reads the log, as itself
        password = secrets.token_urlsafe(18)
        _init_cluster(bin_dir, folder, user, password)
        try:
            port = _start(bin_dir, folder, user)
            server = PgServer(
                host=HOST,
                port=port,
                superuser=SUPERUSER,
                superuser_password=password,
                bin_dir=bin_dir,
                folder=folder,
                run_as=user,
            )
            yield replace(server, version=_check_login(server))
        finally:
            _stop(bin_dir, folder, user)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def pg_server_for_tests() -> Iterator[PgServer]:
    """``running_server`` for a pytest fixture: skip (fail under CI) without binaries or
    psycopg; fail, never skip, when the server is there but does not start."""
    bin_dir = require_bin_dir()
    require_psycopg()
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(running_server(bin_dir))
        except PgSetupError as exc:
            pytest.fail(f"could not start a PostgreSQL test server: {exc}", pytrace=False)
        yield server
