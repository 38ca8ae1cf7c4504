"""The read door: plain SQL on the stdlib ``sqlite3`` connection → frozen dataclasses.

Nothing here imports SQLAlchemy or SQLModel: ``list``, ``show``, ``today``, ``why`` and
shell completion read through this module only.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from rave import timeutil, vocab
from rave.config import RankConfig
from rave.errors import AmbiguousError, NotFoundError
from rave.scoring import ContactState

# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRef:
    id: int
    name: str


@dataclass(frozen=True)
class ContactSummary:
    id: int
    name: str
    tier: str
    tags: tuple[str, ...]
    company: str | None
    title: str | None
    last_meaningful_at: datetime | None
    warmth: float


@dataclass(frozen=True)
class NoteRow:
    id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    contact_id: int
    contact_name: str
    text: str
    due: date | None
    done_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class InteractionRow:
    id: int
    when: datetime
    kind: str
    direction: str
    channel: str
    note: str | None
    needs_reply: bool
    with_others: tuple[str, ...]


@dataclass(frozen=True)
class ContactDetail:
    id: int
    name: str
    tier: str
    cadence_days: int | None
    aliases: tuple[str, ...]
    handles: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    why: str | None
    offer: str | None
    met: str | None
    company: str | None
    title: str | None
    location: str | None
    birthday: str | None
    snoozed_until: datetime | None
    created_at: datetime
    notes: tuple[NoteRow, ...]
    followups: tuple[FollowUpRow, ...]
    interactions: tuple[InteractionRow, ...]
    interaction_count: int
    balance: dict[str, int]
    warmth: float


# --- finding people -----------------------------------------------------------------------


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _names(conn: sqlite3.Connection, ids: set[int]) -> list[ContactRef]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, name FROM contact WHERE id IN ({marks}) ORDER BY name_key, id",
        sorted(ids),
    ).fetchall()
    return [ContactRef(row[0], row[1]) for row in rows]


def _exact(conn: sqlite3.Connection, ref: str, key: str) -> set[int]:
    ids = {
        row[0]
        for row in conn.execute(
            "SELECT id FROM contact WHERE name_key = ?1 "
            "UNION SELECT contact_id FROM alias WHERE alias_key = ?1",
            (key,),
        )
    }
    for chan, value in vocab.guess_handle(ref):
        ids.update(
            row[0]
            for row in conn.execute(
                "SELECT contact_id FROM handle WHERE channel = ? AND value = ?", (chan, value)
            )
        )
    return ids


def _prefix_or_word(conn: sqlite3.Connection, key: str) -> set[int]:
    pattern = _like_escape(key) + "%"
    word = "% " + pattern
    return {
        row[0]
        for row in conn.execute(
            "SELECT id FROM contact WHERE name_key LIKE ?1 ESCAPE '\\' "
            "OR name_key LIKE ?2 ESCAPE '\\' "
            "UNION SELECT contact_id FROM alias WHERE alias_key LIKE ?1 ESCAPE '\\' "
            "OR alias_key LIKE ?2 ESCAPE '\\'",
            (pattern, word),
        )
    }


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition costs 1), stopping early once
    every path exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed_edits(key: str) -> int:
    return 0 if len(key) < 4 else 1 if len(key) < 8 else 2


def _fuzzy(conn: sqlite3.Connection, key: str) -> set[int]:
    limit = _allowed_edits(key)
    if limit == 0:
        return set()
    ids: set[int] = set()
    rows = conn.execute(
        "SELECT id, name_key FROM contact UNION ALL SELECT contact_id, alias_key FROM alias"
    )
    for cid, candidate in rows:
        options = [candidate, *candidate.split()] if " " not in key else [candidate]
        if any(edit_distance(key, option, limit) <= limit for option in options):
            ids.add(cid)
    return ids


def find_contact(conn: sqlite3.Connection, ref: str) -> ContactRef:
    """Resolve a contact reference (spec/cli.md): ``#ID``; exact name, alias or handle;
    a unique prefix or word match; a unique close fuzzy match. Case- and
    accent-insensitive. Several candidates raise AmbiguousError (exit 4), none
    NotFoundError (exit 3)."""
    text = ref.strip()
    if text.startswith("#") and text[1:].isdigit():
        row = conn.execute("SELECT id, name FROM contact WHERE id = ?", (int(text[1:]),))
        found = row.fetchone()
        if found is None:
            raise NotFoundError(f"no contact #{text[1:]}", hint="see `rave list`")
        return ContactRef(found[0], found[1])
    key = vocab.fold(text)
    ids = _exact(conn, text, key) if text else set()
    if not ids and key:
        ids = _prefix_or_word(conn, key) or _fuzzy(conn, key)
    if len(ids) == 1:
        return _names(conn, ids)[0]
    if len(ids) > 1:
        refs = _names(conn, ids)
        raise AmbiguousError(ref, [(r.id, r.name) for r in refs[:15]])
    raise NotFoundError(
        f"no contact matches {ref!r}",
        hint=f"add them with `rave add {text!r}`, or log with --create",
    )


def find_contacts(conn: sqlite3.Connection, refs: list[str]) -> list[ContactRef]:
    found: list[ContactRef] = []
    for ref in refs:
        contact = find_contact(conn, ref)
        if contact not in found:
            found.append(contact)
    return found


def contact_names(conn: sqlite3.Connection, prefix: str, limit: int = 50) -> list[str]:
    """Names starting with ``prefix`` (case/accent-insensitive), for shell completion."""
    pattern = _like_escape(vocab.fold(prefix)) + "%"
    rows = conn.execute(
        "SELECT name FROM contact WHERE name_key LIKE ? ESCAPE '\\' ORDER BY name_key LIMIT ?",
        (pattern, limit),
    )
    return [row[0] for row in rows]


# --- lists and profiles -------------------------------------------------------------------

_LAST_MEANINGFUL = """
    (SELECT MAX(i.happened_at) FROM interaction_contact ic
       JOIN interaction i ON i.id = ic.interaction_id
      WHERE ic.contact_id = c.id AND i.kind IN ('chat', 'engage') AND i.happened_at <= :as_of)
