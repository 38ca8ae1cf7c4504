"""Use cases that record what happened: log (one or a batch), post, follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from rave import db, queries, tallies, timeutil, vocab
from rave.config import RankConfig
from rave.errors import BadInputError, NotFoundError, RaveError, UsageError

REPLY_HORIZON_DAYS = RankConfig.reply_horizon_days


class LogRequest(NamedTuple):
    refs: tuple[str, ...]
    kind: str
    direction: str  # "out" (you), "in" (they), "both" (you talked together)
    channel: str | None
    when: datetime
    note: str | None = None
    closed: bool = False
    follow_up: str | None = None
    due: date | None = None
    create: bool = False
    missed: bool = False  # a call or meeting that did not happen (no `both`)
    day_only: bool = False  # WHEN named a day, not a time: after that day's events


class LogResult(NamedTuple):
    id: int
    when: datetime
    kind: str
    direction: str
    channel: str
    note: str | None
    needs_reply: bool  # a message of theirs now waits for your answer
    contacts: tuple[queries.ContactRef, ...]
    created: tuple[int, ...] = ()
    followups: tuple[queries.FollowUpRow, ...] = ()
    reply_late: bool = False  # ...for longer than the reply horizon (not in the reply lane)


class PostResult(NamedTuple):
    id: int
    text: str
    channel: str
    url: str | None
    when: datetime


def list_followups(path: Path, *, include_done: bool = False) -> list[queries.FollowUpRow]:
    with db.reading(path) as conn:
        return queries.followups(conn, include_done=include_done)


def _log_one(
    session: Any, request: LogRequest, now: datetime, horizon_days: float = REPLY_HORIZON_DAYS
) -> LogResult:
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
    direction = _direction(request, channel)
    when = _placed(conn, ids, request.when, now) if request.day_only else request.when
    needs_reply = direction == "in" and request.kind in vocab.MEANINGFUL and not request.closed
    interaction_id = store.add_interaction(
        session=session,
        contact_ids=ids,
        kind=request.kind,
        direction=direction,
        channel=channel,
        when=when,
        now=now,
        note=note,
        needs_reply=needs_reply,
        started_by=_starter(request) if direction == "both" else None,
    )
    # the truth after the write: an answer logged later may already settle this message
    stored = timeutil.from_db(timeutil.to_db(when))
    waits = [p for p in (tallies.pending(conn, cid) for cid in ids) if p is not None]
    awaiting = needs_reply and any(p <= stored for p in waits)
    late = awaiting and timeutil.days_between(min(waits), now) >= horizon_days
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
        when=stored,
        kind=request.kind,
        direction=direction,
        channel=channel,
        note=note,
        needs_reply=awaiting,
        contacts=tuple(contacts),
        created=tuple(created),
        followups=tuple(queries.followup(conn, fid) for fid in followup_ids),
        reply_late=late,
    )


def _direction(request: LogRequest, channel: str) -> str:
    """``both`` for a call or meeting that took place (spec/scoring.md v2: a live
    exchange), unless it was missed; else who reached out."""
    live = request.kind in vocab.MEANINGFUL and channel in vocab.LIVE_CHANNELS
    if request.missed:
        if not live:
            raise UsageError(
                "--missed is for a call or a meeting that did not take place",
                hint="use it with -c phone, video or in_person (and --in for their missed call)",
            )
        if request.direction == "both":
            raise UsageError("a missed call is one-way: give --missed without direction both")
        return request.direction
    if request.direction == "both" and request.kind not in vocab.MEANINGFUL:
        raise UsageError("a broadcast is one-way: it cannot be direction both")
    return "both" if live else request.direction


def _starter(request: LogRequest) -> str | None:
    """Who started a live exchange: them with ``--in``, else you (unknown when the
    direction was given as ``both``)."""
    return {"in": "them", "out": "me"}.get(request.direction)


def _placed(conn: Any, contact_ids: list[int], when: datetime, now: datetime) -> datetime:
    """A moment on the day ``when`` names that comes after every interaction already
    logged with these people that day (one second after the latest, within the day and
    not after now; the latest's own second when there is no room, its id then orders)."""
    start, end = timeutil.day_bounds(when)
    latest = queries.latest_between(conn, contact_ids, start, end)
    if latest is None or latest < when:
        return when
    after = latest + timedelta(seconds=1)
    return after if after <= min(end, max(now, latest)) else latest


def log_interaction(
    path: Path, request: LogRequest, *, horizon_days: float = REPLY_HORIZON_DAYS
) -> LogResult:
    """Record one interaction; ``horizon_days``: the reply lane's horizon ([rank]
    reply_horizon_days), to tell whether a message now waits in the reply lane."""
    from rave import store

    with store.writing(path) as session:
        return _log_one(session, request, timeutil.utcnow(), horizon_days)


def log_batch(
    path: Path,
    source: str,
    lines: Iterable[str],
    *,
    create: bool = False,
    horizon_days: float = REPLY_HORIZON_DAYS,
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
                results.append(_log_one(session, request, now, horizon_days))
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
