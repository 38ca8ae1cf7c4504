"""`rave team`: set up a team hub on PostgreSQL and manage its members (issue 18).

Run by the hub's admin: a role that may create roles (``CREATEROLE``) and owns the
database, and is **not** a superuser (refused: a superuser bypasses every check the hub
relies on; make an admin role once, as the README shows). The admin owns the hub's
objects; members are roles of their own, in the hub's group role, with only ``SELECT``
and ``INSERT`` on the operations table, under row-level security (``services.hub``).
Every statement is printed as it runs (``--dry-run``: printed only), passwords hidden.

The hub, in schema ``rave``:

- ``rave.hub``: one row, the group role of the members and the layout version;
- ``rave.op``: the operations, append-only (a trigger refuses UPDATE and DELETE, members
  have neither right), each row numbered by ``rave.op_in_order()`` under a lock held until
  its push commits (readers never skip a row), its ``author`` the role that pushed it
  (the policy ``op_write`` refuses any other), read through the policy ``op_read``: the
  team's rows and the reader's own private ones.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rave.errors import RaveError, UsageError
from rave.services import hub

if TYPE_CHECKING:
    import psycopg

S = hub.SCHEMA
_TEAM_HINT = (
    "run `rave team` as the hub's admin (a role with CREATEROLE that owns the database); "
    "nothing was changed: the statements run in one transaction"
)
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True, slots=True)
class TeamChange:
    """What one `rave team` command ran (or, with ``dry_run``, would run)."""

    hub: str  # the hub's URL, password hidden
    sql: tuple[str, ...]
    dry_run: bool
    member: str | None = None
    member_url: str | None = None  # `rave team add`: what the member syncs with (no password)
    password: str | None = None  # `rave team add`: the member's new password, shown once
    pgpass: str | None = None  # the member's ~/.pgpass line for it
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    can_login: bool
    operations: int
    last_push: str | None


@dataclass(frozen=True, slots=True)
class Team:
    hub: str
    group: str
    members: tuple[Member, ...] = field(default_factory=tuple)


def ident(name: str) -> str:
    """``name`` as an SQL identifier (always quoted)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def member_name(name: str) -> str:
    """A member's role name: lower case letters, digits and ``_`` (a name PostgreSQL and
    every shell take as it is)."""
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} cannot be a member's role name",
            hint="lower-case letters, digits and _ (at most 63), starting with a letter: ana, "
            "bo_chen",
        )
    return name


def setup_sql(group: str, database: str, *, new: bool) -> list[str]:
    """The statements that make (``new``) or, run again, complete a hub in ``database``
    whose members are in the role ``group``; all but the first ``CREATE ROLE`` can run
    again without harm (a group role of that name already there is refused: it is
    another hub's, or someone's)."""
    g = ident(group)
    return [
        *([f"CREATE ROLE {g} NOLOGIN"] if new else []),
        # the hub's database is for its members (by default any role may connect to any)
        f"REVOKE CONNECT, TEMPORARY ON DATABASE {ident(database)} FROM PUBLIC",
        f"CREATE SCHEMA IF NOT EXISTS {S}",
        f"REVOKE ALL ON SCHEMA {S} FROM PUBLIC",
        f"CREATE TABLE IF NOT EXISTS {S}.hub (id integer PRIMARY KEY CHECK (id = 1),"
        " member_role text NOT NULL, format integer NOT NULL)",
        f"INSERT INTO {S}.hub VALUES (1, {literal(group)}, {hub.FORMAT})"
        " ON CONFLICT (id) DO NOTHING",
        f"CREATE SEQUENCE IF NOT EXISTS {S}.op_seq",
        f"CREATE TABLE IF NOT EXISTS {S}.op (seq bigint PRIMARY KEY, id uuid NOT NULL UNIQUE,"
        " author text NOT NULL DEFAULT session_user, private boolean NOT NULL DEFAULT false,"
        " hlc text NOT NULL, device text NOT NULL, kind text NOT NULL, entity text NOT NULL,"
        " gid text NOT NULL, field text, value json,"
        " pushed_at timestamptz NOT NULL DEFAULT now())",
        # one push at a time, numbered in commit order: a reader never skips a row. The
        # turn is a lock on a table no member may lock (nor hold outside a push), and a
        # clock must be its device's and not run a day ahead of the server's
        f"CREATE TABLE IF NOT EXISTS {S}.push_turn (id integer)",
        f"CREATE OR REPLACE FUNCTION {S}.op_in_order() RETURNS trigger LANGUAGE plpgsql"
        " SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ BEGIN"
        r" IF NEW.hlc !~ '^[0-9]{13}\.[0-9]{5}\.' OR split_part(NEW.hlc, '.', 3) <> NEW.device"
        " THEN RAISE EXCEPTION 'rave: a clock that is not its device''s: %', NEW.hlc; END IF;"
        " IF split_part(NEW.hlc, '.', 1)::bigint > (extract(epoch FROM clock_timestamp())"
        " * 1000)::bigint + 86400000 THEN RAISE EXCEPTION"
        " 'rave: this machine''s clock is more than a day ahead of the hub''s'; END IF;"
        f" LOCK TABLE {S}.push_turn IN EXCLUSIVE MODE;"
        f" NEW.seq := nextval('{S}.op_seq'); NEW.pushed_at := now(); RETURN NEW; END $$",
        f"CREATE OR REPLACE FUNCTION {S}.op_kept() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN RAISE EXCEPTION 'the hub''s operations are append-only'; END $$",
        f"DROP TRIGGER IF EXISTS op_in_order ON {S}.op",
        f"CREATE TRIGGER op_in_order BEFORE INSERT ON {S}.op"
        f" FOR EACH ROW EXECUTE FUNCTION {S}.op_in_order()",
        f"DROP TRIGGER IF EXISTS op_kept ON {S}.op",
        f"CREATE TRIGGER op_kept BEFORE UPDATE OR DELETE ON {S}.op"
        f" FOR EACH ROW EXECUTE FUNCTION {S}.op_kept()",
        f"ALTER TABLE {S}.op ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS op_read ON {S}.op",
        f"CREATE POLICY op_read ON {S}.op FOR SELECT TO {g}"
        " USING (NOT private OR author = session_user)",
        f"DROP POLICY IF EXISTS op_write ON {S}.op",
        f"CREATE POLICY op_write ON {S}.op FOR INSERT TO {g} WITH CHECK (author = session_user)",
        f"REVOKE ALL ON {S}.op, {S}.hub, {S}.push_turn FROM PUBLIC",
        f"REVOKE ALL ON SEQUENCE {S}.op_seq FROM PUBLIC",
        f"REVOKE ALL ON FUNCTION {S}.op_in_order(), {S}.op_kept() FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {ident(database)} TO {g}",
        f"GRANT USAGE ON SCHEMA {S} TO {g}",
        f"GRANT SELECT, INSERT ON {S}.op TO {g}",
        f"GRANT SELECT ON {S}.hub TO {g}",
    ]


