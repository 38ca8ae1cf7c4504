"""Lists, profiles and follow-ups."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from rave import choices, normalize, timeutil
from rave.errors import NotFoundError, UsageError
from rave.queries.people import like_escape
from rave.queries.records import (
    ContactDetail,
    ContactRef,
    ContactSummary,
    FollowUpRow,
    InteractionRow,
    NoteRow,
)
from rave.scoring.state import decayed

if TYPE_CHECKING:
    from typing import Unpack

# --- lists and profiles -------------------------------------------------------------------

# Per-contact activity for `list`: from the stored tallies (rave.contact_tally), whose warmth
# is summed as of each contact's latest event (``at``, decayed to as_of in Python)...
_TALLIED = """
    (SELECT contact_id AS cid, last_m AS last_meaningful, warmth, latest_at AS at
       FROM contact_tally)
"""
# ...or, when some history runs past as_of, one pass over the interactions, grouped.
_ACTIVITY = """
    (SELECT ic.contact_id AS cid,
            MAX(CASE WHEN i.kind IN ('chat', 'engage') THEN i.happened_at END) AS last_meaningful,
            SUM(rave_warmth(i.kind, i.channel, i.direction,
                            julianday(:as_of) - julianday(i.happened_at))) AS warmth,
            NULL AS at
       FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
      WHERE i.happened_at <= :as_of
      GROUP BY ic.contact_id)
"""
_WARMTH = """
    (SELECT COALESCE(SUM(rave_warmth(i.kind, i.channel, i.direction,
                                     julianday(:as_of) - julianday(i.happened_at))), 0.0)
       FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
      WHERE ic.contact_id = c.id AND i.happened_at <= :as_of)
