"""Ordered schema migrations, kept as plain SQL so both doors (stdlib ``sqlite3`` reads and
SQLModel writes) can bring a store up to date without importing the ORM.

The schema version is SQLite's ``PRAGMA user_version``. ``rave.models`` describes the same
tables for SQLModel; ``tests/test_store.py`` checks that the two never drift apart.
A store whose version is newer than :data:`SCHEMA_VERSION`, and another program's SQLite
file (recognised by rave's tables, :data:`RAVE_TABLES`), are refused untouched.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rave.errors import StoreError

# The first columns of a row that belongs to one contact (an alias, a handle, a note, a
# follow-up): its own id, and its contact's, deleted with the contact.
_OF_A_CONTACT = """id INTEGER NOT NULL PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,"""


def _interaction(table: str, directions: str) -> str:
    """``interaction``'s columns as version 1 made them; version 3 rebuilds the table with
    these same columns (its copy must keep every value), but ``directions`` wider and one
    column more. Like every migration's SQL, never to be changed."""
    return f"""CREATE TABLE {table} (
    id INTEGER NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('broadcast', 'chat', 'engage')),
    direction TEXT NOT NULL CHECK (direction IN ({directions})),
    channel TEXT NOT NULL,
    happened_at TEXT NOT NULL,
    note TEXT,
    needs_reply INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'cli',
    external_key TEXT UNIQUE,
    created_at TEXT NOT NULL"""


_V1 = f"""
CREATE TABLE contact (
    id INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    tier TEXT NOT NULL DEFAULT 'C' CHECK (tier IN ('A', 'B', 'C', 'D', 'none')),
    cadence_days INTEGER CHECK (cadence_days IS NULL OR cadence_days > 0),
    why TEXT,
    offer TEXT,
    met TEXT,
    company TEXT,
    title TEXT,
    location TEXT,
    birthday TEXT,
    snoozed_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_contact_name_key ON contact (name_key);
CREATE INDEX ix_contact_tier ON contact (tier);

CREATE TABLE alias (
    {_OF_A_CONTACT}
    alias TEXT NOT NULL,
    alias_key TEXT NOT NULL,
    UNIQUE (contact_id, alias_key)
);
CREATE INDEX ix_alias_alias_key ON alias (alias_key);

CREATE TABLE handle (
    {_OF_A_CONTACT}
    channel TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (channel, value)
);
CREATE INDEX ix_handle_contact_id ON handle (contact_id);

CREATE TABLE tag (
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX ix_tag_tag ON tag (tag);

CREATE TABLE contact_ref (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    PRIMARY KEY (source, key)
);
CREATE INDEX ix_contact_ref_contact_id ON contact_ref (contact_id);

CREATE TABLE note (
    {_OF_A_CONTACT}
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_note_contact_id ON note (contact_id, created_at);

{_interaction("interaction", "'in', 'out'")}
);
CREATE INDEX ix_interaction_happened_at ON interaction (happened_at);

CREATE TABLE interaction_contact (
    interaction_id INTEGER NOT NULL REFERENCES interaction (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    PRIMARY KEY (interaction_id, contact_id)
);
CREATE INDEX ix_interaction_contact_contact_id
    ON interaction_contact (contact_id, interaction_id);

CREATE TABLE post (
    id INTEGER NOT NULL PRIMARY KEY,
    text TEXT NOT NULL,
    channel TEXT NOT NULL,
    url TEXT,
    posted_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_post_posted_at ON post (posted_at);

CREATE TABLE followup (
    {_OF_A_CONTACT}
    interaction_id INTEGER REFERENCES interaction (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    due TEXT,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_followup_contact_id ON followup (contact_id);
CREATE INDEX ix_followup_done_at ON followup (done_at, due);
"""

