"""Use cases that record what happened: log (one or a batch), post, follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from rave import db, queries, timeutil, vocab
from rave.errors import BadInputError, NotFoundError, RaveError, UsageError


class LogRequest(NamedTuple):
    refs: tuple[str, ...]
    kind: str
    direction: str
    channel: str | None
    when: datetime
    note: str | None = None
    closed: bool = False
    follow_up: str | None = None
    due: date | None = None
    create: bool = False


class LogResult(NamedTuple):
    id: int
    when: datetime
    kind: str
    direction: str
    channel: str
    note: str | None
    needs_reply: bool
    contacts: tuple[queries.ContactRef, ...]
    created: tuple[int, ...] = ()
    followups: tuple[queries.FollowUpRow, ...] = ()


class PostResult(NamedTuple):
    id: int
    text: str
    channel: str
    url: str | None
    when: datetime


def list_followups(path: Path, *, include_done: bool = False) -> list[queries.FollowUpRow]:
    with db.reading(path) as conn:
        return queries.followups(conn, include_done=include_done)


def _log_one(session: Any, request: LogRequest, now: datetime) -> LogResult:
    """Record one interaction inside an open write session."""
    from rave import store

    if not request.refs:
        raise UsageError("name at least one contact", hint='rave log "Ana" -k chat')
    if request.due is not None and not request.follow_up:
        raise UsageError("--due needs --follow-up TEXT")
    follow_up = vocab.clean_text(request.follow_up) if request.follow_up is not None else None
    if follow_up == "":
        raise UsageError("the follow-up text is empty")
    note = vocab.clean_text(request.note) if request.note else None
    conn = store.raw(session)
    contacts: list[queries.ContactRef] = []
    created: list[int] = []
    for ref in request.refs:
        try:
            contact = queries.find_contact(conn, ref)
        except NotFoundError:
            if not request.create or ref.strip().startswith("#"):
                raise
            name = vocab.clean_name(ref)
            new_id = store.add_contact(session=session, name=name, now=now, fields={"tier": "none"})
            contact = queries.ContactRef(new_id, name)
            created.append(new_id)
        if contact not in contacts:
            contacts.append(contact)
    ids = [c.id for c in contacts]
    channel = request.channel or queries.last_channel(
        conn, ids, broadcast=request.kind == "broadcast"
    )
    needs_reply = (
        request.direction == "in" and request.kind in vocab.MEANINGFUL and not request.closed
    )
    interaction_id = store.add_interaction(
        session=session,
        contact_ids=ids,
        kind=request.kind,
        direction=request.direction,
        channel=channel,
        when=request.when,
        now=now,
        note=note,
        needs_reply=needs_reply,
    )
    followup_ids = [
        store.add_followup(
            session=session,
            contact_id=cid,
            text=follow_up,
            due=request.due,
            now=now,
            interaction_id=interaction_id,
        )
        for cid in ids
        if follow_up
    ]
    return LogResult(
        id=interaction_id,
        when=request.when,
        kind=request.kind,
        direction=request.direction,
        channel=channel,
        note=note,
        needs_reply=needs_reply,
        contacts=tuple(contacts),
        created=tuple(created),
        followups=tuple(queries.followup(conn, fid) for fid in followup_ids),
    )


def log_interaction(path: Path, request: LogRequest) -> LogResult:
    from rave import store

    with store.writing(path) as session:
        return _log_one(session, request, timeutil.utcnow())


def log_batch(
    path: Path, source: str, lines: Iterable[str], *, create: bool = False
) -> list[LogResult]:
    """Record every JSON Lines interaction of ``lines`` in one transaction: a bad line
    (unreadable, unknown contact, bad value) stops everything with BadInputError naming
    the line, and nothing is written."""
    from rave import batchlog, store

    now = timeutil.utcnow()
    results: list[LogResult] = []
    with store.writing(path) as session:
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                request = batchlog.parse_line(text, now=now, create=create)
                results.append(_log_one(session, request, now))
            except BadInputError:
                raise
            except RaveError as exc:
                raise BadInputError(source, number, exc.message) from None
    return results


def add_post(
    path: Path, text: str, *, channel: str, when: datetime, url: str | None = None
) -> PostResult:
    from rave import store

    clean = vocab.clean_text(text)
    if not clean:
        raise UsageError("the post text is empty")
    with store.writing(path) as session:
        post_id = store.add_post(
            session=session,
            text=clean,
            channel=channel,
            url=url.strip() if url else None,
            when=when,
            now=timeutil.utcnow(),
        )
    return PostResult(id=post_id, text=clean, channel=channel, url=url, when=when)


def complete_followup(path: Path, followup_id: int) -> tuple[queries.FollowUpRow, bool]:
    from rave import store

    with store.writing(path) as session:
        changed = store.complete_followup(
            session=session, followup_id=followup_id, now=timeutil.utcnow()
        )
        return queries.followup(store.raw(session), followup_id), changed
