"""rave's own JSON document: everything in the store, lossless.

Envelope::

    {"format": "rave", "version": 3,
     "contacts": [...], "interactions": [...], "posts": [...], "notes": [...],
     "followups": [...], "apart": [...]}

Times are ISO 8601 UTC with a ``Z`` and whole seconds (``2026-03-01T14:30:00Z``, as
``timeutil.to_db``); ``due`` is a date ``YYYY-MM-DD``; ``birthday`` ``YYYY-MM-DD`` or
``--MM-DD``. Records (keys marked * are required; the others may be missing or null,
except lists, which may be missing or ``[]``)::

    contacts:     {id*, gid, name*, given_name, family_name, tier, cadence_days, why,
                   offer, met, company, title, location, birthday, snoozed_until,
                   created_at, updated_at, aliases: [str], handles: [{channel, value,
                   typed}], tags: [str], refs: [{source, key}]}
    interactions: {id*, gid, kind*, direction*, channel*, when*, note, needs_reply,
                   source, external_key, created_at, started_by,
                   contact_ids*: [contact id, ...] (not empty)}
    posts:        {id*, gid, text*, channel*, url, when*, created_at}
    notes:        {id*, gid, contact_id*, text*, created_at, shared}
    followups:    {id*, gid, contact_id*, interaction_id, text*, due, done_at,
                   created_at, external_key}
    apart:        {contact_id*, other_id*, created_at} (two contacts marked as two
                   people, `rave apart`; contact_id < other_id)

``id`` values are positive integers, unique within their list: the numbers of the
machine that wrote the document (``#ID``). ``gid`` is the record's global id
(``rave.gid``), the same on every machine: a UUID in canonical lowercase text
(``0195f0c2-3c4e-7a12-9b3e-5f0e6d2c1a7b``), unique within its list; an import keeps it,
and a record whose gid the store already has is that record (already present), so the
exports of two machines import into each other without duplicates. It is optional:
without it (a document of an older rave) the import gives the record the id an upgrade
would. An interaction's ``external_key`` is unique too (``""`` means none); ``contact_id``,
``contact_ids`` and ``interaction_id`` must name records of the same document; a handle
(channel, value) and a ref (source, key) may belong to one contact only. ``tier`` is
``A``-``D`` or ``none``; ``kind``, ``direction`` and ``channel`` use the words of
``rave.choices``. ``given_name`` and ``family_name`` are the name's parts as a source
split them (vCard ``N``, First/Last Name columns), null when none did; a handle's
``typed`` is its text as the user or the file gave it (``06 98 76 54 32``), null when
that is ``value`` itself. Keys not listed are ignored (a later version 3 may add keys, as
``gid`` was, for store schema 6); a
document of a newer *version* is refused. Older versions still load: version 2 (before
store schema 5) has no name parts, no ``typed``, no follow-up ``external_key`` (the
calendar event an import made it from) and no ``apart``, which read as null or empty; version 1
(before ranking v2) had no direction ``both``: :func:`load` reads a call, video call or
meeting of such a document (a chat or engage on ``phone``, ``video`` or ``in_person``)
as ``both``, started by whoever the direction said, as the schema-3 upgrade does to a
store. :func:`dump` writes
sorted keys, 2-space indentation, UTF-8 (no ``\\u`` escapes) and a final newline, so the
same store always gives the same bytes when the lists are in the same (id) order.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, TextIO

from rave import choices, gid, normalize
from rave.config import MAX_DAYS
from rave.errors import BadInputError, UsageError
from rave.formats import EMPTY_FILE, MAX_NAME_CHARS
from rave.formats._common import birthday as normalize_birthday
from rave.formats._text import explain, open_text

FORMAT = "rave"
VERSION = 3  # 2: direction both and started_by (ranking v2); 3: name parts, typed, gid
KINDS = ("contacts", "interactions", "posts", "notes", "followups")

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Check = Callable[[Any], str | None]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


MAX_ID = (1 << 63) - 1  # SQLite's largest integer
MAX_DEPTH = 32
"""Deepest nesting of arrays and objects read (a rave document nests 5 deep)."""


def _id(value: Any) -> str | None:
    if _is_int(value) and 0 < value <= MAX_ID:
        return None
    return f"must be a positive integer up to {MAX_ID}"


def _gid(value: Any) -> str | None:
    if gid.valid(value):
        return None
    return "must be a UUID in lowercase like 0195f0c2-3c4e-7a12-9b3e-5f0e6d2c1a7b"


def _days(value: Any) -> str | None:
    if _is_int(value) and 0 < value <= MAX_DAYS:
        return None
    return f"must be a positive whole number of days, at most {MAX_DAYS}"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _nonempty(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return None if value.strip() else "must not be empty"


def _name(value: Any) -> str | None:
    problem = _nonempty(value)
    if problem is None and len(value) > MAX_NAME_CHARS:
        problem = f"is longer than {MAX_NAME_CHARS} characters"
    return problem


def _part(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return f"is longer than {MAX_NAME_CHARS} characters" if len(value) > MAX_NAME_CHARS else None


def _time(value: Any) -> str | None:
    if isinstance(value, str) and _TIME.fullmatch(value):
        try:
            datetime.fromisoformat(value.removesuffix("Z") + "+00:00")
        except ValueError:
            pass
        else:
            return None
    return "must be a UTC time like 2026-03-01T14:30:00Z"


def _date(value: Any) -> str | None:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return None
    return "must be a date like 2026-03-01"


def _birthday(value: Any) -> str | None:
    if isinstance(value, str) and normalize_birthday(value) == value:
        return None
    return "must be YYYY-MM-DD or --MM-DD"


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _one_of(words: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in words else f"must be one of {', '.join(words)}"

    return check


def _str_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list of strings"
    if all(isinstance(v, str) and v.strip() for v in value):
        return None
    return "must be a list of non-empty strings"


# key → (check, required)
_SPECS: dict[str, dict[str, tuple[Check, bool]]] = {
    "contacts": {
        "id": (_id, True),
        "gid": (_gid, False),
        "name": (_name, True),
        "given_name": (_part, False),
        "family_name": (_part, False),
        "tier": (_one_of(choices.TIER_CHOICES), False),
        "cadence_days": (_days, False),
        "why": (_text, False),
        "offer": (_text, False),
        "met": (_text, False),
        "company": (_text, False),
        "title": (_text, False),
        "location": (_text, False),
        "birthday": (_birthday, False),
        "snoozed_until": (_time, False),
        "created_at": (_time, False),
        "updated_at": (_time, False),
        "aliases": (_str_list, False),
        "tags": (_str_list, False),
    },
    "interactions": {
        "id": (_id, True),
        "gid": (_gid, False),
        "kind": (_one_of(choices.KINDS), True),
        "direction": (_one_of(choices.DIRECTIONS), True),
        "channel": (_one_of(choices.CHANNELS), True),
        "when": (_time, True),
        "note": (_text, False),
        "needs_reply": (_bool, False),
        "source": (_text, False),
        "external_key": (_text, False),
        "created_at": (_time, False),
        "started_by": (_one_of(("me", "them")), False),
    },
    "posts": {
        "id": (_id, True),
        "gid": (_gid, False),
        "text": (_nonempty, True),
        "channel": (_one_of(choices.CHANNELS), True),
        "url": (_text, False),
        "when": (_time, True),
        "created_at": (_time, False),
    },
    "notes": {
        "id": (_id, True),
        "gid": (_gid, False),
        "contact_id": (_id, True),
        "text": (_nonempty, True),
        "created_at": (_time, False),
        "shared": (_bool, False),
    },
    "followups": {
        "id": (_id, True),
        "gid": (_gid, False),
        "contact_id": (_id, True),
        "interaction_id": (_id, False),
        "text": (_nonempty, True),
        "due": (_date, False),
        "done_at": (_time, False),
        "created_at": (_time, False),
        "external_key": (_text, False),
    },
}
_APART: dict[str, tuple[Check, bool]] = {
    "contact_id": (_id, True),
    "other_id": (_id, True),
    "created_at": (_time, False),
}


class _Validator:
    def __init__(self, file: str) -> None:
        self.file = file
        self.handles: dict[tuple[str, str], str] = {}
        self.refs: dict[tuple[str, str], str] = {}

    def fail(self, where: str, reason: str) -> BadInputError:
        return BadInputError(self.file, None, f"{where}: {reason}")

    def fields(self, kind: str, index: int, record: Any) -> None:
        self.checked(f"{kind}[{index}]", record, _SPECS[kind])

    def checked(self, where: str, record: Any, spec: dict[str, tuple[Check, bool]]) -> None:
        """``record`` (at ``where``) is an object whose keys pass ``spec``'s checks."""
        if not isinstance(record, dict):
            raise self.fail(where, "must be an object")
        for key, (check, required) in spec.items():
            if key not in record or record[key] is None:
                if required:
                    raise self.fail(where, f"missing {key!r}")
                continue
            problem = check(record[key])
            if problem:
                raise self.fail(where, f"{key!r} {problem} (got {_show(record[key])})")

    def contact_extras(self, index: int, record: dict[str, Any]) -> None:
        where = f"contacts[{index}]"
        for at, handle in self._objects(where, record, "handles", "channel and value"):
            channel, value = handle.get("channel"), handle.get("value")
            if channel not in choices.CHANNELS:
                raise self.fail(at, f"'channel' must be one of {', '.join(choices.CHANNELS)}")
            if not isinstance(value, str):
                raise self.fail(at, "'value' must be a string")
            typed = handle.get("typed")
            if typed is not None and not isinstance(typed, str):
                raise self.fail(at, f"'typed' must be a string or null (got {_show(typed)})")
            try:
                key = (channel, normalize.normalize_handle(channel, value))
            except UsageError as exc:
                raise self.fail(at, exc.message) from None
            self._claim(self.handles, key, where, at)
        for at, ref in self._objects(where, record, "refs", "source and key"):
            source, ref_key = ref.get("source"), ref.get("key")
            if not (isinstance(source, str) and source and isinstance(ref_key, str) and ref_key):
                raise self.fail(at, "'source' and 'key' must be non-empty strings")
            self._claim(self.refs, (source, ref_key), where, at)

    def _objects(
        self, where: str, record: dict[str, Any], key: str, holding: str
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """The objects listed under ``key`` of the record at ``where``, each with where it
        is (``contacts[0].handles[1]``); an absent or null list is empty."""
        items = record.get(key) or []
        if not isinstance(items, list):
            raise self.fail(where, f"{key!r} must be a list")
        for n, item in enumerate(items):
            at = f"{where}.{key}[{n}]"
            if not isinstance(item, dict):
                raise self.fail(at, f"must be an object with {holding}")
            yield at, item

    def _claim(
        self, owners: dict[tuple[str, str], str], key: tuple[str, str], where: str, at: str
    ) -> None:
        """``key`` (a handle, an external key) belongs to the contact at ``where``; a
        second contact with it is refused."""
        if key in owners and owners[key] != where:
            raise self.fail(at, f"{key[0]} {key[1]} also belongs to {owners[key]}")
        owners[key] = where


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def validate(document: Any, file: str) -> None:
    """Check a decoded rave JSON document: the envelope (``format``/``version``; a newer
    version is refused), every record's required keys and value types, unique ids, and
    that references point into the document. Raises BadInputError naming the record
    (``contacts[3]: missing 'name'``); the line is None."""
    if not isinstance(document, dict):
        raise BadInputError(file, None, "not a rave export: expected a JSON object")
    if document.get("format") != FORMAT:
        raise BadInputError(
            file, None, f"not a rave export: 'format' is {_show(document.get('format'))}"
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BadInputError(file, None, f"unknown format version {_show(version)}")
    if version > VERSION:
        raise BadInputError(
            file,
            None,
            f"written by a newer rave (format version {version}); this rave reads "
            f"version {VERSION}: upgrade rave to import it",
        )
    checker = _Validator(file)
    keys: dict[str, str] = {}  # an interaction's external key → which record has it
    ids: dict[str, set[int]] = {}
    for kind in KINDS:
        records = document.get(kind, [])
        if not isinstance(records, list):
            raise BadInputError(file, None, f"{kind!r} must be a list")
        seen: set[int] = set()
        gids: dict[str, int] = {}
        for index, record in enumerate(records):
            checker.fields(kind, index, record)
            if record["id"] in seen:
                raise checker.fail(f"{kind}[{index}]", f"id {record['id']} appears twice")
            seen.add(record["id"])
            if record.get("gid") is not None:
                if record["gid"] in gids:
                    raise checker.fail(
                        f"{kind}[{index}]",
                        f"gid {record['gid']} also belongs to {kind}[{gids[record['gid']]}]",
                    )
                gids[record["gid"]] = index
            if kind == "contacts":
                checker.contact_extras(index, record)
            if kind == "interactions" and (record["kind"], record["direction"]) == (
                "broadcast",
                "both",
            ):
                raise checker.fail(f"{kind}[{index}]", "a broadcast is one-way: not direction both")
            key = record.get("external_key") if kind == "interactions" else None
            if key:
                where = f"{kind}[{index}]"
                if key in keys:
                    raise checker.fail(
                        where, f"external_key {_show(key)} also belongs to {keys[key]}"
                    )
                keys[key] = where
        ids[kind] = seen
    _check_links(document, ids, checker)


def _check_links(document: dict[str, Any], ids: dict[str, set[int]], checker: _Validator) -> None:
    contacts = ids["contacts"]
    for index, record in enumerate(document.get("interactions", [])):
        where = f"interactions[{index}]"
        people = record.get("contact_ids")
        if not isinstance(people, list) or not people:
            raise checker.fail(where, "'contact_ids' must be a non-empty list of contact ids")
        for person in people:
            if not _is_int(person):
                raise checker.fail(where, f"'contact_ids' holds {_show(person)}, not an id")
            if person not in contacts:
                raise checker.fail(where, f"contact {person} is not in the document")
    for kind in ("notes", "followups"):
        for index, record in enumerate(document.get(kind, [])):
            if record["contact_id"] not in contacts:
                raise checker.fail(
                    f"{kind}[{index}]", f"contact {record['contact_id']} is not in the document"
                )
    for index, record in enumerate(document.get("followups", [])):
        link = record.get("interaction_id")
        if link is not None and link not in ids["interactions"]:
            raise checker.fail(f"followups[{index}]", f"interaction {link} is not in the document")
    keys: dict[str, str] = {}
    for index, record in enumerate(document.get("followups", [])):
        key = record.get("external_key")
        if key:
            if key in keys:
                raise checker.fail(
                    f"followups[{index}]", f"external_key {_show(key)} also belongs to {keys[key]}"
                )
            keys[key] = f"followups[{index}]"
    _check_apart(document, contacts, checker)


def _check_apart(document: dict[str, Any], contacts: set[int], checker: _Validator) -> None:
    pairs = document.get("apart", [])
    if not isinstance(pairs, list):
        raise checker.fail("apart", "must be a list")
    for index, record in enumerate(pairs):
        where = f"apart[{index}]"
        checker.checked(where, record, _APART)
        for key in ("contact_id", "other_id"):
            if record[key] not in contacts:
                raise checker.fail(where, f"contact {record[key]} is not in the document")
        if record["contact_id"] == record["other_id"]:
            raise checker.fail(where, "a contact cannot be apart from itself")


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a rave JSON file. Invalid JSON is a BadInputError with its
    line; the returned document has all five lists (missing ones as ``[]``)."""
    with open_text(path) as source:
        try:
            text = source.stream.read()
        except UnicodeDecodeError:
            raise BadInputError(
                source.file, None, f"cannot be decoded as {source.encoding}"
            ) from None
        if not text.strip():
            raise BadInputError(source.file, None, EMPTY_FILE)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise explain(source.file, "json") or BadInputError(
                source.file, exc.lineno, f"invalid JSON: {exc.msg}"
            ) from None
        except RecursionError:
            raise BadInputError(source.file, None, _TOO_DEEP) from None
        except ValueError as exc:  # a number of more than 4300 digits
            raise BadInputError(source.file, None, f"invalid JSON: {exc}") from None
        if _depth(document) > MAX_DEPTH:
            raise BadInputError(source.file, None, _TOO_DEEP)
        validate(document, source.file)
    for kind in (*KINDS, "apart"):
        document.setdefault(kind, [])
    if document["version"] == 1:
        _live_exchanges(document["interactions"])
    return document  # type: ignore[no-any-return]


_TOO_DEEP = f"not a rave export: arrays or objects nested more than {MAX_DEPTH} deep"


def _depth(document: Any) -> int:
    """How deeply arrays and objects nest in ``document`` (without recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return deepest


def _live_exchanges(interactions: list[dict[str, Any]]) -> None:
    """Version 1's calls and meetings as version 2 records them (``both``)."""
    for record in interactions:
        live = record["channel"] in choices.LIVE_CHANNELS and record["kind"] in choices.MEANINGFUL
        if live and record["direction"] != "both":
            record["started_by"] = "me" if record["direction"] == "out" else "them"
            record["direction"], record["needs_reply"] = "both", False


def new_document(
    *,
    contacts: list[dict[str, Any]],
    interactions: list[dict[str, Any]],
    posts: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    followups: list[dict[str, Any]],
    apart: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The envelope around the record lists."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "contacts": contacts,
        "interactions": interactions,
        "posts": posts,
        "notes": notes,
        "followups": followups,
        "apart": apart or [],
    }


def dump(document: dict[str, Any], stream: TextIO) -> None:
    """Write ``document`` deterministically: sorted keys, indent 2, UTF-8 characters as
    they are, no NaN, a final newline."""
    json.dump(document, stream, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    stream.write("\n")