"""
_WARMTH = """
    (SELECT COALESCE(SUM(rave_warmth(i.kind, i.channel,
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


def list_contacts(
    conn: sqlite3.Connection,
    *,
    as_of: datetime,
    tier: str | None = None,
    tag: str | None = None,
    search: str | None = None,
    sort: str = "name",
) -> list[ContactSummary]:
    where = ["1 = 1"]
    params: dict[str, object] = {"as_of": timeutil.to_db(as_of)}
    if tier is not None:
        where.append("c.tier = :tier")
        params["tier"] = tier
    if tag is not None:
        where.append("EXISTS (SELECT 1 FROM tag t WHERE t.contact_id = c.id AND t.tag = :tag)")
        params["tag"] = tag.strip().lower()
    if search:
        params["search"] = "%" + _like_escape(vocab.fold(search)) + "%"
        params["raw"] = "%" + _like_escape(search.strip().lower()) + "%"
        where.append(
            "(c.name_key LIKE :search ESCAPE '\\'"
            " OR lower(COALESCE(c.company, '')) LIKE :raw ESCAPE '\\'"
            " OR lower(COALESCE(c.title, '')) LIKE :raw ESCAPE '\\'"
            " OR EXISTS (SELECT 1 FROM alias a WHERE a.contact_id = c.id"
            "            AND a.alias_key LIKE :search ESCAPE '\\')"
            " OR EXISTS (SELECT 1 FROM handle h WHERE h.contact_id = c.id"
            "            AND h.value LIKE :raw ESCAPE '\\'))"
        )
    sql = f"""
        SELECT c.id, c.name, c.tier, {_TAGS} AS tags, c.company, c.title,
               {_LAST_MEANINGFUL} AS last_meaningful, {_WARMTH} AS warmth
          FROM contact c
         WHERE {" AND ".join(where)}
         ORDER BY {SORTS[sort]}
    """
    return [
        ContactSummary(
            id=row[0],
            name=row[1],
            tier=row[2],
            tags=tuple(json.loads(row[3])),
            company=row[4],
            title=row[5],
            last_meaningful_at=timeutil.from_db_opt(row[6]),
            warmth=float(row[7]),
        )
        for row in conn.execute(sql, params)
    ]


def _followups(
    conn: sqlite3.Connection, where: str, params: tuple[object, ...]
) -> list[FollowUpRow]:
    sql = f"""
        SELECT f.id, f.contact_id, c.name, f.text, f.due, f.done_at, f.created_at
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
        raise NotFoundError(f"no follow-up #{followup_id}", hint="see `rave followups`")
    return rows[0]


def _interactions(
    conn: sqlite3.Connection, contact_id: int, as_of: datetime, limit: int
) -> list[InteractionRow]:
    rows = conn.execute(
        """
        SELECT i.id, i.happened_at, i.kind, i.direction, i.channel, i.note, i.needs_reply,
               (SELECT json_group_array(o.name) FROM interaction_contact oc
                  JOIN contact o ON o.id = oc.contact_id
                 WHERE oc.interaction_id = i.id AND oc.contact_id != :cid)
          FROM interaction_contact ic JOIN interaction i ON i.id = ic.interaction_id
         WHERE ic.contact_id = :cid AND i.happened_at <= :as_of
         ORDER BY i.happened_at DESC, i.id DESC
         LIMIT :limit
        """,
        {"cid": contact_id, "as_of": timeutil.to_db(as_of), "limit": limit},
    )
    return [
        InteractionRow(
            id=row[0],
            when=timeutil.from_db(row[1]),
            kind=row[2],
            direction=row[3],
            channel=row[4],
            note=row[5],
            needs_reply=bool(row[6]),
            with_others=tuple(json.loads(row[7])),
        )
        for row in rows
    ]


def contact_detail(
    conn: sqlite3.Connection, contact_id: int, *, as_of: datetime, timeline: int = 20
) -> ContactDetail:
    row = conn.execute(
        f"""
        SELECT c.id, c.name, c.tier, c.cadence_days, c.why, c.offer, c.met, c.company,
               c.title, c.location, c.birthday, c.snoozed_until, c.created_at,
               {_TAGS}, {_WARMTH}
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
    handles = tuple(
        (r[0], r[1])
        for r in conn.execute(
            "SELECT channel, value FROM handle WHERE contact_id = ? ORDER BY channel, value",
            (contact_id,),
        )
    )
    notes = tuple(
        NoteRow(r[0], r[1], timeutil.from_db(r[2]))
        for r in conn.execute(
            "SELECT id, text, created_at FROM note WHERE contact_id = ? "
            "ORDER BY created_at DESC, id DESC",
            (contact_id,),
        )
    )
    balance = dict.fromkeys(vocab.KINDS, 0)
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
        notes=notes,
        followups=tuple(_followups(conn, "f.contact_id = ? AND f.done_at IS NULL", (contact_id,))),
        interactions=tuple(_interactions(conn, contact_id, as_of, timeline)),
        interaction_count=total,
        balance=balance,
    )


def handle_owner(conn: sqlite3.Connection, channel: str, value: str) -> ContactRef | None:
    row = conn.execute(
        "SELECT c.id, c.name FROM handle h JOIN contact c ON c.id = h.contact_id "
        "WHERE h.channel = ? AND h.value = ?",
        (channel, value),
    ).fetchone()
    return None if row is None else ContactRef(row[0], row[1])


def same_name(conn: sqlite3.Connection, name: str) -> list[ContactRef]:
    rows = conn.execute(
        "SELECT id, name FROM contact WHERE name_key = ? ORDER BY id", (vocab.fold(name),)
    )
    return [ContactRef(r[0], r[1]) for r in rows]


# --- ranking state ------------------------------------------------------------------------

# One event per (contact, interaction), dated at or before as_of. `k` orders events the
# way scoring.derive_state does, by (when, id), as fixed-width text: 20 characters of
# time then 12 digits of id, so `k || x` carries a value along with its order (the MAX of
# it is the latest event, substr(…, 33) its value).
_STATE_SQL = """
WITH ev AS (
    SELECT ic.contact_id AS cid, i.happened_at AS t, i.kind AS kind, i.direction AS dir,
           i.channel AS ch, i.needs_reply AS nr, i.note AS note,
           i.happened_at || printf('%012d', i.id) AS k,
           i.kind IN ('chat', 'engage') AS m,
           CAST(strftime('%s', i.happened_at) AS INTEGER) AS ts,
           MAX(CASE WHEN i.kind = 'broadcast' AND i.direction = 'in' THEN i.happened_at END)
               OVER (PARTITION BY ic.contact_id ORDER BY i.happened_at, i.id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_post
      FROM interaction_contact ic
      JOIN interaction i ON i.id = ic.interaction_id
     WHERE i.happened_at <= :as_of AND ic.contact_id IN (SELECT id FROM picked)
),
a1 AS (
    SELECT cid,
           MAX(CASE WHEN m THEN k || ch END) AS last_m,
           MIN(CASE WHEN m THEN k END) AS first_m,
           SUM(m AND dir = 'in') AS n_in_m,
           MAX(CASE WHEN m AND dir = 'in' THEN k END) AS last_in_m,
           MAX(CASE WHEN m AND dir = 'out' THEN k || ch END) AS last_out_m,
           MAX(CASE WHEN kind = 'engage' AND dir = 'out' THEN k END) AS last_out_engage,
           MAX(CASE WHEN kind = 'engage' THEN k END) AS last_engage,
           MAX(CASE WHEN m AND ch IN ('in_person', 'phone', 'video') THEN t END) AS last_offline,
           MAX(CASE WHEN kind = 'broadcast' AND dir = 'in' THEN k || ch END) AS last_post,
           MAX(CASE WHEN m AND note IS NOT NULL AND note != '' THEN k || note END) AS conv_note,
           SUM(rave_warmth(kind, ch, (:as_of_s - ts) / 86400.0)) AS warmth
      FROM ev GROUP BY cid
),
a2 AS (
    SELECT ev.cid,
           MIN(CASE WHEN ev.m AND ev.dir = 'in' AND ev.nr
                     AND ev.k > COALESCE(substr(a1.last_out_m, 1, 32), '')
                    THEN ev.k || ev.kind || '|' || ev.ch END) AS pending,
           SUM(ev.m AND ev.dir = 'out' AND ev.k > COALESCE(a1.last_in_m, '')
               AND (ev.prev_post IS NULL
                    OR ev.ts - CAST(strftime('%s', ev.prev_post) AS INTEGER)
                       > :post_window_s)) AS out_streak,
           SUM(ev.kind = 'broadcast' AND ev.dir = 'out'
               AND ev.k > COALESCE(substr(a1.last_m, 1, 32), '')) AS bcast_since_m,
           SUM(ev.kind = 'engage' AND ev.dir = 'in'
               AND ev.k > COALESCE(a1.last_out_engage, '')) AS debt,
           MIN(CASE WHEN ev.kind = 'engage' AND ev.dir = 'in'
                     AND ev.k > COALESCE(a1.last_out_engage, '') THEN ev.t END) AS debt_since,
           SUM(ev.kind = 'chat' AND ev.k > COALESCE(a1.last_engage, '')) AS chats_since_engage,
           MAX(ev.dir = 'out' AND ev.k > substr(a1.last_post, 1, 32)) AS responded,
           SUM(ev.m AND :as_of_s - ev.ts <= 3 * 86400 * p.cadence) AS recent_m,
           SUM(ev.m AND ev.dir = 'in' AND :as_of_s - ev.ts <= 3 * 86400 * p.cadence)
               AS recent_in_m,
           MAX(CASE WHEN ev.ch != substr(a1.last_out_m, 33) THEN ev.k || ev.ch END) AS alt
      FROM ev JOIN a1 ON a1.cid = ev.cid JOIN picked p ON p.id = ev.cid
     GROUP BY ev.cid
)
SELECT p.id, c.name, c.tier, c.cadence_days, p.cadence, c.snoozed_until, c.why, c.offer,
       a1.last_m, a1.first_m, COALESCE(a1.n_in_m, 0), a2.pending,
       COALESCE(a2.out_streak, 0), a1.last_out_m, a2.alt, COALESCE(a2.bcast_since_m, 0),
       COALESCE(a2.debt, 0), a2.debt_since, COALESCE(a2.chats_since_engage, 0),
       a1.last_offline, a1.last_post, COALESCE(a2.responded, 0), COALESCE(a2.recent_m, 0),
       COALESCE(a2.recent_in_m, 0),
       (SELECT n.text FROM note n WHERE n.contact_id = p.id AND n.created_at <= :as_of
         ORDER BY n.created_at DESC, n.id DESC LIMIT 1) AS latest_note,
       a1.conv_note, COALESCE(a1.warmth, 0.0)
  FROM picked p
  JOIN contact c ON c.id = p.id
  LEFT JOIN a1 ON a1.cid = p.id
  LEFT JOIN a2 ON a2.cid = p.id
 ORDER BY p.id
"""


def _picked(
    *, tier: str | None, tag: str | None, channel: str | None, contact_id: int | None
) -> str:
    """The contacts to rank, with their effective cadence (scoring.effective_cadence)."""
    where = ["1 = 1"]
    if contact_id is not None:
        where.append("c.id = :contact_id")
    if tier is not None:
        where.append("c.tier = :tier")
    if tag is not None:
        where.append("EXISTS (SELECT 1 FROM tag t WHERE t.contact_id = c.id AND t.tag = :tag)")
    if channel is not None:
        where.append(
            "(EXISTS (SELECT 1 FROM handle h WHERE h.contact_id = c.id AND h.channel = :channel)"
            " OR EXISTS (SELECT 1 FROM interaction_contact x JOIN interaction y"
            " ON y.id = x.interaction_id WHERE x.contact_id = c.id AND y.channel = :channel))"
        )
    return f"""
        picked AS MATERIALIZED (
            SELECT c.id AS id,
                   COALESCE(c.cadence_days, CASE c.tier WHEN 'A' THEN :cad_A
                       WHEN 'B' THEN :cad_B WHEN 'C' THEN :cad_C WHEN 'D' THEN :cad_D
                       ELSE :cad_max END) AS cadence
              FROM contact c WHERE {" AND ".join(where)}
        )"""


def _at(keyed: str | None) -> datetime | None:
    return None if keyed is None else timeutil.from_db(keyed[:20])


def contact_states(
    conn: sqlite3.Connection,
    *,
    as_of: datetime,
    config: RankConfig,
    tier: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
    contact_id: int | None = None,
) -> list[ContactState]:
    """Every (filtered) contact's ranking state as of ``as_of``, aggregated in SQL by one
    query; equal to ``scoring.derive_state`` on the same history (tested)."""
    sql = "WITH " + _picked(tier=tier, tag=tag, channel=channel, contact_id=contact_id)
    sql += ", " + _STATE_SQL.strip().removeprefix("WITH ")
    params: dict[str, object] = {
        "as_of": timeutil.to_db(as_of),
        "as_of_s": int(as_of.timestamp()),
        "post_window_s": config.post_window_days * 86400,
        "cad_max": max(config.cadence.values()),
        "contact_id": contact_id,
        "tier": tier,
        "tag": None if tag is None else tag.strip().lower(),
        "channel": channel,
    }
    params.update({f"cad_{t}": config.cadence[t] for t in ("A", "B", "C", "D")})
    states = []
    for row in conn.execute(sql, params):
        last_m, last_out, last_post, pending = row[8], row[13], row[20], row[11]
        pending_kind, _, pending_channel = (pending[32:] if pending else "").partition("|")
        states.append(
            ContactState(
                contact_id=row[0],
                name=row[1],
                tier=row[2],
                as_of=as_of,
                cadence_days=row[3],
                cadence=float(row[4]),
                snoozed_until=timeutil.from_db_opt(row[5]),
                why=row[6],
                offer=row[7],
                last_meaningful=_at(last_m),
                last_meaningful_channel=last_m[32:] if last_m else None,
                first_meaningful=_at(row[9]),
                n_in_meaningful=int(row[10]),
                pending_in=_at(pending),
                pending_channel=pending_channel or None,
                pending_kind=pending_kind or None,
                out_streak=int(row[12]),
                last_out=_at(last_out),
                last_out_channel=last_out[32:] if last_out else None,
                alt_channel=row[14][32:] if row[14] else None,
                bcast_since_meaningful=int(row[15]),
                debt=int(row[16]),
                debt_since=timeutil.from_db_opt(row[17]),
                chats_since_engage=int(row[18]),
                last_offline=timeutil.from_db_opt(row[19]),
                last_in_broadcast=_at(last_post),
                last_in_broadcast_channel=last_post[32:] if last_post else None,
                responded_to_broadcast=bool(row[21]),
                recent_meaningful=int(row[22]),
                recent_in_meaningful=int(row[23]),
                talking_point=row[24] if row[24] is not None else (row[25] or "")[32:] or None,
                warmth=float(row[26]),
            )
        )
    return states