# Each contact's events folded for the ranking (rave.contact_tally), filled from the history.
# Version 2 created it first; its columns follow the model, so version 3 makes it anew.
_TALLY_TABLE = """
CREATE TABLE contact_tally (
    contact_id INTEGER NOT NULL PRIMARY KEY REFERENCES contact (id) ON DELETE CASCADE,
    latest_at TEXT NOT NULL,
    latest_id INTEGER NOT NULL,
    warmth REAL NOT NULL,
    first_m TEXT,
    first_m_dir TEXT,
    last_m TEXT,
    last_m_channel TEXT,
    last_m_dir TEXT,
    n_in INTEGER NOT NULL,
    unanswered INTEGER NOT NULL,
    last_out TEXT,
    last_out_channel TEXT,
    last_out_answer INTEGER NOT NULL,
    last_init TEXT,
    in_channel TEXT,
    pending TEXT,
    pending_last TEXT,
    pending_channel TEXT,
    pending_kind TEXT,
    pending_note TEXT,
    last_post TEXT,
    last_post_channel TEXT,
    last_post_note TEXT,
    responded INTEGER NOT NULL,
    debt INTEGER NOT NULL,
    debt_since TEXT,
    bcasts INTEGER NOT NULL,
    chats INTEGER NOT NULL,
    last_offline TEXT,
    note TEXT,
    channels TEXT NOT NULL,
    recent TEXT NOT NULL,
    recent_in TEXT NOT NULL
);
"""

# Version 2 added the tallies (now made by version 3) and this index:
_V2 = """
-- your own recent activity (the broadcast nudge, stats) without visiting each row
CREATE INDEX ix_interaction_direction ON interaction (direction, happened_at, kind, channel);
"""


# Version 2 of the ranking model (spec/scoring.md): direction `both` for live exchanges.
# SQLite cannot change a CHECK, so `interaction` is rebuilt (foreign keys are off while a
# migration runs; `migrate` checks them before it commits). Calls, video calls and meetings
# logged as chat or engage were live exchanges: they become `both`, started by you when
# they were `out`, by them when `in` (`started_by`, for `rave stats`; version 1 had no way
# to log a missed call, so none is owed a reply). The tallies' columns changed with the
# model: the table is made anew and filled from the history.
_V3 = f"""
{_interaction("interaction_v3", "'in', 'out', 'both'")},
    started_by TEXT
        CHECK (started_by IS NULL OR started_by IN ('me', 'them')),
    CHECK (kind != 'broadcast' OR direction != 'both')
);
INSERT INTO interaction_v3 (id, kind, direction, channel, happened_at, note, needs_reply,
                            source, external_key, created_at, started_by)
SELECT id, kind, CASE WHEN live THEN 'both' ELSE direction END, channel, happened_at, note,
       CASE WHEN live THEN 0 ELSE needs_reply END, source, external_key, created_at,
       CASE WHEN live THEN CASE direction WHEN 'out' THEN 'me' ELSE 'them' END END
  FROM (SELECT *, kind IN ('chat', 'engage') AND channel IN ('phone', 'video', 'in_person')
                  AS live
          FROM interaction);
DROP TABLE interaction;
ALTER TABLE interaction_v3 RENAME TO interaction;
CREATE INDEX ix_interaction_happened_at ON interaction (happened_at);
CREATE INDEX ix_interaction_direction ON interaction (direction, happened_at, kind, channel);
DROP TABLE IF EXISTS contact_tally;
"""
_V3 += _TALLY_TABLE


# Version 4: the undo log (rave.undo_log). Each write command is a row of `undo_command`;
# the rows it changed are recorded, while it runs, as the statements that revert them, in
# `undo_step` (numbered in the order they happened: a command's steps are those from its
# `first_step` to the next command's). `rave undo` runs the last command's steps backwards.
_V4 = """
CREATE TABLE undo_command (
    id INTEGER NOT NULL PRIMARY KEY,
    command TEXT NOT NULL,
    at TEXT NOT NULL,
    first_step INTEGER NOT NULL
);
CREATE TABLE undo_step (
    id INTEGER NOT NULL PRIMARY KEY,
    table_name TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    contact_ids TEXT,
    sql TEXT NOT NULL
);
"""


