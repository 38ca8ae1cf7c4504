"""Who is who during an import: a record is matched to the contact it describes, or
written as a new one, inside the import's one transaction.

A record is the contact who already has one of its external keys (``contact_ref``:
LinkedIn profile URL, vCard UID, email), else the contact who owns one of its email,
profile-URL or social handles, else the contact of the same name with one of its phone
numbers (a number alone is not enough: offices and families share them). A matched
contact gains the record's missing handles, tags, aliases and keys and its empty fields
are filled; a LinkedIn connections import also brings company, title and location up to
date (LinkedIn is where people keep those current; other sources only fill gaps, so
importing several sources in any order settles). The tier you chose is never changed.

Writes use the import's connection (plain ``INSERT``s rather than ORM objects) so that
a 30,000-row LinkedIn export imports in seconds; the schema is the one the ORM models
describe.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rave import choices, normalize, timeutil
from rave.formats import ContactRecord, Participant

MATCH_CHANNELS = {c for c in choices.CHANNELS if c not in ("phone", "sms", "whatsapp")}
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
        same_name = self.names.get(normalize.fold(record.name), [])
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

    def find_person(self, person: Participant) -> int | None:
        """A message participant: by profile URL, else by a unique exact name."""
        if person.url:
            found = self.refs.get(("linkedin", person.url)) or self.handles.get(
                ("linkedin", person.url)
            )
            if found:
                return found
        if person.name:
            ids = self.names.get(normalize.fold(person.name), [])
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
            key = normalize.fold(record.name) or record.name  # a name of marks only folds to ""
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
        name = normalize.clean_name(record.name)
        met = record.met
        if met is None and record.connected_on is not None:
            met = f"connected on LinkedIn {record.connected_on:%Y-%m-%d}"
        cursor = self.conn.execute(
            """INSERT INTO contact (name, name_key, tier, cadence_days, why, offer, met,
                   company, title, location, birthday, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                name,
                normalize.fold(name),
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
        self.names.setdefault(normalize.fold(name), []).append(cid)
        self.add_details(cid, record)
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
        return self.add_details(cid, record) or bool(changes)

    def add_details(self, cid: int, record: ContactRecord) -> bool:
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
        tags = (normalize.tag(t) for t in (*record.tags, *self.tags) if t.strip().lstrip("#"))
        for key in dict.fromkeys(tags):
            added += self.conn.execute(
                "INSERT OR IGNORE INTO tag (contact_id, tag) VALUES (?, ?)", (cid, key)
            ).rowcount
        for alias in record.aliases:
            text = normalize.clean_text(alias)
            if text and normalize.fold(text) != normalize.fold(record.name):
                added += self.conn.execute(
                    "INSERT OR IGNORE INTO alias (contact_id, alias, alias_key) VALUES (?, ?, ?)",
                    (cid, text, normalize.fold(text)),
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
