"""The PostgreSQL test server (tests/pgserver.py) the team hub tests stand on: a real
server, reached over TCP with checked passwords; each test's hub its own database and
admin role, not a superuser; what a test creates gone after it; the server stopped and
its folder removed at the end; no binaries a skip, but a failure under CI."""

from __future__ import annotations

import os
import pwd
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

import pgserver
from pgserver import PgHub, PgServer


@pytest.fixture(autouse=True)
def no_libpq_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PGPASSWORD or ~/.pgpass of the person running the tests must not log in for
    us: the password in the URL is the only one."""
    for name in ("PGPASSWORD", "PGUSER", "PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)


def test_admin_logs_in_over_tcp_with_its_password_and_is_no_superuser(pg_hub: PgHub) -> None:
    import psycopg

    assert pg_hub.admin_url.startswith(f"postgresql://{pg_hub.admin}:")
    with psycopg.connect(pg_hub.admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_user, current_database(), host(inet_server_addr()),"
            " r.rolsuper, r.rolcreaterole, pg_get_userbyid(d.datdba)"
            " FROM pg_roles r, pg_database d"
            " WHERE r.rolname = current_user AND d.datname = current_database()"
        ).fetchone()
        assert row == (pg_hub.admin, pg_hub.dbname, "127.0.0.1", False, True, pg_hub.admin)
        # it owns its database: it can make the hub's tables and its members' roles
        conn.execute("CREATE TABLE ops (seq bigserial PRIMARY KEY, body jsonb NOT NULL)")
        member = pg_hub.role("ana")
        conn.execute(f"CREATE ROLE \"{member}\" LOGIN PASSWORD 'secret-ana'")
        conn.execute(f'GRANT SELECT ON ops TO "{member}"')
        # but it is no superuser: the server's own files stay out of reach
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT pg_read_file('postgresql.conf')")
    with psycopg.connect(pg_hub.url(member, "secret-ana"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM ops").fetchone() == (0,)


def test_a_wrong_or_missing_password_is_refused(pg_hub: PgHub, pg_server: PgServer) -> None:
    import psycopg

    for url in (
        pg_hub.url(pg_hub.admin, pg_hub.admin_password + "x"),
        pg_server.url(pg_server.superuser, "not-the-password"),
    ):
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(url, connect_timeout=30)
    with pytest.raises(psycopg.OperationalError, match="no password supplied"):
        psycopg.connect(pg_hub.url(pg_hub.admin), connect_timeout=30)
    # stored as SCRAM, not md5 or plain text
    verifier = pg_server.execute_as_superuser(
        "SELECT rolpassword FROM pg_authid WHERE rolname = %s", [pg_hub.admin]
    )
    assert verifier[0][0].startswith("SCRAM-SHA-256$")


def test_two_hubs_are_separate(pg_hubs: Callable[[], PgHub]) -> None:
    import psycopg

    first, second = pg_hubs(), pg_hubs()
    assert len({first.dbname, second.dbname}) == 2
    assert len({first.admin, second.admin}) == 2
    assert len({first.role_prefix, second.role_prefix}) == 2
    assert first.role("ana") != second.role("ana")
    with psycopg.connect(first.admin_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE ops (body text)")
        conn.execute("INSERT INTO ops VALUES ('first hub')")
    with psycopg.connect(second.admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT to_regclass('public.ops')").fetchone()
        assert found == (None,)
    # one hub's admin has no say in the other's database
    with (
        psycopg.connect(
            first.server.url(first.admin, first.admin_password, second.dbname), autocommit=True
        ) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("CREATE TABLE intruder (x int)")


def test_what_a_test_creates_is_dropped_after_it(pg_server: PgServer) -> None:
    import psycopg

    with pg_server.isolation():
        hub = pg_server.fresh_database()
        with psycopg.connect(hub.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE ROLE "{hub.role("ana")}" LOGIN')
            conn.execute("CREATE TABLE ops (body text)")
            conn.execute(f'GRANT SELECT ON ops TO "{hub.role("ana")}"')
        # an open connection does not keep the database alive
        lingering = psycopg.connect(hub.admin_url, autocommit=True)
    names = [hub.dbname, hub.admin, hub.role("ana")]
    left = pg_server.execute_as_superuser(
        "SELECT datname FROM pg_database WHERE datname = ANY(%s)"
        " UNION ALL SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
        [names, names],
    )
    assert left == []
    lingering.close()


def test_urls_quote_odd_names_and_passwords(pg_hub: PgHub) -> None:
    import psycopg

    odd, password = pg_hub.role("a@b:c/d é"), "p@ss:w/rd%20?#"
    with psycopg.connect(pg_hub.admin_url, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                psycopg.sql.Identifier(odd), psycopg.sql.Literal(password)
            )
        )
    with psycopg.connect(pg_hub.url(odd, password), autocommit=True) as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == (
            odd,
            pg_hub.dbname,
        )


def test_a_server_is_stopped_and_its_folder_removed_afterwards(pg_server: PgServer) -> None:
    import psycopg

    with pgserver.running_server(pg_server.bin_dir) as other:
        assert other.port != pg_server.port
        assert other.data_dir.is_dir()
        with psycopg.connect(other.superuser_url(), connect_timeout=30) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        if os.geteuid() == 0:  # initdb refuses root: the server runs as another user
            assert other.run_as in ("postgres", "nobody")
            assert other.data_dir.stat().st_uid == pwd.getpwnam(other.run_as).pw_uid
    assert not other.folder.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(other.superuser_url(), connect_timeout=30)
    # the session's server is untouched
    assert pg_server.execute_as_superuser("SELECT 1") == [(1,)]


def test_no_binaries_skips_the_hub_tests_but_fails_them_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(pgserver.BIN_ENV, "/nonexistent")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install PostgreSQL"):
        pgserver.require_bin_dir()
    for ci in ("true", "1"):
        monkeypatch.setenv("CI", ci)
        with pytest.raises(pytest.fail.Exception, match="install PostgreSQL"):
            pgserver.require_bin_dir()


def test_a_broken_server_fails_with_its_message_never_skips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a folder every user can read: as root, the fake initdb runs as the server user
    fake = Path(tempfile.mkdtemp(prefix="rave-fake-pg-"))
    try:
        fake.chmod(0o755)
        for name in ("initdb", "pg_ctl", "postgres"):
            program = fake / name
            program.write_text("#!/bin/sh\necho 'initdb: boom, the disk is on fire' >&2\nexit 1\n")
            program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        monkeypatch.setenv(pgserver.BIN_ENV, str(fake))
        monkeypatch.delenv("CI", raising=False)
        with (
            pytest.raises(pytest.fail.Exception, match="disk is on fire"),
            pgserver.pg_server_for_tests(),
        ):
            pass
    finally:
        for child in fake.iterdir():
            child.unlink()
        fake.rmdir()