# Version 5 (the history issue): the name's parts as the source split them (vCard ``N``,
# First/Last Name columns), kept to be exported as such; a handle's text as the user or the
# file gave it (``typed``, NULL when it is the stored value itself: phones are stored in
# E.164, ``+33698765432``, an extension kept apart as ``;ext=12``); the pairs of contacts
# the user said are two people (`rave apart`), never listed as duplicates again;
# and the source key of a follow-up an import made (a calendar event's UID and occurrence),
# so a second import of the same calendar adds nothing.
_V5 = """
ALTER TABLE contact ADD COLUMN given_name TEXT;
ALTER TABLE contact ADD COLUMN family_name TEXT;
ALTER TABLE handle ADD COLUMN typed TEXT;
ALTER TABLE followup ADD COLUMN external_key TEXT;
CREATE UNIQUE INDEX ix_followup_external_key ON followup (external_key);
CREATE TABLE distinct_pair (
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    other_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (contact_id, other_id),
    CHECK (contact_id < other_id)
);
CREATE INDEX ix_distinct_pair_other_id ON distinct_pair (other_id);
"""


def _fill_tallies(conn: sqlite3.Connection) -> None:
    from rave import contact_tally

    contact_tally.rebuild(conn)


_PHONE_CHANNELS = ("phone", "sms", "whatsapp")
_SHARED_PHONES = tuple(f"shared-{channel}" for channel in _PHONE_CHANNELS)


def _phones_in_e164(conn: sqlite3.Connection) -> None:
    """Version 5's step: :func:`renormalise_phones` in the default region."""
    renormalise_phones(conn)


def renormalise_phones(conn: sqlite3.Connection) -> int:
    """Every phone, SMS and WhatsApp handle in the form ``rave.phones`` stores (E.164
    where the number can be read; national numbers read in the default region:
    ``[phone] region``, else the locale's), the value it had kept as ``typed``; returns
    how many stored values were not in that form. Version 5's upgrade runs it, and so
    does `rave doctor --rebuild` (a number kept as its digits while no region was known
    is read once a region is set).
    A value that cannot be read any more (``*123#``) stays as it was: nothing is lost.

    Two handles that become one value: on one contact, one is kept (the one already in
    that form, else the first); on two contacts, the older contact keeps it and the other
    gets it as a ``shared-CHANNEL`` key (``"VALUE NAME"``), the way an import records a
    number two people share (``services.matcher``): the next import finds them both, and
    `rave dupes` lists the pair. The ``shared-...`` keys are renormalised too.
    ``phonenumbers`` is imported only when there is a phone number to read."""
    marks = ", ".join("?" for _ in _PHONE_CHANNELS)
    rows = conn.execute(
        f"""SELECT h.id, h.contact_id, h.channel, h.value, c.name_key
              FROM handle h JOIN contact c ON c.id = h.contact_id
             WHERE h.channel IN ({marks})
             ORDER BY c.created_at, c.id, h.id""",
        _PHONE_CHANNELS,
    ).fetchall()
    refs = conn.execute(
        f"SELECT source, key FROM contact_ref WHERE source IN ({marks}) ORDER BY rowid",
        _SHARED_PHONES,
    ).fetchall()
    if not rows and not refs:
        return 0
    from rave import normalize, phones
    from rave.errors import UsageError

    region = phones.default_region()

    def renormalised(channel: str, value: str) -> str:
        try:
            return normalize.normalize_handle(channel, value, region=region)
        except UsageError:
            return value

    rank: dict[int, int] = {}  # contacts, oldest first
    found = []
    for handle_id, contact_id, channel, value, name_key in rows:
        new = renormalised(channel, value)
        first = (rank.setdefault(contact_id, len(rank)), value != new, handle_id)
        found.append((first, handle_id, contact_id, channel, value, name_key, new))
    found.sort()
    kept: dict[tuple[str, str], tuple[int, int]] = {}  # (channel, new value) → its handle
    for _, handle_id, contact_id, channel, _value, name_key, new in found:
        keeper, owner = kept.setdefault((channel, new), (handle_id, contact_id))
        if keeper == handle_id:
            continue
        # given up (before any handle takes its new value: the values stay unique)
        conn.execute("DELETE FROM handle WHERE id = ?", (handle_id,))
        if owner != contact_id:
            conn.execute(
                "INSERT OR IGNORE INTO contact_ref (source, key, contact_id) VALUES (?, ?, ?)",
                (f"shared-{channel}", f"{new} {name_key}", contact_id),
            )
    changed = sum(1 for entry in found if entry[4] != entry[6])  # numbers read anew
    for _, handle_id, _contact_id, channel, value, _name_key, new in found:
        if value != new and kept[(channel, new)][0] == handle_id:
            conn.execute(
                "UPDATE handle SET value = ?, typed = coalesce(typed, ?) WHERE id = ?",
                (new, value, handle_id),
            )
    for source, key in refs:
        value, _, name_key = key.partition(" ")
        new = renormalised(source.removeprefix("shared-"), value)
        if new != value:
            conn.execute(
                "UPDATE OR IGNORE contact_ref SET key = ? WHERE source = ? AND key = ?",
                (f"{new} {name_key}", source, key),
            )
            conn.execute("DELETE FROM contact_ref WHERE source = ? AND key = ?", (source, key))
    return changed


