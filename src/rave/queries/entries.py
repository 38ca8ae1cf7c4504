"""What you recorded, as entries with references (`rave history`, `change`, `delete`):
interactions ``i12``, notes ``n3``, posts ``p4`` and follow-ups ``f2``."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from rave import choices, timeutil
from rave.errors import NotFoundError, UsageError
from rave.queries.records import ContactRef

#: Each kind of entry (with the letter of its references), and how people call it.
TYPES = choices.RECORD_LETTERS
WORDS = {"interaction": "interaction", "note": "note", "post": "post", "followup": "follow-up"}
_BY_LETTER = {letter: kind for kind, letter in TYPES.items()}
_REF = re.compile(r"^\s*([a-z])\s*(\d+)\s*$", re.I)
REF_HINT = "use i12 (interaction), n3 (note), p4 (post) or f2 (follow-up), as `rave history` shows"


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing you recorded. ``when``: when it happened (an interaction), was posted,
    noted, or created (a follow-up). Fields that do not apply to its type are None."""

    type: str  # "interaction", "note", "post" or "followup"
    id: int
    when: datetime
    text: str | None  # a note's or post's text, a follow-up's task, an interaction's note
    contacts: tuple[ContactRef, ...] = ()
    kind: str | None = None
    direction: str | None = None
    channel: str | None = None
    needs_reply: bool | None = None
    url: str | None = None
    due: date | None = None
    done_at: datetime | None = None
    gid: str | None = None  # the global id (rave.gid): what another machine knows it by

    @property
    def ref(self) -> str:
        return choices.ref(self.type, self.id)


def parse_ref(text: str) -> tuple[str, int]:
    """``i12`` → ``("interaction", 12)``; anything else is a usage error (exit 2)."""
    match = _REF.match(text)
    kind = _BY_LETTER.get(match.group(1).lower()) if match else None
    if match is None or kind is None:
        shown = text.strip()
        extra = " (a #ID names a contact)" if shown.startswith("#") else ""
        raise UsageError(f"{shown!r} is not a record reference{extra}", hint=REF_HINT)
    digits = match.group(2).lstrip("0")
    if not digits or len(digits) > 18:  # no row has id 0, nor one past SQLite's integers
        ref = choices.ref(kind, int(digits or 0))
        raise NotFoundError(f"no {WORDS[kind]} {ref}", hint="see `rave history`")
    return kind, int(digits)


# Every branch gives: type, id, when, text, contacts (JSON [[id, name], ...]), kind,
# direction, channel, needs_reply, url, due, done_at, gid. ``{where}`` is what selects the rows:
# the WHERE clause, and for interactions the tables too (_EVERYONE, _OF_CONTACT, _BY_ID).
_PEOPLE = """(SELECT json_group_array(json_array(c.id, c.name)) FROM
    (SELECT c.id, c.name FROM interaction_contact x JOIN contact c ON c.id = x.contact_id
      WHERE x.interaction_id = i.id ORDER BY c.name_key, c.id) c)"""
_BRANCHES = {
    "interaction": f"""
        SELECT 'interaction', i.id, i.happened_at AS at, i.note, {_PEOPLE}, i.kind,
               i.direction, i.channel, i.needs_reply, NULL, NULL, NULL, i.gid
          FROM {{where}}""",
    "note": """
        SELECT 'note', n.id, n.created_at AS at, n.text, json_array(json_array(c.id, c.name)),
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, n.gid
          FROM note n JOIN contact c ON c.id = n.contact_id {where}""",
    "post": """
        SELECT 'post', p.id, p.posted_at AS at, p.text, '[]', NULL, NULL, p.channel, NULL,
               p.url, NULL, NULL, p.gid
          FROM post p {where}""",
    "followup": """
        SELECT 'followup', f.id, f.created_at AS at, f.text,
               json_array(json_array(c.id, c.name)), NULL, NULL, NULL, NULL, NULL, f.due,
               f.done_at, f.gid
          FROM followup f JOIN contact c ON c.id = f.contact_id {where}""",
}
_OF_CONTACT = {
    # from the contact's own links (CROSS JOIN: never a walk through everyone's history)
    "interaction": "interaction_contact x0 CROSS JOIN interaction i ON i.id = x0.interaction_id"
    " WHERE x0.contact_id = :cid",
    "note": "WHERE n.contact_id = :cid",
    "followup": "WHERE f.contact_id = :cid",
}
_EVERYONE = {"interaction": "interaction i"}
_BY_ID = {
    "interaction": "interaction i WHERE i.id = :rid",
    "note": "WHERE n.id = :rid",
    "post": "WHERE p.id = :rid",
    "followup": "WHERE f.id = :rid",
}


def _entry(row: tuple[object, ...]) -> Entry:
    kind, rid, at, text, people, ikind, direction, channel, reply, url, due, done, gid = row
    assert isinstance(kind, str) and isinstance(rid, int) and isinstance(at, str)
    assert isinstance(people, str)
    return Entry(
        type=kind,
        id=rid,
        when=timeutil.from_db(at),
        text=text if isinstance(text, str) else None,
        contacts=tuple(ContactRef(cid, name) for cid, name in json.loads(people)),
        kind=ikind if isinstance(ikind, str) else None,
        direction=direction if isinstance(direction, str) else None,
        channel=channel if isinstance(channel, str) else None,
        needs_reply=None if reply is None else bool(reply),
        url=url if isinstance(url, str) else None,
        due=date.fromisoformat(due) if isinstance(due, str) else None,
        done_at=timeutil.from_db(done) if isinstance(done, str) else None,
        gid=gid if isinstance(gid, str) else None,
    )


def history(
    conn: sqlite3.Connection,
    *,
    contact_id: int | None = None,
    types: Iterable[str] = TYPES,
    limit: int | None = None,
) -> list[Entry]:
    """What was recorded (of one contact: their interactions, notes and follow-ups),
    newest first; the first ``limit`` only. Each branch is cut to ``limit`` in its own
    time order first, so the newest of a long history come from an index."""
    wanted = [t for t in TYPES if t in set(types)]
    if contact_id is not None:
        wanted = [t for t in wanted if t in _OF_CONTACT]
    if not wanted:
        return []
    cut = "" if limit is None else " ORDER BY at DESC, 2 DESC LIMIT :limit"
    parts = [
        "SELECT * FROM ("
        + _BRANCHES[t].format(
            where=(_OF_CONTACT if contact_id is not None else _EVERYONE).get(t, "")
        )
        + cut
        + ")"
        for t in wanted
    ]
    sql = " UNION ALL ".join(parts) + " ORDER BY 3 DESC, 2 DESC, 1"
    if limit is not None:
        sql += " LIMIT :limit"
    rows = conn.execute(sql, {"cid": contact_id, "limit": limit})
    return [_entry(tuple(row)) for row in rows]


def entry(conn: sqlite3.Connection, kind: str, record_id: int) -> Entry:
    """The entry ``kind`` ``record_id`` (NotFoundError, exit 3, when there is none)."""
    sql = _BRANCHES[kind].format(where=_BY_ID[kind])
    row = conn.execute(sql, {"rid": record_id}).fetchone()
    if row is None:
        ref = choices.ref(kind, record_id)
        raise NotFoundError(f"no {WORDS[kind]} {ref}", hint="see `rave history`")
    return _entry(tuple(row))


def find(conn: sqlite3.Connection, ref: str) -> Entry:
    """The entry a reference such as ``i12`` names."""
    kind, record_id = parse_ref(ref)
    return entry(conn, kind, record_id)
