"""The write door: every change goes through a SQLModel session, one transaction per
command, started with ``BEGIN IMMEDIATE``. Functions take the session as a keyword-only
argument, never print, and return plain values (ids). The tables every write touches
(contacts, interactions) are imported here; the others inside the functions that write
them, so that `rave log` defines three tables, not ten (see ``rave.models``)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, event, update
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from rave import choices, contact_tally, db, normalize, oplog, timeutil, undo_log
from rave.errors import NotFoundError, RaveError
from rave.models.contact import Contact
from rave.models.interaction import Interaction, InteractionContact
from rave.scoring.state import Event

if TYPE_CHECKING:
    from rave.models.details import Note
    from rave.models.followup import FollowUp
    from rave.models.post import Post


def _engine(path: Path) -> Engine:
    engine = create_engine(
        "sqlite://",
        creator=lambda: db.connect(path, create=True),
        poolclass=NullPool,
        hide_parameters=True,  # never echo contact data into logs or tracebacks
    )

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextlib.contextmanager
def writing(path: Path, *, command: str | None = None) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back on any error
    (including Ctrl-C), so nothing is ever half-written. What it changes is recorded in
    the undo log under ``command`` (default: the command line being run), for `rave undo`,
    and as operations of the operation log (``rave.oplog``), for your other machines."""
    engine = _engine(path)
    try:
        with Session(engine, expire_on_commit=False, autoflush=True) as session:
            try:
                label = undo_log.command_line() if command is None else command
                undo_log.start(raw(session), label, timeutil.utcnow())
                oplog.start(raw(session))
                yield session
                session.flush()
                oplog.finish(raw(session))
                undo_log.finish(raw(session))
                session.commit()
            except BaseException:
                # SQLite may have rolled back already (an I/O error, a trigger's RAISE): a
                # failing rollback must not hide the error that got us here.
                with contextlib.suppress(Exception):
                    session.rollback()
                raise
    except DBAPIError as exc:
        orig = exc.orig
        if isinstance(orig, sqlite3.Error):
            raise db.translate(orig, path) from None
        raise
    except sqlite3.Error as exc:
        raise db.translate(exc, path) from None
    finally:
        engine.dispose()


def raw(session: Session) -> sqlite3.Connection:
    """The session's stdlib connection, inside the same transaction (for the read door's
    queries, such as resolving a name, during a write)."""
    conn = session.connection().connection.driver_connection
    assert isinstance(conn, sqlite3.Connection)
    return conn


def _saved(
    session: Session,
    record: Contact | Note | Interaction | FollowUp | Post,
) -> int:
    """Add a new row, flush it to get its id, and return the id."""
    session.add(record)
    session.flush()
    assert record.id is not None
    return record.id


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"no contact #{contact_id}")
    return contact


# A handle to add: (channel, normal value), or with the text as typed (None: the value
# itself), as ``normalize.typed_handle`` gives it.
HandleValue = tuple[str, str] | tuple[str, str, str | None]


def _add_handles(session: Session, contact_id: int, handles: Iterable[HandleValue]) -> None:
    from rave.models.details import Handle

    for channel, value, *typed in handles:
        owner = session.exec(
            select(Handle).where(col(Handle.channel) == channel, col(Handle.value) == value)
        ).first()
        if owner is None:
            spelled = typed[0] if typed else None
            session.add(Handle(contact_id=contact_id, channel=channel, value=value, typed=spelled))
            session.flush()
        elif owner.contact_id != contact_id:
            other = _contact(session, owner.contact_id)
            raise RaveError(
                f"{channel} {value} already belongs to #{other.id} {other.name}",
                hint="a handle identifies one person; `rave merge` joins duplicates",
            )


def _add_tags(session: Session, contact_id: int, tags: Iterable[str]) -> None:
    from rave.models.details import Tag

    for tag in {normalize.tag(t) for t in tags}:
        if session.get(Tag, (contact_id, tag)) is None:
            session.add(Tag(contact_id=contact_id, tag=tag))


def _add_aliases(session: Session, contact_id: int, aliases: Iterable[str]) -> None:
    from rave.models.details import Alias

    for alias in aliases:
        text = normalize.clean_name(alias)
        key = normalize.fold(text)
        exists = session.exec(
            select(Alias).where(col(Alias.contact_id) == contact_id, col(Alias.alias_key) == key)
        ).first()
        if exists is None:
            session.add(Alias(contact_id=contact_id, alias=text, alias_key=key))


