"""Use cases that record what happened: log (one or a batch), post, follow-ups."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rave import choices, contact_tally, db, normalize, timeutil
from rave.config import RankConfig
from rave.errors import BadInputError, RaveError, UsageError
from rave.queries import channels, contacts, people, records, states
from rave.scoring.model import assess

_DEFAULT = RankConfig()


@dataclass(frozen=True, slots=True)
class LogRequest:
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


@dataclass(frozen=True, slots=True)
class LogResult(records.InteractionFacts):
    needs_reply: bool  # what was logged is a message of theirs still waiting for your answer
    contacts: tuple[records.ContactRef, ...]
    created: tuple[int, ...] = ()
    followups: tuple[records.FollowUpRow, ...] = ()
    # where `rave today` shows them for it now: "reply", "reply_late" (an outreach row),
    # or why not ("snoozed", "untargeted"); None when nothing of theirs waits
    shown: str | None = None
    still_owed: bool = False  # a message of yours to someone whose favour is not repaid


@dataclass(frozen=True, slots=True)
class PostResult:
    id: int
    text: str
    channel: str
    url: str | None
    when: datetime


def list_followups(path: Path, *, include_done: bool = False) -> list[records.FollowUpRow]:
    with db.reading(path) as conn:
        return contacts.followups(conn, include_done=include_done)


def _log_one(session: Any, request: LogRequest, now: datetime) -> LogResult:
    """Record one interaction inside an open write session. ``needs_reply`` is what was
    stored (their message asks for an answer); ``_checked`` tells what it means now."""
    from rave import store

    if not request.refs:
        raise UsageError("name at least one contact", hint='rave log "Ana" -k chat')
    if request.due is not None and not request.follow_up:
        raise UsageError("--due needs --follow-up TEXT")
    follow_up = normalize.clean_text(request.follow_up) if request.follow_up is not None else None
    if follow_up == "":
        raise UsageError("the follow-up text is empty")
    note = normalize.clean_text(request.note) if request.note else None
    conn = store.raw(session)
    involved: list[records.ContactRef] = []
    created: list[int] = []
    for ref in request.refs:
        # --create attaches only to whom the reference names (or a whole word of one
        # name): a typo or a beginning of someone's name may be a new person (Paula next
        # to Paul), so it is refused (exit 4), naming them
        found = (
            people.find_for_create(conn, ref) if request.create else people.find_contact(conn, ref)
        )
        if found is not None:
            contact = found
        else:
            name = normalize.clean_name(ref)
            new_id = store.add_contact(session=session, name=name, now=now, fields={"tier": "none"})
            contact = records.ContactRef(new_id, name)
            created.append(new_id)
        if contact not in involved:
            involved.append(contact)
    ids = [c.id for c in involved]
    channel = request.channel or channels.last_channel(
        conn, ids, broadcast=request.kind == "broadcast"
    )
    kind, direction = _kind_and_direction(request, channel)
    when = _placed(conn, ids, request.when, now) if request.day_only else request.when
    needs_reply = direction == "in" and kind in choices.MEANINGFUL and not request.closed
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
        contacts=tuple(involved),
        created=tuple(created),
        followups=tuple(contacts.followup(conn, fid) for fid in followup_ids),
    )


def _checked(conn: Any, result: LogResult, now: datetime, config: RankConfig) -> LogResult:
    """``result`` as the store now sees it (the tallies up to date): whether what was
    logged still waits for your answer, where `today` shows it, and whether a chat of
    yours left a favour unrepaid (a repay is an engage)."""
    ids = [c.id for c in result.contacts]
    waits, shown = _after_write(conn, ids, result.when, now, config, result.needs_reply)
    mine = result.kind == "chat" and result.direction != "in"
    owed = mine and any(contact_tally.owes(conn, c) for c in ids)
    return dataclasses.replace(result, needs_reply=waits, shown=shown, still_owed=owed)


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

    waits, shown = False, None
    order = ("reply", "reply_late", "snoozed", "untargeted")
    for cid in contact_ids:
        (state,) = states.contact_states(conn, as_of=now, config=config, contact_id=cid)
        if state.pending_in is None or state.pending_in > when:
            continue
        waits = True
        verdict = assess(state, as_of=now, config=config)
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
        if request.kind not in choices.MEANINGFUL:
            raise UsageError("--missed is for a call, not a like or a post")
        if channel not in choices.LIVE_CHANNELS:
            raise UsageError(
                "--missed is for a call or a meeting that did not take place",
                hint="use it with -c phone, video or in_person (and --in for their missed call)",
            )
        if request.direction == "both":
            raise UsageError("a missed call is one-way: give --missed without direction both")
        return "chat", request.direction
    if request.direction == "both" and request.kind not in choices.MEANINGFUL:
        raise UsageError("a broadcast is one-way: it cannot be direction both")
    live = request.kind in choices.MEANINGFUL and channel in choices.LIVE_CHANNELS
    return request.kind, "both" if live else request.direction


def _starter(request: LogRequest) -> str | None:
    """Who started a live exchange: them with ``--in``, else you (unknown when the
    direction was given as ``both``)."""
    return {"in": "them", "out": "me"}.get(request.direction)


def _placed(conn: Any, contact_ids: list[int], when: datetime, now: datetime) -> datetime:
    """A moment on the day ``when`` names that comes after every interaction already
    logged with these people that day (one second after the latest, within the day and
    not after now; the latest's own second when there is no room: its gid then orders,
    ``scoring.state.Event``, after the latest if that too was made here by hand)."""
    start, end = timeutil.day_bounds(when)
    latest = channels.latest_between(conn, contact_ids, start, end)
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


# --- `rave log --batch`: one JSON Lines line per interaction --------------------
#
# `rave log --batch`: one interaction per JSON Lines line, with the same fields as
# `rave log`'s options.
#
#     {"contacts": ["Ana", "Bob"], "kind": "engage", "channel": "irl", "in": false,
#      "when": "2026-11-20T14:30", "note": "dinner", "closed": false,
#      "follow_up": "send the deck", "due": "friday", "create": false}
#
# Only ``contacts`` (or ``contact``, a single name) is required; ``direction`` ("in",
# "out" or "both") may replace ``in``; ``"missed": true`` is a call that did not connect,
# as `--missed`. Unknown keys are refused, so a typo never passes silently.

BATCH_KEYS = {
    "contacts",
    "contact",
    "kind",
    "channel",
    "in",
    "direction",
    "when",
    "note",
    "closed",
    "follow_up",
    "due",
    "create",
    "missed",
}


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{key!r} must be text, not {type(value).__name__}")
    return value


def _flag(record: dict[str, Any], key: str, default: bool = False) -> bool:
    value = record.get(key, default)
    if not isinstance(value, bool):
        raise UsageError(f"{key!r} must be true or false")
    return value


def _contacts(record: dict[str, Any]) -> tuple[str, ...]:
    if "contacts" in record and "contact" in record:
        raise UsageError("give 'contacts' or 'contact', not both")
    value = record.get("contacts", record.get("contact"))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise UsageError("'contacts' must be a name or a non-empty list of names")
    return tuple(value)


def parse_line(text: str, *, now: datetime, create: bool = False) -> LogRequest:
    """One line → a LogRequest; UsageError says what is wrong with it."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise UsageError("not a log line: arrays or objects nested too deep") from None
    except ValueError as exc:  # a number past Python's digit limit
        raise UsageError(f"not a log line: {exc}") from None
    if not isinstance(record, dict):
        raise UsageError("each line must be a JSON object")
    unknown = sorted(set(record) - BATCH_KEYS)
    if unknown:
        raise UsageError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(BATCH_KEYS))})")
    if "direction" in record and "in" in record:
        raise UsageError("give 'direction' or 'in', not both")
    direction = _text(record, "direction")
    if direction is not None and direction not in choices.DIRECTIONS:
        raise UsageError("'direction' must be 'in', 'out' or 'both'")
    if direction is None:
        direction = "in" if _flag(record, "in") else "out"
    channel = _text(record, "channel")
    when = _text(record, "when")
    due = _text(record, "due")
    return LogRequest(
        refs=_contacts(record),
        kind=choices.kind(_text(record, "kind") or "chat"),
        direction=direction,
        channel=None if channel is None else choices.channel(channel),
        when=now if when is None else timeutil.parse_past(when, now=now, what="'when'"),
        note=_text(record, "note"),
        closed=_flag(record, "closed"),
        follow_up=_text(record, "follow_up"),
        due=None if due is None else timeutil.parse_future_date(due, now=now, what="'due'"),
        create=_flag(record, "create", create),
        missed=_flag(record, "missed"),
        day_only=when is not None and timeutil.names_a_day(when),
    )


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
    from rave import contact_tally, store

    now = timeutil.utcnow()
    results: list[LogResult] = []
    with store.writing(path) as session:
        conn = store.raw(session)
        with contact_tally.folded_at_end(conn):
            for number, text in enumerate(lines, 1):
                if not text.strip():
                    continue
                try:
                    request = parse_line(text, now=now, create=create)
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

    clean = normalize.clean_text(text)
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


def complete_followup(path: Path, followup_id: int) -> tuple[records.FollowUpRow, bool]:
    from rave import store

    with store.writing(path) as session:
        changed = store.complete_followup(
            session=session, followup_id=followup_id, now=timeutil.utcnow()
        )
        return contacts.followup(store.raw(session), followup_id), changed
