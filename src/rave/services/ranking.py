"""Use cases of the daily list: today, why, snooze, digest."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rave import db, timeutil
from rave.config import BalanceConfig, Paths, RankConfig, load_rank, load_settings
from rave.errors import UsageError
from rave.queries import states
from rave.queries.broadcast import broadcast_facts
from rave.scoring import mix
from rave.scoring.model import Assessment, Ranking, assess, rank

if TYPE_CHECKING:
    from typing import Unpack

    from rave.queries import records

# --- ranking ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WhyResult:
    assessment: Assessment
    rank: int | None  # the position in today's list, None when not listed
    skipped: str | None  # "over_limit" / "intro_capped" when visible but not listed
    threshold: float  # lane 1's minimum score ([rank] threshold)
    # with a team hub: who of the team wrote to them last, and when ("you" or a member)
    answered: tuple[str, datetime] | None = None


def rank_config(paths: Paths) -> RankConfig:
    return load_rank(paths.config)


@dataclass(frozen=True, slots=True)
class TodayView:
    """`rave today`: the ranking and, apart from it, at most one line about your own
    broadcasting (never mixed into the people list)."""

    ranking: Ranking
    broadcast: mix.Nudge | None


def broadcast_nudge(
    conn: sqlite3.Connection, *, as_of: datetime, balance: BalanceConfig
) -> mix.Nudge | None:
    """The one line about your broadcasting as of ``as_of`` (mix.broadcast_nudge)."""
    repost_window, recent_since = mix.nudge_windows(as_of)
    facts = broadcast_facts(
        conn, as_of=as_of, repost_window=repost_window, recent_since=recent_since
    )
    return mix.broadcast_nudge(facts, as_of=as_of, balance=balance)


def _today(
    conn: sqlite3.Connection,
    settings: tuple[RankConfig, BalanceConfig],
    *,
    as_of: datetime,
    limit: int | None = None,
    broadcast: bool = True,
    **filters: Unpack[states.Filters],
) -> TodayView:
    """The one ranking pipeline: state in SQL, then the pure model (and the nudge)."""
    config, balance = settings
    unlisted: dict[str, int] = {}
    listable = states.contact_states(conn, as_of=as_of, config=config, unlisted=unlisted, **filters)
    nudge = broadcast_nudge(conn, as_of=as_of, balance=balance) if broadcast else None
    ranking = rank(
        listable,
        as_of=as_of,
        config=config,
        limit=limit,
        unlisted=unlisted,
        intros_today=states.intros_today(conn, as_of=as_of),
    )
    return TodayView(ranking, nudge)


def today_view(
    paths: Paths,
    *,
    as_of: datetime,
    limit: int | None = None,
    broadcast: bool = True,
    **filters: Unpack[states.Filters],
) -> TodayView:
    """Today's ranking and (unless ``broadcast`` is false) the broadcast nudge. The
    filters (``tier``, ``tag``, ``channel``) narrow the people only: the nudge is about
    you. Without the nudge only ``[rank]`` is read, so a mistake in ``[balance]`` cannot
    stop the list."""
    settings = load_settings(paths.config) if broadcast else (rank_config(paths), BalanceConfig())
    with db.reading(paths.db) as conn:
        return _today(conn, settings, as_of=as_of, limit=limit, broadcast=broadcast, **filters)


def why(paths: Paths, ref: str, *, as_of: datetime) -> WhyResult:
    from rave.queries import people

    config = rank_config(paths)
    unlisted: dict[str, int] = {}
    with db.reading(paths.db) as conn:
        contact = people.find_contact(conn, ref)
        listable = states.contact_states(conn, as_of=as_of, config=config, unlisted=unlisted)
        mine = [s for s in listable if s.contact_id == contact.id]
        if not mine:  # never listed: not among the states ranked
            mine = states.contact_states(conn, as_of=as_of, config=config, contact_id=contact.id)
        sent_today = states.intros_today(conn, as_of=as_of)
        answered = _answered(conn, contact.id, as_of)
    ranking = rank(listable, as_of=as_of, config=config, unlisted=unlisted, intros_today=sent_today)
    for suggestion in ranking.suggestions:
        if suggestion.assessment.state.contact_id == contact.id:
            return WhyResult(
                suggestion.assessment, suggestion.rank, None, config.threshold, answered
            )
    (state,) = mine
    assessment = assess(state, as_of=as_of, config=config)
    skipped = None
    if assessment.hidden is None:
        listed = sum(s.assessment.action == "intro" for s in ranking.suggestions)
        capped = listed + ranking.intros_today >= config.intro_per_day
        skipped = "intro_capped" if assessment.action == "intro" and capped else "over_limit"
    return WhyResult(assessment, None, skipped, config.threshold, answered)


def _answered(
    conn: sqlite3.Connection, contact_id: int, as_of: datetime
) -> tuple[str, datetime] | None:
    """With a team hub (``sync_state.member``), who wrote to the contact last, and when:
    the author the hub gave that interaction (``you`` for this member). Plain SQL: `why`
    never imports the sync."""
    state = conn.execute(
        "SELECT s.member, r.device FROM sync_state s, replica r WHERE s.member IS NOT NULL"
    ).fetchone()
    if state is None:
        return None
    member, device = state
    row = conn.execute(
        "SELECT o.author, o.device IN (SELECT device FROM sync_peer) OR o.device = ?,"
        " i.happened_at FROM interaction i"
        " JOIN interaction_contact ic ON ic.interaction_id = i.id"
        " JOIN op o ON o.gid = i.gid AND o.kind = 'create' AND o.entity = 'interaction'"
        " WHERE ic.contact_id = ? AND i.direction IN ('out', 'both') AND i.happened_at <= ?"
        " ORDER BY i.happened_at DESC, i.gid DESC, o.hlc, o.id LIMIT 1",
        (device, contact_id, timeutil.to_db(as_of)),
    ).fetchone()
    if row is None:
        return None
    # you: this member's role, this machine, or a machine of yours over git (sync_peer)
    author, yours, when = row
    return ("you" if author == member or yours else str(author)), timeutil.from_db(when)


def snooze(path: Path, ref: str, until: date | None) -> tuple[records.ContactRef, datetime | None]:
    from rave.queries import people

    """Hide a contact from `today` until the start of ``until`` (local), or unsnooze."""
    from rave import store

    if until is not None and until <= timeutil.local_date(timeutil.utcnow()):
        raise UsageError(
            f"snooze until {until.isoformat()}: that is not after today",
            hint="rave snooze NAME 2w (or friday, 2026-12-01); rave unsnooze NAME ends one",
        )
    moment = None if until is None else timeutil.local_midnight(until)
    with store.writing(path) as session:
        contact = people.find_contact(store.raw(session), ref)
        store.set_snooze(
            session=session, contact_id=contact.id, until=moment, now=timeutil.utcnow()
        )
    return contact, moment


@dataclass(frozen=True, slots=True)
class Digest:
    as_of: datetime
    ranking: Ranking
    followups_due: tuple[records.FollowUpRow, ...]
    broadcast: mix.Nudge | None = None
    # when `rave sync` last applied what your other machines recorded (None: no remote)
    last_sync: datetime | None = None
    synced: bool = False  # a remote is set: the digest says how fresh it is

    @property
    def empty(self) -> bool:
        """Nobody to answer or reach out to and nothing due (a broadcast nudge alone does
        not make a mail worth sending)."""
        return not self.ranking.suggestions and not self.followups_due


def digest(paths: Paths, *, as_of: datetime, limit: int | None = None) -> Digest:
    from rave.queries import contacts

    """The morning summary: today's list, the follow-ups due by today (local) and the
    broadcast nudge."""
    settings = load_settings(paths.config)
    with db.reading(paths.db) as conn:
        view = _today(conn, settings, as_of=as_of, limit=limit)
        due = contacts.followups(conn, due_by=timeutil.local_date(as_of))
        # plain SQL: the digest never imports the sync (nor touches the network)
        state = conn.execute("SELECT remote, last_sync FROM sync_state").fetchone()
    return Digest(
        as_of=as_of,
        ranking=view.ranking,
        followups_due=tuple(due),
        broadcast=view.broadcast,
        last_sync=None if state is None else timeutil.from_db_opt(state[1]),
        synced=state is not None and state[0] is not None,
    )
