"""Importing rave's own JSON document (``rave export json``).

Into an empty store every record keeps its id and its global id (``gid``), so export →
import → export gives the same document. Into a store that already has data, records are
matched so a re-import adds nothing: a record whose gid the store has is that record
(what another machine's export of the same records brings: already present); else
contacts by external key, handle, or same id and name; interactions by external key,
else by time, kind, direction, channel, note and people; notes, posts and follow-ups by
their text and creation time. Unmatched records get new ids if theirs are taken, and
every reference is remapped; they keep their gid. A record without one (a document of an
older rave) gets the id an import or an upgrade would give it (``rave.gid``): from its
source key, else a UUIDv7 of its ``created_at``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rave import choices, gid, normalize, timeutil
from rave.errors import BadInputError, UsageError
from rave.formats import ContactRecord

if TYPE_CHECKING:
    from rave.services.matcher import Matcher, Progress


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, Any], wanted: int) -> int:
    """INSERT ``values``, with id ``wanted`` when it is free; the row's id."""
    taken = conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (wanted,)).fetchone()
    if not taken:
        values = {"id": wanted, **values}
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values())
    )
    return int(cursor.lastrowid or wanted)


def _known(conn: sqlite3.Connection, table: str, rec: dict[str, Any]) -> int | None:
    """The row of ``table`` that has the record's gid (the same record), if any."""
    if not rec.get("gid"):
        return None
    row = conn.execute(f"SELECT id FROM {table} WHERE gid = ?", (rec["gid"],)).fetchone()
    return None if row is None else int(row[0])


class _Ids:
    """The gid of each record written: the document's, else one derived from its source
    key, else a UUIDv7 of its creation time (rising in document order, table by table)."""

    def __init__(self, conn: sqlite3.Connection, now: str) -> None:
        self.conn, self.now = conn, now
        self.sequences: dict[str, gid.Sequence] = {}

    def of(self, table: str, rec: dict[str, Any], derived: str | None = None) -> str:
        if rec.get("gid") and not gid.taken(self.conn, table, rec["gid"]):
            return str(rec["gid"])
        if derived is not None and not gid.taken(self.conn, table, derived):
            return derived
        created = timeutil.from_db(rec.get("created_at") or self.now)
        return self.sequences.setdefault(table, gid.Sequence()).at(gid.millis(created))


def _record(rec: dict[str, Any]) -> ContactRecord:
    return ContactRecord(
        name=rec["name"],
        given_name=rec.get("given_name"),
        family_name=rec.get("family_name"),
        aliases=list(rec.get("aliases") or []),
        handles=[(h["channel"], h["value"]) for h in rec.get("handles") or []],
        tags=list(rec.get("tags") or []),
        refs=[(r["source"], r["key"]) for r in rec.get("refs") or []],
        company=rec.get("company"),
        title=rec.get("title"),
        location=rec.get("location"),
        why=rec.get("why"),
        offer=rec.get("offer"),
        met=rec.get("met"),
        birthday=rec.get("birthday"),
        cadence_days=rec.get("cadence_days"),
    )


def _contact(matcher: Matcher, rec: dict[str, Any], ids: _Ids, claimed: set[int]) -> int:
    """The contact for document record ``rec``: found, or made. Two records of one
    document are two contacts: one that another record of this document already
    became (``claimed``; say through a key the store kept for a value two of them
    share) is not found again."""
    conn = matcher.conn
    record = _record(rec)
    found = _known(conn, "contact", rec)
    if found is None:
        found = matcher.find(record)
        if found in claimed:
            found = None
    if found is None:
        same = conn.execute(
            "SELECT id FROM contact WHERE id = ? AND name_key = ?",
            (rec["id"], normalize.fold(rec["name"])),
        ).fetchone()
        found = same[0] if same and same[0] not in claimed else None
    if found is not None:
        updated = matcher.update(found, record)
        if _typed(conn, int(found), rec) or updated:
            matcher.report.contacts_updated += 1
        return int(found)
    name = normalize.clean_name(rec["name"])
    name_key = normalize.fold(name)
    refs, handles = record.refs, record.all_handles()
    # a contact no key names (an address, a name) gets a UUIDv7 of its created_at
    keyed = not rec.get("gid") and gid.contact_keys(refs, handles, name_key)
    derived = gid.contact_gid(conn, refs, handles, name_key, "json") if keyed else None
    cid = _insert(
        conn,
        "contact",
        {
            "gid": ids.of("contact", rec, derived),
            "name": name,
            "name_key": name_key,
            "given_name": rec.get("given_name"),
            "family_name": rec.get("family_name"),
            "tier": rec.get("tier") or "none",
            **{k: rec.get(k) for k in (*choices.CONTACT_FIELDS, "snoozed_until") if k != "tier"},
            "created_at": rec.get("created_at") or matcher.now,
            "updated_at": rec.get("updated_at") or matcher.now,
        },
        rec["id"],
    )
    for alias in record.aliases:
        conn.execute(
            "INSERT OR IGNORE INTO alias (contact_id, alias, alias_key) VALUES (?, ?, ?)",
            (cid, alias, normalize.fold(alias)),
        )
    matcher.created(cid, name, record)  # a namesake kept apart is warned about
    record.aliases = []  # inserted verbatim above
    matcher.add_details(cid, record)
    _typed(conn, cid, rec)
    matcher.report.contacts_created += 1
    return cid