"""
_TAGS = (
    "(SELECT json_group_array(tag) FROM (SELECT tag FROM tag WHERE contact_id = c.id ORDER BY tag))"
)

SORTS = {
    "name": "c.name_key, c.id",
    "recent": "last_meaningful IS NULL, last_meaningful DESC, c.name_key, c.id",
    "tier": "CASE c.tier WHEN 'none' THEN 'Z' ELSE c.tier END, c.name_key, c.id",
}


class ListFilters(TypedDict, total=False):
    """Which contacts `rave list` shows, in which order, and how many."""

    tier: str | None
    tag: str | None
    search: str | None
    sort: str
    limit: int | None


def iter_contacts(
    conn: sqlite3.Connection, *, as_of: datetime, **filters: Unpack[ListFilters]
) -> Iterator[ContactSummary]:
    """The contacts that match, in ``sort`` order (default by name), one at a time as
    SQLite reads them (by name straight from its index: the first of 30,000 are there at
    once); with ``limit``, the first ones only. Bad arguments raise here, before the
    first contact is asked for."""
    tier, tag, search = filters.get("tier"), filters.get("tag"), filters.get("search")
    sort, limit = filters.get("sort", "name"), filters.get("limit")
    where = ["1 = 1"]
    params: dict[str, object] = {"as_of": timeutil.to_db(as_of)}
    if tier is not None:
        where.append("c.tier = :tier")
        params["tier"] = tier
    if tag is not None:
        where.append("EXISTS (SELECT 1 FROM tag t WHERE t.contact_id = c.id AND t.tag = :tag)")
        params["tag"] = normalize.tag(tag)
    if search and len(search) > 500:
        raise UsageError("--search text is limited to 500 characters")
    if search:
        params["search"] = "%" + like_escape(normalize.fold(search)) + "%"
        params["raw"] = "%" + like_escape(search.strip().lower()) + "%"
        where.append(
            "(c.name_key LIKE :search ESCAPE '\\'"
            " OR lower(COALESCE(c.company, '')) LIKE :raw ESCAPE '\\'"
            " OR lower(COALESCE(c.title, '')) LIKE :raw ESCAPE '\\'"
            " OR EXISTS (SELECT 1 FROM alias a WHERE a.contact_id = c.id"
            "            AND a.alias_key LIKE :search ESCAPE '\\')"
            " OR EXISTS (SELECT 1 FROM handle h WHERE h.contact_id = c.id"
            "            AND h.value LIKE :raw ESCAPE '\\'))"
        )
    later = "SELECT EXISTS (SELECT 1 FROM contact_tally WHERE latest_at > :as_of)"
    activity = _ACTIVITY if conn.execute(later, params).fetchone()[0] else _TALLIED
    sql = f"""
        SELECT c.id, c.name, c.tier, {_TAGS} AS tags, c.company, c.title,
               a.last_meaningful AS last_meaningful, COALESCE(a.warmth, 0.0), a.at, c.gid
          FROM contact c LEFT JOIN {activity} a ON a.cid = c.id
         WHERE {" AND ".join(where)}
         ORDER BY {SORTS[sort]}
         {"" if limit is None else "LIMIT :limit"}
    """
    if limit is not None:
        params["limit"] = limit
    return (
        ContactSummary(
            id=row[0],
            name=row[1],
            tier=row[2],
            tags=() if row[3] == "[]" else tuple(json.loads(row[3])),
            company=row[4],
            title=row[5],
            last_meaningful_at=timeutil.from_db_opt(row[6]),
            warmth=row[7] if row[8] is None else decayed(row[7], timeutil.from_db(row[8]), as_of),
            gid=row[9],
        )
        for row in conn.execute(sql, params)
    )


def _followups(
    conn: sqlite3.Connection, where: str, params: tuple[object, ...]
) -> list[FollowUpRow]:
    sql = f"""
        SELECT f.id, f.contact_id, c.name, f.text, f.due, f.done_at, f.created_at, f.gid
          FROM followup f JOIN contact c ON c.id = f.contact_id
         WHERE {where}
         ORDER BY f.done_at IS NOT NULL, f.due IS NULL, f.due, f.created_at, f.id
    """
    return [
        FollowUpRow(
            id=row[0],
            contact_id=row[1],
            contact_name=row[2],
            text=row[3],
            due=None if row[4] is None else date.fromisoformat(row[4]),
            done_at=timeutil.from_db_opt(row[5]),
            created_at=timeutil.from_db(row[6]),
            gid=row[7],
        )
        for row in conn.execute(sql, params)
    ]


def followups(
    conn: sqlite3.Connection, *, include_done: bool = False, due_by: date | None = None
) -> list[FollowUpRow]:
    """Open follow-ups (and done ones with ``include_done``), soonest due first."""
    clauses = ["1 = 1" if include_done else "f.done_at IS NULL"]
    params: list[object] = []
    if due_by is not None:
        clauses.append("f.due IS NOT NULL AND f.due <= ?")
        params.append(due_by.isoformat())
    return _followups(conn, " AND ".join(clauses), tuple(params))


def followup(conn: sqlite3.Connection, followup_id: int) -> FollowUpRow:
    rows = _followups(conn, "f.id = ?", (followup_id,))
    if not rows:
        raise NotFoundError(
            f"no follow-up {choices.ref('followup', followup_id)}", hint="see `rave followups`"
        )
    return rows[0]


def _interactions(
    conn: sqlite3.Connection, contact_id: int, as_of: datetime, limit: int
) -> list[InteractionRow]:
    params = {"cid": contact_id, "as_of": timeutil.to_db(as_of), "limit": limit}
    # your latest answer (a message of yours or a live exchange), as (when, gid, id), the
    # fold's order (``scoring.state.Event``): what they wrote before it is answered, what
    # came after still waits (one pass over the contact's own interactions: CROSS JOIN
    # keeps SQLite from scanning everyone's)
    answered = conn.execute(
        """
        SELECT i.happened_at, COALESCE(i.gid, ''), i.id FROM interaction_contact ic
         CROSS JOIN interaction i ON i.id = ic.interaction_id
         WHERE ic.contact_id = :cid AND i.happened_at <= :as_of
           AND i.kind IN ('chat', 'engage') AND i.direction IN ('out', 'both')
         ORDER BY i.happened_at DESC, i.gid DESC, i.id DESC LIMIT 1
        """,
        params,
    ).fetchone()
    rows = conn.execute(
        """
        SELECT i.id, i.happened_at, i.kind, i.direction, i.channel, i.note, i.needs_reply,
               (SELECT json_group_array(o.name) FROM interaction_contact oc
                  JOIN contact o ON o.id = oc.contact_id
                 WHERE oc.interaction_id = i.id AND oc.contact_id != :cid),
               COALESCE(i.gid, '')
          FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
         WHERE ic.contact_id = :cid AND i.happened_at <= :as_of
         ORDER BY i.happened_at DESC, i.gid DESC, i.id DESC
         LIMIT :limit
        """,
        params,
    )
    out = []
    for row in rows:
        waits = (
            row[3] == "in"
            and bool(row[6])
            and row[2] in choices.MEANINGFUL
            and (answered is None or (row[1], row[8], row[0]) > tuple(answered))
        )
        out.append(
            InteractionRow(
                id=row[0],
                when=timeutil.from_db(row[1]),
                kind=row[2],
                direction=row[3],
                channel=row[4],
                note=row[5],
                needs_reply=bool(row[6]),
                with_others=tuple(json.loads(row[7])),
                awaiting_reply=waits,
                gid=row[8] or None,
            )
        )
    return out


def contact_detail(
    conn: sqlite3.Connection, contact_id: int, *, as_of: datetime, timeline: int = 20
) -> ContactDetail:
    row = conn.execute(
        f"""
        SELECT c.id, c.name, c.tier, c.cadence_days, c.why, c.offer, c.met, c.company,
               c.title, c.location, c.birthday, c.snoozed_until, c.created_at,
               {_TAGS}, {_WARMTH}, c.gid
          FROM contact c WHERE c.id = :cid
        """,
        {"cid": contact_id, "as_of": timeutil.to_db(as_of)},
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no contact #{contact_id}")
    aliases = tuple(
        r[0]
        for r in conn.execute(
            "SELECT alias FROM alias WHERE contact_id = ? ORDER BY id", (contact_id,)
        )
    )
    rows = conn.execute(
        "SELECT channel, value, typed FROM handle WHERE contact_id = ? ORDER BY channel, value",
        (contact_id,),
    ).fetchall()
    handles = tuple((r[0], r[1]) for r in rows)
    typed = {(r[0], r[1]): r[2] for r in rows if r[2] is not None}
    notes = tuple(
        NoteRow(r[0], r[1], timeutil.from_db(r[2]), r[3], bool(r[4]))
        for r in conn.execute(
            "SELECT id, text, created_at, gid, shared FROM note WHERE contact_id = ? "
            "ORDER BY created_at DESC, id DESC",
            (contact_id,),
        )
    )
    balance = dict.fromkeys(choices.KINDS, 0)
    total = 0
    for kind, count in conn.execute(
        """
        SELECT i.kind, COUNT(*) FROM interaction_contact ic
          JOIN interaction i ON i.id = ic.interaction_id
         WHERE ic.contact_id = ? AND i.happened_at <= ? GROUP BY i.kind
        """,
        (contact_id, timeutil.to_db(as_of)),
    ):
        balance[kind] = count
        total += count
    return ContactDetail(
        id=row[0],
        name=row[1],
        tier=row[2],
        cadence_days=row[3],
        why=row[4],
        offer=row[5],
        met=row[6],
        company=row[7],
        title=row[8],
        location=row[9],
        birthday=row[10],
        snoozed_until=timeutil.from_db_opt(row[11]),
        created_at=timeutil.from_db(row[12]),
        tags=tuple(json.loads(row[13])),
        warmth=float(row[14]),
        aliases=aliases,
        handles=handles,
        typed=typed,
        notes=notes,
        followups=tuple(_followups(conn, "f.contact_id = ? AND f.done_at IS NULL", (contact_id,))),
        interactions=tuple(_interactions(conn, contact_id, as_of, timeline)),
        interaction_count=total,
        balance=balance,
        gid=row[15],
    )


def snoozed(conn: sqlite3.Connection, *, after: datetime) -> list[tuple[ContactRef, datetime]]:
    """Contacts snoozed until a moment later than ``after``, with that moment."""
    rows = conn.execute(
        "SELECT id, name, snoozed_until FROM contact WHERE snoozed_until > ? ORDER BY id",
        (timeutil.to_db(after),),
    )
    return [(ContactRef(row[0], row[1]), timeutil.from_db(row[2])) for row in rows]
