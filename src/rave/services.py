"""Use cases: each joins the read door (``queries``), the write door (``store``) and the
pure modules, and returns plain data. Commands call exactly one of these. The use cases
about your own mix (``stats``, ``today_view``) live in ``stats_service`` and are
re-exported here.

The write door (SQLModel) is imported inside the functions that write, so read commands
never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rave import db, insight, queries, scoring, timeutil, vocab
from rave.config import Paths, RankConfig, load_rank, load_settings
from rave.errors import BadInputError, NotFoundError, RaveError, UsageError
from rave.stats_service import StatsReport as StatsReport
from rave.stats_service import TodayView as TodayView
from rave.stats_service import broadcast_nudge
from rave.stats_service import stats as stats
from rave.stats_service import today_view as today_view


@dataclass(frozen=True)
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
                value = vocab.clean_text(value) or None  # "" clears a field
            out[key] = value
        if "tier" in out:
            out["tier"] = vocab.tier(out["tier"] or "none")
        if out.get("cadence_days") is not None and out["cadence_days"] <= 0:
            raise UsageError("--cadence must be a number of days above 0")
        return out

    def handle_pairs(self) -> list[tuple[str, str]]:
        pairs = [("email", vocab.normalize_handle("email", e)) for e in self.emails]
        pairs += [("phone", vocab.normalize_handle("phone", p)) for p in self.phones]
        pairs += [vocab.parse_handle(h) for h in self.handles]
        return pairs


@dataclass(frozen=True)
class LogRequest:
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


@dataclass(frozen=True)
class LogResult:
    id: int
    when: datetime
    kind: str
    direction: str
    channel: str
    note: str | None
    needs_reply: bool
    contacts: tuple[queries.ContactRef, ...]
    created: tuple[int, ...] = ()
    followups: tuple[queries.FollowUpRow, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PostResult:
    id: int
    text: str
    channel: str
    url: str | None
    when: datetime


# --- reads --------------------------------------------------------------------------------


def resolve(path: Path, ref: str) -> queries.ContactRef:
    with db.reading(path) as conn:
        return queries.find_contact(conn, ref)


def list_contacts(
    path: Path,
    *,
    tier: str | None = None,
    tag: str | None = None,
    search: str | None = None,
    sort: str = "name",
) -> list[queries.ContactSummary]:
    with db.reading(path) as conn:
        return queries.list_contacts(
            conn, as_of=timeutil.utcnow(), tier=tier, tag=tag, search=search, sort=sort
        )


def show_contact(path: Path, ref: str) -> queries.ContactDetail:
    """A contact's profile, with their warmth at the end of each of the last 12 months
    (the current one: now)."""
    as_of = timeutil.utcnow()
    samples = insight.month_ends(as_of)
    with db.reading(path) as conn:
        contact = queries.find_contact(conn, ref)
        detail = queries.contact_detail(conn, contact.id, as_of=as_of)
        values = queries.warmth_at(conn, contact.id, [moment for _, moment in samples])
    trend = tuple((label, value) for (label, _), value in zip(samples, values, strict=True))
    return replace(detail, warmth_trend=trend)


def list_followups(path: Path, *, include_done: bool = False) -> list[queries.FollowUpRow]:
    with db.reading(path) as conn:
        return queries.followups(conn, include_done=include_done)


def contact_names(path: Path, prefix: str) -> list[str]:
    with db.reading(path) as conn:
        return queries.contact_names(conn, prefix)


# --- writes -------------------------------------------------------------------------------


def add_contact(path: Path, name: str, data: ContactInput, *, force: bool = False) -> int:
    from rave import store

    clean = vocab.clean_name(name)
    fields = data.fields()
    handles = data.handle_pairs()
    now = timeutil.utcnow()
    with store.writing(path) as session:
        same = queries.same_name(store.raw(session), clean)
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
) -> int:
    from rave import store

    fields = data.fields()
    handles = data.handle_pairs()
    with store.writing(path) as session:
        contact = queries.find_contact(store.raw(session), ref)
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


def add_note(path: Path, ref: str, text: str) -> tuple[queries.ContactRef, int]:
    from rave import store

    clean = vocab.clean_text(text)
    if not clean:
        raise UsageError("the note is empty")
    with store.writing(path) as session:
        contact = queries.find_contact(store.raw(session), ref)
        note_id = store.add_note(
            session=session, contact_id=contact.id, text=clean, now=timeutil.utcnow()
        )
        return contact, note_id


def _default_channel(conn: Any, contact_ids: list[int]) -> str:
    """The channel of the latest interaction with these people, else ``other``."""
    marks = ",".join("?" * len(contact_ids))
    row = conn.execute(
        f"""SELECT i.channel FROM interaction_contact ic
              JOIN interaction i ON i.id = ic.interaction_id
             WHERE ic.contact_id IN ({marks})
             ORDER BY i.happened_at DESC, i.id DESC LIMIT 1""",
        contact_ids,
    ).fetchone()
    return str(row[0]) if row else "other"


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
    channel = request.channel or _default_channel(conn, ids)
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


# --- ranking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhyResult:
    assessment: scoring.Assessment
    rank: int | None  # the position in today's list, None when not listed
    skipped: str | None  # "over_limit" / "intro_capped" when visible but not listed
    threshold: float  # lane 1's minimum score ([rank] threshold)


def rank_config(paths: Paths) -> RankConfig:
    return load_rank(paths.config)


def today(
    paths: Paths,
    *,
    as_of: datetime,
    limit: int | None = None,
    tier: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
) -> scoring.Ranking:
    config = rank_config(paths)
    with db.reading(paths.db) as conn:
        states = queries.contact_states(
            conn, as_of=as_of, config=config, tier=tier, tag=tag, channel=channel
        )
    return scoring.rank(states, as_of=as_of, config=config, limit=limit)


def why(paths: Paths, ref: str, *, as_of: datetime) -> WhyResult:
    config = rank_config(paths)
    with db.reading(paths.db) as conn:
        contact = queries.find_contact(conn, ref)
        states = queries.contact_states(conn, as_of=as_of, config=config)
    ranking = scoring.rank(states, as_of=as_of, config=config)
    for suggestion in ranking.suggestions:
        if suggestion.assessment.state.contact_id == contact.id:
            return WhyResult(suggestion.assessment, suggestion.rank, None, config.threshold)
    (state,) = [s for s in states if s.contact_id == contact.id]
    assessment = scoring.assess(state, as_of=as_of, config=config)
    skipped = None
    if assessment.hidden is None:
        skipped = "intro_capped" if assessment.action == "intro" else "over_limit"
    return WhyResult(assessment, None, skipped, config.threshold)


def snooze(path: Path, ref: str, until: date | None) -> tuple[queries.ContactRef, datetime | None]:
    """Hide a contact from `today` until the start of ``until`` (local), or unsnooze."""
    from rave import store

    moment = None if until is None else timeutil.local_midnight(until)
    with store.writing(path) as session:
        contact = queries.find_contact(store.raw(session), ref)
        store.set_snooze(
            session=session, contact_id=contact.id, until=moment, now=timeutil.utcnow()
        )
    return contact, moment


@dataclass(frozen=True)
class Digest:
    as_of: datetime
    ranking: scoring.Ranking
    followups_due: tuple[queries.FollowUpRow, ...]
    broadcast: insight.Nudge | None = None

    @property
    def empty(self) -> bool:
        """Nobody to answer or reach out to and nothing due (a broadcast nudge alone does
        not make a mail worth sending)."""
        return not self.ranking.suggestions and not self.followups_due


def digest(paths: Paths, *, as_of: datetime, limit: int | None = None) -> Digest:
    """The morning summary: today's list, the follow-ups due by today (local) and the
    broadcast nudge."""
    config, balance = load_settings(paths.config)
    with db.reading(paths.db) as conn:
        states = queries.contact_states(conn, as_of=as_of, config=config)
        due = queries.followups(conn, due_by=timeutil.local_date(as_of))
        nudge = broadcast_nudge(conn, as_of=as_of, balance=balance)
    ranking = scoring.rank(states, as_of=as_of, config=config, limit=limit)
    return Digest(as_of=as_of, ranking=ranking, followups_due=tuple(due), broadcast=nudge)