def add_contact(
    *,
    session: Session,
    name: str,
    now: datetime,
    fields: dict[str, Any] | None = None,
    handles: Iterable[HandleValue] = (),
    tags: Iterable[str] = (),
    aliases: Iterable[str] = (),
) -> int:
    clean = normalize.clean_name(name)
    values = {"tier": "C", **(fields or {})}
    unknown = set(values) - set(choices.CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"unknown contact fields {unknown}")
    contact = Contact(
        name=clean, name_key=normalize.fold(clean), created_at=now, updated_at=now, **values
    )
    contact_id = _saved(session, contact)
    _add_handles(session, contact_id, handles)
    _add_tags(session, contact_id, tags)
    _add_aliases(session, contact_id, aliases)
    session.flush()
    return contact_id


def _spelled(contact: Contact) -> str | None:
    """The name a contact's given and family names spell (``Mary Ann`` ``van der
    Berg``), None when it has neither."""
    parts = [p for p in (contact.given_name, contact.family_name) if p]
    return " ".join(parts) if parts else None


def update_contact(
    *,
    session: Session,
    contact_id: int,
    now: datetime,
    name: str | None = None,
    fields: dict[str, Any] | None = None,
    handles: Iterable[HandleValue] = (),
    tags: Iterable[str] = (),
    untag: Iterable[str] = (),
    aliases: Iterable[str] = (),
) -> None:
    from rave.models.details import Tag

    contact = _contact(session, contact_id)
    if name is not None:
        clean = normalize.clean_name(name)
        if clean != contact.name and clean != _spelled(contact):
            # the source's given and family names described the old name
            contact.given_name = contact.family_name = None
        contact.name = clean
        contact.name_key = normalize.fold(clean)
    for key, value in (fields or {}).items():
        if key not in choices.CONTACT_FIELDS:
            raise ValueError(f"unknown contact field {key}")
        setattr(contact, key, value)
    contact.updated_at = now
    session.add(contact)
    _add_handles(session, contact_id, handles)
    _add_tags(session, contact_id, tags)
    for tag in untag:
        session.execute(
            delete(Tag).where(col(Tag.contact_id) == contact_id, col(Tag.tag) == normalize.tag(tag))
        )
    _add_aliases(session, contact_id, aliases)
    session.flush()


def set_snooze(*, session: Session, contact_id: int, until: datetime | None, now: datetime) -> None:
    contact = _contact(session, contact_id)
    contact.snoozed_until = until
    contact.updated_at = now
    session.add(contact)
    session.flush()


def delete_contact(*, session: Session, contact_id: int) -> None:
    """Delete a contact and what is only theirs: interactions shared with other people
    stay (for them); handles, tags, notes and follow-ups go with the contact."""
    _contact(session, contact_id)
    conn = raw(session)
    oplog.bury_keys(conn, contact_id)  # an import finds them deleted by any key of theirs
    conn.execute(
        """
        DELETE FROM interaction WHERE id IN (
            SELECT ic.interaction_id FROM interaction_contact ic
             WHERE ic.contact_id = ?1
               AND NOT EXISTS (SELECT 1 FROM interaction_contact o
                                WHERE o.interaction_id = ic.interaction_id
                                  AND o.contact_id != ?1))
        """,
        (contact_id,),
    )
    session.execute(delete(Contact).where(col(Contact.id) == contact_id))
    session.flush()