# Version 6 (issue 18, stable identity): a global id, ``gid``, on every record people make
# (rave.gid: a UUIDv7, or a UUIDv5 of the source key an import made it from), unique, and
# given by a trigger to a row another program inserts without one (``rave.gid.sql_triggers``:
# plain SQL, so the ``sqlite3`` shell gets ids too). The per-contact fold orders ties by
# gid (every replica folds alike): the tallies remember the gid of their latest event and
# are made anew, in the new order.
_GID_TABLES = ("contact", "interaction", "note", "post", "followup")


def _gid_sql() -> str:
    from rave import gid

    parts = [f"ALTER TABLE {table} ADD COLUMN gid TEXT;" for table in _GID_TABLES]
    parts += [f"CREATE UNIQUE INDEX ix_{table}_gid ON {table} (gid);" for table in _GID_TABLES]
    parts += [f"{sql};" for table in _GID_TABLES for sql in gid.sql_triggers(table)]
    parts.append("DROP TABLE contact_tally;")
    parts.append(
        _TALLY_TABLE.replace(
            "latest_id INTEGER NOT NULL,",
            "latest_id INTEGER NOT NULL,\n    latest_gid TEXT NOT NULL,",
        )
    )
    return "\n".join(parts)


# built when a store is upgraded, not when rave starts: every command imports this module
_V6 = _gid_sql


def _global_ids(conn: sqlite3.Connection) -> None:
    """Version 6's step: every existing row its gid. Deterministic where the row has a
    source key, as an import would make it today: an interaction's ``external_key``; a
    follow-up's (its calendar event) with its contact's gid; a contact with external keys
    (``contact_ref``: an import made it) from the strongest of them and its handles
    (``gid.contact_keys``). Every other row a UUIDv7 of its ``created_at``, in
    ``(created_at, id)`` order, so that ids sort like creation. Then the tallies are
    folded anew, ties now in gid order."""
    from rave import gid

    def millis(text: str | None) -> int:
        try:
            return gid.millis(datetime.fromisoformat(str(text).replace("Z", "+00:00")))
        except (ValueError, OverflowError, OSError):
            return 0

    def fill(table: str, rows: list[tuple[int, str | None, str | None]]) -> dict[int, str]:
        """rows: (id, deterministic gid or None, created_at), in creation order."""
        sequence, used, given = gid.Sequence(), set(), {}
        for row_id, derived, created in rows:
            value = derived if derived is not None and derived not in used else None
            given[row_id] = value or sequence.at(millis(created))
            used.add(given[row_id])
        conn.executemany(
            f"UPDATE {table} SET gid = ? WHERE id = ?", [(v, k) for k, v in given.items()]
        )
        return given

    refs: dict[int, set[tuple[str, str]]] = {}
    for source, key, cid in conn.execute("SELECT source, key, contact_id FROM contact_ref"):
        refs.setdefault(cid, set()).add((source, key))
    handles: dict[int, set[tuple[str, str]]] = {}
    for channel, value, cid in conn.execute("SELECT channel, value, contact_id FROM handle"):
        handles.setdefault(cid, set()).add((channel, value))
    contacts: list[tuple[int, str | None, str | None]] = []
    claimed: set[str] = set()
    for cid, name_key, created in conn.execute(
        "SELECT id, name_key, created_at FROM contact ORDER BY created_at, id"
    ):
        keys = gid.contact_keys(refs[cid], handles.get(cid, ()), name_key) if cid in refs else []
        free = (g for g in (gid.contact(s, k) for s, k in keys) if g not in claimed)
        derived = next(free, None)
        if derived is not None:
            claimed.add(derived)
        contacts.append((cid, derived, created))
    contact_gids = fill("contact", contacts)
    fill(
        "interaction",
        [
            (iid, None if key is None else gid.interaction(key), created)
            for iid, key, created in conn.execute(
                "SELECT id, external_key, created_at FROM interaction ORDER BY created_at, id"
            )
        ],
    )
    fill(
        "followup",
        [
            (
                fid,
                None
                if key is None or cid not in contact_gids
                else gid.followup(gid.event_key(key), contact_gids[cid]),
                created,
            )
            for fid, key, cid, created in conn.execute(
                "SELECT id, external_key, contact_id, created_at FROM followup"
                " ORDER BY created_at, id"
            )
        ],
    )
    for table in ("note", "post"):
        sql = f"SELECT id, NULL, created_at FROM {table} ORDER BY created_at, id"
        fill(table, list(conn.execute(sql)))
    _fill_tallies(conn)


