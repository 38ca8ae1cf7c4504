"""The per-contact state from the production fold (``derive_state``, the stored
tallies of ``states.contact_states`` and its ``--as-of`` replay) equals the naive
derivation of tests/oracle.py, written straight from spec/scoring.md v2, on random
histories; and both give the values worked out by hand in a few table cases."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle import differences, naive_state, naive_states
from rave import choices, db, store
from rave.config import RankConfig
from rave.queries import states
from rave.scoring.model import rank
from rave.scoring.state import ContactState, Event, derive_state

AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CHANNELS = ["linkedin", "email", "whatsapp", "in_person", "phone", "video"]
NOTES = [None, "", "coffee", "asked about pricing", 'é ✓ "quoted"']
CONFIGS = [
    RankConfig(),
    RankConfig(cadence={"A": 2.5, "B": 10.0, "C": 45.0, "D": 365.0}),
]
# Hours before (negative) or after AS_OF. Besides any hour: a few fixed ones, so that
# events tie in time, fall exactly on as_of, or exactly 3 cadences (A, B, C) before it.
HOURS = st.one_of(
    st.integers(min_value=-24 * 400, max_value=24 * 10),
    st.sampled_from([0, -1, -24, -72, -72 * 7, -72 * 30, -72 * 90, 24]),
)
TIERS = ["A", "B", "C", "D", "none"]


# --- the pure fold against the oracle ---------------------------------------------------

event_st = st.fixed_dictionaries(
    {
        "hours": HOURS,
        "kind": st.sampled_from(["broadcast", "chat", "engage"]),
        "direction": st.sampled_from(["in", "out", "both"]),
        "channel": st.sampled_from(CHANNELS),
        "needs_reply": st.booleans(),
        "note": st.sampled_from(NOTES),
    }
)


@st.composite
def histories(draw: st.DrawFn, max_size: int = 25) -> list[Event]:
    """Events with distinct ids that follow no particular order in time (so ties in time
    are broken both ways), given in random order."""
    drawn = draw(st.lists(event_st, max_size=max_size))
    ids = draw(st.permutations(range(1, len(drawn) + 1)))
    events = [
        Event(
            id=iid,
            when=AS_OF + timedelta(hours=e["hours"]),
            kind=e["kind"],
            direction=e["direction"],
            channel=e["channel"],
            needs_reply=e["needs_reply"],
            note=e["note"],
        )
        for iid, e in zip(ids, drawn, strict=True)
    ]
    return draw(st.permutations(events))


profile_st = st.fixed_dictionaries(
    {
        "tier": st.sampled_from(TIERS),
        "cadence_days": st.one_of(st.none(), st.integers(min_value=1, max_value=200)),
        "notes": st.lists(
            st.tuples(HOURS.map(lambda h: AS_OF + timedelta(hours=h)), st.sampled_from(NOTES[1:])),
            max_size=3,
        ),
        "handles": st.lists(st.sampled_from([*CHANNELS, "sms"]), max_size=3),
        "config": st.sampled_from(CONFIGS),
    }
)


def both(events: list[Event], as_of: datetime = AS_OF, **profile: Any) -> tuple[ContactState, ...]:
    """The state from the fold and from the oracle, for the same contact."""
    args: dict[str, Any] = {"contact_id": 1, "name": "Ana", "tier": "B", **profile}
    return (
        derive_state(events, as_of=as_of, **args),
        naive_state(events, as_of=as_of, **args),
    )


@pytest.mark.slow
@settings(max_examples=1000, deadline=None)
@given(events=histories(), profile=profile_st)
def test_the_fold_equals_the_oracle(events: list[Event], profile: dict[str, Any]) -> None:
    folded, naive = both(events, **profile)
    assert differences(folded, naive) == {}


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(events=histories(max_size=15), later=event_st, profile=profile_st)
def test_one_more_event_moves_the_state_as_the_spec_says(
    events: list[Event], later: dict[str, Any], profile: dict[str, Any]
) -> None:
    """spec "Invariants": any inbound or `both` meaningful event sets `unanswered` to 0;
    a `both` one also clears `pending_in`; an outbound message raises `unanswered` by
    exactly one; events after `as_of` change nothing."""
    end = max([AS_OF, *(e.when for e in events)])
    new = Event(
        len(events) + 1,
        end + timedelta(hours=1),
        later["kind"],
        later["direction"],
        later["channel"],
        later["needs_reply"],
        later["note"],
    )
    before, _ = both(events, as_of=end, **profile)
    after, naive_after = both([*events, new], as_of=new.when, **profile)
    assert differences(after, naive_after) == {}
    if new.kind in choices.MEANINGFUL:
        if new.direction == "out":
            assert after.unanswered == before.unanswered + 1
        else:
            assert after.unanswered == 0
        if new.direction == "both":
            assert after.pending_in is None
    else:
        assert after.unanswered == before.unanswered
        assert after.pending_in == before.pending_in
    ignored, _ = both([*events, new], as_of=end, **profile)
    assert differences(ignored, before) == {}


# --- cases worked out by hand -----------------------------------------------------------

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HAND_AS_OF = T0 + timedelta(days=30)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def ev(
    iid: int,
    on_day: float,
    direction: str = "out",
    kind: str = "chat",
    channel: str = "email",
    needs_reply: bool = False,
    note: str | None = None,
) -> Event:
    return Event(iid, day(on_day), kind, direction, channel, needs_reply, note)


HAND_CASES: list[tuple[str, list[Event], dict[str, Any], dict[str, Any]]] = [
    (
        "their question, your answer",
        [ev(1, 1, "in", needs_reply=True), ev(2, 2)],
        {},
        {
            "pending_in": None,
            "unanswered": 1,
            "last_out": day(2),
            "last_out_answer": True,
            "last_initiation": None,
            "n_in_meaningful": 1,
            "first_meaningful": day(1),
            "first_meaningful_direction": "in",
        },
    ),
    (
        "your answer, then a message of your own: an initiation, and two unanswered",
        [ev(1, 1, "in", needs_reply=True), ev(2, 2), ev(3, 5, channel="linkedin")],
        {},
        {
            "pending_in": None,
            "unanswered": 2,
            "last_out": day(5),
            "last_out_channel": "linkedin",
            "last_out_answer": False,
            "last_initiation": day(5),
            "answer_channel": "email",
        },
    ),
    (
        "you wrote first, they asked, you answered: the initiation is the first message",
        [ev(1, 1), ev(2, 2, "in", needs_reply=True), ev(3, 3)],
        {},
        {"unanswered": 1, "last_out_answer": True, "last_initiation": day(1)},
    ),
    (
        "unanswered counts answers too, and a live call resets it",
        [ev(1, 1, "in", needs_reply=True), ev(2, 2), ev(3, 4), ev(4, 6)],
        {},
        {"unanswered": 3, "last_out_answer": False, "last_initiation": day(6)},
    ),
    (
        "...the same history with a call that connected afterwards",
        [
            ev(1, 1, "in", needs_reply=True),
            ev(2, 2),
            ev(3, 4),
            ev(4, 6),
            ev(5, 8, "both", channel="phone"),
        ],
        {},
        {
            "unanswered": 0,
            "n_in_meaningful": 2,
            "last_offline": day(8),
            "last_meaningful": day(8),
            "last_meaningful_direction": "both",
            "answer_channel": "email",  # where they write: the call was not theirs alone
        },
    ),
    (
        "a `both` engage (help during a call) clears what was pending and the debt",
        [
            ev(1, 1, "in", "engage", "linkedin", needs_reply=True, note="sent me a lead"),
            ev(2, 3, "both", "engage", "phone"),
        ],
        {},
        {
            "pending_in": None,
            "debt": 0,
            "debt_since": None,
            "unanswered": 0,
            "last_offline": day(3),
            "n_in_meaningful": 2,
            "answer_channel": "linkedin",
            "chats_since_engage": 0,
            "talking_point": "sent me a lead",
        },
    ),
    (
        "a `both` chat clears what was pending but not a debt",
        [
            ev(1, 1, "in", "engage", "linkedin", needs_reply=True),
            ev(2, 3, "both", "chat", "video"),
            ev(3, 4, "in", "chat", "whatsapp"),
        ],
        {},
        {
            "pending_in": None,
            "debt": 1,
            "debt_since": day(1),
            "chats_since_engage": 2,
            "last_offline": day(3),
            "answer_channel": "whatsapp",
        },
    ),
    (
        "two favours: a message does not repay them, an engage of yours does",
        [ev(1, 1, "in", "engage"), ev(2, 2, "in", "engage"), ev(3, 3)],
        {},
        {"debt": 2, "debt_since": day(1), "chats_since_engage": 1},
    ),
    (
        "...repaid",
        [ev(1, 1, "in", "engage"), ev(2, 2, "in", "engage"), ev(3, 3), ev(4, 4, kind="engage")],
        {},
        {"debt": 0, "debt_since": None, "chats_since_engage": 0},
    ),
    (
        "a tie in time goes by id: your message (id 1) came before their question (id 2)",
        [ev(2, 3, "in", needs_reply=True, note="free on Friday?"), ev(1, 3)],
        {},
        {
            "pending_in": day(3),
            "pending_channel": "email",
            "pending_kind": "chat",
            "pending_note": "free on Friday?",
            "unanswered": 0,
            "last_out_answer": False,
            "last_initiation": day(3),
        },
    ),
    (
        "...and the other way round: your message (id 2) answers their question (id 1)",
        [ev(1, 3, "in", needs_reply=True), ev(2, 3)],
        {},
        {"pending_in": None, "unanswered": 1, "last_out_answer": True, "last_initiation": None},
    ),
    (
        "a like answers no message, but it responds to their post",
        [
            ev(1, 0, "in", "broadcast", "linkedin", note="new job"),
            ev(2, 1, "in", needs_reply=True),
            ev(3, 2, "out", "broadcast", "linkedin"),
            ev(4, 2.5, "out", "broadcast", "linkedin"),
        ],
        {},
        {
            "pending_in": day(1),
            "bcast_since_meaningful": 2,
            "last_their_post": day(0),
            "last_their_post_channel": "linkedin",
            "last_their_post_note": "new job",
            "responded_to_post": True,
            "channels": ("linkedin", "email"),
        },
    ),
    (
        "their message after their post does not respond to it; their post resets nothing",
        [ev(1, 1, "in", "broadcast"), ev(2, 2, "in"), ev(3, 3), ev(4, 4, "in", "broadcast")],
        {},
        {"responded_to_post": False, "last_their_post": day(4), "unanswered": 1},
    ),
    (
        "a call that went to voicemail is an unanswered message, not an offline exchange",
        [ev(1, 1, "out", channel="phone")],
        {},
        {"last_offline": None, "unanswered": 1, "last_out_channel": "phone"},
    ),
    (
        "events after as_of change nothing",
        [ev(1, 1, "in", needs_reply=True), ev(2, 31), ev(3, 40, "both", "engage", "phone")],
        {},
        {"pending_in": day(1), "unanswered": 0, "last_out": None, "channels": ("email",)},
    ),
    (
        "recent counts: 3 cadences (tier A: 21 days) include an event exactly that old",
        [
            ev(1, 8, "in"),  # 22 days old: out of the window
            ev(2, 9, "in"),  # exactly 21 days
            ev(3, 20),
            ev(4, 25, "both", channel="in_person"),
            ev(5, 26, "in", "broadcast"),
        ],
        {"tier": "A"},
        {"recent_meaningful": 3, "recent_in_meaningful": 2, "cadence": 7.0},
    ),
    (
        "...of which inbound: 1 when the exactly-21-day one is yours",
        [ev(1, 8, "in"), ev(2, 9), ev(3, 20), ev(4, 25, "both", channel="in_person")],
        {"tier": "A"},
        {"recent_meaningful": 3, "recent_in_meaningful": 1},
    ),
    (
        "talking point: the latest note, a tie going to the later one given",
        [ev(1, 1, note="coffee")],
        {"notes": [(day(5), "likes jazz"), (day(5), "moved to Lyon"), (day(31), "later")]},
        {"talking_point": "moved to Lyon"},
    ),
    (
        "talking point without notes: the latest meaningful event's non-empty note",
        [
            ev(1, 1, note="coffee"),
            ev(2, 2, "in", note=""),
            ev(3, 3, "in", "broadcast", note="a post"),
            ev(4, 40, note="later"),
        ],
        {"notes": [(day(31), "later")]},
        {"talking_point": "coffee"},
    ),
    (
        "channels: the history's, latest first, then the handles' not already there",
        [ev(1, 1), ev(2, 2, channel="linkedin"), ev(3, 3)],
        {"handles": ("whatsapp", "linkedin", "sms")},
        {"channels": ("email", "linkedin", "whatsapp", "sms")},
    ),
    (
        "warmth: a chat in person today 1.0; an engage by email 90 days ago 0.5",
        [ev(1, 30, "both", channel="in_person"), ev(2, -60, "in", "engage")],
        {},
        {"warmth": pytest.approx(1.5)},
    ),
    (
        "nothing at all",
        [],
        {"tier": "none", "handles": ("email",)},
        {
            "last_meaningful": None,
            "pending_in": None,
            "unanswered": 0,
            "last_out_answer": False,
            "answer_channel": None,
            "channels": ("email",),
            "warmth": 0.0,
            "cadence": 180.0,
            "talking_point": None,
        },
    ),
]


@pytest.mark.parametrize(
    ("events", "profile", "expected"),
    [pytest.param(e, p, x, id=name) for name, e, p, x in HAND_CASES],
)
def test_hand_worked_cases(
    events: list[Event], profile: dict[str, Any], expected: dict[str, Any]
) -> None:
    for state in both(events, as_of=HAND_AS_OF, **profile):
        assert {k: getattr(state, k) for k in expected} == expected


# --- through a real store: the stored tallies, and the replay of the past ---------------

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
_STORES = itertools.count()  # one new file per example (tmp_path is shared by them)

store_event_st = st.fixed_dictionaries(
    {
        "hours": st.one_of(
            st.integers(min_value=-24 * 300, max_value=24 * 3),
            st.sampled_from([0, -1, -24, -72 * 7]),
        ),
        "kind": st.sampled_from(["broadcast", "chat", "engage"]),
        "direction": st.sampled_from(["in", "out", "both"]),
        "channel": st.sampled_from(CHANNELS),
        "needs_reply": st.booleans(),
        "note": st.sampled_from(NOTES),
        "who": st.sets(st.integers(min_value=0, max_value=2), min_size=1, max_size=3),
    }
).filter(lambda e: (e["kind"], e["direction"]) != ("broadcast", "both"))  # the store refuses it
store_contact_st = st.fixed_dictionaries(
    {
        "tier": st.sampled_from(TIERS),
        "cadence_days": st.one_of(st.none(), st.integers(min_value=1, max_value=200)),
        "why": st.sampled_from([None, "met at PyCon"]),
        "offer": st.sampled_from([None, "an intro to Bo"]),
        "snooze_h": st.one_of(st.none(), st.integers(min_value=-24 * 30, max_value=24 * 30)),
        "handles": st.sets(st.sampled_from([*CHANNELS, "sms"]), max_size=3),
    }
)
store_note_st = st.tuples(
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=-24 * 300, max_value=24 * 3),
    st.sampled_from(["likes jazz", "moved to Lyon", ""]),
)


def _write(
    path: Path, contacts: list[dict[str, Any]], steps: list[tuple[str, Any]], batch: int
) -> list[int]:
    """Contacts, then interactions and notes in the order given, ``batch`` per write
    transaction (so most interactions reach a tally that is already later than them)."""
    with store.writing(path) as session:
        ids = []
        for n, c in enumerate(contacts):
            fields = {k: c[k] for k in ("tier", "cadence_days", "why", "offer")}
            handles = [(channel, f"{channel}-{n}") for channel in sorted(c["handles"])]
            cid = store.add_contact(
                session=session, name=f"P{n}", now=NOW, fields=fields, handles=handles
            )
            if c["snooze_h"] is not None:
                until = NOW + timedelta(hours=c["snooze_h"])
                store.set_snooze(session=session, contact_id=cid, until=until, now=NOW)
            ids.append(cid)
    for start in range(0, len(steps), batch):
        with store.writing(path) as session:
            for what, step in steps[start : start + batch]:
                if what == "event":
                    store.add_interaction(
                        session=session,
                        contact_ids=[ids[n] for n in sorted(step["who"])],
                        kind=step["kind"],
                        direction=step["direction"],
                        channel=step["channel"],
                        when=NOW + timedelta(hours=step["hours"]),
                        now=NOW,
                        note=step["note"],
                        needs_reply=step["needs_reply"],
                    )
                else:
                    who, hours, text = step
                    when = NOW + timedelta(hours=hours)
                    store.add_note(session=session, contact_id=ids[who], text=text, now=when)
    return ids


def assert_states_equal(got: list[ContactState], want: list[ContactState]) -> None:
    assert [s.contact_id for s in got] == [s.contact_id for s in want]
    for g, w in zip(got, want, strict=True):
        assert differences(g, w) == {}, g.name


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    contacts=st.lists(store_contact_st, min_size=3, max_size=3),
    events=st.lists(store_event_st, max_size=20),
    notes=st.lists(store_note_st, max_size=3),
    data=st.data(),
    batch=st.integers(min_value=1, max_value=8),
    past=st.lists(st.integers(min_value=-24 * 300, max_value=-1), max_size=2),
    config=st.sampled_from(CONFIGS),
)
def test_the_store_equals_the_oracle(
    tmp_path: Path,
    contacts: list[dict[str, Any]],
    events: list[dict[str, Any]],
    notes: list[tuple[int, int, str]],
    data: st.DataObject,
    batch: int,
    past: list[int],
    config: RankConfig,
) -> None:
    steps = data.draw(
        st.permutations([("event", e) for e in events] + [("note", n) for n in notes]),
        label="write order",
    )
    path = tmp_path / f"s{next(_STORES)}.db"
    _write(path, contacts, steps, batch)
    conn = db.connect(path)
    try:
        latest = max([NOW, *(NOW + timedelta(hours=e["hours"]) for e in events)])
        # as of the latest event (every state from its stored tally), as of NOW (a history
        # past it is replayed), and as of moments in the past (replayed)
        for as_of in [latest, NOW, *(NOW + timedelta(hours=h, seconds=1) for h in past)]:
            got = states.contact_states(conn, as_of=as_of, config=config)
            assert_states_equal(got, naive_states(conn, as_of=as_of, config=config))
            # contacts that can never be listed, counted instead of returned, rank the same
            unlisted: dict[str, int] = {}
            listable = states.contact_states(conn, as_of=as_of, config=config, unlisted=unlisted)
            sent = states.intros_today(conn, as_of=as_of)
            assert rank(
                listable, as_of=as_of, config=config, unlisted=unlisted, intros_today=sent
            ) == rank(got, as_of=as_of, config=config)
    finally:
        conn.close()


def test_unlisted_first_message_today(tmp_path: Path) -> None:
    path = tmp_path / "u.db"
    with store.writing(path) as session:
        store.add_contact(session=session, name="Ana", now=NOW, fields={"tier": "A"})
        bo = store.add_contact(session=session, name="Bo", now=NOW, fields={"tier": "none"})
        store.add_interaction(
            session=session,
            contact_ids=[bo],
            kind="chat",
            direction="out",
            channel="email",
            when=NOW,
            now=NOW,
        )
    conn = db.connect(path)
    config = RankConfig()
    everyone = states.contact_states(conn, as_of=NOW, config=config)
    unlisted: dict[str, int] = {}
    listable = states.contact_states(conn, as_of=NOW, config=config, unlisted=unlisted)
    sent = states.intros_today(conn, as_of=NOW)  # counted over everyone, whatever the filter
    only_a = states.contact_states(conn, as_of=NOW, config=config, tier="A")
    conn.close()
    full = rank(everyone, as_of=NOW, config=config)
    assert full.intros_today == sent == 1 and not full.suggestions  # Ana's intro is capped
    counted = rank(listable, as_of=NOW, config=config, unlisted=unlisted, intros_today=sent)
    assert counted == full
    assert not rank(only_a, as_of=NOW, config=config, intros_today=sent).suggestions


def test_contact_states_filters(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    with store.writing(path) as session:
        ana = store.add_contact(session=session, name="Ana", now=NOW, fields={"tier": "A"})
        bo = store.add_contact(session=session, name="Bo", now=NOW, fields={"tier": "B"})
        store.add_interaction(
            session=session,
            contact_ids=[bo],
            kind="chat",
            direction="in",
            channel="twitter",
            when=NOW - timedelta(hours=1),
            now=NOW,
            needs_reply=True,
        )
    conn = db.connect(path)
    config = RankConfig()

    def picked(**kw: Any) -> list[int]:
        return [s.contact_id for s in states.contact_states(conn, as_of=NOW, config=config, **kw)]

    assert picked() == [ana, bo]
    assert picked(tier="A") == [ana]
    assert picked(channel="twitter") == [bo]
    assert picked(contact_id=bo) == [bo]
    (state,) = states.contact_states(conn, as_of=NOW, config=config, contact_id=bo)
    assert state.pending_in == NOW - timedelta(hours=1)
    conn.close()
