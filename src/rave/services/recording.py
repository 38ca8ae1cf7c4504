"""Use cases that record what happened: log (one or a batch), post, follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from rave import db, queries, tallies, timeutil, vocab
from rave.config import RankConfig
from rave.errors import BadInputError, NotFoundError, RaveError, UsageError

_DEFAULT = RankConfig()


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
    needs_reply: bool  # what was logged is a message of theirs still waiting for your answer
    contacts: tuple[queries.ContactRef, ...]
    created: tuple[int, ...] = ()
    followups: tuple[queries.FollowUpRow, ...] = ()
    # where `rave today` shows them for it now: "reply", "reply_late" (an outreach row),
    # or why not ("snoozed", "untargeted"); None when nothing of theirs waits
    shown: str | None = None
    still_owed: bool = False  # a message of yours to someone whose favour is not repaid


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
    """Record one interaction inside an open write session. ``needs_reply`` is what was
    stored (their message asks for an answer); ``_checked`` tells what it means now."""
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
    kind, direction = _kind_and_direction(request, channel)
    when = _placed(conn, ids, request.when, now) if request.day_only else request.when
    needs_reply = direction == "in" and kind in vocab.MEANINGFUL and not request.closed
    interaction_id = store.add_interaction(
        session=session,
        contact_ids=ids,
        kind=kind,
        direction=direction,
        channel=channel,
        when=when,
        now=now,
        note=note,
        needs_reply=needs_reply,
        started_by=_starter(request) if direction == "both" else None,
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
        when=timeutil.from_db(timeutil.to_db(when)),  # as stored: whole seconds
        kind=kind,
        direction=direction,
        channel=channel,
        note=note,
        needs_reply=needs_reply,
        contacts=tuple(contacts),
        created=tuple(created),
        followups=tuple(queries.followup(conn, fid) for fid in followup_ids),
    )


def _checked(conn: Any, result: LogResult, now: datetime, config: RankConfig) -> LogResult:
    """``result`` as the store now sees it (the tallies up to date): whether what was
    logged still waits for your answer, where `today` shows it, and whether a chat of
    yours left a favour unrepaid (a repay is an engage)."""
    ids = [c.id for c in result.contacts]
    waits, shown = _after_write(conn, ids, result.when, now, config, result.needs_reply)
    mine = result.kind == "chat" and result.direction != "in"
    owed = mine and any(tallies.owes(conn, c) for c in ids)
    return result._replace(needs_reply=waits, shown=shown, still_owed=owed)


def _after_write(
    conn: Any,
    contact_ids: list[int],
    when: datetime,
    now: datetime,
    config: RankConfig,
    needs_reply: bool,
) -> tuple[bool, str | None]:
    """The truth after the write, as `rave today` will see it: whether the message
    logged still waits for your answer (a later answer may settle a back-dated one) and
    where `today` shows it (the reply lane, a late reply, or why not). Read through the
    same state and model as `today`."""
    if not needs_reply:
        return False, None
    from rave import scoring

    waits, shown = False, None
    order = ("reply", "reply_late", "snoozed", "untargeted")
    for cid in contact_ids:
        (state,) = queries.contact_states(conn, as_of=now, config=config, contact_id=cid)
        if state.pending_in is None or state.pending_in > when:
            continue
        waits = True
        verdict = scoring.assess(state, as_of=now, config=config)
        if verdict.lane_name == "reply":
            where: str | None = "reply"
        elif verdict.action == "reply_late":
            where = verdict.hidden or "reply_late"
        else:
            where = None
        if where in order and (shown is None or order.index(where) < order.index(shown)):
            shown = where
    return waits, shown


def _kind_and_direction(request: LogRequest, channel: str) -> tuple[str, str]:
    """``both`` for a call or meeting that took place (spec/scoring.md v2: a live
    exchange), unless it was missed; else who reached out. A missed call is a chat,
    whatever ``--kind`` says: nobody did anyone a favour."""
    if request.missed:
        if request.kind not in vocab.MEANINGFUL:
            raise UsageError("--missed is for a call, not a like or a post")
        if channel not in vocab.LIVE_CHANNELS:
            raise UsageError(
                "--missed is for a call or a meeting that did not take place",
                hint="use it with -c phone, video or in_person (and --in for their missed call)",
            )
        if request.direction == "both":
            raise UsageError("a missed call is one-way: give --missed without direction both")
        return "chat", request.direction
    if request.direction == "both" and request.kind not in vocab.MEANINGFUL:
        raise UsageError("a broadcast is one-way: it cannot be direction both")
    live = request.kind in vocab.MEANINGFUL and channel in vocab.LIVE_CHANNELS
    return request.kind, "both" if live else request.direction


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


def log_interaction(path: Path, request: LogRequest, *, config: RankConfig = _DEFAULT) -> LogResult:
    """Record one interaction; ``config`` ([rank]) tells where `today` will show it."""
    from rave import store

    now = timeutil.utcnow()
    with store.writing(path) as session:
        return _checked(store.raw(session), _log_one(session, request, now), now, config)


def log_batch(
    path: Path,
    source: str,
    lines: Iterable[str],
    *,
    create: bool = False,
    config: RankConfig = _DEFAULT,
) -> list[LogResult]:
    """Record every JSON Lines interaction of ``lines`` in one transaction: a bad line
    (unreadable, unknown contact, bad value) stops everything with BadInputError naming
    the line, and nothing is written. Each contact's tally is folded once, at the end
    (lines in any order cost the same as lines in date order), and each result then
    says what the whole batch left waiting."""
    from rave import batchlog, store

    now = timeutil.utcnow()
    results: list[LogResult] = []
    with store.writing(path) as session:
        conn = store.raw(session)
        with tallies.folded_at_end(conn):
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
        return [_checked(conn, result, now, config) for result in results]


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
