"""`rave export`: everything out, through the read door.

A file is written through ``safefile`` (a private temporary folder next to it, an
exclusive 0600 file, fsync, rename), so a failed export never leaves a half file nor
replaces an existing one, and an output that is a symbolic link is refused. The store
is opened before anything is made next to the output. Without ``-o`` the export goes to
stdout.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any, TextIO

from rave import db, safefile, timeutil
from rave.errors import StoreError
from rave.formats import ContactRecord

FORMATS = ("json", "csv", "vcard", "ics")


def contact_record(rec: dict[str, Any]) -> ContactRecord:
    """An exported contact as the record the CSV and vCard writers take."""
    handles = [(h["channel"], h["value"]) for h in rec["handles"]]
    return ContactRecord(
        name=rec["name"],
        given_name=rec["given_name"],
        family_name=rec["family_name"],
        id=rec["id"],
        tier=rec["tier"],
        aliases=list(rec["aliases"]),
        emails=[v for c, v in handles if c == "email"],
        phones=[v for c, v in handles if c == "phone"],
        handles=[(c, v) for c, v in handles if c not in ("email", "phone")],
        tags=list(rec["tags"]),
        company=rec["company"],
        title=rec["title"],
        location=rec["location"],
        why=rec["why"],
        offer=rec["offer"],
        met=rec["met"],
        cadence_days=rec["cadence_days"],
        birthday=rec["birthday"],
        refs=[(r["source"], r["key"]) for r in rec["refs"]],
        # a phone number as typed (the vCard writer writes it); one number, one spelling
        typed={h["value"]: h["typed"] for h in rec["handles"] if h.get("typed")},
    )


def _ics(conn: sqlite3.Connection, stream: TextIO) -> int:
    from rave.formats import ics
    from rave.queries import contacts

    now = timeutil.utcnow()
    followups = [
        ics.FollowUpEvent(f.id, f.contact_id, f.contact_name, f.text, f.due)
        for f in contacts.followups(conn)
        if f.due is not None
    ]
    snoozes = [
        ics.SnoozeEvent(contact.id, contact.name, timeutil.local_date(until))
        for contact, until in contacts.snoozed(conn, after=now)
    ]
    return ics.write_ics(followups, snoozes, stream, stamp=now)


def write(db_path: Path, fmt: str, stream: TextIO) -> int:
    """Write the whole store in ``fmt`` to ``stream``; the number of records written."""
    with db.reading(db_path) as conn:
        return _write(conn, fmt, stream)


def _write(conn: sqlite3.Connection, fmt: str, stream: TextIO) -> int:
    from rave.queries import export as records

    if fmt == "json":
        from rave.formats import ravejson

        document = ravejson.new_document(
            contacts=list(records.contacts(conn)),
            interactions=list(records.interactions(conn)),
            posts=list(records.posts(conn)),
            notes=list(records.notes(conn)),
            followups=list(records.followups(conn)),
            apart=list(records.apart(conn)),
        )
        ravejson.dump(document, stream)
        return sum(len(document[k]) for k in ravejson.KINDS)
    if fmt == "csv":
        from rave.formats import ravecsv

        return ravecsv.write_contacts(map(contact_record, records.contacts(conn)), stream)
    if fmt == "vcard":
        from rave.formats import vcard_write

        return vcard_write.write_vcards(map(contact_record, records.contacts(conn)), stream)
    return _ics(conn, stream)


def export(db_path: Path, fmt: str, output: Path | None, stdout: TextIO) -> int:
    """Export to ``output`` (atomically, 0600) or to ``stdout``. The store is opened
    first: when it cannot be read, nothing is made in the output's folder."""
    if output is None:
        buffer = io.StringIO(newline="")
        count = write(db_path, fmt, buffer)
        stdout.write(buffer.getvalue())
        stdout.flush()
        return count
    target = safefile.prepare(output, replace=True)
    with db.reading(db_path) as conn:
        try:
            with safefile.text_file(target) as stream:
                return _write(conn, fmt, stream)
        except OSError as exc:
            raise StoreError(f"cannot write {output}: {exc.strerror or exc}") from None
