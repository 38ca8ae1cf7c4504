"""Correcting what was recorded: list it with references (`rave history`), change one
entry (`rave change`), delete entries (`rave delete`). Every change goes through the
write door, so the ranking tallies follow and `rave undo` can take it back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rave import choices, db, normalize, timeutil
from rave.errors import UsageError
from rave.queries import entries, people

# How each field of Changes is given on the command line (for the messages).
OPTIONS = {
    "text": "--text",
    "kind": "--kind",
    "channel": "--channel",
    "direction": "--in/--out/--both",
    "when": "--when",
    "closed": "--closed/--open",
    "contacts": "--contact",
    "url": "--url",
    "due": "--due",
}
# What can be changed on each kind of entry.
APPLIES = {
    "interaction": {"text", "kind", "channel", "direction", "when", "closed", "contacts"},
    "note": {"text", "when", "contacts"},
    "post": {"text", "channel", "url", "when"},
    "followup": {"text", "due", "closed", "contacts"},
}
NO_DUE = date.min  # Changes.due meaning "no due date any more"


@dataclass(frozen=True, slots=True)
class Changes:
    """What `rave change` was asked to set; None (or empty) leaves a field as it is."""

    text: str | None = None  # the note of an interaction, the text of the others
    kind: str | None = None
    channel: str | None = None
    direction: str | None = None
    when: datetime | None = None
    closed: bool | None = None  # interaction: no reply owed; follow-up: done
    contacts: tuple[str, ...] = ()
    url: str | None = None
    due: date | None = None  # NO_DUE: clear it

    def given(self) -> set[str]:
        return {f.name for f in fields(self) if getattr(self, f.name) not in (None, ())}


# --- reads --------------------------------------------------------------------------------


def history(
    path: Path,
    contact: str | None = None,
    *,
    types: Iterable[str] = entries.TYPES,
    limit: int | None = 20,
) -> list[entries.Entry]:
    """What was recorded, newest first (of one contact: their interactions, notes and
    follow-ups)."""
    with db.reading(path) as conn:
        contact_id = None if contact is None else people.find_contact(conn, contact).id
        return entries.history(conn, contact_id=contact_id, types=types, limit=limit)


def find(path: Path, refs: Iterable[str]) -> list[entries.Entry]:
    """The entries these references name, each once (a bad or unknown one: an error)."""
    kinds = [entries.parse_ref(ref) for ref in refs]  # every reference read before any lookup
    with db.reading(path) as conn:
        return [entries.entry(conn, kind, rid) for kind, rid in dict.fromkeys(kinds)]


# --- writes -------------------------------------------------------------------------------


def delete(path: Path, refs: Iterable[str]) -> list[entries.Entry]:
    """Delete these entries in one command (one `rave undo` brings them all back)."""
    from rave import store

    kinds = list(dict.fromkeys(entries.parse_ref(ref) for ref in refs))
    if not kinds:
        raise UsageError("name at least one entry", hint="for example: rave delete i12")
    with store.writing(path) as session:
        conn = store.raw(session)
        found = [entries.entry(conn, kind, rid) for kind, rid in kinds]
        for item in found:
            store.delete_record(session=session, kind=item.type, record_id=item.id)
        return found


def change(path: Path, ref: str, changes: Changes) -> entries.Entry:
    """Change one entry; returns it as stored now."""
    from rave import store

    kind, record_id = entries.parse_ref(ref)
    given = changes.given()
    if not given:
        raise UsageError(
            "nothing to change", hint=f"for example: rave change {ref.strip()} --text ..."
        )
    wrong = sorted(given - APPLIES[kind], key=list(OPTIONS).index)
    if wrong:
        options = ", ".join(OPTIONS[name] for name in wrong)
        takes = ", ".join(OPTIONS[name] for name in OPTIONS if name in APPLIES[kind])
        what = ("an " if kind == "interaction" else "a ") + entries.WORDS[kind]
        raise UsageError(f"{options} cannot change {what}", hint=f"{what} takes {takes}")
    with store.writing(path) as session:
        conn = store.raw(session)
        current = entries.entry(conn, kind, record_id)
        ids = [people.find_contact(conn, name).id for name in changes.contacts]
        if ids and kind != "interaction" and len(set(ids)) != 1:
            raise UsageError(f"a {entries.WORDS[kind]} is about one contact: give one --contact")
        values = _values(current, changes, now=timeutil.utcnow())
        if kind != "interaction" and ids:
            values["contact_id"] = ids[0]
        store.change_record(
            session=session,
            kind=kind,
            record_id=record_id,
            values=values,
            contact_ids=ids if kind == "interaction" and ids else None,
        )
        return entries.entry(conn, kind, record_id)


def _text(kind: str, text: str) -> str | None:
    clean = normalize.clean_text(text)
    if not clean and kind != "interaction":  # an interaction's note may be cleared
        raise UsageError(f"the {entries.WORDS[kind]}'s text cannot be empty")
    return clean or None


def _values(current: entries.Entry, changes: Changes, *, now: datetime) -> dict[str, Any]:
    """The columns to set on ``current`` for ``changes`` (checked: what the store would
    refuse is a message here)."""
    kind = current.type
    values: dict[str, Any] = {}
    if changes.text is not None:
        values["note" if kind == "interaction" else "text"] = _text(kind, changes.text)
    if changes.channel is not None:
        values["channel"] = choices.channel(changes.channel)
    if changes.when is not None:
        column = {"interaction": "happened_at", "note": "created_at", "post": "posted_at"}
        values[column[kind]] = changes.when
    if changes.url is not None:
        values["url"] = changes.url.strip() or None
    if kind == "interaction":
        values.update(_interaction(current, changes))
    if kind == "followup":
        if changes.due is not None:
            values["due"] = None if changes.due == NO_DUE else changes.due
        if changes.closed is not None:
            done = current.done_at or now
            values["done_at"] = done if changes.closed else None
    return values


def _interaction(current: entries.Entry, changes: Changes) -> dict[str, Any]:
    """Kind, direction, who started it and whether it waits for your reply, kept
    consistent as `rave log` makes them."""
    assert current.kind is not None and current.direction is not None
    kind = choices.kind(changes.kind) if changes.kind is not None else current.kind
    direction = changes.direction or current.direction
    if kind == "broadcast" and direction == "both":
        raise UsageError("a broadcast is one-way: it cannot be direction both")
    can_wait = direction == "in" and kind in choices.MEANINGFUL
    if changes.closed is False and not can_wait:
        raise UsageError(
            "--open: only a message of theirs (--in, chat or engage) waits for your reply"
        )
    could_wait = current.direction == "in" and current.kind in choices.MEANINGFUL
    if changes.closed is not None:
        waits = not changes.closed
    else:  # as logged when it could wait before, as `rave log` would log it otherwise
        waits = can_wait and (bool(current.needs_reply) if could_wait else True)
    values: dict[str, Any] = {"kind": kind, "direction": direction, "needs_reply": waits}
    if direction != current.direction:
        starter = {"out": "me", "in": "them"}.get(current.direction)
        values["started_by"] = starter if direction == "both" else None
    return values