def _typed(conn: sqlite3.Connection, cid: int, rec: dict[str, Any]) -> bool:
    """Give the contact's handles the text as typed that the document has for them,
    where the store has none (never overwritten: a re-import changes nothing); True
    when any was given."""
    changed = 0
    for handle in rec.get("handles") or []:
        if handle.get("typed") not in (None, handle["value"]):  # NULL: the value itself
            changed += conn.execute(
                "UPDATE handle SET typed = ? WHERE contact_id = ? AND channel = ? "
                "AND value = ? AND typed IS NULL",
                (handle["typed"], cid, handle["channel"], handle["value"]),
            ).rowcount
    return changed > 0


def _same_interaction(
    conn: sqlite3.Connection, rec: dict[str, Any], people: list[int], fresh: set[int]
) -> bool:
    if rec.get("external_key"):
        return bool(
            conn.execute(
                "SELECT 1 FROM interaction WHERE external_key = ?", (rec["external_key"],)
            ).fetchone()
        )
    rows = conn.execute(
        """SELECT i.id, (SELECT group_concat(contact_id) FROM (SELECT contact_id
                          FROM interaction_contact WHERE interaction_id = i.id
                          ORDER BY contact_id))
             FROM interaction i
            WHERE i.happened_at = ? AND i.kind = ? AND i.direction = ? AND i.channel = ?
              AND i.note IS ?""",
        (rec["when"], rec["kind"], rec["direction"], rec["channel"], rec.get("note")),
    ).fetchall()
    wanted = ",".join(str(c) for c in sorted(people))
    return any(row[1] == wanted and row[0] not in fresh for row in rows)


def _exists(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...], fresh: set[int]) -> bool:
    """Whether a row matching ``sql`` (which selects ids) was there before this import:
    two equal records of one document are two records, not a duplicate."""
    return any(row[0] not in fresh for row in conn.execute(sql, params))


TEXT_KEYS = ("name", "why", "offer", "met", "company", "title", "location", "note", "text", "url")
NAME_PARTS = ("given_name", "family_name")  # one line each, null when nothing is left
REQUIRED_TEXT = ("name", "text")  # must still hold text once cleaned


def _clean(document: dict[str, Any], file: Path) -> None:
    """Text as every other import stores it: NFC, no control characters (an ESC in a
    note must not reach a terminal); handles in their normal form. A name or a text
    that is nothing but control characters is bad input, like an empty one, and so is
    a name that NFC makes longer than the limit: what is stored must export again."""
    for kind in ("contacts", "interactions", "posts", "notes", "followups"):
        for index, rec in enumerate(document[kind]):
            for key in TEXT_KEYS:
                if isinstance(rec.get(key), str):
                    rec[key] = normalize.clean_text(rec[key])
                    if key in REQUIRED_TEXT and not rec[key].strip():
                        raise BadInputError(
                            str(file), None, f"{kind}[{index}]: {key!r} holds no printable text"
                        )
            for key in NAME_PARTS if kind == "contacts" else ():
                if isinstance(rec.get(key), str):
                    rec[key] = " ".join(normalize.clean_text(rec[key]).split()) or None
            if kind == "contacts":
                try:
                    normalize.clean_name(rec["name"])
                except UsageError as exc:
                    raise BadInputError(
                        str(file), None, f"{kind}[{index}]: 'name': {exc.message}"
                    ) from None
            for key in ("aliases", "tags"):
                if isinstance(rec.get(key), list):
                    cleaned = (normalize.clean_text(v) for v in rec[key] if isinstance(v, str))
                    rec[key] = [v for v in cleaned if v]
            for handle in rec.get("handles") or []:
                if isinstance(handle.get("typed"), str):
                    handle["typed"] = normalize.clean_text(handle["typed"]) or None
                try:
                    handle["value"] = normalize.normalize_handle(handle["channel"], handle["value"])
                except UsageError as exc:
                    raise BadInputError(
                        str(file), None, f"{kind}[{index}]: {exc.message}"
                    ) from None


