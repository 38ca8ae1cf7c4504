"""Who is who during an import: a record is matched to the contact it describes, or
written as a new one, inside the import's one transaction.

The identity rules (docs/decisions.md, "Identity rules"): a record is an existing
contact only on a *strong key*:

1. one of its external keys (``contact_ref``: LinkedIn profile URL, vCard UID, a key
   recorded earlier), rave's own id with the same name, or one of its profile handles
   (LinkedIn, X, ...);
2. else the same name (or an alias) with one of its email addresses or phone numbers,
   unless both have LinkedIn profiles and they differ (phone numbers compare in their
   stored form, ``rave.phones``: ``06 98 76 54 32`` read in France and
   ``+33 6 98 76 54 32`` are one number);
3. else, for a record with no key at all, its name within the same source (plus
   LinkedIn's connection date), unless their phone numbers or companies differ.

An email or phone number shared with someone of another name is two people (a family
address, an office line): the record becomes its own contact, and since a handle
belongs to one contact, the value is kept as a ``shared-email`` / ``shared-phone`` key
(``"VALUE NAME"``) that finds them again on the next import and that `rave dupes`
lists. People kept apart are named in the import's warnings with the `rave merge` to run
if they are one. A matched contact gains the record's missing handles, tags, aliases and
keys and its empty fields are filled; a LinkedIn connections import also brings company,
title and location up to date (LinkedIn is where people keep those current; other sources
only fill gaps, so importing several sources in any order settles). The tier you chose
is never changed, nor the name: the source's given and family names are kept beside it
(vCard ``N``, First/Last Name columns) when the contact has none yet, for the exports.

Writes use the import's connection (plain ``INSERT``s rather than ORM objects) so that
a 30,000-row LinkedIn export imports in seconds; the schema is the one the ORM models
describe. A contact an import creates gets the global id of its strongest source key
(``rave.gid.contact_keys``), so two machines importing the same file make the same ids;
a note it brings, one of the contact's id and the text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rave import choices, gid, normalize, oplog, timeutil
from rave.formats import ContactRecord, Participant
from rave.queries import people

MATCH_CHANNELS = {c for c in choices.CHANNELS if c not in ("phone", "sms", "whatsapp")}
WEAK_CHANNELS = ("email", "phone", "sms", "whatsapp")  # shared by families and offices
PHONE_CHANNELS = ("phone", "sms", "whatsapp")
SHARED = "shared-"  # contact_ref source of a value kept apart: "shared-email", ...
MAX_WARNINGS = 50  # kept in the report; `rave dupes` lists every pair kept apart
OVERWRITE = ("company", "title", "location")
FILL = ("why", "offer", "met", "birthday", "cadence_days")
NAME_PARTS = ("given_name", "family_name")  # filled together, never overwritten

Progress = Callable[[int], None]
RAVE_UID = re.compile(r"rave-contact-(\d+)@rave")


def _name_parts(current: dict[str, Any], record: ContactRecord) -> dict[str, Any]:
    """The given and family names ``record`` brings to a contact that has none (as
    ``{column: value}``; empty when it brings nothing). Parts are the source's split of
    *its* name, so they are taken only when that name is the contact's (after `rave
    edit --name` or a match on an alias or initials it may not be) or when they spell
    the contact's name; and they are never overwritten (names are yours: an import does
    not rename, so it does not re-split either)."""
    if current["given_name"] is not None or current["family_name"] is not None:
        return {}
    if not (record.given_name or record.family_name):
        return {}
    spelled = " ".join(p for p in (record.given_name, record.family_name) if p)
    if current["name"] not in (normalize.clean_name(record.name), spelled):
        return {}
    return {"given_name": record.given_name, "family_name": record.family_name}


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
    followups_moved: int = 0
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
        # the namesakes the last `find` kept apart, and why (for `create`'s warning)
        self.apart: dict[int, str] = {}
        self.apart_record: ContactRecord | None = None
        self.warned: set[tuple[int, int]] = set()  # pairs already named in a warning

    def gid_of(self, cid: int) -> str:
        """Contact ``cid``'s global id."""
        row = self.conn.execute("SELECT gid FROM contact WHERE id = ?", (cid,)).fetchone()
        return str(row[0] or "") if row else ""

    def link(self, interaction_id: int, people: Iterable[int]) -> None:
        """Link a new interaction to its people."""
        rows = [(interaction_id, cid) for cid in people]
        self.conn.executemany(
            "INSERT INTO interaction_contact (interaction_id, contact_id) VALUES (?, ?)", rows
        )
        self.linked.update(cid for _, cid in rows)

    # -- finding ---------------------------------------------------------------------

    def find(self, record: ContactRecord) -> int | None:
        """The contact ``record`` describes, by the identity rules (module docstring),
        or None. Namesakes set aside on the way are left in ``apart``."""
        self.apart, self.apart_record = {}, record
        key = normalize.fold(record.name)
        for ref in record.refs:  # 1. a strong key
            if self._strong(ref) and ref in self.refs:
                return self.refs[ref]
        for candidate in self._own_ids(record):  # rave's own exports carry the contact id
            if candidate in self.names.get(key, []):
                return candidate
        handles = record.all_handles()
        for handle in handles:
            if handle[0] not in WEAK_CHANNELS and handle in self.handles:
                return self.handles[handle]
        weak = [h for h in handles if h[0] in WEAK_CHANNELS]
        weak += [ref for ref in record.refs if ref[0] == "email" and ref not in weak]
        for channel, value in weak:  # 2. the same name with the same email or phone
            sharer = self.refs.get((SHARED + channel, f"{value} {key}"))  # theirs too
            owner = self.handles.get((channel, value))
            if owner is None and channel == "email":
                owner = self.refs.get(("email", value))
            for cid in (sharer, owner):
                if cid is not None and (cid == sharer or self._same_name(cid, record)):
                    why = self._contradiction(cid, record, by_name_only=False)
                    if why is None:
                        return cid
                    self.apart.setdefault(cid, why)
        for ref in record.refs:  # 3. a record with no key: its name within its source
            owner = self.refs.get(ref) if ref[0].endswith("-name") else None
            if owner is not None:
                why = self._contradiction(owner, record, by_name_only=True)
                if why is None:
                    return owner
                self.apart.setdefault(owner, why)
        return None

    @staticmethod
    def _strong(ref: tuple[str, str]) -> bool:
        """An external key that names one person whatever their name: not an email
        (families share one) and not a name key (namesakes share one)."""
        return ref[0] != "email" and not ref[0].endswith("-name")

    def _same_name(self, cid: int, record: ContactRecord) -> bool:
        """Whether contact ``cid`` is called what ``record`` calls them: their name or an
        alias, either way (after `rave merge`, DROP's name is KEEP's alias), agrees with
        the record's name or aliases, initials allowed (``people.names_agree``)."""
        keys = {normalize.fold(n) for n in (record.name, *record.aliases)} - {""}
        theirs = [
            row[0]
            for row in self.conn.execute(
                "SELECT name_key FROM contact WHERE id = ?1 "
                "UNION SELECT alias_key FROM alias WHERE contact_id = ?1",
                (cid,),
            )
        ]
        return any(people.names_agree(mine, other) for mine in keys for other in theirs)

    def _contradiction(self, cid: int, record: ContactRecord, *, by_name_only: bool) -> str | None:
        """Why contact ``cid`` cannot be the person of ``record`` though the name fits,
        or None: another LinkedIn profile; and when only the name matches, another phone
        number or another company (each only when both sides have one)."""
        theirs: dict[str, set[str]] = {}
        for channel, value in self.conn.execute(
            "SELECT channel, value FROM handle WHERE contact_id = ?", (cid,)
        ):
            group = "phone" if channel in PHONE_CHANNELS else channel
            theirs.setdefault(group, set()).add(value)
        profiles = {v for c, v in record.all_handles() if c == "linkedin"}
        if profiles and theirs.get("linkedin") and not profiles & theirs["linkedin"]:
            return "another LinkedIn profile"
        if not by_name_only:
            return None
        phones = {v for c, v in record.all_handles() if c in PHONE_CHANNELS}
        for (source_key,) in self.conn.execute(
            "SELECT key FROM contact_ref WHERE contact_id = ? AND source = ?",
            (cid, SHARED + "phone"),
        ):
            theirs.setdefault("phone", set()).add(source_key.split(" ", 1)[0])
        if phones and theirs.get("phone") and not phones & theirs["phone"]:
            return "another phone number"
        row = self.conn.execute("SELECT company FROM contact WHERE id = ?", (cid,)).fetchone()
        company = normalize.fold(row[0] or "") if row else ""
        if record.company and company and normalize.fold(record.company) != company:
            return "another company"
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

    def apply(self, record: ContactRecord, source: str) -> int | None:
        """Create or update the contact for ``record``; its id (None: a person deleted
        here, not made again). A record with no key of its own (no URL, UID, email, or
        id) is keyed by its name (and LinkedIn's connection date) within ``source``, so
        importing the file again finds it."""
        by_company = None
        if not record.refs and not any(h[0] in MATCH_CHANNELS for h in record.all_handles()):
            key = normalize.fold(record.name) or record.name  # a name of marks only folds to ""
            if record.connected_on is not None:
                key += f"|{record.connected_on:%Y-%m-%d}"
            if record.id is None:
                record.refs.append((f"{source}-name", key))
                if record.company:  # a namesake at another company keeps its own key
                    by_company = (f"{source}-name", f"{key}|{normalize.fold(record.company)}")
                    record.refs.append(by_company)
        found = self.find(record)
        if by_company is not None and not (found is None and self.apart):
            record.refs.remove(by_company)  # only a namesake kept apart needs it
        if found is None:
            return self.create(record)
        if self.update(found, record):
            self.report.contacts_updated += 1
        return found

    def _deleted_here(self, record: ContactRecord) -> bool:
        """Whether the person of ``record``, found nowhere in the store, was deleted (`rave
        rm`, here or on a machine this store syncs with): the id one of their keys that
        name one person gives is a tombstone (`rave rm` buries the ids of all such keys
        of the contact: ``oplog.bury_keys``). The nightly import must not bring them
        back. A person known by an email or a phone only cannot be told apart so (a
        family shares them): such a record is made again."""
        keys = gid.contact_keys(record.refs, record.all_handles(), "")
        return any(oplog.buried(self.conn, gid.contact(*key)) for key in keys)

    def create(self, record: ContactRecord) -> int | None:
        """A new contact for ``record``; its id (None: a person deleted here, whom no
        import makes again)."""
        if self._deleted_here(record):
            return None
        name = normalize.clean_name(record.name)
        met = record.met
        if met is None and record.connected_on is not None:
            met = f"connected on LinkedIn {record.connected_on:%Y-%m-%d}"
        name_key = normalize.fold(name)
        refs, handles = record.refs, record.all_handles()
        source = self.report.format
        cursor = self.conn.execute(
            """INSERT INTO contact (name, name_key, tier, cadence_days, why, offer, met,
                   company, title, location, birthday, created_at, updated_at,
                   given_name, family_name, gid)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                name,
                name_key,
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
                record.given_name,
                record.family_name,
                gid.contact_gid(self.conn, refs, handles, name_key, source),
            ),
        )
        cid = int(cursor.lastrowid or 0)
        self.created(cid, name, record)
        self.add_details(cid, record)
        self.report.contacts_created += 1
        return cid

    def created(self, cid: int, name: str, record: ContactRecord) -> None:
        """Take note of contact ``cid``, just written for ``record`` under ``name``, and
        warn once if a namesake (or the contact ``find`` set aside for this record) was
        kept apart from it. Every import that creates contacts calls this, rave's own
        JSON included, so each says the same."""
        key = normalize.fold(name)
        namesakes = list(self.names.get(key, []))
        self.names.setdefault(key, []).append(cid)
        apart = self.apart if self.apart_record is record else {}
        for other in [*apart, *namesakes][:1]:  # one is enough: `rave dupes` lists them all
            why = apart.get(other, "no email, phone or profile in common")
            self._kept_apart(record, cid, other, "has the name of", f" but {why}")

    def update(self, cid: int, record: ContactRecord) -> bool:
        columns = (*OVERWRITE, *FILL, *NAME_PARTS, "name")
        row = self.conn.execute(
            f"SELECT {', '.join(columns)} FROM contact WHERE id = ?", (cid,)
        ).fetchone()
        current = dict(zip(columns, row, strict=True))
        changes: dict[str, Any] = _name_parts(current, record)
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
                typed = record.typed.get(handle[1]) if handle[0] in PHONE_CHANNELS else None
                self.conn.execute(
                    "INSERT INTO handle (contact_id, channel, value, typed) VALUES (?, ?, ?, ?)",
                    (cid, *handle, typed),
                )
                self.handles[handle] = cid
                added += 1
            elif owner != cid and handle[0] in WEAK_CHANNELS:
                added += self._share(cid, record, handle, owner)
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
            own = gid.note(self.gid_of(cid), record.note)
            if exists is None and not oplog.buried(self.conn, own):  # deleted: not again
                note_gid = gid.first_free(self.conn, "note", [own])
                self.conn.execute(
                    "INSERT INTO note (contact_id, text, created_at, gid) VALUES (?, ?, ?, ?)",
                    (cid, record.note, self.now, note_gid),
                )
                self.report.notes_created += 1
                added += 1
        return added > 0

    def _share(self, cid: int, record: ContactRecord, handle: tuple[str, str], owner: int) -> int:
        """Keep ``handle``, which contact ``owner`` holds, as contact ``cid``'s
        ``shared-CHANNEL`` key (``"VALUE NAME"``): it finds them again on the next
        import, and `rave dupes` lists the pair. 1 when the key is new."""
        channel, value = handle
        ref = (SHARED + channel, f"{value} {normalize.fold(record.name)}")
        if ref in self.refs:
            return 0
        self.conn.execute(
            "INSERT INTO contact_ref (source, key, contact_id) VALUES (?, ?, ?)", (*ref, cid)
        )
        self.refs[ref] = cid
        self._kept_apart(record, cid, owner, f"shares {value} with")
        return 1

    def _kept_apart(
        self, record: ContactRecord, cid: int, other: int, how: str, why: str = ""
    ) -> None:
        """Warn once per pair that contact ``cid`` (from ``record``) was kept apart from
        contact ``other``: "NAME (#cid) HOW #other OTHER'S NAME WHY: kept apart; ..." """
        if (other, cid) in self.warned or other == cid or len(self.report.warnings) >= MAX_WARNINGS:
            return
        self.warned.add((other, cid))
        marked = self.conn.execute(  # the user said they are two people (`rave apart`)
            "SELECT 1 FROM distinct_pair WHERE contact_id = ? AND other_id = ?",
            (min(cid, other), max(cid, other)),
        ).fetchone()
        if marked:
            return
        row = self.conn.execute("SELECT name FROM contact WHERE id = ?", (other,)).fetchone()
        them = f"#{other} {row[0]}" if row else f"#{other}"
        self.warn(
            record,
            f"{record.name} (#{cid}) {how} {them}{why}: kept apart; "
            f"`rave merge '#{other}' '#{cid}'` if they are one",
        )

    def warn(self, record: ContactRecord, message: str) -> None:
        where = f"line {record.line}: " if record.line else ""
        if len(self.report.warnings) < MAX_WARNINGS:
            self.report.warnings.append(where + message)
