"""`rave sync` with a team hub on PostgreSQL (issue 18, item 4).

The hub is one append-only table of operations, ``rave.op``, one row per operation
(``rave.oplog``'s format, the value as JSON), set up by `rave team` (``services.team``).
Each member syncs as their own database role, and the server decides what they may do:

- **who wrote it**: a row's ``author`` is the role that pushed it (``session_user``);
  row-level security refuses a row that names anyone else, so nobody can forge one;
- **who reads it**: a row is *private* (its author's alone) or the team's. Row-level
  security gives a member the team's rows and their own private ones: a private note never
  leaves the server for anyone else. Private: notes unless shared (`rave note --team`),
  follow-ups (your to-dos), posts (your broadcasting), and the contact fields each member
  keeps for themselves (:data:`MEMBER_FIELDS`: tier, cadence, snooze);
- **in what order**: a trigger numbers rows (``seq``) under a lock held until the push
  commits, so rows become visible in ``seq`` order and a reader that has row N has every
  row before it. A member reads "after the last ``seq`` I applied" and never misses one.

What a member pushes: this machine's operations the hub does not have yet (from
``sync_state.hub_sent``); ``ON CONFLICT DO NOTHING`` makes a push that died before the
store noted it harmless to repeat. What they receive: every row of another device after
``sync_state.hub_seq``, applied in batches, each with its cursor in one write transaction
(an interrupted sync resumes where it stopped). Another member's contacts come without
their :data:`MEMBER_FIELDS`: each member's tiers, cadences and snoozes stay their own,
while the history (interactions) is one, so an answer by one member clears the reply lane
for all, and `rave why` says who answered.

Only `rave sync` (with a ``postgresql://`` remote) and `rave team` import this module, and
psycopg (the optional extra ``rave[team]``) is imported only here, when connecting.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import sqlite3
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rave import db, oplog, timeutil
from rave.errors import BadInputError, RaveError, UsageError

if TYPE_CHECKING:
    import psycopg

    from rave.services.sync import Synced

#: The schema that holds the hub (one database, one hub).
SCHEMA = "rave"
#: The hub's layout version, in ``rave.hub``: a newer one is refused, not misread.
FORMAT = 1
#: Contact fields each member keeps for themselves: pushed private, and not taken from
#: another member's operations.
MEMBER_FIELDS = ("tier", "cadence_days", "snoozed_until")
#: Records only their author receives.
PRIVATE_RECORDS = ("followup", "post")
_BATCH = 5000


def is_hub(remote: str) -> bool:
    return remote.startswith(("postgresql://", "postgres://"))


def checked(url: str) -> str:
    """``url`` if libpq can read it as a hub's address, else exit 2 (before anything is
    remembered)."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # a port that is not a number fails here
    except ValueError as exc:
        raise UsageError(
            f"{masked(url)!r} is not a PostgreSQL URL rave can read: {exc}",
            hint="postgresql://ROLE@HOST[:PORT]/DATABASE (the password in ~/.pgpass)",
        ) from None
    return url  # no host: libpq's local socket (a peer login on the server itself)


def without_password(url: str) -> str:
    """``url`` without its password (``user:PASSWORD@``, ``?password=``): what identifies
    a hub."""
    return _password_as(url, None)


def masked(url: str) -> str:
    """The URL as shown: a password (``user:PASSWORD@``, ``?password=``) as ``***``."""
    return _password_as(url, "***")


def _password_as(url: str, shown: str | None) -> str:
    """``url`` with its password replaced by ``shown`` (None: left out)."""
    if shown is None:
        url = re.sub(r"(?i)(?<=[?&])password=[^&#]*&?", "", url).rstrip("?&")
    else:
        url = re.sub(r"(?i)([?&]password=)[^&#]*", rf"\g<1>{shown}", url)
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    login, at, host = netloc.rpartition("@")
    if not at or ":" not in login:
        return url
    user = login.split(":", 1)[0]
    return f"{scheme}{sep}{user}{'' if shown is None else ':' + shown}@{host}{slash}{path}"


def _driver() -> Any:
    try:
        import logging

        import psycopg

        # what psycopg logs while a Ctrl-C ends a push is noise: rave says what happened
        logging.getLogger("psycopg").addHandler(logging.NullHandler())
        logging.getLogger("psycopg").propagate = False
    except ImportError:
        raise RaveError(
            "a team hub needs PostgreSQL's driver, which is not installed",
            hint="pip install 'rave[team]' (in the environment rave runs from)",
        ) from None
    return psycopg


