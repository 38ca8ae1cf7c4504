"""The test oracle for the per-contact state: a deliberately naive derivation, straight
from spec/scoring.md (version 2), "Events" and "Per-contact state".

Production has one derivation, the fold (``scoring.Tally``); this is the other one, and
it lives in tests/ only. Every field is computed on its own, by a plain search over the
whole history taken in ``(when, gid)`` order (ties of a second by global id, the same on
every machine; by id for events without one): no incremental fold, nothing shared between
fields, quadratic where that is the obvious way. Slow and obvious is the point.

How the spec's words are read here (and, unless a test says otherwise, by the fold):

- "meaningful" = chat or engage; a direction is ``in`` (from them), ``out`` (from you)
  or ``both`` (a live exchange: a call that connected, a meeting);
- "yours" = ``out`` or ``both`` (you took part); "theirs" = ``in``;
- "after X" = later than X in ``(when, gid)`` order; "since the latest X" with no X at
  all = the whole history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from rave import choices, timeutil
from rave.config import RankConfig
from rave.scoring.state import ContactState, Event

MEANINGFUL = ("chat", "engage")
LIVE_EXCHANGE = "both"
RECENT_CADENCES = 3  # the offline rule's window: the last 3 cadences
RECENT_MAX, RECENT_IN_MAX = 3, 2  # the offline rule asks for 3 meaningful, 2 inbound
DEFAULT_CONFIG = RankConfig()


def meaningful(e: Event) -> bool:
    return e.kind in MEANINGFUL


def yours(e: Event) -> bool:
    """You took part: you wrote, did something, or talked with them live."""
    return e.direction in ("out", "both")


def answers(e: Event) -> bool:
    """An outbound or live meaningful event: what settles a message waiting for you."""
    return meaningful(e) and yours(e)


def heard_from_them(e: Event) -> bool:
    """An inbound or live meaningful event: what resets your unanswered messages."""
    return meaningful(e) and e.direction in ("in", "both")


def order(e: Event) -> tuple[datetime, str, int]:
    """Where an event stands in a history: its time, then its global id, then its id."""
    return (e.when, e.gid, e.id)


def latest(events: Sequence[Event]) -> Event | None:
    return events[-1] if events else None


def earliest(events: Sequence[Event]) -> Event | None:
    return events[0] if events else None


def after(history: Sequence[Event], e: Event | None) -> list[Event]:
    """The events of ``history`` after ``e`` (all of them when ``e`` is None)."""
    if e is None:
        return list(history)
    return [f for f in history if order(f) > order(e)]


def before(history: Sequence[Event], e: Event) -> list[Event]:
    return [f for f in history if order(f) < order(e)]


def unanswered_asks(history: Sequence[Event]) -> list[Event]:
    """The inbound meaningful events with needs_reply and no outbound or live meaningful
    event after them."""
    return [
        e
        for e in history
        if meaningful(e)
        and e.direction == "in"
        and e.needs_reply
        and not any(answers(f) for f in after(history, e))
    ]


def pending(history: Sequence[Event]) -> Event | None:
    """The earliest of the unanswered asks (the spec's pending_in)."""
    return earliest(unanswered_asks(history))


def is_answer(history: Sequence[Event], e: Event) -> bool:
    """An outbound meaningful event is an answer when something of theirs was pending just
    before it."""
    return pending(before(history, e)) is not None


def naive_state(
    events: Iterable[Event],
    *,
    as_of: datetime,
    contact_id: int,
    name: str,
    tier: str,
    cadence_days: float | None = None,
    snoozed_until: datetime | None = None,
    notes: Sequence[tuple[datetime, str]] = (),
    why: str | None = None,
    offer: str | None = None,
    handles: Sequence[str] = (),
    config: RankConfig = DEFAULT_CONFIG,
    contact_gid: str = "",
) -> ContactState:
    """The state of a contact with these events and notes as of ``as_of``, field by field
    from the spec's definitions (same signature and result as ``scoring.derive_state``)."""
    history = sorted((e for e in events if e.when <= as_of), key=order)
    # the contact's own cadence, else the tier's, else (tier none) the longest there is
    if cadence_days is not None:
        cadence = float(cadence_days)
    else:
        cadence = config.cadence.get(tier, max(config.cadence.values()))

    all_meaningful = [e for e in history if meaningful(e)]
    last_m = latest(all_meaningful)
    first_m = earliest(all_meaningful)
    n_in = len([e for e in history if heard_from_them(e)])

    waiting = pending(history)
    newest = latest(unanswered_asks(history))  # where to answer, and the lane's clock

    last_heard = latest([e for e in history if heard_from_them(e)])
    unanswered = len(
        [e for e in after(history, last_heard) if meaningful(e) and e.direction == "out"]
    )

    outbound = [e for e in history if meaningful(e) and e.direction == "out"]
    last_out = latest(outbound)
    last_out_answer = last_out is not None and is_answer(history, last_out)
    last_init = latest([e for e in outbound if not is_answer(history, e)])

    last_in = latest([e for e in history if meaningful(e) and e.direction == "in"])
    if last_in is not None:
        answer_channel: str | None = last_in.channel
    elif last_m is not None:
        answer_channel = last_m.channel
    else:
        answer_channel = None

    channels: list[str] = []
    for e in reversed(history):  # latest first
        if e.channel not in channels:
            channels.append(e.channel)
    for channel in handles:
        if channel not in channels:
            channels.append(channel)

    bcasts = len([e for e in after(history, last_m) if e.kind == "broadcast" and yours(e)])

    favours = [
        e
        for e in history
        if e.kind == "engage"
        and e.direction == "in"
        and not any(f.kind == "engage" and yours(f) for f in after(history, e))
    ]
    debt_since = earliest(favours)

    last_engage = latest([e for e in history if e.kind == "engage"])
    chats = len([e for e in after(history, last_engage) if e.kind == "chat"])

    last_offline = latest([e for e in history if meaningful(e) and e.direction == LIVE_EXCHANGE])

    last_post = latest([e for e in history if e.kind == "broadcast" and e.direction == "in"])
    responded = last_post is not None and any(yours(f) for f in after(history, last_post))

    window = timedelta(days=RECENT_CADENCES * cadence)
    in_window = [e for e in all_meaningful if as_of - e.when <= window]
    recent = min(RECENT_MAX, len(in_window))
    recent_in = min(RECENT_IN_MAX, len([e for e in in_window if heard_from_them(e)]))

    talking_point: str | None = None
    latest_note_at: datetime | None = None
    for created, text in notes:
        if created <= as_of and (latest_note_at is None or created >= latest_note_at):
            latest_note_at, talking_point = created, text
    if latest_note_at is None:
        with_note = latest([e for e in all_meaningful if e.note])
        talking_point = None if with_note is None else with_note.note

    # Σ w_kind · w_channel · 2^(−age/90): in person 2, phone/video or a live exchange 1.5
    kind_weight = {"broadcast": 0.1, "chat": 0.5, "engage": 1.0}
    warmth = 0.0
    for e in history:
        age = (as_of - e.when).total_seconds() / 86400
        if e.channel == "in_person":
            channel_weight = 2.0
        elif e.channel in ("phone", "video") or e.direction == "both":
            channel_weight = 1.5
        else:
            channel_weight = 1.0
        warmth += kind_weight[e.kind] * channel_weight * 2 ** (-age / 90)

    return ContactState(
        contact_id=contact_id,
        name=name,
        tier=tier,
        as_of=as_of,
        cadence_days=cadence_days,
        cadence=cadence,
        snoozed_until=snoozed_until,
        why=why,
        offer=offer,
        last_meaningful=None if last_m is None else last_m.when,
        last_meaningful_channel=None if last_m is None else last_m.channel,
        last_meaningful_direction=None if last_m is None else last_m.direction,
        first_meaningful=None if first_m is None else first_m.when,
        first_meaningful_direction=None if first_m is None else first_m.direction,
        n_in_meaningful=n_in,
        pending_in=None if waiting is None else waiting.when,
        pending_last=None if newest is None else newest.when,
        pending_channel=None if newest is None else newest.channel,
        pending_kind=None if newest is None else newest.kind,
        pending_note=None if newest is None else newest.note,
        unanswered=unanswered,
        last_out=None if last_out is None else last_out.when,
        last_out_channel=None if last_out is None else last_out.channel,
        last_out_answer=last_out_answer,
        last_initiation=None if last_init is None else last_init.when,
        answer_channel=answer_channel,
        channels=tuple(channels),
        bcast_since_meaningful=bcasts,
        debt=len(favours),
        debt_since=None if debt_since is None else debt_since.when,
        chats_since_engage=chats,
        last_offline=None if last_offline is None else last_offline.when,
        last_their_post=None if last_post is None else last_post.when,
        last_their_post_channel=None if last_post is None else last_post.channel,
        last_their_post_note=None if last_post is None else last_post.note,
        responded_to_post=responded,
        recent_meaningful=recent,
        recent_in_meaningful=recent_in,
        talking_point=talking_point,
        warmth=warmth,
        contact_gid=contact_gid,
    )


def differences(got: ContactState, want: ContactState, *, tolerance: float = 1e-9) -> dict:
    """The fields where ``got`` differs from ``want`` (warmth within ``tolerance``
    relative), as {field: (got, want)}: a readable failure message."""
    diff = {}
    for field, a, b in zip(ContactState._fields, got, want, strict=True):
        if field == "warmth":
            if abs(a - b) > tolerance * max(1.0, abs(b)):
                diff[field] = (a, b)
        elif a != b:
            diff[field] = (a, b)
    return diff


def naive_states(
    conn: sqlite3.Connection, *, as_of: datetime, config: RankConfig = DEFAULT_CONFIG
) -> list[ContactState]:
    """Every contact's state by ``naive_state``, in id order, on its events, notes, handles
    and fields as read back from the store (what ``queries.contact_states`` should give)."""
    out = []
    contacts = conn.execute(
        "SELECT id, name, tier, cadence_days, snoozed_until, why, offer, gid"
        " FROM contact ORDER BY id"
    ).fetchall()
    for cid, name, tier, cadence_days, snoozed_until, why, offer, contact_gid in contacts:
        rows = conn.execute(
            "SELECT i.id, i.happened_at, i.kind, i.direction, i.channel, i.needs_reply, i.note,"
            "       i.gid"
            "  FROM interaction i JOIN interaction_contact ic ON ic.interaction_id = i.id"
            " WHERE ic.contact_id = ?",
            (cid,),
        )
        events = [
            Event(iid, timeutil.from_db(at), kind, direction, channel, bool(needs_reply), note, gid)
            for iid, at, kind, direction, channel, needs_reply, note, gid in rows
        ]
        notes = [
            (timeutil.from_db(at), text)
            for at, text in conn.execute(
                "SELECT created_at, text FROM note WHERE contact_id = ? ORDER BY id", (cid,)
            )
        ]
        known = {
            c for (c,) in conn.execute("SELECT channel FROM handle WHERE contact_id = ?", (cid,))
        }
        out.append(
            naive_state(
                events,
                as_of=as_of,
                contact_id=cid,
                name=name,
                tier=tier,
                cadence_days=cadence_days,
                snoozed_until=timeutil.from_db_opt(snoozed_until),
                notes=notes,
                why=why,
                offer=offer,
                # the handles' channels in the contract's order, as contact_states gives them
                handles=[c for c in choices.CHANNELS if c in known],
                config=config,
                contact_gid=contact_gid,
            )
        )
    return out
