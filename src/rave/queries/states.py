"""The per-contact ranking state: each contact's stored tally (``rave.contact_tally``), or its
history folded up to the moment asked for, finished by ``Tally.state``."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from rave import choices, contact_tally, normalize, timeutil
from rave.scoring.model import local_day_start
from rave.scoring.state import ContactState, Tally

if TYPE_CHECKING:
    from typing import Unpack

    from rave.config import RankConfig


class Filters(TypedDict, total=False):
    """Which contacts a list ranks: those of this tier, with this tag, and with a handle
    or an interaction on this channel; a filter left out, or None, keeps everyone."""

    tier: str | None
    tag: str | None
    channel: str | None


def _picked(contact_id: int | None, filters: Filters) -> str:
    """The contacts to rank."""
    where = ["1 = 1"]
    if contact_id is not None:
        where.append("c.id = :contact_id")
    if filters.get("tier") is not None:
        where.append("c.tier = :tier")
    if filters.get("tag") is not None:
        where.append("EXISTS (SELECT 1 FROM tag t WHERE t.contact_id = c.id AND t.tag = :tag)")
    if filters.get("channel") is not None:
        where.append(
            "(EXISTS (SELECT 1 FROM handle h WHERE h.contact_id = c.id AND h.channel = :channel)"
            " OR EXISTS (SELECT 1 FROM interaction_contact x JOIN interaction y"
            " ON y.id = x.interaction_id WHERE x.contact_id = c.id AND y.channel = :channel))"
        )
    return f"picked AS MATERIALIZED (SELECT c.id AS id FROM contact c WHERE {' AND '.join(where)})"


# A contact that can never be listed: tier none with nothing waiting for an answer and no
# debt (rank's rule), known from its tally alone when that runs to as_of at most.
_UNLISTED = """c.tier = 'none' AND t.pending IS NULL AND COALESCE(t.debt, 0) = 0
    AND (t.latest_at IS NULL OR t.latest_at <= :as_of)"""

_TALLIES_SQL = f"""
SELECT p.id, c.name, c.tier, c.cadence_days, c.snoozed_until, c.why, c.offer,
       (SELECT n.text FROM note n WHERE n.contact_id = p.id AND n.created_at <= :as_of
         ORDER BY n.created_at DESC, n.gid DESC LIMIT 1) AS latest_note,
       (SELECT group_concat(DISTINCT h.channel) FROM handle h WHERE h.contact_id = p.id)
           AS handles, COALESCE(c.gid, ''),
       {contact_tally.select_columns("t")}
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


def _handle_channels(text: str | None) -> tuple[str, ...]:
    """The channels of a contact's handles, in the contract's channel order."""
    if not text:
        return ()
    found = set(text.split(","))
    return tuple(c for c in choices.CHANNELS if c in found)


def contact_states(
    conn: sqlite3.Connection,
    *,
    as_of: datetime,
    config: RankConfig,
    contact_id: int | None = None,
    unlisted: dict[str, int] | None = None,
    **filters: Unpack[Filters],
) -> list[ContactState]:
    """Every (filtered) contact's ranking state as of ``as_of``, in id order.

    A contact whose history ends at or before ``as_of`` (the usual case: as of now) is
    read from its stored tally, one row; the others (an ``--as-of`` in the past, an
    interaction dated in the future) have their history up to ``as_of`` folded again by
    the same fold (``contact_tally.folded_as_of``).

    With ``unlisted``, the contacts that ``rank`` could never list (tier none,
    nothing pending, no debt: most of an imported network) are not returned but counted
    into it, under ``"snoozed"`` or ``"untargeted"`` as ``rank`` would count them."""
    picked = _picked(contact_id, filters)
    tag = filters.get("tag")
    params: dict[str, object] = {
        "as_of": timeutil.to_db(as_of),
        "contact_id": contact_id,
        "tier": filters.get("tier"),
        "tag": None if tag is None else normalize.tag(tag),
        "channel": filters.get("channel"),
        "skip_unlisted": unlisted is not None,
    }
    if unlisted is not None:
        for snoozed, count in conn.execute(f"WITH {picked} {_UNLISTED_SQL}", params):
            key = "snoozed" if snoozed else "untargeted"
            unlisted[key] = unlisted.get(key, 0) + count
    stamp = params["as_of"]

    def finish(row: tuple[Any, ...], tally: Tally) -> ContactState:
        cid, name, tier, cadence_days, snoozed_until, why, offer, note, handles, gid = row[:10]
        return tally.state(
            as_of=as_of,
            contact_id=cid,
            name=name,
            tier=tier,
            cadence_days=cadence_days,
            snoozed_until=timeutil.from_db_opt(snoozed_until),
            latest_note=note,
            why=why,
            offer=offer,
            handles=_handle_channels(handles),
            config=config,
            contact_gid=gid,
        )

    states = []
    replay: list[tuple[Any, ...]] = []  # stored tally runs past as_of: fold again
    for row in conn.execute(f"WITH {picked} {_TALLIES_SQL}", params):  # streamed
        latest_at = row[10]
        if latest_at is not None and latest_at > stamp:
            replay.append(row)
        else:
            tally = Tally() if latest_at is None else contact_tally.from_row(row[10:])
            states.append(finish(row, tally))
    if replay:
        past = contact_tally.folded_as_of(conn, as_of, [row[0] for row in replay])
        states += [finish(row, past.get(row[0], Tally())) for row in replay]
        states.sort(key=lambda state: state.contact_id)
    return states


def intros_today(conn: sqlite3.Connection, *, as_of: datetime) -> int:
    """First messages of yours sent on the local calendar day of ``as_of``, up to it, to
    anyone (whatever filter a list uses): they count against ``[rank] intro_per_day``.
    A contact's first meaningful event stays the same as its history grows, so the
    stored tallies answer for any moment."""
    row = conn.execute(
        """SELECT COUNT(*) FROM contact_tally
            WHERE first_m_dir = 'out' AND first_m >= ? AND first_m <= ?""",
        (timeutil.to_db(local_day_start(as_of)), timeutil.to_db(as_of)),
    ).fetchone()
    return int(row[0])
