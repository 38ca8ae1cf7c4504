"""`rave import`: bring the network people already have into the store.

Every import is one write transaction (``store.writing``): the parser streams records,
each is matched against the store and applied, and a bad row anywhere stops the whole
import with nothing written (exit 65). ``--dry-run`` runs the same work and rolls back.

Matching (so a re-import changes nothing and overlapping sources do not duplicate):
a record is the contact who already has one of its external keys (``contact_ref``:
LinkedIn profile URL, vCard UID, email), else the contact who owns one of its email,
profile-URL or social handles, else the contact of the same name with one of its phone
numbers (a number alone is not enough: offices and families share them).
A matched contact gains the record's missing handles, tags, aliases and keys and its
empty fields are filled; a LinkedIn connections import also brings company, title and
location up to date (LinkedIn is where people keep those current; other sources only
fill gaps, so importing several sources in any order settles). The tier you chose is
never changed.

Writes here use the session's own connection inside the same transaction (plain
``INSERT``s rather than ORM objects) so that a 30,000-row LinkedIn export imports in
seconds; the schema is the one the ORM models describe.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rave import tallies, timeutil, vocab
from rave.formats import ContactRecord, MessageRecord, ParseStats, Person
from rave.formats._common import closes_conversation

FORMATS = ("linkedin", "linkedin-messages", "vcard", "google", "csv", "json")
MATCH_CHANNELS = {c for c in vocab.CHANNELS if c not in ("phone", "sms", "whatsapp")}
OVERWRITE = ("company", "title", "location")
FILL = ("why", "offer", "met", "birthday", "cadence_days")

Progress = Callable[[int], None]
RAVE_UID = re.compile(r"rave-contact-(\d+)@rave")


@dataclass
class ImportReport:
    format: str
    file: str
    dry_run: bool
    contacts_created: int = 0
    contacts_updated: int = 0
    interactions_created: int = 0
    notes_created: int = 0
    posts_created: int = 0
    followups_created: int = 0
    already_present: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls back."""