def merge_contacts(*, session: Session, keep_id: int, drop_id: int, now: datetime) -> None:
    """Move everything of DROP to KEEP (handles, aliases, tags, refs, notes, follow-ups,
    interactions), fill KEEP's empty fields from DROP, keep DROP's name as an alias,
    then delete DROP."""
    if keep_id == drop_id:
        raise RaveError("cannot merge a contact with itself")
    keep = _contact(session, keep_id)
    drop = _contact(session, drop_id)
    conn = raw(session)
    for table in ("handle", "alias", "tag", "contact_ref", "interaction_contact"):
        conn.execute(
            f"UPDATE OR IGNORE {table} SET contact_id = ? WHERE contact_id = ?",
            (keep_id, drop_id),
        )
    for table in ("note", "followup"):
        conn.execute(
            f"UPDATE {table} SET contact_id = ? WHERE contact_id = ?",
            (keep_id, drop_id),
        )
    for key in choices.CONTACT_FIELDS:
        if key != "tier" and getattr(keep, key) is None and getattr(drop, key) is not None:
            setattr(keep, key, getattr(drop, key))
    no_parts = keep.given_name is None and keep.family_name is None
    if no_parts and keep.name in (drop.name, _spelled(drop)):  # DROP's parts fit KEEP's name
        keep.given_name, keep.family_name = drop.given_name, drop.family_name
    order = "ABCDn"  # the closer tier of the two wins
    if order.index(drop.tier[0]) < order.index(keep.tier[0]):
        keep.tier = drop.tier
    if normalize.fold(drop.name) != keep.name_key:
        _add_aliases(session, keep_id, [drop.name])
    keep.updated_at = now
    session.add(keep)
    session.flush()
    assert drop.gid is not None and keep.gid is not None
    oplog.merged(conn, drop.gid, keep.gid)  # a redirect, not a tombstone, for DROP
    delete_contact(session=session, contact_id=drop_id)
    contact_tally.rebuild(raw(session), [keep_id])


def set_apart(
    *, session: Session, contact_id: int, other_id: int, apart: bool, now: datetime
) -> bool:
    """Mark two contacts as two people (``apart``), so `rave dupes` leaves them out, or
    take the mark back; True when that changed anything. The row holds the lower id
    first (the table's check); it is deleted with either contact, a merge included."""
    from rave.models.details import DistinctPair

    if contact_id == other_id:
        raise RaveError("a contact is always the same person as itself")
    first, second = sorted((contact_id, other_id))
    _contact(session, first)
    _contact(session, second)
    found = session.get(DistinctPair, (first, second))
    if apart == (found is not None):
        return False
    if found is None:
        session.add(DistinctPair(contact_id=first, other_id=second, created_at=now))
    else:
        session.delete(found)
    session.flush()
    return True


def add_note(
    *, session: Session, contact_id: int, text: str, now: datetime, shared: bool = False
) -> int:
    from rave.models.details import Note

    _contact(session, contact_id)
    note = Note(contact_id=contact_id, text=text, created_at=now, shared=shared)
    return _saved(session, note)


def add_interaction(
    *,
    session: Session,
    contact_ids: list[int],
    kind: str,
    direction: str,
    channel: str,
    when: datetime,
    now: datetime,
    note: str | None = None,
    needs_reply: bool = False,
    source: str = "cli",
    external_key: str | None = None,
    started_by: str | None = None,
) -> int:
    interaction = Interaction(
        kind=kind,
        direction=direction,
        channel=channel,
        happened_at=when,
        note=note,
        needs_reply=needs_reply,
        source=source,
        external_key=external_key,
        created_at=now,
        started_by=started_by,
    )
    interaction_id = _saved(session, interaction)
    people = list(dict.fromkeys(contact_ids))
    for contact_id in people:
        session.add(InteractionContact(interaction_id=interaction_id, contact_id=contact_id))
    session.flush()
    stored = timeutil.from_db(timeutil.to_db(when))  # as the store keeps it: whole seconds
    gid = interaction.gid  # ties of a second fold in gid order
    event = Event(interaction_id, stored, kind, direction, channel, needs_reply, note, gid)
    contact_tally.add_event(raw(session), people, event)
    return interaction_id


def add_followup(
    *,
    session: Session,
    contact_id: int,
    text: str,
    due: date | None,
    now: datetime,
    interaction_id: int | None = None,
) -> int:
    from rave.models.followup import FollowUp

    followup = FollowUp(
        contact_id=contact_id,
        interaction_id=interaction_id,
        text=text,
        due=due,
        created_at=now,
    )
    return _saved(session, followup)


def complete_followup(*, session: Session, followup_id: int, now: datetime) -> bool:
    """Mark a follow-up done; False when it already was."""
    from rave.models.followup import FollowUp

    if not 0 < followup_id < 2**63:
        raise NotFoundError(
            f"no follow-up {choices.ref('followup', followup_id)}", hint="see `rave followups`"
        )
    followup = session.get(FollowUp, followup_id)
    if followup is None:
        raise NotFoundError(
            f"no follow-up {choices.ref('followup', followup_id)}", hint="see `rave followups`"
        )
    if followup.done_at is not None:
        return False
    session.execute(update(FollowUp).where(col(FollowUp.id) == followup_id).values(done_at=now))
    return True