def import_document(matcher: Matcher, file: Path, tick: Progress) -> None:
    from rave.formats import ravejson

    document = ravejson.load(file)
    _clean(document, file)
    conn = matcher.conn
    report = matcher.report
    ids = _Ids(conn, matcher.now)
    count = 0
    contacts: dict[int, int] = {}
    claimed: set[int] = set()
    for rec in document["contacts"]:
        contacts[rec["id"]] = _contact(matcher, rec, ids, claimed)
        claimed.add(contacts[rec["id"]])
        count += 1
        tick(count)
    interactions: dict[int, int] = {}
    made: set[int] = set()  # the interactions this import wrote
    for rec in document["interactions"]:
        count += 1
        tick(count)
        people = sorted({contacts[c] for c in rec["contact_ids"]})
        known = _known(conn, "interaction", rec)
        if known is not None:  # the same interaction: the follow-ups made with it link to it
            interactions[rec["id"]] = known
        if known is not None or _same_interaction(conn, rec, people, made):
            report.already_present += 1
            continue
        key = rec.get("external_key") or None  # "" is no key
        iid = _insert(
            conn,
            "interaction",
            {
                "gid": ids.of("interaction", rec, None if key is None else gid.interaction(key)),
                "kind": rec["kind"],
                "direction": rec["direction"],
                "channel": rec["channel"],
                "happened_at": rec["when"],
                "note": rec.get("note"),
                "needs_reply": int(bool(rec.get("needs_reply"))),
                "source": rec.get("source") or "json",
                "external_key": key,
                "created_at": rec.get("created_at") or matcher.now,
                "started_by": rec.get("started_by"),
            },
            rec["id"],
        )
        interactions[rec["id"]] = iid
        made.add(iid)
        matcher.link(iid, people)
        report.interactions_created += 1
    fresh: dict[str, set[int]] = {"post": set(), "note": set(), "followup": set()}

    def add(
        table: str, match: str, values: dict[str, Any], rec: dict[str, Any], derived: str | None
    ) -> bool:
        """Insert ``values`` unless the store has the record's gid, or a row that was
        there before this import matches on the ``match`` columns (two equal records of
        one document are two records)."""
        keys = [key.strip() for key in match.split(",")]
        where = " AND ".join(f"{key} = ?" for key in keys)
        sql = f"SELECT id FROM {table} WHERE {where}"
        if _known(conn, table, rec) is not None or _exists(
            conn, sql, tuple(values[key] for key in keys), fresh[table]
        ):
            report.already_present += 1
            return False
        values = {"gid": ids.of(table, rec, derived), **values}
        fresh[table].add(_insert(conn, table, values, rec["id"]))
        return True

    for rec in document["posts"]:
        values = {
            "text": rec["text"],
            "channel": rec["channel"],
            "url": rec.get("url"),
            "posted_at": rec["when"],
            "created_at": rec.get("created_at") or matcher.now,
        }
        report.posts_created += add("post", "text, posted_at", values, rec, None)
    for rec in document["notes"]:
        values = {
            "contact_id": contacts[rec["contact_id"]],
            "text": rec["text"],
            "created_at": rec.get("created_at") or matcher.now,
            "shared": bool(rec.get("shared")),
        }
        report.notes_created += add("note", "contact_id, text, created_at", values, rec, None)
    for rec in document["followups"]:
        linked = rec.get("interaction_id")
        values = {
            "contact_id": contacts[rec["contact_id"]],
            "interaction_id": interactions.get(linked) if linked is not None else None,
            "text": rec["text"],
            "due": rec.get("due"),
            "done_at": rec.get("done_at"),
            "created_at": rec.get("created_at") or matcher.now,
            "external_key": rec.get("external_key") or None,  # "" is no key
        }
        # a follow-up a calendar import made is the same one wherever its key is: the
        # event's key and this store's contact (`services.capture` keys them so)
        key = values["external_key"]
        match = "external_key" if key else "contact_id, text, created_at"
        owner = conn.execute("SELECT gid FROM contact WHERE id = ?", (values["contact_id"],))
        owner_gid = owner.fetchone()[0]
        derived = gid.followup(gid.event_key(key), owner_gid) if key else None
        if key:
            values["external_key"] = f"{gid.event_key(key)}|{owner_gid}"
        report.followups_created += add("followup", match, values, rec, derived)
    for rec in document["apart"]:
        low, high = sorted((contacts[rec["contact_id"]], contacts[rec["other_id"]]))
        if low != high:  # two records of the document the store holds as one contact
            conn.execute(
                "INSERT OR IGNORE INTO distinct_pair (contact_id, other_id, created_at) "
                "VALUES (?, ?, ?)",
                (low, high, rec.get("created_at") or matcher.now),
            )