class Matcher:
    """Finds and writes contacts during one import transaction."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        report: ImportReport,
        *,
        now: datetime,
        tier: str | None,
        tags: Iterable[str],
        overwrite: bool = False,
    ) -> None:
        self.conn = conn
        self.overwrite = overwrite
        self.report = report
        self.now = timeutil.to_db(now)
        self.tier = tier
        self.tags = list(tags)
        self.refs: dict[tuple[str, str], int] = {
            (s, k): c for s, k, c in conn.execute("SELECT source, key, contact_id FROM contact_ref")
        }
        self.handles: dict[tuple[str, str], int] = {
            (ch, v): c for ch, v, c in conn.execute("SELECT channel, value, contact_id FROM handle")
        }
        self.names: dict[str, list[int]] = {}
        for cid, key in conn.execute("SELECT id, name_key FROM contact"):
            self.names.setdefault(key, []).append(cid)
        self.linked: set[int] = set()  # contacts given interactions: tallies to refold

    def link(self, interaction_id: int, people: Iterable[int]) -> None:
        """Link a new interaction to its people."""
        rows = [(interaction_id, cid) for cid in people]
        self.conn.executemany(
            "INSERT INTO interaction_contact (interaction_id, contact_id) VALUES (?, ?)", rows
        )
        self.linked.update(cid for _, cid in rows)

    # -- finding ---------------------------------------------------------------------

    def find(self, record: ContactRecord) -> int | None:
        for ref in record.refs:
            if ref in self.refs:
                return self.refs[ref]
        same_name = self.names.get(vocab.fold(record.name), [])
        for candidate in self._own_ids(record):  # rave's own exports carry the contact id
            if candidate in same_name:
                return candidate
        for handle in record.all_handles():
            if handle[0] in MATCH_CHANNELS and handle in self.handles:
                return self.handles[handle]
        for handle in record.all_handles():  # a shared number only with the same name
            if self.handles.get(handle) in same_name:
                return self.handles[handle]
        return None

    @staticmethod
    def _own_ids(record: ContactRecord) -> list[int]:
        ids = [record.id] if record.id is not None else []
        for source, key in record.refs:
            match = RAVE_UID.fullmatch(key) if source == "vcard-uid" else None
            if match:
                ids.append(int(match.group(1)))
        return ids

    def find_person(self, person: Person) -> int | None:
        """A message participant: by profile URL, else by a unique exact name."""
        if person.url:
            found = self.refs.get(("linkedin", person.url)) or self.handles.get(
                ("linkedin", person.url)
            )
            if found:
                return found
        if person.name:
            ids = self.names.get(vocab.fold(person.name), [])
            if len(ids) == 1:
                other_profile = (
                    person.url
                    and self.conn.execute(
                        "SELECT 1 FROM handle WHERE contact_id = ? AND channel = 'linkedin'",
                        (ids[0],),
                    ).fetchone()
                )
                if not other_profile:  # a namesake with another profile is someone else
                    return ids[0]
        return None

    # -- writing ---------------------------------------------------------------------

    def apply(self, record: ContactRecord, source: str) -> int:
        """Create or update the contact for ``record``; its id. A record with no key of
        its own (no URL, UID, email, or id) is keyed by its name (and LinkedIn's
        connection date) within ``source``, so importing the file again finds it."""
        if not record.refs and not any(h[0] in MATCH_CHANNELS for h in record.all_handles()):
            key = vocab.fold(record.name)
            if record.connected_on is not None:
                key += f"|{record.connected_on:%Y-%m-%d}"
            if record.id is None:
                record.refs.append((f"{source}-name", key))
        found = self.find(record)
        if found is None:
            return self.create(record)
        if self.update(found, record):
            self.report.contacts_updated += 1
        return found

    def create(self, record: ContactRecord) -> int:
        name = vocab.clean_name(record.name)
        met = record.met
        if met is None and record.connected_on is not None:
            met = f"connected on LinkedIn {record.connected_on:%Y-%m-%d}"
        cursor = self.conn.execute(
            """INSERT INTO contact (name, name_key, tier, cadence_days, why, offer, met,
                   company, title, location, birthday, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                name,
                vocab.fold(name),
                self.tier or record.tier or "none",
                record.cadence_days,
                record.why,
                record.offer,
                met,
                record.company,
                record.title,
                record.location,
                record.birthday,
                self.now,
                self.now,
            ),
        )
        cid = int(cursor.lastrowid or 0)
        self.names.setdefault(vocab.fold(name), []).append(cid)
        self._extras(cid, record)
        self.report.contacts_created += 1
        return cid

    def update(self, cid: int, record: ContactRecord) -> bool:
        columns = OVERWRITE + FILL
        row = self.conn.execute(
            f"SELECT {', '.join(columns)} FROM contact WHERE id = ?", (cid,)
        ).fetchone()
        current = dict(zip(columns, row, strict=True))
        changes: dict[str, Any] = {}
        for key in OVERWRITE if self.overwrite else ():
            value = getattr(record, key)
            if value and value != current[key]:
                changes[key] = value
        for key in FILL if self.overwrite else OVERWRITE + FILL:
            value = getattr(record, key)
            if value is not None and current[key] is None:
                changes[key] = value
        if changes:
            assignments = ", ".join(f"{key} = ?" for key in changes)
            self.conn.execute(
                f"UPDATE contact SET {assignments}, updated_at = ? WHERE id = ?",
                (*changes.values(), self.now, cid),
            )
        return self._extras(cid, record) or bool(changes)

    def _extras(self, cid: int, record: ContactRecord) -> bool:
        """Add the record's handles, tags, aliases, keys and note; True if any was new."""
        added = 0
        for handle in record.all_handles():
            owner = self.handles.get(handle)
            if owner is None:
                self.conn.execute(
                    "INSERT INTO handle (contact_id, channel, value) VALUES (?, ?, ?)",
                    (cid, *handle),
                )
                self.handles[handle] = cid
                added += 1
            elif owner != cid:
                self.warn(record, f"{handle[0]} {handle[1]} already belongs to contact #{owner}")
        for ref in record.refs:
            if ref not in self.refs:
                self.conn.execute(
                    "INSERT INTO contact_ref (source, key, contact_id) VALUES (?, ?, ?)",
                    (*ref, cid),
                )
                self.refs[ref] = cid
                added += 1
        tags = (vocab.tag(t) for t in (*record.tags, *self.tags) if t.strip().lstrip("#"))
        for key in dict.fromkeys(tags):
            added += self.conn.execute(
                "INSERT OR IGNORE INTO tag (contact_id, tag) VALUES (?, ?)", (cid, key)
            ).rowcount
        for alias in record.aliases:
            text = vocab.clean_text(alias)
            if text and vocab.fold(text) != vocab.fold(record.name):
                added += self.conn.execute(
                    "INSERT OR IGNORE INTO alias (contact_id, alias, alias_key) VALUES (?, ?, ?)",
                    (cid, text, vocab.fold(text)),
                ).rowcount
        if record.note:
            exists = self.conn.execute(
                "SELECT 1 FROM note WHERE contact_id = ? AND text = ?", (cid, record.note)
            ).fetchone()
            if exists is None:
                self.conn.execute(
                    "INSERT INTO note (contact_id, text, created_at) VALUES (?, ?, ?)",
                    (cid, record.note, self.now),
                )
                self.report.notes_created += 1
                added += 1
        return added > 0

    def warn(self, record: ContactRecord, message: str) -> None:
        where = f"line {record.line}: " if record.line else ""
        if len(self.report.warnings) < 50:
            self.report.warnings.append(where + message)


def _contact_records(fmt: str, file: Path, stats: ParseStats) -> Iterator[ContactRecord]:
    if fmt == "linkedin":
        from rave.formats import linkedin

        return linkedin.read_connections(file, stats=stats)
    if fmt == "vcard":
        from rave.formats import vcard

        return vcard.read_vcards(file, stats=stats)
    if fmt == "google":
        from rave.formats import google

        return google.read_google(file, stats=stats)
    from rave.formats import ravecsv

    return ravecsv.read_contacts(file, stats=stats)