# Version 7 (issue 18, the operation log: rave.oplog): every change as operations other
# machines can apply. ``op``: one row per operation, ``seq`` this machine's order, the rest
# what travels (``value`` JSON), ``command`` the undo log's command that made it (local;
# `rave undo` takes back operations never sent). ``replica``: this store's device id
# (random, made once), name, last clock, and how many of its own operations were sent.
# ``tombstone`` and ``redirect`` are derived from the deletes and merges of the log;
# ``sync_peer`` counts, per other device, the lines of its file applied; ``sync_state``
# the remote and the last sync; ``sync_conflict`` what applying settled by rule
# (`rave doctor`). The history made before the log becomes operations of this device.
_V7 = """
CREATE TABLE op (
    seq INTEGER NOT NULL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    hlc TEXT NOT NULL,
    device TEXT NOT NULL,
    author TEXT NOT NULL,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    gid TEXT NOT NULL,
    field TEXT,
    value TEXT,
    command INTEGER
);
CREATE INDEX ix_op_gid ON op (gid);
CREATE INDEX ix_op_unique_key ON op (entity, field) WHERE entity IN ('handle', 'contact_ref');
CREATE INDEX ix_op_command ON op (command);
CREATE TABLE replica (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    device TEXT NOT NULL,
    name TEXT NOT NULL,
    hlc TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tombstone (
    gid TEXT NOT NULL PRIMARY KEY,
    hlc TEXT NOT NULL
);
CREATE TABLE redirect (
    from_gid TEXT NOT NULL PRIMARY KEY,
    to_gid TEXT NOT NULL,
    hlc TEXT NOT NULL
);
CREATE TABLE sync_peer (
    device TEXT NOT NULL PRIMARY KEY,
    applied INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sync_state (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    remote TEXT,
    last_sync TEXT
);
CREATE TABLE sync_conflict (
    id INTEGER NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    gid TEXT NOT NULL,
    detail TEXT NOT NULL,
    winner TEXT NOT NULL,
    UNIQUE (kind, gid, detail)
);
"""


def _operations(conn: sqlite3.Connection) -> None:
    """Version 7's step: this store's device id (its history becomes operations when it
    first syncs: ``oplog.snapshot``)."""
    from rave import oplog

    oplog.ensure_replica(conn)


def _log_when_syncing(conn: sqlite3.Connection) -> None:
    """Version 8's step: tombstones name their table; a store without a remote drops its
    operation log (never sent: its next first sync sends a snapshot instead)."""
    conn.execute(
        "UPDATE tombstone SET entity = (SELECT o.entity FROM op o WHERE o.gid = tombstone.gid"
        " AND o.kind = 'delete' LIMIT 1)"
    )
    if conn.execute("SELECT 1 FROM sync_state WHERE remote IS NOT NULL").fetchone() is None:
        conn.execute("DELETE FROM op")
        conn.execute("UPDATE replica SET sent = 0")


