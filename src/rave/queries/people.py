"""Finding people: `CONTACT` references resolved as spec/cli.md says."""

from __future__ import annotations

import re
import sqlite3

from rave import normalize
from rave.errors import AmbiguousError, NotFoundError
from rave.queries.records import ContactRef

# --- finding people -----------------------------------------------------------------------


def like_escape(text: str) -> str:
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
    for chan, value in normalize.guess_handle(ref):
        ids.update(
            row[0]
            for row in conn.execute(
                "SELECT contact_id FROM handle WHERE channel = ? AND value = ?", (chan, value)
            )
        )
    return ids


def _prefix_or_word(conn: sqlite3.Connection, key: str) -> set[int]:
    pattern = like_escape(key) + "%"
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


MAX_REF_CHARS = 1000


def find_contact(conn: sqlite3.Connection, ref: str) -> ContactRef:
    """Resolve a contact reference (spec/cli.md): ``#ID``; exact name, alias or handle;
    a unique prefix or word match; a unique close fuzzy match. Case- and
    accent-insensitive. Several candidates raise AmbiguousError (exit 4), none
    NotFoundError (exit 3)."""
    text = ref.strip()
    if len(text) > MAX_REF_CHARS:  # longer than any name, alias or handle can be
        raise NotFoundError(f"no contact matches {text[:40]!r}…", hint="see `rave list`")
    number = re.fullmatch(r"#(\d{1,18})", text, re.ASCII)
    if number or re.fullmatch(r"#\d+", text):
        found = None
        if number:
            row = conn.execute("SELECT id, name FROM contact WHERE id = ?", (int(number[1]),))
            found = row.fetchone()
        if found is None:
            raise NotFoundError(f"no contact {text}", hint="see `rave list`")
        return ContactRef(found[0], found[1])
    key = normalize.fold(text)
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


def contact_names(conn: sqlite3.Connection, prefix: str, limit: int = 50) -> list[str]:
    """Names starting with ``prefix`` (case/accent-insensitive), for shell completion."""
    pattern = like_escape(normalize.fold(prefix[:MAX_REF_CHARS])) + "%"
    rows = conn.execute(
        "SELECT name FROM contact WHERE name_key LIKE ? ESCAPE '\\' ORDER BY name_key LIMIT ?",
        (pattern, limit),
    )
    return [row[0] for row in rows]


def same_name(conn: sqlite3.Connection, name: str) -> list[ContactRef]:
    rows = conn.execute(
        "SELECT id, name FROM contact WHERE name_key = ? ORDER BY id", (normalize.fold(name),)
    )
    return [ContactRef(r[0], r[1]) for r in rows]