def add_post(
    *,
    session: Session,
    text: str,
    channel: str,
    when: datetime,
    now: datetime,
    url: str | None = None,
) -> int:
    from rave.models.post import Post

    post = Post(text=text, channel=channel, url=url, posted_at=when, created_at=now)
    return _saved(session, post)


# --- corrections (`rave change`, `rave delete`, `rave edit --drop-...`) ------------------


def _model(kind: str) -> Any:
    """The table of an entry kind (rave.queries.entries.TYPES)."""
    if kind == "interaction":
        return Interaction
    if kind == "note":
        from rave.models.details import Note

        return Note
    if kind == "followup":
        from rave.models.followup import FollowUp

        return FollowUp
    from rave.models.post import Post

    return Post


def _people(conn: sqlite3.Connection, interaction_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT contact_id FROM interaction_contact WHERE interaction_id = ?", (interaction_id,)
    )
    return [row[0] for row in rows]


def change_record(
    *,
    session: Session,
    kind: str,
    record_id: int,
    values: dict[str, Any],
    contact_ids: list[int] | None = None,
) -> None:
    """Set ``values`` on one interaction, note, post or follow-up; ``contact_ids``
    replaces an interaction's people. The ranking tallies of everyone the interaction
    had, before and after, are folded again."""
    record = session.get(_model(kind), record_id)
    if record is None:
        raise NotFoundError(f"no {kind} {record_id}")
    for key, value in values.items():
        setattr(record, key, value)
    session.add(record)
    session.flush()
    if kind != "interaction":
        return
    conn = raw(session)
    before = _people(conn, record_id)
    if contact_ids is not None:
        people = list(dict.fromkeys(contact_ids))
        session.execute(
            delete(InteractionContact).where(
                col(InteractionContact.interaction_id) == record_id,
                col(InteractionContact.contact_id).not_in(people),
            )
        )
        for contact_id in people:
            if contact_id not in before:
                session.add(InteractionContact(interaction_id=record_id, contact_id=contact_id))
        session.flush()
    contact_tally.rebuild(conn, {*before, *(contact_ids or ())})


def delete_record(*, session: Session, kind: str, record_id: int) -> None:
    """Delete one interaction, note, post or follow-up; an interaction's people get their
    ranking tallies folded again (its follow-ups stay, no longer tied to it)."""
    model = _model(kind)
    conn = raw(session)
    people = _people(conn, record_id) if kind == "interaction" else []
    deleted = session.execute(delete(model).where(col(model.id) == record_id))
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise NotFoundError(f"no {kind} {record_id}")
    session.flush()
    if people:
        contact_tally.rebuild(conn, people)


def drop_details(
    *,
    session: Session,
    contact_id: int,
    handles: Iterable[tuple[str, str]] = (),
    aliases: Iterable[str] = (),
) -> None:
    """Remove handles (channel, normal value) and aliases of a contact; one they do not
    have is an error (exit 3) that lists theirs."""
    from rave.models.details import Alias, Handle

    contact = _contact(session, contact_id)
    conn = raw(session)
    drops = [
        (
            f"handle {channel}={value}",
            delete(Handle).where(
                col(Handle.contact_id) == contact_id,
                col(Handle.channel) == channel,
                col(Handle.value) == value,
            ),
            "SELECT channel || '=' || value FROM handle WHERE contact_id = ? ORDER BY 1",
        )
        for channel, value in handles
    ] + [
        (
            f"alias {alias!r}",
            delete(Alias).where(
                col(Alias.contact_id) == contact_id, col(Alias.alias_key) == normalize.fold(alias)
            ),
            "SELECT alias FROM alias WHERE contact_id = ? ORDER BY id",
        )
        for alias in aliases
    ]
    for what, statement, theirs in drops:
        gone = session.execute(statement)
        if not gone.rowcount:  # type: ignore[attr-defined]
            kept = [row[0] for row in conn.execute(theirs, (contact_id,))]
            raise NotFoundError(
                f"#{contact_id} {contact.name} has no {what}",
                hint=f"theirs: {', '.join(kept)}" if kept else "they have none",
            )
    session.flush()
