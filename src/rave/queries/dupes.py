"""Possible duplicates: pairs of contacts that may be one person, for `rave dupes`.

Imports keep people apart unless a strong key says they are one (docs/decisions.md,
"Identity rules"); what they kept apart is found again here from what the store
already holds, with no table of its own:

- **a shared email or phone**: a ``shared-email`` / ``shared-phone`` key of one contact
  (``"VALUE NAME"``, written by the import that kept them apart) whose value is a handle
  of the other: Marie Dupont, who uses Jean Dupont's family address;
- **the same name**: contacts whose folded names are equal (two John Smiths with other
  phones or companies); a group of namesakes is listed as pairs with its oldest member;
- **an alias that is another contact's name**: ``Sam Lee`` is an alias of Samuel Lee and
  the name of another contact.

Names only a letter apart are not listed: Paul and Paula Martin, Jean and Jeanne Dupont
are different people. In each pair KEEP is the older contact (the lower id): `rave merge
KEEP DROP` keeps its name and makes DROP's an alias. A pair the user marked as two people
(`rave apart`, table ``distinct_pair``) is left out and counted, so the list can be
cleared without merging anyone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Container
from dataclasses import dataclass

from rave.queries.records import ContactRef

SHARED = "shared-"  # the contact_ref sources of values kept apart (services.matcher)


@dataclass(frozen=True, slots=True)
class DupePair:
    """Two contacts that may be one person, and why they are listed."""

    keep: ContactRef
    drop: ContactRef
    reasons: tuple[str, ...]
    apart: bool = False  # the user marked them as two people (`rave apart`)

    @property
    def merge(self) -> str:
        """The command that joins them (ids quoted: a bare ``#`` starts a comment)."""
        return f"rave merge '#{self.keep.id}' '#{self.drop.id}'"

    @property
    def mark_apart(self) -> str:
        """The command that says they are two people, so they are not listed again."""
        return f"rave apart '#{self.keep.id}' '#{self.drop.id}'"


@dataclass(frozen=True, slots=True)
class Duplicates:
    """What `rave dupes` lists, and how many pairs it left out as marked apart."""

    pairs: tuple[DupePair, ...]
    left_out: int  # pairs marked as two people that ``pairs`` does not hold


def duplicates(conn: sqlite3.Connection, *, with_apart: bool = False) -> Duplicates:
    """The possible duplicates without the pairs marked as two people (counted in
    ``left_out``), or with them (``with_apart``, each flagged)."""
    marked = {
        (first, second)
        for first, second in conn.execute("SELECT contact_id, other_id FROM distinct_pair")
    }
    pairs = possible_duplicates(conn, apart=marked)
    if with_apart:
        return Duplicates(pairs=tuple(pairs), left_out=0)
    listed = tuple(pair for pair in pairs if not pair.apart)
    return Duplicates(pairs=listed, left_out=len(pairs) - len(listed))


def possible_duplicates(
    conn: sqlite3.Connection,
    *,
    apart: Container[tuple[int, int]] = frozenset(),
) -> list[DupePair]:
    """Every pair that may be one person, by KEEP then DROP id; those in ``apart``
    (lower id first) are flagged as marked apart."""
    reasons: dict[tuple[int, int], list[str]] = {}

    def note(a: int, b: int, reason: str) -> None:
        pair = (min(a, b), max(a, b))
        found = reasons.setdefault(pair, [])
        if reason not in found:
            found.append(reason)

    shared = conn.execute(
        """SELECT h.contact_id, r.contact_id, h.channel, h.value
           FROM contact_ref AS r
           JOIN handle AS h
             ON h.channel = substr(r.source, ?2)
            AND h.value = substr(r.key, 1, instr(r.key, ' ') - 1)
           WHERE r.source LIKE ?1 || '%' AND h.contact_id != r.contact_id""",
        (SHARED, len(SHARED) + 1),
    )
    for owner, sharer, channel, value in shared:
        what = "email" if channel == "email" else "phone number"
        note(owner, sharer, f"same {what} {value}")
    namesakes = conn.execute(
        "SELECT group_concat(id) FROM contact GROUP BY name_key HAVING count(*) > 1"
    )
    for (ids,) in namesakes:
        first, *others = sorted(int(i) for i in ids.split(","))
        for other in others:
            note(first, other, "same name")
    aliases = conn.execute(
        """SELECT a.contact_id, c.id, a.alias
           FROM alias AS a JOIN contact AS c ON c.name_key = a.alias_key
           WHERE c.id != a.contact_id"""
    )
    for holder, named, alias in aliases:
        note(holder, named, f"{alias} is an alias of #{holder}")
    if not reasons:
        return []
    names = _names(conn, {cid for pair in reasons for cid in pair})
    return [
        DupePair(
            keep=names[keep], drop=names[drop], reasons=tuple(why), apart=(keep, drop) in apart
        )
        for (keep, drop), why in sorted(reasons.items())
    ]


def _names(conn: sqlite3.Connection, ids: set[int]) -> dict[int, ContactRef]:
    found: dict[int, ContactRef] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):  # SQLite's limit on bound values
        chunk = ordered[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for cid, name in conn.execute(f"SELECT id, name FROM contact WHERE id IN ({marks})", chunk):
            found[cid] = ContactRef(cid, name)
    return found
