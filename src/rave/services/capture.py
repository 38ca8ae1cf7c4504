"""Capture: what a user's mail, calendar and chat programs already keep becomes history.

Each capture parser (``formats.mail`` for mbox and Maildir, ``formats.calendar`` for
iCalendar files, ``formats.whatsapp`` for WhatsApp's "Export chat") reads its files and
yields :class:`Captured` records: one exchange, with the people on the other side known
by what the file says of them (a name, an address, a number). This module writes them,
inside the import's one transaction, with the same rules for every source:

- **Who**: a party is the contact one of whose handles it carries (an email address, a
  phone number; a value two people share, kept as a ``shared-…`` key, goes to the one of
  that name), else the one contact of exactly that name or alias that has no handle of
  that kind yet (the handle is then added, so the next message finds them by it). Nobody
  else is created unless ``--create`` (then as any import creates: tier ``none`` unless
  ``--tier``). One message to several contacts is one interaction with all of them;
  a record with nobody known is skipped and counted.
- **Once**: every record has a source key (a Message-ID, a calendar UID and occurrence, a
  chat line's time and author); one already in the store is counted, not written again,
  so importing the same mailbox every night adds only what is new.
- **When**: ``--since`` leaves out what happened before it. A record with ``due`` (a
  future meeting) becomes a follow-up for each person, due that day, instead of an
  interaction; when a later import writes the same record (same key) as having taken
  place, those follow-ups are done.
- ``needs_reply`` comes from the conversation itself (spec/scoring.md, reply lane): the
  parser sets it on an inbound message that is the last of its thread and not a closing
  "thanks"; the ranking's fold settles what you answered afterwards.
- **Ids**: an interaction's global id derives from its source key, a follow-up's from
  the event's and its contact's (``rave.gid``): every machine importing the same files
  makes the same ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from rave import gid, normalize, oplog, timeutil
from rave.config import MeConfig
from rave.formats import ContactRecord, ParseStats
from rave.services.matcher import SHARED, Matcher, Progress

PHONE_CHANNELS = ("phone", "sms", "whatsapp")
UNKNOWN = "nobody you know"
"""The skip reason of a record with nobody known on the other side."""
BEFORE_SINCE = "before --since"


@dataclass(frozen=True, slots=True)
class Party:
    """Someone on the other side, as the file names them: a display name and handles
    (``(channel, normalised value)``, e.g. ``("email", "ana@example.org")``), either of
    which may be missing."""

    name: str | None
    handles: tuple[tuple[str, str], ...] = ()

    def shown(self) -> str:
        return self.name or (self.handles[0][1] if self.handles else "someone")


@dataclass(frozen=True, slots=True)
class Captured:
    """One exchange read from mail, a calendar or a chat.

    ``when`` is aware UTC. ``external_key`` is the same on every import of the same
    source (``mbox:<Message-ID>``, ``ics:<UID>|<occurrence>``, …). ``direction`` is
    ``in``, ``out`` or ``both`` (a meeting); ``started_by`` (``me``/``them``) only for
    ``both``. ``note`` is what the history shows (a subject and first lines, a meeting's
    summary). ``due`` set: a future event, written as a follow-up due that day (with
    ``note`` as its text) rather than an interaction; ``series`` (a calendar event's
    UID) keeps one open follow-up per person per series: a meeting moved to another day
    moves its follow-up rather than adding one. ``where`` names the record in messages
    (``line 12``, ``message <id@host>``)."""

    external_key: str
    when: datetime
    channel: str
    direction: str
    others: tuple[Party, ...]
    note: str | None = None
    kind: str = "chat"
    needs_reply: bool = False
    started_by: str | None = None
    due: date | None = None
    series: str | None = None
    where: str = ""


@dataclass(frozen=True, slots=True)
class Options:
    """What `rave import` was told for a capture format."""

    me: MeConfig
    since: datetime | None = None
    create: bool = False


Reader = Callable[[Path, MeConfig, ParseStats, datetime], Iterator[Captured]]
"""A capture parser: ``(file or folder, you, stats, now) → records``. It raises
``BadInputError`` (exit 65) on data it cannot read, naming the file and the line or
message; it never yields you as a party."""


class People:
    """Finds (or, with ``create``, makes) the contact a :class:`Party` is."""

    def __init__(self, matcher: Matcher, *, create: bool) -> None:
        self.matcher = matcher
        self.create = create
        self.unknown: dict[str, int] = {}  # who was left out, for the report's warning
        # a name several contacts have, and them: left out rather than guessed
        self.ambiguous: dict[str, list[int]] = {}
        self.updated: set[int] = set()  # contacts given a handle by this import
        self._by_name: dict[str, list[int]] | None = None
        self._memo: dict[Party, int | None] = {}

    def _names(self) -> dict[str, list[int]]:
        """Folded names and aliases → contacts, read once per import."""
        if self._by_name is None:
            by_name: dict[str, list[int]] = {
                key: list(ids) for key, ids in self.matcher.names.items()
            }
            for cid, key in self.matcher.conn.execute("SELECT contact_id, alias_key FROM alias"):
                if cid not in by_name.setdefault(key, []):
                    by_name[key].append(cid)
            self._by_name = by_name
        return self._by_name

    def find(self, party: Party) -> int | None:
        if party not in self._memo:
            self._memo[party] = self._find(party)
        found = self._memo[party]
        if found is None and party.shown() not in self.ambiguous:
            # counted per record, not once: the warning ranks by it
            self.unknown[party.shown()] = self.unknown.get(party.shown(), 0) + 1
        return found

    def _find(self, party: Party) -> int | None:
        matcher = self.matcher
        key = normalize.fold(party.name) if party.name else ""
        named = self._names().get(key, []) if key else []
        for channel, value in party.handles:
            group = "phone" if channel in PHONE_CHANNELS else channel
            shared = matcher.refs.get((SHARED + group, f"{value} {key}")) if key else None
            if shared is not None:
                return shared
            for candidate in (channel, *PHONE_CHANNELS) if group == "phone" else (channel,):
                found = matcher.handles.get((candidate, value))
                if found is not None:
                    return self._sharer(party, found, (group, value), named)
        if len(named) > 1:  # never a guess, never a reason to make one more namesake
            self.ambiguous[party.shown()] = named
            return None
        if len(named) == 1 and self._may_add(named[0], party):
            self._add(named[0], self._record(party, named[0]))
            return named[0]
        if self.create:
            return self._created(party)
        return None

    def _sharer(
        self, party: Party, owner: int, handle: tuple[str, str], named: list[int]
    ) -> int | None:
        """The contact a party writing from ``owner``'s address or number is: the owner,
        unless the party's name is another contact's and not the owner's (a family
        address, an office line: the identity rules), then that contact, who is given
        the value as a ``shared-…`` key so that the next import finds them at once."""
        if not named or owner in named or self._short_for(party, owner):
            return owner  # their name, a name nobody has, or theirs shortened ("Ana")
        if len(named) > 1:
            self.ambiguous[party.shown()] = named
            return None
        other = named[0]
        group, value = handle
        ref = (SHARED + group, f"{value} {normalize.fold(party.name or '')}")
        self.matcher.conn.execute(
            "INSERT OR IGNORE INTO contact_ref (source, key, contact_id) VALUES (?, ?, ?)",
            (*ref, other),
        )
        self.matcher.refs[ref] = other
        return other

    def _short_for(self, party: Party, owner: int) -> bool:
        """Whether the party's name is the owner's name or alias shortened: all its words
        among theirs ("Ana" or "Lima" for Ana Lima). Another contact may be called just
        "Ana": a name that fits the address's owner is no sign of someone else."""
        words = set(normalize.fold(party.name or "").split())
        if not words:
            return True
        keys = [
            row[0]
            for row in self.matcher.conn.execute(
                "SELECT name_key FROM contact WHERE id = ?1"
                " UNION ALL SELECT alias_key FROM alias WHERE contact_id = ?1",
                (owner,),
            )
        ]
        return any(words <= set(key.split()) for key in keys)

    def _add(self, cid: int, record: ContactRecord) -> None:
        if self.matcher.add_details(cid, record) and cid not in self.updated:
            self.updated.add(cid)
            self.matcher.report.contacts_updated += 1

    def _may_add(self, cid: int, party: Party) -> bool:
        """A namesake is the party when it has no handle of the kinds the party brings
        (else the party, writing from another address, may well be someone else)."""
        channels = {"phone" if c in PHONE_CHANNELS else c for c, _ in party.handles}
        if not channels:
            return True
        held = {
            "phone" if row[0] in PHONE_CHANNELS else row[0]
            for row in self.matcher.conn.execute(
                "SELECT DISTINCT channel FROM handle WHERE contact_id = ?", (cid,)
            )
        }
        return not channels & held

    @staticmethod
    def _record(party: Party, cid: int | None = None) -> ContactRecord:
        name = party.name or (party.handles[0][1] if party.handles else "")
        record = ContactRecord(name=name, id=cid)
        for channel, value in party.handles:
            if channel == "email":
                record.emails.append(value)
            elif channel == "phone":
                record.phones.append(value)
            else:
                record.handles.append((channel, value))
        return record

    def _created(self, party: Party) -> int | None:
        """A new contact for ``party`` (None: a person deleted here, not made again)."""
        record = self._record(party)
        cid = self.matcher.create(record)
        if cid is not None:
            self._names().setdefault(normalize.fold(record.name), []).append(cid)
        return cid


