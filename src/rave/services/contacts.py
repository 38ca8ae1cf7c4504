"""Use cases about contacts: finding, listing, showing, adding, changing, deleting."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rave import choices, db, normalize, timeutil
from rave.config import MAX_DAYS
from rave.errors import RaveError, UsageError
from rave.queries import contacts, history, people, records
from rave.scoring import mix

if TYPE_CHECKING:
    from typing import Unpack

    from rave.queries.contacts import ListFilters
    from rave.queries.dupes import Duplicates


@dataclass(frozen=True, slots=True)
class ContactInput:
    """What `rave add` / `rave edit` may set. ``None`` means "leave as it is"."""

    tier: str | None = None
    cadence_days: int | None = None
    why: str | None = None
    offer: str | None = None
    met: str | None = None
    company: str | None = None
    title: str | None = None
    location: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()  # CHANNEL=VALUE
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def fields(self) -> dict[str, Any]:
        values = {
            "tier": self.tier,
            "cadence_days": self.cadence_days,
            "why": self.why,
            "offer": self.offer,
            "met": self.met,
            "company": self.company,
            "title": self.title,
            "location": self.location,
        }
        out: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            if isinstance(value, str):
                value = normalize.clean_text(value) or None  # "" clears a field
            out[key] = value
        if "tier" in out:
            out["tier"] = choices.tier(out["tier"] or "none")
        cadence = out.get("cadence_days")
        if cadence is not None and not 0 < cadence <= MAX_DAYS:
            raise UsageError(f"--cadence must be a number of days from 1 to {MAX_DAYS}")
        return out

    def handle_values(self) -> list[tuple[str, str, str | None]]:
        """``(channel, normal value, typed)`` of each email, phone and handle given: a
        phone number is stored in E.164 with what the user typed beside it."""
        values = [normalize.typed_handle("email", e) for e in self.emails]
        values += [normalize.typed_handle("phone", p) for p in self.phones]
        values += [normalize.typed_handle(*normalize.split_handle(h)) for h in self.handles]
        return values


# --- reads --------------------------------------------------------------------------------


def resolve(path: Path, ref: str) -> records.ContactRef:
    with db.reading(path) as conn:
        return people.find_contact(conn, ref)


def list_contacts(path: Path, **filters: Unpack[ListFilters]) -> list[records.ContactSummary]:
    with listing(path, **filters) as rows:
        return list(rows)


@contextlib.contextmanager
def listing(
    path: Path, **filters: Unpack[ListFilters]
) -> Iterator[Iterator[records.ContactSummary]]:
    """The contacts that match, as a stream read while the block runs: a terminal shows
    the first of 30,000 contacts at once, and holds only a screenful or so."""
    with db.reading(path) as conn:
        yield contacts.iter_contacts(conn, as_of=timeutil.utcnow(), **filters)


def show_contact(path: Path, ref: str) -> records.ContactDetail:
    """A contact's profile, with their warmth at the end of each of the last 12 months
    (the current one: now)."""
    as_of = timeutil.utcnow()
    samples = mix.month_ends(as_of)
    with db.reading(path) as conn:
        contact = people.find_contact(conn, ref)
        detail = contacts.contact_detail(conn, contact.id, as_of=as_of)
        values = history.warmth_at(conn, contact.id, [moment for _, moment in samples])
    trend = tuple((label, value) for (label, _), value in zip(samples, values, strict=True))
    return replace(detail, warmth_trend=trend)


def contact_names(path: Path, prefix: str) -> list[str]:
    with db.reading(path) as conn:
        return people.contact_names(conn, prefix)


# --- writes -------------------------------------------------------------------------------


def add_contact(path: Path, name: str, data: ContactInput, *, force: bool = False) -> int:
    from rave import store

    clean = normalize.clean_name(name)
    fields = data.fields()
    handles = data.handle_values()
    now = timeutil.utcnow()
    with store.writing(path) as session:
        same = people.same_name(store.raw(session), clean)
        if same and not force:
            listed = ", ".join(f"#{c.id}" for c in same)
            raise RaveError(
                f"a contact named {clean!r} already exists ({listed})",
                hint="use --force to add another person with the same name",
            )
        return store.add_contact(
            session=session,
            name=clean,
            now=now,
            fields={"tier": "C", **fields},
            handles=handles,
            tags=data.tags,
            aliases=data.aliases,
        )


def edit_contact(
    path: Path,
    ref: str,
    data: ContactInput,
    *,
    name: str | None = None,
    untag: tuple[str, ...] = (),
    drop_handles: tuple[str, ...] = (),
    drop_aliases: tuple[str, ...] = (),
) -> int:
    """Change a contact; ``drop_handles`` (CHANNEL=VALUE) and ``drop_aliases`` go first,
    so that one edit can replace a handle."""
    from rave import store

    fields = data.fields()
    handles = data.handle_values()
    dropped = [normalize.parse_handle(h) for h in drop_handles]
    with store.writing(path) as session:
        contact = people.find_contact(store.raw(session), ref)
        store.drop_details(
            session=session, contact_id=contact.id, handles=dropped, aliases=drop_aliases
        )
        store.update_contact(
            session=session,
            contact_id=contact.id,
            now=timeutil.utcnow(),
            name=name,
            fields=fields,
            handles=handles,
            tags=data.tags,
            untag=untag,
            aliases=data.aliases,
        )
        return contact.id


def remove_contact(path: Path, contact_id: int) -> None:
    from rave import store

    with store.writing(path) as session:
        store.delete_contact(session=session, contact_id=contact_id)


def merge_contacts(path: Path, keep_id: int, drop_id: int) -> None:
    from rave import store

    with store.writing(path) as session:
        store.merge_contacts(
            session=session, keep_id=keep_id, drop_id=drop_id, now=timeutil.utcnow()
        )


def add_note(
    path: Path, ref: str, text: str, *, shared: bool = False
) -> tuple[records.ContactRef, int]:
    """A dated note; ``shared``: your team sees it through a hub (else it is yours)."""
    from rave import store

    clean = normalize.clean_text(text)
    if not clean:
        raise UsageError("the note is empty")
    with store.writing(path) as session:
        contact = people.find_contact(store.raw(session), ref)
        note_id = store.add_note(
            session=session,
            contact_id=contact.id,
            text=clean,
            now=timeutil.utcnow(),
            shared=shared,
        )
        return contact, note_id


def possible_duplicates(path: Path, *, with_apart: bool = False) -> Duplicates:
    """`rave dupes`: pairs of contacts that may be one person (``queries.dupes``), without
    those marked as two people unless ``with_apart``."""
    from rave.queries import dupes

    with db.reading(path) as conn:
        return dupes.duplicates(conn, with_apart=with_apart)


@dataclass(frozen=True, slots=True)
class Apart:
    """`rave apart`: the two contacts (lower id first), whether they are now marked as
    two people, and whether this command changed that."""

    contact: records.ContactRef
    other: records.ContactRef
    apart: bool
    changed: bool


def mark_apart(path: Path, ref: str, other_ref: str, *, forget: bool = False) -> Apart:
    """Say that two contacts are two people, so `rave dupes` no longer lists them (or,
    with ``forget``, take that back). It destroys nothing, so it asks nothing; a mark
    already there (or already gone) changes nothing and is not an error."""
    from rave import store

    with store.writing(path) as session:
        conn = store.raw(session)
        one = people.find_contact(conn, ref)
        two = people.find_contact(conn, other_ref)
        if one.id == two.id:
            raise UsageError(
                f"{ref!r} and {other_ref!r} are the same contact (#{one.id})",
                hint="name two different contacts, as `rave dupes` lists them",
            )
        changed = store.set_apart(
            session=session,
            contact_id=one.id,
            other_id=two.id,
            apart=not forget,
            now=timeutil.utcnow(),
        )
    first, second = sorted((one, two), key=lambda c: c.id)
    return Apart(contact=first, other=second, apart=not forget, changed=changed)