def connect(url: str, hint: str | None = None) -> psycopg.Connection[Any]:
    """A connection to the hub at ``url`` (libpq reads a password from ``~/.pgpass`` or
    ``PGPASSWORD`` when the URL has none), in autocommit: a transaction only where one is
    asked for (``pg.transaction()``)."""
    driver = _driver()
    try:
        conn: psycopg.Connection[Any] = driver.connect(
            url, connect_timeout=15, application_name="rave", autocommit=True
        )
        # a push waits its turn a minute at most (a stalled push of someone else's)
        conn.execute("SET lock_timeout = '60s'")
    except driver.Error as exc:
        if "permission denied for database" in str(exc):  # no CONNECT: not a member
            raise RaveError(
                f"cannot use the hub {masked(url)}: this role is not a member of it",
                hint="ask the hub's admin: rave team add NAME --hub URL",
            ) from None
        raise unreachable(url, exc, hint or _SYNC_HINT) from None
    return conn


_SYNC_HINT = (
    "check the address, your role's password (~/.pgpass or PGPASSWORD) and the network; "
    "nothing was lost: run `rave sync` again"
)


def unreachable(url: str, exc: Exception, hint: str = _SYNC_HINT) -> RaveError:
    said = next((line for line in str(exc).splitlines() if line.strip()), "no message")
    return RaveError(f"cannot use the hub {masked(url)}: {said.strip()}", hint=hint)


@contextlib.contextmanager
def failures(url: str, hint: str = _SYNC_HINT) -> Iterator[None]:
    """A database error in the block as a message (exit 1), never a traceback."""
    driver = _driver()
    try:
        yield
    except driver.Error as exc:
        raise unreachable(url, exc, hint) from None


# --- who may sync ---------------------------------------------------------------------------


def member(pg: psycopg.Connection[Any]) -> str:
    """The role this connection syncs as, once checked: a member of the hub, not a
    superuser, not the hub's owner and not a role that bypasses row-level security (each
    would receive everyone's private notes)."""
    row = pg.execute(
        "SELECT session_user, r.rolsuper, r.rolbypassrls OR r.rolcreaterole, t.tableowner,"
        " (SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = 'hub'),"
        " t.tableowner IS NOT NULL AND pg_has_role(session_user, t.tableowner, 'MEMBER')"
        " FROM pg_roles r LEFT JOIN pg_tables t ON t.schemaname = %s AND t.tablename = 'op'"
        " WHERE r.rolname = session_user",
        (SCHEMA, SCHEMA),
    ).fetchone()
    assert row is not None
    role, superuser, bypass, owner, has_hub, owners = row
    if owner is None or has_hub is None:
        raise RaveError(
            "no rave hub in this database",
            hint="its admin sets one up once: rave team setup --hub postgresql://admin@host/db",
        )
    why = (
        "a superuser"
        if superuser
        else "the hub's owner"
        if role == owner or owners
        else "a role that can get past row-level security (BYPASSRLS or CREATEROLE)"
        if bypass
        else None
    )
    if why is not None:
        raise RaveError(
            f"refused: {role} is {why}, and would receive every member's private notes",
            hint="sync as a member's own role: rave team add NAME makes one",
        )
    driver = _driver()
    try:
        (version,) = pg.execute(f"SELECT format FROM {SCHEMA}.hub").fetchone() or (FORMAT,)
    except driver.errors.InsufficientPrivilege:
        raise RaveError(
            f"{role} is not a member of this hub",
            hint=f"its admin adds you: rave team add {role} --hub URL",
        ) from None
    if version > FORMAT:
        raise RaveError(
            f"this hub has layout {version}, newer than this rave knows ({FORMAT})",
            hint="upgrade rave on every machine together",
        )
    return str(role)


# --- pushing --------------------------------------------------------------------------------

_PUSH = (
    f"INSERT INTO {SCHEMA}.op (id, author, private, hlc, device, kind, entity, gid, field,"
    " value) VALUES (%s, session_user, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (id) DO NOTHING"
)