# Version 8 (issue 18, the team hub: rave.services.hub): a note is private to its author
# unless ``shared`` (`rave note --team`): the hub gives a private note to nobody else.
# ``sync_state.member`` is the hub role this store syncs as (NULL: no hub; who "you" are
# when `why` names who answered), ``hub_seq`` the last hub row applied, ``hub_sent`` the
# last of this machine's operations (``op.seq``) the hub has. And the log is kept only by
# a store that syncs (``oplog.syncing``: a remote is set; its first remote sends a
# snapshot): a store that never synced drops it, keeping its tombstones (with their
# record's table, ``entity``, for that snapshot, and ``undone`` when `rave undo` made
# them: an import may make that record again) and redirects.
_V8 = """
ALTER TABLE tombstone ADD COLUMN entity TEXT;
ALTER TABLE tombstone ADD COLUMN undone INTEGER NOT NULL DEFAULT 0;
ALTER TABLE note ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN member TEXT;
ALTER TABLE sync_state ADD COLUMN hub_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN hub_sent INTEGER NOT NULL DEFAULT 0;
"""


#: Migration N brings a store from version N - 1 to version N: its SQL (or the function
#: that writes it, when building it costs an import), then an optional
#: step in Python that fills what the SQL created. (Version 3 made the tallies and once
#: filled them; version 6 makes them anew and fills them, so version 3 no longer does:
#: today's fold cannot run on the schema of version 3.)
MIGRATIONS: tuple[
    tuple[str | Callable[[], str], Callable[[sqlite3.Connection], None] | None], ...
] = (
    (_V1, None),
    (_V2, None),
    (_V3, None),
    (_V4, None),
    (_V5, _phones_in_e164),
    (_V6, _global_ids),
    (_V7, _operations),
    (_V8, _log_when_syncing),
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


#: The tables and key columns that make a SQLite file a rave store (schema 1 and later).
RAVE_TABLES: dict[str, tuple[str, ...]] = {
    "contact": ("id", "name", "name_key", "tier"),
    "interaction": ("id", "kind", "direction", "channel", "happened_at"),
}


_RAVE_TABLES_SQL = " UNION ALL ".join(
    f"SELECT COUNT(*) FROM pragma_table_info('{table}')"
    f" WHERE name IN ({', '.join(repr(c) for c in columns)})"
    for table, columns in RAVE_TABLES.items()
)


def _is_rave_store(conn: sqlite3.Connection) -> bool:
    """Whether the file holds rave's tables with their key columns (counted in SQL, so a
    name that is not valid text cannot stop the answer)."""
    found = [n for (n,) in conn.execute(_RAVE_TABLES_SQL)]
    return found == [len(columns) for columns in RAVE_TABLES.values()]


def check_store(conn: sqlite3.Connection, where: str) -> int:
    """The store's schema version, once the file is known to be a rave store this rave
    can use. Refused before anything touches the file: a SQLite file of another program
    (tables without rave's version, or a version without rave's tables) and a store from
    a newer rave."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} was written by a newer rave (schema {version}; this rave knows "
            f"{SCHEMA_VERSION}); it was not touched",
            hint="upgrade rave (pip install -U rave)",
        )
    if version == 0:  # a new store has no tables yet
        sql = "SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1"
        foreign = conn.execute(sql).fetchone() is not None
    else:
        foreign = not _is_rave_store(conn)
    if foreign:
        raise StoreError(
            f"{where} is a SQLite database of another program, not a rave store; "
            "it was not touched",
            hint="point --db at a new file or at your rave.db",
        )
    return version


def _backup_name(path: Path, version: int, stamp: str, attempt: int) -> Path:
    suffix = "" if attempt == 0 else f"-{attempt + 1}"
    return path.with_name(f"{path.name}.v{version}-{stamp}{suffix}.bak")


def _temp_prefix(path: Path) -> str:
    """The start of the temporary names of the copies taken before upgrading ``path``;
    the process id follows, then a random part."""
    return f".{path.name}.upgrade-"


def _remove_stale_copies(path: Path) -> None:
    """Temporary copies left by an upgrade that was killed (its process is gone)."""
    prefix = _temp_prefix(path)
    for leftover in path.parent.glob(f"{glob.escape(prefix)}*.tmp*"):
        pid = leftover.name[len(prefix) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                leftover.unlink()
        except OSError:  # alive, another user's
            continue


def _place(temp: Path, path: Path, version: int) -> Path:
    """Give the finished copy ``temp`` its name, never replacing another copy: the first
    free one of ``rave.db.v1-STAMP.bak``, ``rave.db.v1-STAMP-2.bak``, ..."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for attempt in range(1000):
        target = _backup_name(path, version, stamp, attempt)
        try:
            os.link(temp, target)  # fails if the name is taken: exclusive and atomic
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: reserve the name, then rename
            try:
                os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            temp.replace(target)
            return target
        temp.unlink()
        return target
    raise FileExistsError(errno.EEXIST, "no free name for the copy", str(path))


def backup_before_upgrade(conn: sqlite3.Connection, path: Path, version: int) -> Path | None:
    """A consistent copy of the store as it is (schema ``version``), mode 0600, next to
    it: ``rave.db.v1-20261122T081500.bak``. The copy is written under a temporary name in
    the same folder and renamed when complete, so a killed upgrade leaves no partial
    ``.bak``; on an error nothing is left. None when the store was upgraded meanwhile (by
    another rave): there is nothing to keep."""
    _remove_stale_copies(path)
    prefix = f"{_temp_prefix(path)}{os.getpid()}-"
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    os.close(fd)
    temp = Path(name)
    try:
        copy = sqlite3.connect(temp)
        try:
            conn.backup(copy)
            copied = schema_version(copy)
        finally:
            copy.close()
        if copied != version:
            return None
        with temp.open("rb") as handle:
            os.fsync(handle.fileno())
        return _place(temp, path, version)
    finally:
        for leftover in (temp, Path(f"{temp}-journal")):
            leftover.unlink(missing_ok=True)


def migrate(conn: sqlite3.Connection, where: str, *, path: Path | None = None) -> int:
    """Bring the store up to :data:`SCHEMA_VERSION` in one transaction: a failed step
    leaves the store exactly as it was. An existing store (``path``) is first copied
    aside (:func:`backup_before_upgrade`); the copy is removed again if the upgrade fails
    or another rave upgraded the store meanwhile.

    Returns the version found. The connection must be in autocommit mode
    (``isolation_level=None``), as :func:`rave.db.connect` makes it."""
    version = check_store(conn, where)
    if version == SCHEMA_VERSION:
        return version
    backup = None
    if version > 0 and path is not None:
        # Taken before the write lock (SQLite's backup cannot read through a connection
        # that holds it); checked under the lock below.
        backup = backup_before_upgrade(conn, path, version)
    # A table rebuilt by a migration (SQLite cannot alter a CHECK) is dropped and renamed:
    # foreign keys stay off meanwhile (SQLite's own recipe; the pragma is ignored inside a
    # transaction), and the upgrade must break no reference that was whole before it.
    conn.execute("PRAGMA foreign_keys = OFF")
    upgraded = False
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            found = check_store(conn, where)
            broken_before = set(conn.execute("PRAGMA foreign_key_check").fetchall())
            for number in range(found + 1, SCHEMA_VERSION + 1):
                script, fill = MIGRATIONS[number - 1]
                for statement in _statements(script if isinstance(script, str) else script()):
                    conn.execute(statement)
                if fill is not None:
                    fill(conn)
                conn.execute(f"PRAGMA user_version = {number}")
            broken = set(conn.execute("PRAGMA foreign_key_check").fetchall()) - broken_before
            if broken:
                table = sorted(broken)[0][0]
                raise StoreError(
                    f"{where}: the upgrade to schema {SCHEMA_VERSION} would break a reference "
                    f"in table {table}; the store was not changed",
                    hint="run `rave doctor`",
                )
            conn.execute("COMMIT")
            upgraded = found < SCHEMA_VERSION
        finally:
            # SQLite may have rolled back already (after an I/O error, a full disk): a
            # second ROLLBACK must not hide the error that got us here.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
    finally:
        if backup is not None and not upgraded:  # nothing of ours to keep a copy of
            backup.unlink(missing_ok=True)
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA foreign_keys = ON")
    return version


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