def _admin(pg: psycopg.Connection[Any], *, need_hub: bool) -> tuple[str, str | None]:
    """The admin this connection is, checked; the hub's group (None: no hub yet)."""
    row = pg.execute(
        "SELECT current_user, rolsuper, rolcreaterole,"
        " (SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = 'hub')"
        " FROM pg_roles WHERE rolname = current_user",
        (S,),
    ).fetchone()
    assert row is not None
    me, superuser, createrole, owner = row
    if superuser:
        raise RaveError(
            f"refused: {me} is a superuser, which bypasses every check the hub relies on",
            hint="make an admin role once, as a superuser: createuser --createrole --pwprompt "
            "rave_admin; createdb --owner rave_admin rave (the README's Team section)",
        )
    if not createrole:
        raise RaveError(
            f"{me} cannot create roles: the hub's admin needs CREATEROLE",
            hint="as a superuser: ALTER ROLE " + ident(me) + " CREATEROLE",
        )
    if owner is not None and owner != me:
        raise RaveError(
            f"the hub in this database belongs to {owner}, not {me}",
            hint=f"run `rave team` as {owner}",
        )
    if owner is None:
        if need_hub:
            raise RaveError(
                "no rave hub in this database yet", hint="rave team setup --hub URL makes one"
            )
        return str(me), None
    (group,) = pg.execute(f"SELECT member_role FROM {S}.hub").fetchone() or (None,)
    return str(me), group


def _group_for(database: str, oid: int) -> str:
    """A new hub's group role: ``rave_<database>_<its oid>`` (roles are shared by every
    database of a server: one group per hub, never another's)."""
    clean = re.sub(r"[^a-z0-9_]+", "_", database.lower()).strip("_") or "rave"
    return f"rave_{clean}"[:45] + f"_{oid}"


def _run(pg: psycopg.Connection[Any], statements: list[tuple[str, str]], dry_run: bool) -> None:
    """Run (shown, real) statements in one transaction, unless ``dry_run``."""
    if dry_run:
        return
    with pg.transaction():
        for _shown, real in statements:
            pg.execute(real.encode())  # no parameters: a % in it is not a placeholder


def setup(url: str, *, dry_run: bool = False) -> TeamChange:
    """Make the hub (run again: complete or repair it, nothing lost)."""
    with _admin_connection(url) as pg:
        _me, group = _admin(pg, need_hub=False)
        database, oid = pg.execute(
            "SELECT datname, oid::bigint FROM pg_database WHERE datname = current_database()"
        ).fetchone() or ("", 0)
        new = group is None
        group = group or _group_for(str(database), int(oid))
        statements = [(s, s) for s in setup_sql(group, str(database), new=new)]
        _run(pg, statements, dry_run)
    return TeamChange(
        hub.masked(url),
        tuple(s for s, _ in statements),
        dry_run,
        note=f"members are in the role {group}",
    )