def _shared_notes(conn: sqlite3.Connection, gids: set[str]) -> set[str]:
    """Which of the notes ``gids`` are shared with the team (`rave note --team`)."""
    shared: set[str] = set()
    ordered = sorted(gids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = conn.execute(
            f"SELECT gid FROM op WHERE gid IN ({marks}) AND entity = 'note' AND kind = 'create'"
            f" AND json_extract(value, '$.shared') UNION SELECT gid FROM note WHERE gid IN"
            f" ({marks}) AND shared",
            (*chunk, *chunk),
        )
        shared.update(r[0] for r in rows)
    return shared


def private(op: oplog.Op, shared_notes: set[str]) -> bool:
    """Whether only its author receives ``op`` from the hub."""
    if op.entity in PRIVATE_RECORDS:
        return True
    if op.entity == "note":
        return op.gid not in shared_notes
    return op.entity == "contact" and op.kind == "set" and op.field in MEMBER_FIELDS


def _hub_rows(
    ops: list[tuple[oplog.Op, int | None]], shared_notes: set[str]
) -> list[tuple[Any, ...]]:
    """The hub rows of this machine's operations (with the command that made each): a
    contact's ``create`` goes without the member's own fields, which follow as private
    ``set`` rows of the same clock (ids derived from the create's); a ``set`` of
    ``updated_at`` that only dates a change of those fields is private too."""
    sets: dict[tuple[int | None, str], set[str]] = {}
    for op, command in ops:
        if op.entity == "contact" and op.kind == "set" and op.field:
            sets.setdefault((command, op.gid), set()).add(op.field)
    own_only = {
        key
        for key, fields in sets.items()
        if fields & set(MEMBER_FIELDS) and fields <= {*MEMBER_FIELDS, "updated_at"}
    }

    def row(op: oplog.Op, hidden: bool) -> tuple[Any, ...]:
        value = None if op.value is None else oplog.dumps(op.value)
        return (op.id, hidden, op.hlc, op.device, op.kind, op.entity, op.gid, op.field, value)

    out = []
    for op, command in ops:
        if op.entity == "contact" and op.kind == "create" and isinstance(op.value, dict):
            mine = {k: v for k, v in op.value.items() if k in MEMBER_FIELDS and v is not None}
            team = {k: v for k, v in op.value.items() if k not in MEMBER_FIELDS}
            out.append(row(dataclasses.replace(op, value=team), False))
            for name, v in mine.items():
                own = str(uuid.uuid5(uuid.UUID(op.id), name))
                out.append(
                    row(
                        dataclasses.replace(op, id=own, kind="set", field=name, value={"v": v}),
                        True,
                    )
                )
            continue
        hidden = private(op, shared_notes) or (
            op.entity == "contact" and op.field == "updated_at" and (command, op.gid) in own_only
        )
        out.append(row(op, hidden))
    return out


def _push(pg: psycopg.Connection[Any], db_path: Path, device: str) -> int:
    """Send this machine's operations the hub may lack, in one transaction; how many
    rows it did not have."""
    from rave.services import sync as syncing

    conn = db.connect(db_path, create=True)
    try:
        (after,) = conn.execute("SELECT hub_sent FROM sync_state").fetchone()
        # this machine's, and those of your other machines that came over git before
        # this store moved to the hub (``sync_peer``): all yours, and the hub's only copy
        rows = conn.execute(
            f"SELECT seq, command, {oplog.OP_COLUMNS} FROM op WHERE seq > ? AND (device = ?"
            " OR device IN (SELECT device FROM sync_peer)) ORDER BY seq",
            (after, device),
        ).fetchall()
        notes = {r[8] for r in rows if r[7] == "note"}
        shared = _shared_notes(conn, notes) if notes else set()
    finally:
        conn.close()
    if not rows:
        return 0
    with pg.transaction(), pg.cursor() as cursor:
        # rows the hub has already (a push that died after it) are skipped
        cursor.executemany(_PUSH, _hub_rows([(oplog.row_op(r[2:]), r[1]) for r in rows], shared))
        new = max(cursor.rowcount, 0)
    top = rows[-1][0]
    # the hub has them: `rave undo` now reverts them with new operations (one transaction:
    # an undo must never take the hub's operations for unsent ones)
    syncing.write(
        db_path,
        "UPDATE replica SET sent = max(sent, ?)",
        (top,),
        first=lambda c: c.execute("UPDATE sync_state SET hub_sent = max(hub_sent, ?)", (top,)),
    )
    return new


# --- receiving ------------------------------------------------------------------------------

_PULL = (
    "SELECT seq, id::text, hlc, device, author, kind, entity, gid, field, value::text"
    f" FROM {SCHEMA}.op WHERE seq > %s AND device <> %s ORDER BY seq LIMIT %s"
)


def _decoded(row: tuple[Any, ...]) -> oplog.Op:
    """The operation of a hub row (``BadOp`` when it is none rave can apply)."""
    _seq, op_id, hlc, device, author, kind, entity, gid, field, value = row
    try:
        loaded = None if value is None else json.loads(value)
    except ValueError as exc:
        raise oplog.BadOp(f"a value that is not JSON ({exc})") from None
    return oplog.from_data(
        {
            "id": op_id,
            "hlc": hlc,
            "device": device,
            "author": author,
            "kind": kind,
            "entity": entity,
            "gid": gid,
            "field": field,
            "value": loaded,
        }
    )


def _as_member(op: oplog.Op, me: str) -> list[oplog.Op]:
    """``op`` as this member applies it. Another member's contact comes without their own
    fields, and with tier ``none`` at the smallest clock there is (an operation of its
    own, the same on each of this member's machines): the contact shows in the reply lane
    when they write, never as an outreach target, until this member gives it a tier
    (any tier of theirs, older or newer, wins over it)."""
    if op.author == me or op.entity != "contact":
        return [op]
    if op.kind == "set" and op.field in MEMBER_FIELDS:
        return []  # another member's own judgement (pushed private: defence in depth)
    if op.kind == "create" and isinstance(op.value, dict):
        kept = {k: v for k, v in op.value.items() if k not in MEMBER_FIELDS}
        untiered = dataclasses.replace(
            op,
            id=str(uuid.uuid5(uuid.UUID(op.id), "tier none")),
            hlc=f"{0:013d}.{0:05d}.{op.device}",
            kind="set",
            field="tier",
            value={"v": "none"},
        )
        return [dataclasses.replace(op, value=kept), untiered]
    return [op]


def _read_batch(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], me: str) -> list[oplog.Op]:
    """The operations of hub ``rows`` to apply. A row rave knows but cannot apply
    (malformed, pushed by hand) is skipped and listed by `rave doctor`; one of a newer
    rave stops the sync (exit 65), nothing applied."""
    ops: list[oplog.Op] = []
    for row in rows:
        try:
            op = _decoded(row)
        except oplog.BadOp as exc:
            if exc.unknown:
                error = BadInputError("the hub's rave.op", row[0], str(exc))
                error.hint = "nothing of it was applied: upgrade rave on every machine together"
                raise error from None
            oplog.conflict(conn, "malformed", row[1], f"from {row[4]}, skipped: {exc}", into="")
            continue
        ops += _as_member(op, me)
    return ops


