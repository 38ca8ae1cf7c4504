"""The ranking model of spec/scoring.md: derivation, terms, actions, order, invariants."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rave.config import ALL_TIERS, RankConfig
from rave.payloads import suggestion_dict, why_dict
from rave.scoring import (
    HIDDEN,
    SKIPPED,
    TERMS,
    Assessment,
    ContactState,
    Event,
    assess,
    derive_state,
    rank,
    recent_out_window,
    sort_key,
    warmth_weight,
)

AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CONFIG = RankConfig()
_ids = itertools.count(1)


def ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def ev(
    days: float,
    kind: str = "chat",
    direction: str = "out",
    channel: str = "linkedin",
    *,
    reply: bool = False,
    note: str | None = None,
    id: int | None = None,
) -> Event:
    """An event ``days`` before AS_OF (ids grow with creation order unless given)."""
    return Event(next(_ids) if id is None else id, ago(days), kind, direction, channel, reply, note)


def state(
    events: list[Event], tier: str = "B", *, as_of: datetime = AS_OF, **kw: Any
) -> ContactState:
    kw.setdefault("contact_id", 1)
    kw.setdefault("name", "Ana")
    return derive_state(events, as_of=as_of, tier=tier, **kw)


def verdict(events: list[Event], tier: str = "B", **kw: Any) -> Assessment:
    return assess(state(events, tier, **kw), as_of=AS_OF)


def measure(a: Assessment, name: str) -> float:
    return a.term(name).measure


# --- golden scenarios: one per action -----------------------------------------------------

GOLDEN: dict[str, tuple[str, list[Event], dict[str, Any]]] = {
    # tier D, wrote 2 days ago and waits: the reply lane, whatever the tier.
    "reply": ("D", [ev(2, "chat", "in", reply=True)], {}),
    # tier A, three unanswered messages, the last 30 days ago: back-off (14 days) is over.
    "retry": (
        "A",
        [ev(50, "chat", "in", "email"), ev(40), ev(35), ev(30)],
        {},
    ),
    # two unanswered messages.
    "low_key": ("A", [ev(30, "chat", "in"), ev(20), ev(15)], {}),
    # they introduced you to someone 10 days ago.
    "repay": (
        "B",
        [ev(100), ev(90, "chat", "in"), ev(10, "engage", "in", "email")],
        {"offer": "a review of their deck"},
    ),
    # never a real exchange.
    "intro": ("C", [], {"why": "met at PyCon", "offer": "Rust mentoring"}),
    # tier A, 60 days of silence: r ≈ 8.6.
    "rekindle": ("A", [ev(200, "chat", "in"), ev(60)], {}),
    # tier B, four exchanges (two theirs) in the last 3 cadences, never offline.
    "offline": (
        "B",
        [ev(85, "chat", "in"), ev(80), ev(50, "chat", "in"), ev(35)],
        {},
    ),
    # tier C, four chats since any engage.
    "engage": (
        "C",
        [ev(200, "chat", "in"), ev(190), ev(150, "chat", "in"), ev(130)],
        {},
    ),
    # tier B, due, one chat since an engage.
    "chat": ("B", [ev(50, "engage"), ev(45, "chat", "in", note="new job at Acme")], {}),
}


def golden(action: str, contact_id: int = 1) -> ContactState:
    tier, events, kw = GOLDEN[action]
    return state(events, tier, contact_id=contact_id, name=action, **kw)


@pytest.mark.parametrize(
    ("action", "score", "channel"),
    [
        ("reply", 17.0, "linkedin"),  # reply 15 + new 2
        ("retry", 10.0, "email"),  # due 12 + tier 6 + new 2 − streak 10; another channel
        ("low_key", 15.0, "linkedin"),  # due 12 + tier 6 + new 2 − streak 5
        ("repay", 8.964, "email"),  # debt 8·0.633 + tier 3.9
        ("intro", 13.8, None),  # due 12 + tier 1.8
        ("rekindle", 18.0, "linkedin"),  # due 12 + tier 6
        ("offline", 11.628, "linkedin"),  # due 12·0.644 + tier 3.9
        ("engage", 13.092, "linkedin"),  # due 12·0.941 + tier 1.8
        ("chat", 17.9, "linkedin"),  # due 12 + tier 3.9 + new 2
    ],
)
def test_golden_action(action: str, score: float, channel: str | None) -> None:
    a = assess(golden(action), as_of=AS_OF)
    assert a.action == action
    assert a.score == score
    assert a.channel == channel
    assert a.hidden is None
    assert a.lane == (0 if action == "reply" else 1)


def test_golden_reasons_and_advice() -> None:
    reply = assess(golden("reply"), as_of=AS_OF)
    assert reply.reason == "wrote 2 days ago on LinkedIn, unanswered"
    assert reply.lane_name == "reply"
    intro = assess(golden("intro"), as_of=AS_OF)
    assert intro.reason == "no real exchange yet"
    assert "met at PyCon" in intro.advice and "Rust mentoring" in intro.advice
    repay = assess(golden("repay"), as_of=AS_OF)
    assert repay.reason == "helped you since 10 days ago, not repaid"
    assert "a review of their deck" in repay.advice
    chat = assess(golden("chat"), as_of=AS_OF)
    assert chat.talking_point == "new job at Acme"
    assert chat.reason == "45 days since a real exchange (cadence 30 days)"
    retry = assess(golden("retry"), as_of=AS_OF)
    assert retry.advice == "one light touch by email, not on LinkedIn again"


def test_reason_mentions_likes_and_engage_reply_says_thanks() -> None:
    a = verdict([ev(37, "chat", "in"), ev(20, "broadcast"), ev(10, "broadcast")])
    assert a.reason == "37 days since a real exchange (cadence 30 days); only likes since"
    assert a.action == "chat"
    assert a.advice == "you've only liked their posts lately: write to them"
    assert measure(a, "mix") == 0.667
    thanks = verdict([ev(1, "engage", "in", "email", reply=True)])
    assert thanks.action == "reply"
    assert thanks.reason == "helped you yesterday by email, say thanks"
    assert thanks.advice == "say thanks by email"


def test_offline_rule_conditions() -> None:
    tier, events, _ = GOLDEN["offline"]
    # met in person 100 days ago: within max(90, 4·30) days → not yet; 121 days: due again
    assert verdict([*events, ev(100, "chat", "in", "in_person")], tier).action == "engage"
    assert verdict([ev(121, "chat", "in", "in_person"), *events], tier).action == "offline"
    assert verdict(events, "C").action == "engage"  # tiers A and B only
    one_inbound = [ev(85), ev(80), ev(50, "chat", "in"), ev(35)]
    assert verdict(one_inbound, tier).action == "engage"


def test_reply_lane_tier_d_ranks_above_tier_a_due() -> None:
    states = [golden(name, contact_id=i) for i, name in enumerate(GOLDEN, start=1)]
    result = rank(states, as_of=AS_OF, limit=20)
    order = [s.assessment.action for s in result.suggestions]
    assert order[0] == "reply"
    assert golden("rekindle").tier == "A" and order.index("rekindle") > order.index("reply")
    assert [s.rank for s in result.suggestions] == list(range(1, len(order) + 1))
    # lane 1 by score: rekindle 18, chat 17.9, low_key 15, intro 13.8, engage 13.08, ...
    assert order == [
        "reply",
        "rekindle",
        "chat",
        "low_key",
        "intro",
        "engage",
        "offline",
        "retry",
        "repay",
    ]


# --- derivation ---------------------------------------------------------------------------


def test_derivation_fields() -> None:
    events = [
        ev(100, "chat", "out", "email"),
        ev(90, "engage", "in", "phone", note="coffee chat"),
        ev(80, "engage", "in"),
        ev(70, "engage", "out", "in_person"),
        ev(60, "engage", "in", "email"),
        ev(50, "chat", "in", reply=True),
        ev(40, "chat", "in", reply=True),
        ev(30, "broadcast", "out"),
        ev(20, "broadcast", "in", "twitter"),
        ev(-5, "chat", "in", reply=True),  # after as_of: ignored
    ]
    s = state(events, "A")
    assert s.last_meaningful == ago(40) and s.last_meaningful_channel == "linkedin"
    assert s.first_meaningful == ago(100)
    assert s.n_in_meaningful == 5
    assert (s.pending_in, s.pending_channel, s.pending_kind) == (ago(50), "linkedin", "chat")
    assert s.out_streak == 0
    assert (s.last_out, s.last_out_channel) == (ago(70), "in_person")
    assert s.alt_channel == "twitter"
    assert s.bcast_since_meaningful == 1
    assert (s.debt, s.debt_since) == (1, ago(60))
    assert s.chats_since_engage == 2
    assert s.last_offline == ago(70)
    assert (s.last_in_broadcast, s.last_in_broadcast_channel) == (ago(20), "twitter")
    assert s.responded_to_broadcast is False
    # cadence 7: the 21-day window holds nothing; cadence 20 (override): 60 days, bounds
    # included (the engage of exactly 60 days ago is the third); counted up to 3 and 2.
    assert (s.recent_meaningful, s.recent_in_meaningful) == (0, 0)
    s20 = state(events, "A", cadence_days=20)
    assert (s20.cadence, s20.recent_meaningful, s20.recent_in_meaningful) == (20.0, 3, 2)
    s17 = state(events, "A", cadence_days=17)
    assert (s17.recent_meaningful, s17.recent_in_meaningful) == (2, 2)
    s30 = state(events, "A", cadence_days=30)
    assert (s30.recent_meaningful, s30.recent_in_meaningful) == (3, 2)
    assert s.talking_point == "coffee chat"
    expected = sum(warmth_weight(e.kind, e.channel, (AS_OF - e.when).days) for e in events[:9])
    assert s.warmth == pytest.approx(expected)


def test_out_streak_skips_replies_to_their_post() -> None:
    base = [ev(60, "chat", "in"), ev(50), ev(40)]
    assert state(base).out_streak == 2
    # a reply 2 days after their post does not count; 4 days after it does
    assert state([*base, ev(12, "broadcast", "in"), ev(10)]).out_streak == 2
    assert state([*base, ev(14, "broadcast", "in"), ev(10)]).out_streak == 3
    assert state([*base, ev(13, "broadcast", "in"), ev(10)]).out_streak == 2  # exactly 3 days
    # their post is not an answer: it does not reset the streak
    assert state([*base, ev(5, "broadcast", "in")]).out_streak == 2


def test_ties_in_time_are_ordered_by_id() -> None:
    when = 5
    answered = [ev(when, "chat", "in", reply=True, id=10), ev(when, "chat", "out", id=11)]
    waiting = [ev(when, "chat", "in", reply=True, id=11), ev(when, "chat", "out", id=10)]
    assert state(answered).pending_in is None
    assert state(waiting).pending_in == ago(when)
    assert state(answered).out_streak == 1 and state(waiting).out_streak == 0


def test_talking_point_prefers_latest_note_and_ignores_future_ones() -> None:
    events = [ev(30, note="kids"), ev(20, "chat", "in", note=""), ev(10, "broadcast", note="x")]
    assert state(events).talking_point == "kids"
    notes = [(ago(5), "moved to Lyon"), (ago(8), "older"), (ago(-1), "future")]
    assert state(events, notes=notes).talking_point == "moved to Lyon"
    assert state([], notes=[(ago(3), "a"), (ago(3), "b")]).talking_point == "b"


def test_tier_none_borrows_longest_cadence_only_for_backoff_and_windows() -> None:
    s = state([], "none")
    assert s.cadence == 180.0
    assert state([], "none", cadence_days=12).cadence == 12.0


# --- terms at their boundaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "due"),
    [(22.2, 0.0), (22.5, 0.2), (33.75, 0.6), (45.0, 1.0), (90.0, 1.0), (None, 1.0)],
)
def test_due_boundaries(days: float | None, due: float) -> None:
    events = [] if days is None else [ev(days, "chat", "in")]
    a = verdict(events, "B")  # cadence 30: r = 0.74, 0.75, 1.125, 1.5, 3, never
    assert measure(a, "due") == due
    assert a.term("due").contribution == round(12 * due, 3)


@pytest.mark.parametrize(
    ("ages", "expected"),
    [
        ([0.0], 0.3),
        ([15.0], 0.8),
        ([6.0, 1.0], 0.8),  # 0.3 + 6/30 + 0.3
        ([0.0, 0.0, 0.0], 0.9),
        ([21.0], 1.0),
        ([40.0, 1.0], 1.0),
    ],
)
def test_debt_formula(ages: list[float], expected: float) -> None:
    events = [ev(100, "engage", "out")] + [ev(a, "engage", "in") for a in ages]
    a = verdict(events, "C")
    assert measure(a, "debt") == expected
    assert a.state.debt == len(ages) and a.state.debt_since == ago(max(ages))


def test_outbound_engage_clears_debt() -> None:
    s = state([ev(30, "engage", "in"), ev(20, "engage", "in"), ev(10, "engage", "out")])
    assert (s.debt, s.debt_since) == (0, None)
    assert state([ev(30, "engage", "in"), ev(20, "chat"), ev(10, "engage", "in")]).debt == 2


@pytest.mark.parametrize(
    ("cadence", "window"), [(4, 2.0), (7, 2.0), (12, 3.0), (30, 7.0), (100, 7.0)]
)
def test_recent_out_window(cadence: int, window: float) -> None:
    assert recent_out_window(cadence) == window
    inside = verdict([ev(window - 0.01)], "B", cadence_days=cadence)
    edge = verdict([ev(window)], "B", cadence_days=cadence)
    assert measure(inside, "recent_out") == 1.0
    assert inside.term("recent_out").contribution == -6.0
    assert measure(edge, "recent_out") == 0.0


@pytest.mark.parametrize(("sent", "streak"), [(0, 0.0), (1, 0.0), (2, 0.5), (3, 1.0), (5, 1.0)])
def test_streak_measure(sent: int, streak: float) -> None:
    events = [ev(100, "chat", "in")] + [ev(90 - 10 * i) for i in range(sent)]
    a = verdict(events, "A")
    assert a.state.out_streak == sent
    assert measure(a, "streak") == streak
    assert a.term("streak").contribution == -10 * streak
    # only when nothing is pending (forced here: a real history cannot have both)
    forced = assess(a.state._replace(pending_in=ago(1), pending_channel="sms"), as_of=AS_OF)
    assert measure(forced, "streak") == 0.0


@pytest.mark.parametrize(("count", "mix"), [(0, 0.0), (1, 0.333), (3, 1.0), (5, 1.0)])
def test_mix_measure(count: int, mix: float) -> None:
    events = [ev(20, "broadcast"), ev(10, "chat", "in")] + [
        ev(5 - i, "broadcast") for i in range(count)
    ]
    assert measure(verdict(events), "mix") == mix


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([ev(2.9, "broadcast", "in")], 1.0),
        ([ev(3, "broadcast", "in")], 1.0),
        ([ev(3.1, "broadcast", "in")], 0.0),
        ([ev(2, "broadcast", "in"), ev(1, "broadcast", "out")], 0.0),  # a like answers it
        ([ev(2.5, "broadcast", "out"), ev(2, "broadcast", "in")], 1.0),  # before the post
        ([ev(2, "broadcast", "out", id=1), ev(2, "broadcast", "in", id=2)], 1.0),  # tie: id
    ],
)
def test_their_post(events: list[Event], expected: float) -> None:
    assert measure(verdict(events), "their_post") == expected


@pytest.mark.parametrize(
    ("first", "inbound", "new"), [(59, 2, 1.0), (59, 3, 0.0), (60, 1, 0.0), (1, 0, 1.0)]
)
def test_new_measure(first: float, inbound: int, new: float) -> None:
    events = [ev(first)] + [ev(first - 0.5, "chat", "in") for _ in range(inbound)]
    assert measure(verdict(events, "C"), "new") == new


def test_tier_term_only_with_reply_due_debt_or_post() -> None:
    quiet = verdict([ev(3, "chat", "in")], "A")
    assert measure(quiet, "tier") == 0.0
    posted = verdict([ev(3, "chat", "in"), ev(1, "broadcast", "in")], "A")
    assert measure(posted, "tier") == 1.0
    assert posted.term("tier").contribution == 6.0
    assert measure(verdict([ev(3, "chat", "in")], "B", cadence_days=2), "tier") == 0.65


def test_tier_none_zeros() -> None:
    never = verdict([], "none")
    assert [measure(never, t) for t in ("due", "tier", "new")] == [0.0, 0.0, 0.0]
    assert never.r is None and never.hidden == "untargeted"
    helped = verdict([ev(30, "engage", "in", reply=True)], "none")
    assert measure(helped, "reply") == 1.0 and measure(helped, "debt") == 1.0
    assert [measure(helped, t) for t in ("due", "tier", "new")] == [0.0, 0.0, 0.0]


# --- visibility ---------------------------------------------------------------------------


def test_backoff_hides_until_its_date_then_retry() -> None:
    events = [ev(60, "chat", "in"), ev(30), ev(20), ev(10)]
    a = verdict(events, "A")
    assert a.state.out_streak == 3
    assert a.backoff_until == ago(10) + timedelta(days=14)
    assert (a.hidden, a.action) == ("backoff", "retry")
    later = AS_OF + timedelta(days=4)
    b = assess(state(events, "A", as_of=later), as_of=later)
    assert (b.hidden, b.action) == (None, "retry")
    four = verdict([*events, ev(5)], "A")  # 4 in a row: 7·2^2 = 28 days
    assert four.backoff_until == ago(5) + timedelta(days=28)


def test_dormant_and_inbound_clears_it() -> None:
    events = [ev(400, "chat", "in")] + [ev(390 - 60 * i) for i in range(6)]
    a = verdict(events, "A")
    assert (a.state.out_streak, a.hidden) == (6, "dormant")
    revived = verdict([*events, ev(1, "chat", "in", reply=True)], "A")
    assert (revived.state.out_streak, revived.hidden, revived.action) == (0, None, "reply")


def test_snoozed_hides_every_lane_until_its_date() -> None:
    events = [ev(1, "chat", "in", reply=True)]
    assert verdict(events, snoozed_until=AS_OF + timedelta(hours=1)).hidden == "snoozed"
    assert verdict(events, snoozed_until=AS_OF).hidden is None


def test_untargeted_and_threshold() -> None:
    assert verdict([ev(1, "chat", "in", reply=True)], "none").hidden is None
    assert verdict([ev(10, "engage", "in")], "none").hidden == "below_threshold"  # 8·0.633
    repay = verdict([ev(21, "engage", "in")], "none")
    assert (repay.score, repay.hidden, repay.action) == (8.0, None, "repay")  # exactly 8
    assert verdict([ev(100, "chat", "in")], "none").hidden == "untargeted"
    assert verdict([ev(3, "chat", "in")], "A").hidden == "below_threshold"


def test_assess_refuses_another_moment() -> None:
    with pytest.raises(ValueError, match="as of"):
        assess(state([]), as_of=AS_OF + timedelta(days=1))


# --- ranking and JSON ---------------------------------------------------------------------


def test_rank_limit_intro_cap_and_counts() -> None:
    states = [state([], "B", contact_id=i, name=f"New {i}") for i in range(1, 4)]
    states += [
        state([ev(100 + i, "chat", "in")], "A", contact_id=10 + i, name=f"Due {i}")
        for i in range(7)
    ]
    states.append(state([ev(1, "chat", "in", reply=True)], "D", contact_id=30, name="Writer"))
    states.append(state([ev(3, "chat", "in")], "C", contact_id=31, name="Quiet"))
    states.append(state([ev(3, "chat", "in")], "none", contact_id=32, name="Stranger"))
    result = rank(states, as_of=AS_OF)
    names = [s.assessment.state.name for s in result.suggestions]
    assert names == ["Writer", "Due 6", "Due 5", "Due 4", "Due 3", "Due 2"]
    assert dict(result.skipped) == {
        "snoozed": 0,
        "backoff": 0,
        "dormant": 0,
        "below_threshold": 1,
        "untargeted": 1,
        "intro_capped": 0,
        "over_limit": 5,
    }
    wide = rank(states, as_of=AS_OF, limit=20)
    actions = [s.assessment.action for s in wide.suggestions]
    assert actions.count("intro") == 1 and wide.skipped["intro_capped"] == 2
    assert [
        s.assessment.state.name for s in wide.suggestions if s.assessment.action == "intro"
    ] == ["New 1"]
    assert rank(states, as_of=AS_OF, limit=0).suggestions[-1].assessment.state.name == "Writer"


def test_rank_lists_dormant_and_backoff() -> None:
    base = [ev(400, "chat", "in")]
    dormant = state(base + [ev(390 - 60 * i) for i in range(6)], "A", contact_id=1, name="Z")
    waiting = state([*base, ev(30), ev(20), ev(10)], "A", contact_id=2, name="W")
    result = rank([dormant, waiting], as_of=AS_OF)
    assert result.suggestions == ()
    assert [a.state.name for a in result.dormant] == ["Z"]
    assert [a.state.name for a in result.backoff] == ["W"]
    assert set(result.skipped) == set(SKIPPED)


def test_tie_break_by_tier_then_oldest_then_name_then_id() -> None:
    same = [ev(100, "chat", "in")]
    states = [
        state(same, "A", contact_id=5, name="bob"),
        state(same, "A", contact_id=4, name="Bob"),
        state(same, "A", contact_id=3, name="alice"),
        state([ev(120, "chat", "in")], "A", contact_id=2, name="zed"),
    ]
    result = rank(states, as_of=AS_OF)
    assert [s.assessment.state.contact_id for s in result.suggestions] == [2, 3, 4, 5]


def test_suggestion_json_keys_and_exact_sum() -> None:
    a = assess(golden("offline"), as_of=AS_OF)
    item = suggestion_dict(a, 3)
    assert list(item) == [
        "rank",
        "contact_id",
        "name",
        "tier",
        "lane",
        "action",
        "score",
        "reason",
        "channel",
        "talking_point",
        "terms",
    ]
    assert [t["term"] for t in item["terms"]] == list(TERMS)
    assert set(item["terms"][0]) == {"term", "measure", "coefficient", "contribution", "note"}
    assert (item["rank"], item["lane"], item["action"], item["score"]) == (
        3,
        "outreach",
        "offline",
        11.628,
    )
    parsed = json.loads(json.dumps(item), parse_float=Decimal)
    assert sum(t["contribution"] for t in parsed["terms"]) == parsed["score"]
    why = why_dict(a)
    assert why["hidden"] is None and why["state"]["last_meaningful"] == "2026-10-18T09:00:00Z"
    json.dumps(why)  # serialisable


# --- invariants (hypothesis) --------------------------------------------------------------

CHANNELS = ("linkedin", "email", "phone", "in_person")
FAST = settings(max_examples=100, deadline=None)
NETWORKS = settings(max_examples=50, deadline=None)


@st.composite
def histories(draw: st.DrawFn, max_size: int = 14) -> list[Event]:
    size = draw(st.integers(0, max_size))
    ids = draw(st.permutations(range(1, size + 1)))
    events = []
    for event_id in ids:
        days = draw(st.integers(0, 200)) + draw(st.sampled_from((0.0, 0.25, 0.5)))
        events.append(
            Event(
                id=event_id,
                when=ago(days),
                kind=draw(st.sampled_from(("broadcast", "chat", "engage"))),
                direction=draw(st.sampled_from(("in", "out"))),
                channel=draw(st.sampled_from(CHANNELS)),
                needs_reply=draw(st.booleans()),
                note=draw(st.sampled_from((None, "", "kids", "new job"))),
            )
        )
    return events


@st.composite
def streaky(draw: st.DrawFn) -> list[Event]:
    """A history ending with several messages of yours in a row, often."""
    events = draw(histories(max_size=6))
    top = max((e.id for e in events), default=0)
    count = draw(st.integers(0, 7))
    gaps = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    start = draw(st.integers(0, 150))
    when = [start + sum(gaps[i:]) for i in range(count)]
    return events + [ev(w, id=top + 1 + i) for i, w in enumerate(when)]


tiers = st.sampled_from(ALL_TIERS)
cadences = st.one_of(st.none(), st.integers(1, 200))


@st.composite
def contacts(draw: st.DrawFn, contact_id: int) -> ContactState:
    snooze = draw(st.one_of(st.none(), st.integers(-5, 5)))
    return state(
        draw(st.one_of(histories(), streaky())),
        draw(tiers),
        contact_id=contact_id,
        name=draw(st.sampled_from(("Ana", "ana", "Bo", "Zoë"))),
        cadence_days=draw(cadences),
        snoozed_until=None if snooze is None else AS_OF + timedelta(days=snooze),
    )


networks = st.integers(1, 6).flatmap(
    lambda n: st.tuples(*(contacts(contact_id=i) for i in range(1, n + 1)))
)


@NETWORKS
@given(networks)
def test_reply_lane_dominates(network: tuple[ContactState, ...]) -> None:
    result = rank(network, as_of=AS_OF, limit=3)
    lanes = [s.assessment.lane for s in result.suggestions]
    assert lanes == sorted(lanes)
    shown = {s.assessment.state.contact_id for s in result.suggestions}
    for c in network:
        waiting = c.pending_in is not None and not (c.snoozed_until and c.snoozed_until > AS_OF)
        assert (c.contact_id in shown) if waiting else True
    assert sum(lane == 1 for lane in lanes) <= 3


@FAST
@given(histories(), st.lists(st.integers(0, 200), max_size=5), tiers, cadences)
def test_outbound_broadcasts_only_change_mix(
    events: list[Event], extra: list[int], tier: str, cadence: int | None
) -> None:
    added = [ev(d, "broadcast", "out", id=1000 + i) for i, d in enumerate(extra)]
    before = assess(state(events, tier, cadence_days=cadence), as_of=AS_OF)
    after = assess(state(events + added, tier, cadence_days=cadence), as_of=AS_OF)
    assert after.r == before.r
    assert after.state.last_meaningful == before.state.last_meaningful
    assert measure(after, "mix") >= measure(before, "mix")
    changed = {"bcast_since_meaningful", "responded_to_broadcast", "alt_channel", "warmth"}
    for name in ContactState._fields:
        if name not in changed:
            assert getattr(after.state, name) == getattr(before.state, name), name
    for name in set(TERMS) - {"mix", "their_post", "tier"}:  # notes may mention the likes
        assert after.term(name).contribution == before.term(name).contribution


@FAST
@given(histories(), st.sampled_from(CHANNELS), st.integers(0, 3))
def test_outbound_engage_clears_debt_inbound_clears_streak(
    events: list[Event], channel: str, hours: int
) -> None:
    last = max((e.when for e in events), default=ago(300))
    when = min(AS_OF, last + timedelta(hours=hours))
    engage = Event(10_000, when, "engage", "out", channel)
    assert state([*events, engage]).debt == 0
    for kind in ("chat", "engage"):
        answer = Event(10_001, when, kind, "in", channel)
        assert state([*events, answer]).out_streak == 0


@FAST
@given(histories(), tiers, cadences, st.integers(0, 400), st.integers(0, 400))
def test_due_never_decreases_with_time(
    events: list[Event], tier: str, cadence: int | None, first: int, step: int
) -> None:
    early = AS_OF + timedelta(days=first / 4)
    late = early + timedelta(days=step / 4)
    dues = [
        measure(assess(state(events, tier, as_of=t, cadence_days=cadence), as_of=t), "due")
        for t in (early, late)
    ]
    assert dues[1] >= dues[0]


@FAST
@given(streaky(), tiers, cadences, st.integers(0, 2000))
def test_never_suggested_before_backoff(
    events: list[Event], tier: str, cadence: int | None, hours: int
) -> None:
    as_of = AS_OF + timedelta(hours=hours)
    s = state(events, tier, as_of=as_of, cadence_days=cadence)
    result = rank([s], as_of=as_of)
    if s.out_streak >= 3:
        days = cadence or CONFIG.cadence.get(tier, 180.0)
        assert s.last_out is not None
        until = s.last_out + timedelta(days=days * 2 ** (s.out_streak - 2))
        if as_of < until or s.out_streak >= 6:
            assert result.suggestions == ()
        else:
            assert all(x.assessment.action == "retry" for x in result.suggestions)


@NETWORKS
@given(networks)
def test_terms_sum_exactly_to_the_score(network: tuple[ContactState, ...]) -> None:
    for c in network:
        a = assess(c, as_of=AS_OF)
        assert [t.term for t in a.terms] == list(TERMS)
        total = sum(Decimal(repr(t.contribution)) for t in a.terms)
        assert total == Decimal(repr(a.score))
        for t in a.terms:
            assert 0.0 <= t.measure <= 1.0
            assert t.contribution == round(t.measure * t.coefficient, 3)
        parsed = json.loads(json.dumps(suggestion_dict(a, 1)), parse_float=Decimal)
        assert sum(t["contribution"] for t in parsed["terms"]) == parsed["score"]


@NETWORKS
@given(networks, st.randoms(use_true_random=False))
def test_order_is_total_and_deterministic(
    network: tuple[ContactState, ...], rnd: random.Random
) -> None:
    shuffled = list(network)
    rnd.shuffle(shuffled)
    first, second = rank(network, as_of=AS_OF), rank(shuffled, as_of=AS_OF)
    assert first == second
    ids = [s.assessment.state.contact_id for s in first.suggestions]
    assert len(ids) == len(set(ids))


@FAST
@given(histories(), histories(), tiers)
def test_events_after_as_of_change_nothing(
    events: list[Event], future: list[Event], tier: str
) -> None:
    later = [
        e._replace(id=e.id + 1000, when=AS_OF + (AS_OF - e.when) + timedelta(seconds=1))
        for e in future
    ]
    notes = [(AS_OF + timedelta(days=1), "future note")]
    assert state(events + later, tier, notes=notes) == state(events, tier)


@settings(max_examples=100, deadline=None)
@given(networks)
def test_rank_counts_unlisted_contacts_as_assess_would(network: tuple[ContactState, ...]) -> None:
    # rank() counts tier-none contacts that cannot be listed without assessing them
    ranking = rank(network, as_of=AS_OF)
    expected = dict.fromkeys(HIDDEN, 0)
    for s in network:
        hidden = assess(s, as_of=AS_OF).hidden
        if hidden is not None:
            expected[hidden] += 1
    for key in HIDDEN:
        assert ranking.skipped[key] == expected[key], key


@settings(max_examples=150, deadline=None)
@given(networks, st.integers(0, 4))
def test_rank_equals_assessing_everyone_then_applying_the_rules(
    network: tuple[ContactState, ...], limit: int
) -> None:
    # rank() judges contacts without their explanation and assesses only those it lists:
    # the result must be what assessing everyone, in sort_key order, gives
    config = RankConfig(intro_per_day=1)
    assessed = sorted((assess(s, as_of=AS_OF, config=config) for s in network), key=sort_key)
    shown, intros, outreach = [], 0, 0
    for a in assessed:
        if a.hidden is not None:
            continue
        if a.lane == 1:
            if (a.action == "intro" and intros >= 1) or outreach >= limit:
                continue
            intros += a.action == "intro"
            outreach += 1
        shown.append(a)
    ranking = rank(network, as_of=AS_OF, config=config, limit=limit)
    assert [s.assessment for s in ranking.suggestions] == shown
    assert [s.rank for s in ranking.suggestions] == list(range(1, len(shown) + 1))
    assert list(ranking.dormant) == [a for a in assessed if a.hidden == "dormant"]
    assert list(ranking.backoff) == [a for a in assessed if a.hidden == "backoff"]
    assert sum(ranking.skipped.values()) == len(network) - len(shown)
