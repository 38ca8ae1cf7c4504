"""Everything in the store as plain records, for exports (the read door: no ORM).

The record shapes are those of ``rave.formats.ravejson`` (the lossless JSON document);
the CSV, vCard and ICS exports are built from the same records.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from rave.choices import CONTACT_FIELDS

_CONTACT_COLUMNS = (
    "id",
    "gid",
    "name",
    "given_name",
    "family_name",
    *CONTACT_FIELDS,
    "snoozed_until",
    "created_at",
    "updated_at",
)


def _grouped(conn: sqlite3.Connection, sql: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(sql):
        out[row[0]].append(row[1] if len(row) == 2 else row[1:])
    return out


def contacts(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every contact with aliases, handles (each with the text as typed, None when it is
    the value itself), tags and refs, by id."""
    aliases = _grouped(conn, "SELECT contact_id, alias FROM alias ORDER BY contact_id, id")
    handles = _grouped(
        conn,
        "SELECT contact_id, channel, value, typed FROM handle ORDER BY contact_id, channel, value",
    )
    tags = _grouped(conn, "SELECT contact_id, tag FROM tag ORDER BY contact_id, tag")
    refs = _grouped(
        conn, "SELECT contact_id, source, key FROM contact_ref ORDER BY contact_id, source, key"
    )
    columns = ", ".join(_CONTACT_COLUMNS)
    for row in conn.execute(f"SELECT {columns} FROM contact ORDER BY id"):
        record = dict(zip(_CONTACT_COLUMNS, row, strict=True))
        cid = record["id"]
        record["aliases"] = aliases.get(cid, [])
        record["handles"] = [
            {"channel": c, "value": v, "typed": t} for c, v, t in handles.get(cid, [])
        ]
        record["tags"] = tags.get(cid, [])
        record["refs"] = [{"source": s, "key": k} for s, k in refs.get(cid, [])]
        yield record


def interactions(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    rows = conn.execute(
        """
        SELECT i.id, i.kind, i.direction, i.channel, i.happened_at, i.note, i.needs_reply,
               i.source, i.external_key, i.created_at, i.started_by, i.gid,
               (SELECT json_group_array(contact_id) FROM
                   (SELECT contact_id FROM interaction_contact
                     WHERE interaction_id = i.id ORDER BY contact_id))
          FROM interaction i ORDER BY i.id
        """
    )
    for row in rows:
        yield {
            "id": row[0],
            "kind": row[1],
            "direction": row[2],
            "channel": row[3],
            "when": row[4],
            "note": row[5],
            "needs_reply": bool(row[6]),
            "source": row[7],
            "external_key": row[8],
            "created_at": row[9],
            "started_by": row[10],
            "gid": row[11],
            "contact_ids": json.loads(row[12]),
        }


def posts(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    keys = ("id", "gid", "text", "channel", "url", "when", "created_at")
    for row in conn.execute(
        "SELECT id, gid, text, channel, url, posted_at, created_at FROM post ORDER BY id"
    ):
        yield dict(zip(keys, row, strict=True))


def notes(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Notes; ``shared`` only on a note shared with a team (`rave note --team`)."""
    keys = ("id", "gid", "contact_id", "text", "created_at")
    for *row, shared in conn.execute(f"SELECT {', '.join(keys)}, shared FROM note ORDER BY id"):
        yield dict(zip(keys, row, strict=True)) | ({"shared": True} if shared else {})


def followups(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    keys = (
        "id",
        "gid",
        "contact_id",
        "interaction_id",
        "text",
        "due",
        "done_at",
        "created_at",
        "external_key",
    )
    for row in conn.execute(f"SELECT {', '.join(keys)} FROM followup ORDER BY id"):
        yield dict(zip(keys, row, strict=True))


def apart(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """The pairs marked as two people (`rave apart`), lower id first."""
    keys = ("contact_id", "other_id", "created_at")
    for row in conn.execute(
        "SELECT contact_id, other_id, created_at FROM distinct_pair ORDER BY contact_id, other_id"
    ):
        yield dict(zip(keys, row, strict=True))