def _pull(pg: psycopg.Connection[Any], db_path: Path, device: str, me: str) -> tuple[int, int, int]:
    """Apply the hub's rows of other devices, a batch at a time; (received, new,
    conflicts)."""
    from rave.services import sync as syncing

    totals = [0, 0, 0]
    conn = db.connect(db_path, create=True)
    try:
        while True:
            (after,) = conn.execute("SELECT hub_seq FROM sync_state").fetchone()
            rows = pg.execute(_PULL, (after, device, _BATCH)).fetchall()

            def read(rows: list[tuple[Any, ...]] = rows) -> list[oplog.Op]:
                ops = _read_batch(conn, rows, me)
                if rows:
                    conn.execute("UPDATE sync_state SET hub_seq = ?", (rows[-1][0],))
                return ops

            done = syncing.apply_in_one(conn, db_path, read)
            totals = [a + b for a, b in zip(totals, done, strict=True)]
            if len(rows) < _BATCH:
                return totals[0], totals[1], totals[2]
    finally:
        conn.close()


# --- one sync -------------------------------------------------------------------------------


def sync(db_path: Path, url: str, *, device: str, pull_only: bool) -> Synced:
    """One sync of the store at ``db_path`` with the hub at ``url``."""
    from rave.services import sync as syncing

    with syncing.locked(syncing.clone_path(db_path)):
        pg = connect(url)
        try:
            with failures(url):
                me = member(pg)
                _remember(db_path, me)
                sent = 0 if pull_only else _push(pg, db_path, device)
                received, applied, conflicts = _pull(pg, db_path, device, me)
        finally:
            pg.close()
    conn = db.connect(db_path, create=True)
    try:
        at = syncing.last_sync(conn)
    finally:
        conn.close()
    return syncing.Synced(
        masked(url), sent, received, applied, conflicts, pull_only, at or timeutil.utcnow()
    )


def _remember(db_path: Path, me: str) -> None:
    """Note the member this store syncs as; a store is one member's (their tiers and
    private notes): another role is refused."""
    from rave.services import sync as syncing

    conn = db.connect(db_path, create=True)
    try:
        (known,) = conn.execute("SELECT member FROM sync_state").fetchone()
    finally:
        conn.close()
    if known is None:
        syncing.write(db_path, "UPDATE sync_state SET member = ?", (me,))
    elif known != me:
        raise RaveError(
            f"this store syncs as {known}, not {me}: a store holds one member's tiers and "
            "private notes",
            hint=f"sync as {known}, or give each member their own store (rave --db FILE)",
        )
