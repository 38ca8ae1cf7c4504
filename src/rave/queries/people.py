"""Finding people: `CONTACT` references resolved as spec/cli.md says (exact, then a
unique prefix or word, then the close typo that is clearly ahead, ranked with rapidfuzz;
docs/decisions.md, "Fuzzy lookup"), what `rave log --create` may attach to, and when two
names can be one person's (the import's identity rules)."""

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


def _allowed_edits(key: str) -> int:
    """How many typos a reference of this length may hold: none under 4 characters (too
    many short names are a typo apart), 1 under 8, else 2."""
    return 0 if len(key) < 4 else 1 if len(key) < 8 else 2


def _fuzzy(conn: sqlite3.Connection, key: str) -> list[tuple[int, int]]:
    """``(contact id, typos)`` for every name or alias within ``_allowed_edits`` typos of
    ``key`` (a one-word ``key`` is also compared with each word of a name), best first:
    fewest typos (optimal string alignment: a swap of two letters is one), then the
    closest by rapidfuzz's ``fuzz.ratio``, then the name.

    rapidfuzz is imported here only: the read commands that never resolve a name do not
    pay for it."""
    limit = _allowed_edits(key)
    if limit == 0:
        return []
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import OSA

    rows = conn.execute(
        "SELECT id, name_key FROM contact UNION ALL SELECT contact_id, alias_key FROM alias"
    ).fetchall()
    owners = [row[0] for row in rows]
    texts = [row[1] for row in rows]
    if " " not in key:  # `Stoen` is a typo of Bob Stone's family name
        for cid, text in rows:
            if " " in text:
                words = text.split()
                owners.extend([cid] * len(words))
                texts.extend(words)
    best: dict[int, tuple[int, float, str]] = {}
    found = process.extract(key, texts, scorer=OSA.distance, score_cutoff=limit, limit=None)
    for text, typos, index in found:
        rank = (int(typos), -fuzz.ratio(key, text), text)
        cid = owners[index]
        if cid not in best or rank < best[cid]:
            best[cid] = rank
    ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))
    return [(cid, rank[0]) for cid, rank in ranked]


def _ranked_prefix(conn: sqlite3.Connection, ids: set[int], key: str) -> list[tuple[int, int]]:
    """Prefix or word matches as ``(contact id, 0 for whole words, 1 for a beginning)``,
    best first: whole words before a mere beginning (``ana``: Ana Pérez before Anabel
    Ortiz), then the shortest name, then the name."""
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, name_key FROM contact WHERE id IN ({marks}) "
        f"UNION ALL SELECT contact_id, alias_key FROM alias WHERE contact_id IN ({marks})",
        [*sorted(ids), *sorted(ids)],
    )
    best: dict[int, tuple[int, int, str]] = {}
    for cid, text in rows:
        if not (text.startswith(key) or f" {key}" in text):
            continue  # an alias of theirs that does not match
        whole = f" {key} " in f" {text} "
        rank = (0 if whole else 1, len(text), text)
        if cid not in best or rank < best[cid]:
            best[cid] = rank
    return [(cid, best[cid][0]) for cid in sorted(best, key=lambda cid: (best[cid], cid))]


MAX_REF_CHARS = 1000
MAX_LISTED = 15


def _by_id(conn: sqlite3.Connection, text: str) -> ContactRef:
    number = re.fullmatch(r"#(\d{1,18})", text, re.ASCII)
    found = None
    if number:
        row = conn.execute("SELECT id, name FROM contact WHERE id = ?", (int(number[1]),))
        found = row.fetchone()
    if found is None:
        raise NotFoundError(f"no contact {text}", hint="see `rave list`")
    return ContactRef(found[0], found[1])


def _ambiguous(conn: sqlite3.Connection, ref: str, ranked: list[int]) -> AmbiguousError:
    """Exit 4 listing the best candidates in rank order (at most ``MAX_LISTED``)."""
    names = {r.id: r for r in _names(conn, set(ranked[:MAX_LISTED]))}
    shown = [(cid, names[cid].name) for cid in ranked[:MAX_LISTED]]
    error = AmbiguousError(ref, shown)
    if len(ranked) > len(shown):
        listed = "\n".join(f"  #{cid}  {name}" for cid, name in shown)
        error.message = f"{ref!r} matches {len(ranked)} contacts; the closest:\n{listed}"
    return error


