"""The per-contact ranking state, aggregated by one SQL query."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from rave import scoring, tallies, timeutil, vocab
from rave.config import RankConfig
from rave.scoring import ContactState

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
           -- their latest post up to this event: a running maximum (linear time); the
           -- event itself only counts when it is their post, which is never a row that
           -- reads prev_post (outbound meaningful events do)
           MAX(CASE WHEN i.kind = 'broadcast' AND i.direction = 'in' THEN i.happened_at END)
               OVER (PARTITION BY ic.contact_id ORDER BY i.happened_at, i.id) AS prev_post
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
           MIN(3, SUM(ev.m AND :as_of_s - ev.ts <= 3 * 86400 * p.cadence)) AS recent_m,
           MIN(2, SUM(ev.m AND ev.dir = 'in' AND :as_of_s - ev.ts <= 3 * 86400 * p.cadence))
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
    *,
    tier: str | None,
    tag: str | None,
    channel: str | None,
    contact_id: int | None,
    among: bool = False,
) -> str:
    """The contacts to rank, with their effective cadence (scoring.effective_cadence);
    ``among``: only those whose ids are in the JSON array ``:among``."""
    where = ["1 = 1"]
    if contact_id is not None:
        where.append("c.id = :contact_id")
    if among:
        where.append("c.id IN (SELECT value FROM json_each(:among))")
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


# A contact that can never be listed: tier none with nothing waiting for an answer and no
# debt (scoring.rank's rule), known from its tally alone when that runs to as_of at most.
_UNLISTED = """c.tier = 'none' AND t.pending IS NULL AND COALESCE(t.debt, 0) = 0
    AND (t.latest_at IS NULL OR t.latest_at <= :as_of)"""

_TALLIES_SQL = f"""
SELECT p.id, c.name, c.tier, c.cadence_days, c.snoozed_until, c.why, c.offer,
       (SELECT n.text FROM note n WHERE n.contact_id = p.id AND n.created_at <= :as_of
         ORDER BY n.created_at DESC, n.id DESC LIMIT 1) AS latest_note,
       {tallies.select_columns("t")}
  FROM picked p
  JOIN contact c ON c.id = p.id
  LEFT JOIN contact_tally t ON t.contact_id = p.id
 WHERE NOT (:skip_unlisted AND {_UNLISTED})
 ORDER BY p.id
"""

_UNLISTED_SQL = f"""
SELECT COALESCE(c.snoozed_until > :as_of, 0) AS snoozed, COUNT(*)
  FROM picked p
  JOIN contact c ON c.id = p.id
  LEFT JOIN contact_tally t ON t.contact_id = p.id
 WHERE {_UNLISTED}
 GROUP BY 1
"""


def contact_states(
    conn: sqlite3.Connection,
    *,
    as_of: datetime,
    config: RankConfig,
    tier: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
    contact_id: int | None = None,
    unlisted: dict[str, int] | None = None,
) -> list[ContactState]:
    """Every (filtered) contact's ranking state as of ``as_of``, in id order.

    A contact whose history ends at or before ``as_of`` (the usual case: as of now) is
    read from its stored tally, one row; the others (an ``--as-of`` in the past, an
    interaction dated in the future) are aggregated from their history by one query.
    Both equal ``scoring.derive_state`` on the same history (tested).

    With ``unlisted``, the contacts that ``scoring.rank`` could never list (tier none,
    nothing pending, no debt: most of an imported network) are not returned but counted
    into it, under ``"snoozed"`` or ``"untargeted"`` as ``rank`` would count them."""
    picked = _picked(tier=tier, tag=tag, channel=channel, contact_id=contact_id)
    params = _params(as_of, config, tier=tier, tag=tag, channel=channel, contact_id=contact_id)
    params["skip_unlisted"] = unlisted is not None
    if unlisted is not None:
        for snoozed, count in conn.execute(f"WITH {picked} {_UNLISTED_SQL}", params):
            key = "snoozed" if snoozed else "untargeted"
            unlisted[key] = unlisted.get(key, 0) + count
    stamp = params["as_of"]
    states: dict[int, ContactState] = {}
    aggregate: list[int] = []
    for row in conn.execute(f"WITH {picked} {_TALLIES_SQL}", params):
        cid, name, tier_, cadence_days, snoozed_until, why, offer, note, latest_at = row[:9]
        if latest_at is not None and latest_at > stamp:
            aggregate.append(cid)
            continue
        tally = scoring.Tally() if latest_at is None else tallies.from_row(row[8:])
        states[cid] = tally.state(
            as_of=as_of,
            contact_id=cid,
            name=name,
            tier=tier_,
            cadence_days=cadence_days,
            snoozed_until=timeutil.from_db_opt(snoozed_until),
            latest_note=note,
            why=why,
            offer=offer,
            config=config,
        )
    if aggregate:
        for state in aggregated_states(conn, as_of=as_of, config=config, among=aggregate):
            states[state.contact_id] = state
    return [states[cid] for cid in sorted(states)]


def _params(
    as_of: datetime,
    config: RankConfig,
    *,
    tier: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
    contact_id: int | None = None,
    among: list[int] | None = None,
) -> dict[str, object]:
    params: dict[str, object] = {
        "as_of": timeutil.to_db(as_of),
        "as_of_s": int(as_of.timestamp()),
        "post_window_s": config.post_window_days * 86400,
        "cad_max": max(config.cadence.values()),
        "contact_id": contact_id,
        "tier": tier,
        "tag": None if tag is None else vocab.tag(tag),
        "channel": channel,
        "among": None if among is None else _json_ids(among),
        "skip_unlisted": False,
    }
    params.update({f"cad_{t}": config.cadence[t] for t in ("A", "B", "C", "D")})
    return params


def _json_ids(ids: list[int]) -> str:
    """The JSON array of these ids, for ``json_each``."""
    import json  # here: only the rare fallback query (past --as-of, future-dated) needs it

    return json.dumps(ids)


def aggregated_states(
    conn: sqlite3.Connection,
    *,
    as_of: datetime,
    config: RankConfig,
    tier: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
    contact_id: int | None = None,
    among: list[int] | None = None,
) -> list[ContactState]:
    """The same states as ``contact_states``, every one aggregated from the contacts'
    interactions by one query (``among``: only these contact ids)."""
    picked = _picked(
        tier=tier, tag=tag, channel=channel, contact_id=contact_id, among=among is not None
    )
    sql = "WITH " + picked + ", " + _STATE_SQL.strip().removeprefix("WITH ")
    params = _params(
        as_of, config, tier=tier, tag=tag, channel=channel, contact_id=contact_id, among=among
    )
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