class InFileOrder:
    """Times that keep a file's order: a record that shares its second with the one
    before it (a chat export gives minutes; a question and its answer in one minute) is
    placed a second after it, and the next ones after that, so that the fold, which
    orders ties by gid (a hash, for what an import makes), sees them as the file does.
    The same file gives the same times on every machine. Records out of order in the
    file keep their own time."""

    __slots__ = ("_given", "_placed")

    def __init__(self) -> None:
        self._given: datetime | None = None
        self._placed: datetime | None = None

    def __call__(self, when: datetime) -> datetime:
        given, placed = self._given, self._placed
        if given is not None and placed is not None and given <= when <= placed:
            when_placed = placed + timedelta(seconds=1)
        else:
            when_placed = when
        self._given, self._placed = when, when_placed
        return when_placed


def write(
    matcher: Matcher,
    records: Iterable[Captured],
    options: Options,
    stats: ParseStats,
    progress: Progress,
) -> None:
    """Write ``records`` (module docstring): interactions, or follow-ups for future
    events, linked to the contacts their parties are."""
    people = People(matcher, create=options.create)
    conn = matcher.conn
    placed = InFileOrder()
    for count, record in enumerate(records, 1):
        progress(count)
        when = placed(record.when) if record.due is None else record.when
        if options.since is not None and record.when < options.since:
            stats.skip(BEFORE_SINCE)
            continue
        if record.due is None and imported_before(conn, record.external_key):
            matcher.report.already_present += 1
            continue
        ids = list(dict.fromkeys(cid for p in record.others if (cid := people.find(p)) is not None))
        if not ids:
            stats.skip(UNKNOWN)
            continue
        if record.due is not None:
            _follow_ups(matcher, record, ids)
            continue
        cursor = conn.execute(
            """INSERT INTO interaction (kind, direction, channel, happened_at, note,
                   needs_reply, source, external_key, created_at, started_by, gid)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                record.kind,
                record.direction,
                record.channel,
                timeutil.to_db(when),
                record.note or None,
                int(record.needs_reply and record.direction == "in"),
                matcher.report.format,
                record.external_key,
                matcher.now,
                record.started_by if record.direction == "both" else None,
                gid.first_free(conn, "interaction", [gid.interaction(record.external_key)]),
            ),
        )
        assert cursor.lastrowid is not None
        matcher.link(cursor.lastrowid, ids)
        matcher.report.interactions_created += 1
        _done(matcher, record.external_key, ids)
    if people.unknown:
        _warn_unknown(matcher, people.unknown, create=options.create)
    for who, ids in sorted(people.ambiguous.items()):
        shown = ", ".join(f"#{cid}" for cid in ids)
        matcher.report.warnings.append(
            f"{who} is the name of {len(ids)} contacts ({shown}): what they wrote was left "
            "out; give the right one their address or number (`rave edit`), or merge them"
        )


def imported_before(conn: sqlite3.Connection, key: str) -> bool:
    """Whether the interaction an import makes from source key ``key`` is in the store,
    or was deleted (here or on another machine): either way it is never made again."""
    found = conn.execute("SELECT 1 FROM interaction WHERE external_key = ?", (key,)).fetchone()
    return found is not None or oplog.buried(conn, gid.interaction(key))


def _follow_ups(matcher: Matcher, record: Captured, ids: list[int]) -> None:
    """One follow-up per person, keyed by the event and the person (``EVENT|CONTACT
    GID``): written once; one still open for the same series and person (the meeting
    was moved) is moved. A follow-up is the person's when it is on their contact
    now, whatever contact its key names: a merge moves follow-ups, an import of a JSON
    export numbers contacts anew, and older rave keyed them by this machine's id."""
    assert record.due is not None
    for cid in ids:
        owner = matcher.gid_of(cid)
        key = f"{record.external_key}|{owner}"
        made = gid.followup(record.external_key, owner)
        if _followup_of(matcher.conn, record.external_key, cid) is not None or oplog.buried(
            matcher.conn, made
        ):  # there, or deleted by you: never made again
            matcher.report.already_present += 1
            continue
        if record.series is not None and _moved(matcher, record, cid, key):
            continue
        matcher.conn.execute(
            """INSERT INTO followup (contact_id, text, due, created_at, external_key, gid)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (
                cid,
                record.note or "meeting",
                record.due.isoformat(),
                matcher.now,
                key,
                gid.first_free(matcher.conn, "followup", [made]),
            ),
        )
        matcher.report.followups_created += 1


def _moved(matcher: Matcher, record: Captured, cid: int, key: str) -> bool:
    """Move the open follow-up of ``record``'s series for contact ``cid`` to this
    record (its day, text and key); False when there is none."""
    assert record.due is not None
    row = matcher.conn.execute(
        "SELECT id FROM followup WHERE contact_id = ? AND done_at IS NULL"
        " AND substr(external_key, 1, ?) = ? ORDER BY id LIMIT 1",
        (cid, len(record.series or "") + 1, f"{record.series}|"),
    ).fetchone()
    if row is None:
        return False
    matcher.conn.execute(
        "UPDATE followup SET due = ?, text = ?, external_key = ? WHERE id = ?",
        (record.due.isoformat(), record.note or "meeting", key, row[0]),
    )
    matcher.report.followups_moved += 1
    return True


def _followup_of(conn: sqlite3.Connection, event: str, cid: int) -> int | None:
    """The follow-up an import wrote for ``event`` that is on contact ``cid``."""
    row = conn.execute(
        "SELECT id FROM followup WHERE contact_id = ? AND substr(external_key, 1, ?) = ?",
        (cid, len(event) + 1, f"{event}|"),
    ).fetchone()
    return None if row is None else int(row[0])


def _done(matcher: Matcher, key: str, ids: list[int]) -> None:
    """The follow-ups an earlier import wrote for this record while it was ahead (a
    meeting) are done now that it took place."""
    matcher.conn.executemany(
        "UPDATE followup SET done_at = ? WHERE contact_id = ? AND done_at IS NULL"
        " AND substr(external_key, 1, ?) = ?",
        [(matcher.now, cid, len(key) + 1, f"{key}|") for cid in ids],
    )


def _warn_unknown(matcher: Matcher, unknown: dict[str, int], *, create: bool) -> None:
    """One warning naming the people most often left out (they may be worth adding)."""
    if create:
        return
    top = sorted(unknown.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{who} ({n})" for who, n in top[:5])
    more = f" and {len(top) - 5} more" if len(top) > 5 else ""
    matcher.report.warnings.append(
        f"{len(top)} people you have no contact for were left out: {shown}{more}; "
        "add them with `rave add`, or import again with --create"
    )