def _lookup(conn: sqlite3.Connection, ref: str) -> tuple[str, list[int], list[int]]:
    """How ``ref`` matches: ``(stage, ranked ids, scores)``. The stage is "exact" (name,
    alias or handle), "near" (prefix or word; a score is 0 for whole words, 1 for a
    beginning), "typo" (a score is the number of typos) or "none"."""
    text = ref.strip()
    key = normalize.fold(text)
    ids = _exact(conn, text, key) if text else set()
    if ids:
        return "exact", [r.id for r in _names(conn, ids)], []
    if not key:
        return "none", [], []
    near = _prefix_or_word(conn, key)
    if near:
        ranked = _ranked_prefix(conn, near, key)
        return "near", [cid for cid, _ in ranked], [whole for _, whole in ranked]
    typos = _fuzzy(conn, key)
    if typos:
        return "typo", [cid for cid, _ in typos], [n for _, n in typos]
    return "none", [], []


def clearly_ahead(typos: list[int]) -> bool:
    """The closest typo is taken when it is *clearly ahead*: fewer typos than every other
    candidate (``Jonas Novka 77`` is one swap from Jonas Novak 77 and at least two from
    anyone else). A tie (``John Smoth``: John Smith and John Smyth, one each) is listed."""
    return len(typos) == 1 or (len(typos) > 1 and typos[0] < typos[1])


def find_contact(conn: sqlite3.Connection, ref: str) -> ContactRef:
    """Resolve a contact reference (spec/cli.md): ``#ID``; exact name, alias or handle;
    a unique prefix or word match; the close typo that is clearly ahead (see
    ``clearly_ahead``). Case- and accent-insensitive. Several candidates raise
    AmbiguousError (exit 4) listing them best first, none NotFoundError (exit 3)."""
    text = ref.strip()
    if len(text) > MAX_REF_CHARS:  # longer than any name, alias or handle can be
        raise NotFoundError(f"no contact matches {text[:40]!r}…", hint="see `rave list`")
    if re.fullmatch(r"#\d+", text):
        return _by_id(conn, text)
    stage, ranked, typos = _lookup(conn, text)
    if len(ranked) == 1 or (stage == "typo" and clearly_ahead(typos)):
        return _names(conn, {ranked[0]})[0]
    if ranked:
        raise _ambiguous(conn, ref, ranked)
    raise NotFoundError(
        f"no contact matches {ref!r}",
        hint=f"add them with `rave add {text!r}`, or log with --create",
    )


def find_for_create(conn: sqlite3.Connection, ref: str) -> ContactRef | None:
    """What `rave log --create` attaches to: the contact ``ref`` names (``#ID``, name,
    alias, handle, or a whole word of one name: ``ana`` for Ana Pérez), or None when
    nobody comes close (then it creates them). ``--create`` never attaches to a looser
    match: a reference that is only the beginning of a word (``Paul`` next to Paula
    Martin) or a typo of someone's name (``Paula Martin`` next to Paul Martin) may as well
    be a new person, so it raises AmbiguousError (exit 4) naming them."""
    text = ref.strip()
    if len(text) > MAX_REF_CHARS:
        return None
    if re.fullmatch(r"#\d+", text):
        return _by_id(conn, text)
    stage, ranked, scores = _lookup(conn, text)
    if stage == "none":
        if text.startswith("#"):  # meant an id: never a new person called "#12a"
            raise NotFoundError(f"no contact {text}", hint="see `rave list`")
        return None
    if len(ranked) == 1 and (stage == "exact" or (stage == "near" and scores[0] == 0)):
        return _names(conn, set(ranked))[0]
    if len(ranked) > 1 and stage in ("exact", "near"):
        raise _ambiguous(conn, ref, ranked)
    import shlex

    error = _ambiguous(conn, ref, ranked)
    listed = "\n".join(f"  #{cid}  {name}" for cid, name in error.candidates)
    error.message = f"{ref!r} is not a contact, but is close to:\n{listed}"
    name = text if len(text) <= 60 else text[:60] + "…"
    error.hint = (
        "to log with one of them, use their full name or #ID; for a new person, "
        f"`rave add {shlex.quote(name)} --tier none` first"
    )
    raise error


def names_agree(a: str, b: str) -> bool:
    """Whether two folded names can be one person's: the same words, where a word may be
    given as its initial (``priya p.`` and ``priya patel``, ``j smith`` and ``john
    smith``). ``jean dupont`` and ``marie dupont``, or ``paul`` and ``paula``, do not."""
    left = a.replace(".", " ").split()
    right = b.replace(".", " ").split()
    if not left or len(left) != len(right):
        return False
    for x, y in zip(left, right, strict=True):
        short, full = sorted((x, y), key=len)
        if short != full and not (len(short) == 1 and full.startswith(short)):
            return False
    return True


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