def add(url: str, name: str, *, password: bool = True, dry_run: bool = False) -> TeamChange:
    """Make ``name`` a member (a new login role with a generated password, unless
    ``password`` is false or the role exists already)."""
    name = member_name(name)
    with _hub_admin(url) as (pg, me, group):
        row = pg.execute(
            "SELECT rolsuper OR rolbypassrls OR rolcreaterole OR pg_has_role(rolname, %s,"
            " 'MEMBER') FROM pg_roles WHERE rolname = %s",
            (me, name),
        ).fetchone()
        why = (
            "the hub's owner"
            if name == me
            else "the members' group"
            if name == group
            else "a role that can read past row-level security (a superuser, BYPASSRLS, "
            "CREATEROLE, or a member of the hub's owner)"
            if row and row[0]
            else None
        )
        if why is not None:
            raise RaveError(
                f"refused: {name} is {why}, and as a member would receive every member's "
                "private notes",
                hint="give each person a role of their own: rave team add ana --hub URL",
            )
        statements: list[tuple[str, str]] = []
        secret = None
        if row is None:
            create = f"CREATE ROLE {ident(name)} LOGIN"
            if password:
                secret = secrets.token_urlsafe(18)
                hashed = pg.pgconn.encrypt_password(secret.encode(), name.encode()).decode()
                statements.append(
                    (f"{create} PASSWORD '…'", f"{create} PASSWORD {literal(hashed)}")
                )
            else:
                statements.append((create, create))
        grant = f"GRANT {ident(group)} TO {ident(name)}"
        # a push left open (a stalled laptop) must not hold the others' turn for long
        idle = f"ALTER ROLE {ident(name)} SET idle_in_transaction_session_timeout = '1min'"
        statements += [(grant, grant), (idle, idle)]
        _run(pg, statements, dry_run)
    note = None
    if row is not None:
        note = f"{name} existed already: their password is unchanged"
    elif not password:
        note = f"{name} has no password: the server's own authentication (certificates, peer)"
    return TeamChange(
        hub.masked(url),
        tuple(s for s, _ in statements),
        dry_run,
        member=name,
        member_url=_member_url(url, name),
        password=None if dry_run else secret,
        pgpass=None if dry_run or secret is None else _pgpass(url, name, secret),
        note=note,
    )


def remove(url: str, name: str, *, dry_run: bool = False) -> TeamChange:
    """Take ``name`` out of the team: they receive nothing more; what they pushed stays
    in the history (append-only)."""
    name = member_name(name)
    with _hub_admin(url) as (pg, _me, group):
        row = pg.execute(
            "SELECT 1 FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid"
            " JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = %s AND m.rolname = %s",
            (group, name),
        ).fetchone()
        if row is None:
            raise RaveError(f"{name} is not a member of this hub", hint="rave team list --hub URL")
        revoke = f"REVOKE {ident(group)} FROM {ident(name)}"
        _run(pg, [(revoke, revoke)], dry_run)
    return TeamChange(
        hub.masked(url),
        (revoke,),
        dry_run,
        member=name,
        note="what they pushed stays in the team's history",
    )


def members(url: str) -> Team:
    """The hub's members, with how many operations each pushed and when last."""
    with _hub_admin(url) as (pg, _me, group):
        rows = pg.execute(
            "SELECT m.rolname, m.rolcanlogin, count(o.seq),"
            " to_char(max(o.pushed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            " FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid"
            " JOIN pg_roles m ON m.oid = a.member"
            f" LEFT JOIN {S}.op o ON o.author = m.rolname"
            " WHERE g.rolname = %s GROUP BY m.rolname, m.rolcanlogin ORDER BY m.rolname",
            (group,),
        ).fetchall()
    return Team(
        hub.masked(url), group, tuple(Member(str(n), bool(c), int(k), t) for n, c, k, t in rows)
    )


def _member_url(url: str, name: str) -> str:
    """The hub's URL for member ``name``, without a password (it goes in ~/.pgpass)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(
        p for p in parts.query.split("&") if p and not p.lower().startswith("password=")
    )
    netloc = f"{urllib.parse.quote(name, safe='')}@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))


def _pgpass(url: str, name: str, secret: str) -> str:
    """The ``~/.pgpass`` line (libpq's password file) for member ``name`` of the hub."""
    parts = urllib.parse.urlsplit(url)

    def field(text: str) -> str:
        return text.replace("\\", "\\\\").replace(":", "\\:")

    database = urllib.parse.unquote(parts.path.lstrip("/")) or name
    return ":".join(
        field(x)
        for x in (parts.hostname or "localhost", str(parts.port or 5432), database, name, secret)
    )


@contextlib.contextmanager
def _hub_admin(url: str) -> Iterator[tuple[psycopg.Connection[Any], str, str]]:
    """A connection to an existing hub as its admin: (connection, admin, group)."""
    with _admin_connection(url) as pg:
        me, group = _admin(pg, need_hub=True)
        assert group is not None
        yield pg, me, group


@contextlib.contextmanager
def _admin_connection(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the hub as its admin, closed at the end; database errors as
    messages."""
    if not hub.is_hub(url):
        raise UsageError(
            f"--hub {hub.masked(url)!r} is not a PostgreSQL URL",
            hint="--hub postgresql://rave_admin@host/rave",
        )
    pg = hub.connect(hub.checked(url), _TEAM_HINT)
    try:
        with hub.failures(url, _TEAM_HINT):
            yield pg
    finally:
        pg.close()
