"""Global ids: what another machine knows a record by (issue 18, "Stable identity").

Every contact, interaction, note, post and follow-up has a ``gid``: a UUID in its
canonical text form (lowercase, ``0195f0c2-3c4e-7a12-9b3e-5f0e6d2c1a7b``). ``#ID``
(``id``) stays this machine's number; the gid is the same on every machine that has the
record, so the history can be merged from several machines (the operation log, `rave
sync`) and every replica folds and ranks ties alike (``scoring.state``: events in
``(when, gid)`` order; ``scoring.model``: ties end with the contact's gid).

Two kinds:

- **UUIDv7** (RFC 9562 §5.7) for a record made by hand (`add`, `log`, `note`, `post`,
  `followup`) or with no source key: the 48-bit Unix time in milliseconds, version 7,
  the variant, 74 random bits. Ids made in one process rise strictly in the order they
  are made (§6.2, method 2: within a millisecond the random part grows by a random
  step), so they sort like creation. An upgrade gives existing rows UUIDv7s from their
  ``created_at`` (whole seconds) in ``(created_at, id)`` order.
- **UUIDv5** (RFC 9562 §5.5: SHA-1 in :data:`NAMESPACE`) for a record an import makes
  from a source key, so that two machines importing the same file make the same ids.
  The name hashed is words joined by ``\\x1f`` (the unit separator), exactly:

  ============  ===========================================================
  interaction   ``interaction␟EXTERNAL_KEY`` (``mail:<Message-ID>``,
                ``ics:<UID>|<occurrence>``, ``whatsapp:…``, ``linkedin:…``)
  follow-up     ``followup␟EVENT_KEY␟CONTACT_GID``: the calendar event's key
                (the follow-up's ``external_key`` without its last ``|<contact
                gid>``) and its contact's gid
  contact       ``contact␟SOURCE␟KEY``: the first of :func:`contact_keys`, which
                are only keys that name one person (a profile URL, a vCard UID);
                a contact with none gets a UUIDv7
  note          ``note␟CONTACT_GID␟TEXT`` (a note a contacts file brings)
  ============  ===========================================================

  The UUIDv5 of a key is used only when no record of the table has it yet (two people
  of one file sharing an email address, a contact whose key was dropped and re-imported):
  the next key is tried, then a UUIDv7.

Plain standard library, no database: the write door, the matcher, the JSON import and
the migration all compute ids here; :func:`sql_uuid7` is the same UUIDv7 in SQL, for the
triggers that give an id to a row another program inserts without one.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

#: rave's namespace for UUIDv5 (itself ``uuid5(NAMESPACE_URL, "https://rave.invalid/gid")``).
#: Never to be changed: every id an import made derives from it.
NAMESPACE = "40c0e777-c210-5a92-a466-2cd0565c2943"
SEPARATOR = "\x1f"
TABLES = ("contact", "interaction", "note", "post", "followup")

#: A gid as rave stores and exports it: a UUID of RFC 9562's variant in canonical text.
PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

_RANDOM_BITS = 74
_MAX_MS = (1 << 48) - 1


def valid(text: object) -> bool:
    """Whether ``text`` is a gid in the form rave stores (canonical lowercase UUID)."""
    return isinstance(text, str) and PATTERN.fullmatch(text) is not None


def _text(value: int) -> str:
    """A 128-bit value in the canonical UUID text form."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _random(bits: int) -> int:
    return int.from_bytes(os.urandom((bits + 7) // 8), "big") >> (-bits % 8)


def _v7(ms: int, rand: int) -> str:
    value = (
        (ms << 80)
        | (0x7 << 76)
        | ((rand >> 62) << 64)  # rand_a: 12 bits
        | (0b10 << 62)  # the variant
        | (rand & ((1 << 62) - 1))  # rand_b: 62 bits
    )
    return _text(value)


class Sequence:
    """UUIDv7s that rise strictly in the order they are asked for: within one
    millisecond (or when the clock steps back) the random part grows by a random step
    from the last one, the millisecond moving on only if it would overflow. (One thread:
    rave writes from one.)"""

    def __init__(self) -> None:
        self._ms = -1
        self._rand = 0

    def at(self, ms: int) -> str:
        """The next id, for the Unix time ``ms`` in milliseconds (or just after the
        last id made, if that is later)."""
        if ms > self._ms:
            # the top bit clear: room for the steps of the same millisecond
            self._ms, self._rand = min(ms, _MAX_MS), _random(_RANDOM_BITS - 1)
        else:
            self._rand += 1 + _random(32)
            if self._rand >> _RANDOM_BITS:
                self._ms = min(self._ms + 1, _MAX_MS)
                self._rand = _random(_RANDOM_BITS - 1)
        return _v7(self._ms, self._rand)


_PROCESS = Sequence()


def new() -> str:
    """A UUIDv7 for a record made now. It reads the system clock itself rather than
    ``timeutil.utcnow`` (whole seconds, the moment rave records): an id needs the
    milliseconds, and is never a time rave reasons with."""
    return _PROCESS.at(time.time_ns() // 1_000_000)


def millis(moment: datetime) -> int:
    """``moment`` (aware) as Unix milliseconds, for :meth:`Sequence.at`."""
    return max(0, round(moment.timestamp() * 1000))


def derived(*words: str) -> str:
    """The UUIDv5 of ``words`` joined by the unit separator, in :data:`NAMESPACE`."""
    import uuid  # here: only imports derive ids

    return str(uuid.uuid5(uuid.UUID(NAMESPACE), SEPARATOR.join(words)))


def interaction(external_key: str) -> str:
    """The gid of an interaction an import made from ``external_key``."""
    return derived("interaction", external_key)


def event_key(external_key: str) -> str:
    """A follow-up's event key: its ``external_key`` without the contact the capture
    adds, its gid (``ics:UID|20261203T090000Z|<contact gid>``) or, in stores of older
    rave, this machine's id (``…|12``) → ``ics:UID|20261203T090000Z``."""
    head, bar, tail = external_key.rpartition("|")
    return head if bar and (tail.isdigit() or valid(tail)) else external_key


def followup(event: str, contact_gid: str) -> str:
    """The gid of the follow-up an import made for event ``event`` (:func:`event_key`)
    and the contact whose gid is ``contact_gid``."""
    return derived("followup", event, contact_gid)


def note(contact_gid: str, text: str) -> str:
    """The gid of a note an import brought with a contact."""
    return derived("note", contact_gid, text)


def contact(source: str, key: str) -> str:
    return derived("contact", source, key)


_WEAK = ("email", "phone", "sms", "whatsapp")  # shared by families and offices


def contact_keys(
    refs: Iterable[tuple[str, str]],
    handles: Iterable[tuple[str, str]],
    name_key: str,
    source: str | None = None,
) -> list[tuple[str, str]]:
    """A contact's source keys that name one person, strongest first: the first one
    whose id is free names it (:func:`contact`). From its external keys (``refs``,
    ``contact_ref``) and handles:

    1. a LinkedIn profile URL key (``linkedin``), then a vCard ``UID`` (``vcard-uid``),
       then any other external key that names one person (neither ``email`` nor a
       ``…-name`` nor a ``shared-…`` key);
    2. a profile handle (any channel but email and phones).

    Never an email address, a phone number or a name: a family shares an address, an
    office a line, and two people a name (the identity rules, docs/decisions.md), so
    two machines importing two different people by such a key would give them one id,
    and a JSON import would then take one for the other. Such a contact gets a UUIDv7.
    ``name_key`` and ``source`` are kept for the callers' sake and not used.
    Each group sorted, so the order of a file's columns does not matter."""
    refs, handles = set(refs), set(handles)
    strong = {r for r in refs if r[0] not in _WEAK and not r[0].endswith("-name")}
    strong = {r for r in strong if not r[0].startswith("shared-")}
    groups: list[Iterable[tuple[str, str]]] = [
        sorted(r for r in strong if r[0] == "linkedin"),
        sorted(r for r in strong if r[0] == "vcard-uid"),
        sorted(r for r in strong if r[0] not in ("linkedin", "vcard-uid")),
        sorted(h for h in handles if h[0] not in _WEAK),
    ]
    return list(dict.fromkeys(key for group in groups for key in group))


def taken(conn: sqlite3.Connection, table: str, gid: str) -> bool:
    """Whether a row of ``table`` (one of :data:`TABLES`) already has ``gid``, or had it:
    a record deleted or merged away (schema 7's ``tombstone`` and ``redirect``) never
    comes back under its gid, on any machine (``rave.oplog``)."""
    assert table in TABLES
    sql = (
        f"SELECT 1 FROM {table} WHERE gid = ?1"
        " UNION ALL SELECT 1 FROM tombstone WHERE gid = ?1"
        " UNION ALL SELECT 1 FROM redirect WHERE from_gid = ?1"
    )
    return conn.execute(sql, (gid,)).fetchone() is not None


def first_free(conn: sqlite3.Connection, table: str, candidates: Iterable[str]) -> str:
    """The first of ``candidates`` that no row of ``table`` has, else a new UUIDv7."""
    for candidate in candidates:
        if not taken(conn, table, candidate):
            return candidate
    return new()


def contact_gid(
    conn: sqlite3.Connection,
    refs: Iterable[tuple[str, str]],
    handles: Iterable[tuple[str, str]],
    name_key: str,
    source: str | None = None,
) -> str:
    """The gid of a contact an import makes: that of its strongest free source key."""
    keys = contact_keys(refs, handles, name_key, source)
    return first_free(conn, "contact", (contact(s, k) for s, k in keys))


# --- the same UUIDv7 in SQL ---------------------------------------------------------------

#: The Unix time in milliseconds in SQLite 3.40's SQL (no ``unixepoch('subsec')`` yet):
#: ``julianday('now')`` holds milliseconds; rounding undoes the float's error.
SQL_NOW_MS = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"


def sql_uuid7(ms: str = SQL_NOW_MS) -> str:
    """An SQL expression for a UUIDv7 of the Unix milliseconds ``ms`` (an SQL
    expression, evaluated once): 74 bits from ``random()``, masked (``abs`` of the
    smallest integer would fail)."""
    return (
        "(SELECT printf('%08x-%04x-7%03x-%04x-%012x', ms >> 16, ms & 65535,"
        " random() & 4095, 32768 | (random() & 16383), random() & 281474976710655)"
        f" FROM (SELECT {ms} AS ms))"
    )


def sql_triggers(table: str) -> list[str]:
    """The triggers, stored in the schema, that keep every row of ``table`` with a gid
    whoever writes it (the ``sqlite3`` shell, another program): a row inserted without
    one gets a UUIDv7, and a gid set to NULL gets its old value back. Schema 6 stores
    this text (``migrations``): like a migration's SQL it is not to be changed; other
    triggers need a migration that replaces these."""
    fill = sql_uuid7()
    return [
        f"CREATE TRIGGER rave_gid_{table}_insert AFTER INSERT ON {table}"
        f" WHEN NEW.gid IS NULL BEGIN UPDATE {table} SET gid = {fill}"
        " WHERE rowid = NEW.rowid; END",
        f"CREATE TRIGGER rave_gid_{table}_update AFTER UPDATE OF gid ON {table}"
        f" WHEN NEW.gid IS NULL BEGIN UPDATE {table} SET gid = COALESCE(OLD.gid, {fill})"
        " WHERE rowid = NEW.rowid; END",
    ]