def _message_person(matcher: Matcher, person: Person) -> int:
    found = matcher.find_person(person)
    if found is not None:
        if person.url:  # found by name: remember the profile for next time
            matcher._extras(
                found,
                ContactRecord(
                    name=person.name or "",
                    handles=[("linkedin", person.url)],
                    refs=[("linkedin", person.url)],
                ),
            )
        return found
    slug = person.url.rstrip("/").rsplit("/", 1)[-1] if person.url else None
    record = ContactRecord(
        name=person.name or slug or "LinkedIn contact",
        handles=[("linkedin", person.url)] if person.url else [],
        refs=[("linkedin", person.url)] if person.url else [],
    )
    return matcher.create(record)


def _import_messages(
    matcher: Matcher, messages: Iterator[MessageRecord], now: datetime, progress: Progress
) -> None:
    conn = matcher.conn
    for count, message in enumerate(messages, 1):
        progress(count)
        if conn.execute(
            "SELECT 1 FROM interaction WHERE external_key = ?", (message.external_key,)
        ).fetchone():
            matcher.report.already_present += 1
            continue
        people = list(dict.fromkeys(_message_person(matcher, p) for p in message.others))
        if not people:
            matcher.report.skipped += 1
            continue
        when = timeutil.to_db(message.when)
        cursor = conn.execute(
            """INSERT INTO interaction (kind, direction, channel, happened_at, note,
                   needs_reply, source, external_key, created_at)
               VALUES ('chat', ?, 'linkedin', ?, ?, ?, 'linkedin-messages', ?, ?)""",
            (
                message.direction,
                when,
                message.excerpt or None,
                # from the conversation, never from the clock: what they wrote asks for
                # an answer unless it only thanks; the fold settles what you answered
                int(message.direction == "in" and not closes_conversation(message.excerpt)),
                message.external_key,
                matcher.now,
            ),
        )
        assert cursor.lastrowid is not None
        matcher.link(cursor.lastrowid, people)
        matcher.report.interactions_created += 1


def import_file(
    db_path: Path,
    fmt: str,
    file: Path,
    *,
    dry_run: bool = False,
    tier: str | None = None,
    tags: Iterable[str] = (),
    me: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``file`` in format ``fmt`` in one transaction (rolled back for a dry run)."""
    if dry_run and not db_path.exists():
        # a dry run on a store that does not exist yet must not create it
        import tempfile

        with tempfile.TemporaryDirectory(prefix="rave-dry-run-") as folder:
            scratch = Path(folder) / "rave.db"
            scratch.touch(mode=0o600)
            report = import_file(
                scratch, fmt, file, dry_run=True, tier=tier, tags=tags, me=me, progress=progress
            )
        report.file = str(file)
        return report
    existed = db_path.exists()
    try:
        return _import(
            db_path, fmt, file, tier=tier, tags=tags, me=me, dry_run=dry_run, progress=progress
        )
    except BaseException:
        if not existed and _empty_store(db_path):  # a failed first import leaves no file
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        raise


def _empty_store(db_path: Path) -> bool:
    """True when the store holds nothing at all (another process may have written to a
    store created meanwhile: then it stays)."""
    if not db_path.exists():
        return True
    try:
        with sqlite3.connect(db_path, timeout=1) as conn:
            return not any(
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                for table in ("contact", "interaction", "post")
            )
    except sqlite3.Error:
        return False


def _import(
    db_path: Path,
    fmt: str,
    file: Path,
    *,
    dry_run: bool,
    tier: str | None,
    tags: Iterable[str],
    me: str | None,
    progress: Progress | None,
) -> ImportReport:
    from rave import store

    tick: Progress = progress or (lambda _count: None)
    report = ImportReport(format=fmt, file=str(file), dry_run=dry_run)
    stats = ParseStats()
    now = timeutil.utcnow()
    try:
        with store.writing(db_path) as session:
            conn = store.raw(session)
            matcher = Matcher(
                conn, report, now=now, tier=tier, tags=tags, overwrite=fmt == "linkedin"
            )
            if fmt == "json":
                from rave import jsonimport

                jsonimport.import_document(matcher, file, tick)
            elif fmt == "linkedin-messages":
                from rave.formats import linkedin_messages

                messages = linkedin_messages.read_messages(file, me=me, stats=stats)
                _import_messages(matcher, messages, now, tick)
            else:
                for count, record in enumerate(_contact_records(fmt, file, stats), 1):
                    tick(count)
                    matcher.apply(record, fmt)
            report.skipped += stats.skipped_total
            report.skipped_reasons = dict(stats.skipped)
            report.encoding = stats.encoding
            report.warnings = [*stats.warnings, *report.warnings][:50]
            if dry_run:
                raise _DryRun
            tallies.rebuild(conn, matcher.linked)
    except _DryRun:
        pass
    return report
