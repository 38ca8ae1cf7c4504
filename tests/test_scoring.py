"""The ranking model of spec/scoring.md version 2: golden scenarios for every action,
the terms at their boundaries, visibility, the order of the list, and a hypothesis test
for every invariant of the spec."""

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

from rave.cli.payloads import suggestion_dict, why_dict
from rave.config import ALL_TIERS, RankConfig
from rave.scoring.actions import shorten
from rave.scoring.model import Assessment, assess, rank, sort_key
from rave.scoring.state import (
    ACTIONS,
    HIDDEN,
    SKIPPED,
    TERMS,
    ContactState,
    Event,
    derive_state,
    warmth_weight,
)
from rave.scoring.terms import recent_out_window

AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CONFIG = RankConfig()
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calendar days ("yesterday", intros per day) in UTC, whatever the machine's zone."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


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
    config = kw.pop("config", CONFIG)
    return assess(state(events, tier, **kw), as_of=kw.get("as_of", AS_OF), config=config)


def measure(a: Assessment, name: str) -> float:
    return a.term(name).measure


# --- golden scenarios: one per action -----------------------------------------------------

GOLDEN: dict[str, tuple[str, list[Event], dict[str, Any]]] = {
    # tier D, wrote 2 days ago and waits: the reply lane, whatever the tier.
    "reply": ("D", [ev(2, "chat", "in", reply=True, note="can you run it in January?")], {}),
    # wrote 40 days ago, never answered: past the 30-day horizon, an outreach row.
    "reply_late": ("B", [ev(40, "chat", "in", "email", reply=True, note="any news?")], {}),
    # tier A, two unanswered emails, the last 30 days ago: the back-off (14 days) is over;
    # they last wrote on WhatsApp.
    "retry": (
        "A",
        [ev(50, "chat", "in", "whatsapp"), ev(40, channel="email"), ev(30, channel="email")],
        {},
    ),
    # they introduced you to someone 10 days ago.
    "repay": (
        "B",
        [ev(100), ev(90, "chat", "in"), ev(10, "engage", "in", "email")],
        {"offer": "a review of their deck"},
    ),
    # never a conversation.
    "intro": ("C", [], {"why": "met at PyCon", "offer": "Rust mentoring"}),
    # tier A, 60 days since your last message: r ≈ 8.6.
    "rekindle": ("A", [ev(200, "chat", "in"), ev(60)], {}),
    # tier B, four messages in 3 cadences (two of them theirs), never met.
    "offline": (
        "B",
        [ev(88), ev(80, "chat", "in"), ev(60), ev(45, "chat", "in")],
        {},
    ),
    # tier C, four chats since any engage.
    "engage": (
        "C",
        [ev(250, "chat", "in"), ev(240), ev(200, "chat", "in"), ev(150, "chat", "in")],
        {},
    ),
    # tier A, your question of 12 days ago on LinkedIn is unanswered; they write by email.
    "follow_up": ("A", [ev(30, "chat", "in", "email"), ev(12, "chat", "out", "linkedin")], {}),
    # tier B, due, one chat since a video call.
    "chat": (
        "B",
        [ev(50, "engage", "both", "video"), ev(45, "chat", "in", note="new job at Acme")],
        {},
    ),
}


def golden(action: str, contact_id: int = 1) -> ContactState:
    tier, events, kw = GOLDEN[action]
    return state(events, tier, contact_id=contact_id, name=action, **kw)


@pytest.mark.parametrize(
    ("action", "score", "channel"),
    [
        ("reply", 17.0, "linkedin"),  # reply 15 + new 2
        ("reply_late", 24.368, "email"),  # reply 15 + due 12·0.289 + tier 3.9 + new 2
        ("retry", 16.0, "whatsapp"),  # due 12 + tier 6 + new 2 − unanswered 4
        ("repay", 13.9, "email"),  # debt 10 + tier 3.9
        ("intro", 13.8, None),  # due 12 + tier 1.8
        ("rekindle", 16.0, "linkedin"),  # due 12 + tier 6 − unanswered 2
        ("offline", 9.504, "linkedin"),  # due 12·0.467 + tier 3.9
        ("engage", 9.528, "linkedin"),  # due 12·0.644 + tier 1.8
        ("follow_up", 14.34, "email"),  # due 12·0.695 + tier 6 + new 2 − unanswered 2
        ("chat", 11.504, "linkedin"),  # due 12·0.467 + tier 3.9 + new 2
    ],
)
def test_golden_action(action: str, score: float, channel: str | None) -> None:
    a = assess(golden(action), as_of=AS_OF)
    assert a.action == action
    assert a.score == score
    assert a.channel == channel
    assert a.hidden is None
    assert a.lane_name == ("reply" if action == "reply" else "outreach")


def test_every_action_has_a_golden_scenario_or_a_lane() -> None:
    assert set(GOLDEN) | {"comment"} == set(ACTIONS)


def test_golden_reasons_say_why_now_never_the_tier_alone() -> None:
    reasons = {name: assess(golden(name), as_of=AS_OF).reason for name in GOLDEN}
    assert reasons == {
        "reply": "wrote 2 days ago on LinkedIn, unanswered",
        "reply_late": "wrote 40 days ago by email, unanswered (over 30 days)",
        "retry": "2 unanswered by email, the last 30 days ago; they last wrote on WhatsApp",
        "repay": "helped you 10 days ago, not repaid yet",
        "intro": "no conversation yet",
        "rekindle": "60 days since your last message, no answer yet (cadence 7 days)",
        "offline": "45 days since they last wrote (cadence 30 days)",
        "engage": "150 days since they last wrote (cadence 90 days)",
        "follow_up": "12 days since your last message, no answer yet (cadence 7 days)",
        "chat": "45 days since they last wrote (cadence 30 days)",
    }
    assert not any("tier" in r or "real exchange" in r for r in reasons.values())


def test_golden_advice_and_talking_points() -> None:
    reply = assess(golden("reply"), as_of=AS_OF)
    assert reply.advice == "answer on LinkedIn"
    assert reply.talking_point == "can you run it in January?"  # the message to answer
    late = assess(golden("reply_late"), as_of=AS_OF)
    assert late.advice == "answer by email: sorry for the slow answer"
    assert late.talking_point == "any news?"
    intro = assess(golden("intro"), as_of=AS_OF)
    assert "met at PyCon" in intro.advice and "Rust mentoring" in intro.advice
    assert "a review of their deck" in assess(golden("repay"), as_of=AS_OF).advice
    chat = assess(golden("chat"), as_of=AS_OF)
    assert chat.talking_point == "new job at Acme"
    retry = assess(golden("retry"), as_of=AS_OF)
    assert retry.advice == "one light touch on WhatsApp, not by email again"
    follow = assess(golden("follow_up"), as_of=AS_OF)
    assert follow.advice == "one short nudge by email about your last message"
    with_handle = state([], "C", handles=("linkedin",))
    assert assess(with_handle, as_of=AS_OF).channel == "linkedin"  # an intro goes somewhere


def test_the_reply_talking_point_is_the_message_being_answered_on_one_short_line() -> None:
    long = "Thanks for the deck!\nCould we " + "talk about the budget " * 10
    a = verdict([ev(10, note="old topic"), ev(1, "chat", "in", reply=True, note=long)])
    assert a.talking_point == "Thanks for the deck!"
    one_line = "could we " + "talk about the budget " * 10
    b = verdict([ev(1, "chat", "in", reply=True, note=one_line)])
    assert b.talking_point is not None and b.talking_point.endswith("…")
    assert len(b.talking_point) <= 90 and b.talking_point[:-1] in one_line
    assert one_line.startswith(b.talking_point[:-1])
    assert one_line[len(b.talking_point) - 1] == " "  # cut at a word boundary


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        (None, 10, None),
        ("  \n ", 10, None),
        ("short", 10, "short"),
        ("one two three four", 10, "one two…"),
        ("abcdefghijklmnop", 10, "abcdefghi…"),  # one long word: cut inside it
        ("first line\nsecond", 40, "first line"),
        ("a  b\tc", 10, "a b c"),
    ],
)
def test_shorten(text: str | None, width: int, expected: str | None) -> None:
    assert shorten(text, width) == expected


def test_an_answer_to_someone_you_owe_carries_the_favour_back() -> None:
    # one message, not a thanks now and a repayment in a few days (two in a row for them)
    thanks = verdict([ev(1, "engage", "in", "email", reply=True)], offer="a review of the deck")
    assert (thanks.lane_name, thanks.action, thanks.channel) == ("reply", "repay", "email")
    assert thanks.reason == "helped you yesterday by email, say thanks"
    assert thanks.advice == (
        "say thanks and return the favour by email, in one message: a review of the deck"
    )
    owed = verdict([ev(9, "engage", "in"), ev(1, "chat", "in", "sms", reply=True, note="hi")])
    assert (owed.lane_name, owed.action, owed.talking_point) == ("reply", "repay", "hi")
    settled = verdict([ev(9, "engage", "in"), ev(8, "engage"), ev(1, "chat", "in", reply=True)])
    assert (settled.action, settled.advice) == ("reply", "answer on LinkedIn")


def test_only_likes() -> None:
    liked = verdict([ev(40, "chat", "in"), ev(20, "broadcast"), ev(10, "broadcast")])
    assert liked.reason == "40 days since they last wrote (cadence 30 days); only likes since"
    assert (liked.action, measure(liked, "mix")) == ("chat", 0.667)
    assert liked.advice == "you've only liked their posts lately: write to them"


def test_offline_rule_conditions() -> None:
    tier, events, _ = GOLDEN["offline"]
    # met 100 days ago: within max(90, 4·30) days, so not yet; 121 days ago: again
    met = [ev(100, "chat", "both", "in_person"), *events]
    assert verdict(met, tier).action == "engage"  # the next rule: 5 chats since an engage
    assert verdict([ev(121, "chat", "both", "in_person"), *events], tier).action == "offline"
    # a missed call (your message on the phone) is not a meeting
    assert verdict([ev(100, "chat", "out", "phone"), *events], tier).action == "offline"
    assert verdict(events, "C").action == "engage"  # tiers A and B only
    one_theirs = [ev(88), ev(80), ev(60), ev(45, "chat", "in")]
    assert verdict(one_theirs, tier).action == "engage"


def test_reply_lane_first_then_outreach_by_score() -> None:
    states = [golden(name, contact_id=i) for i, name in enumerate(GOLDEN, start=1)]
    result = rank(states, as_of=AS_OF, limit=20)
    order = [s.assessment.action for s in result.suggestions]
    assert [s.rank for s in result.suggestions] == list(range(1, len(order) + 1))
    assert order == [
        "reply",  # tier D, but someone waits
        "reply_late",  # 24.368
        "rekindle",  # 16, tier A: on equal scores the older last message first
        "retry",  # 16, tier A
        "follow_up",  # 14.34
        "repay",  # 13.9
        "intro",  # 13.8
        "chat",  # 11.504
        "engage",  # 9.528
        "offline",  # 9.504
    ]


# --- derivation ---------------------------------------------------------------------------


def test_derivation_fields() -> None:
    events = [
        ev(100, "chat", "out", "email"),
        ev(90, "engage", "both", "phone", note="coffee chat"),
        ev(80, "engage", "in"),
        ev(70, "engage", "both", "in_person"),
        ev(60, "engage", "in", "email"),
        ev(50, "chat", "in", reply=True, note="when can we meet?"),
        ev(45, "chat", "out", "email"),
        ev(40, "chat", "in", "sms", reply=True, note="and the deck?"),
        ev(30, "broadcast", "out"),
        ev(20, "broadcast", "in", "twitter", note="launched v2"),
        ev(-5, "chat", "in", reply=True),  # after as_of: ignored
    ]
    s = state(events, "A", handles=("whatsapp", "email"))
    assert s.last_meaningful == ago(40) and s.last_meaningful_channel == "sms"
    assert s.last_meaningful_direction == "in"
    assert (s.first_meaningful, s.first_meaningful_direction) == (ago(100), "out")
    assert s.n_in_meaningful == 6  # in and both
    assert (s.pending_in, s.pending_channel, s.pending_kind) == (ago(40), "sms", "chat")
    assert s.pending_note == "and the deck?"
    assert s.unanswered == 0
    assert (s.last_out, s.last_out_channel, s.last_out_answer) == (ago(45), "email", True)
    assert s.last_initiation == ago(100)  # the answer of 45 days ago is no initiation
    assert s.answer_channel == "sms"
    assert s.channels == ("twitter", "linkedin", "sms", "email", "in_person", "phone", "whatsapp")
    assert s.bcast_since_meaningful == 1
    assert (s.debt, s.debt_since) == (1, ago(60))
    assert s.chats_since_engage == 3
    assert s.last_offline == ago(70)
    assert (s.last_their_post, s.last_their_post_channel) == (ago(20), "twitter")
    assert s.last_their_post_note == "launched v2"
    assert s.responded_to_post is False
    # cadence 7: the 21-day window holds nothing; cadence 20: 60 days, bounds included
    # (the engage of exactly 60 days ago is the third); counted up to 3 and 2
    assert (s.recent_meaningful, s.recent_in_meaningful) == (0, 0)
    s20 = state(events, "A", cadence_days=20)
    assert (s20.cadence, s20.recent_meaningful, s20.recent_in_meaningful) == (20.0, 3, 2)
    assert s.talking_point == "and the deck?"
    expected = sum(
        warmth_weight(e.kind, e.channel, e.direction, (AS_OF - e.when).days) for e in events[:10]
    )
    assert s.warmth == pytest.approx(expected)


def test_answers_count_as_unanswered_but_are_no_initiation() -> None:
    asked = [ev(20, "chat", "in", reply=True), ev(19), ev(10)]
    s = state(asked)
    assert s.unanswered == 2  # the recipient sees two messages in a row
    assert s.last_initiation == ago(10) and s.last_out_answer is False
    answered_only = state(asked[:2])
    assert (answered_only.unanswered, answered_only.last_initiation) == (1, None)
    assert answered_only.last_out_answer is True
    # recent_out follows initiations only: an answer yesterday does not quiet them
    assert measure(verdict([ev(20, "chat", "in", reply=True), ev(1)]), "recent_out") == 0.0
    assert measure(verdict([ev(20, "chat", "in"), ev(1)]), "recent_out") == 1.0


def test_a_live_exchange_answers_everything_before_it() -> None:
    before = [ev(30, "engage", "in", reply=True), ev(20), ev(15), ev(12)]
    assert state(before).unanswered == 3 and state(before).debt == 1
    call = state([*before, ev(10, "chat", "both", "phone")])
    assert (call.unanswered, call.pending_in, call.debt) == (0, None, 1)  # a chat repays nothing
    assert call.last_offline == ago(10) and call.n_in_meaningful == 2
    helped = state([*before, ev(10, "engage", "both", "in_person")])
    assert (helped.debt, helped.debt_since) == (0, None)  # help given during the meeting
    pending = state([ev(5, "chat", "in", reply=True), ev(3, "chat", "both", "video")])
    assert pending.pending_in is None


def test_their_post_is_no_answer_and_no_excuse() -> None:
    base = [ev(60, "chat", "in"), ev(50), ev(40)]
    assert state(base).unanswered == 2
    # version 1 did not count a message sent within 3 days of their post: now it counts
    assert state([*base, ev(12, "broadcast", "in"), ev(10)]).unanswered == 3
    assert state([*base, ev(5, "broadcast", "in")]).unanswered == 2  # not an answer


def test_ties_in_time_are_ordered_by_id() -> None:
    when = 5
    answered = [ev(when, "chat", "in", reply=True, id=10), ev(when, "chat", "out", id=11)]
    waiting = [ev(when, "chat", "in", reply=True, id=11), ev(when, "chat", "out", id=10)]
    assert state(answered).pending_in is None
    assert state(waiting).pending_in == ago(when)
    assert state(answered).unanswered == 1 and state(waiting).unanswered == 0


def test_talking_point_prefers_latest_note_and_ignores_future_ones() -> None:
    events = [ev(30, note="kids"), ev(20, "chat", "in", note=""), ev(10, "broadcast", note="x")]
    assert state(events).talking_point == "kids"
    notes = [(ago(5), "moved to Lyon"), (ago(8), "older"), (ago(-1), "future")]
    assert state(events, notes=notes).talking_point == "moved to Lyon"
    assert state([], notes=[(ago(3), "a"), (ago(3), "b")]).talking_point == "b"


def test_their_recent_post_is_the_talking_point() -> None:
    events = [ev(40, "chat", "in", note="kids"), ev(2, "broadcast", "in", note="our new office")]
    assert verdict(events).talking_point == "their post: our new office"
    older = [ev(40, "chat", "in", note="kids"), ev(5, "broadcast", "in", note="our new office")]
    assert verdict(older).talking_point == "kids"


def test_tier_none_borrows_longest_cadence_only_for_backoff_and_windows() -> None:
    assert state([], "none").cadence == 180.0
    assert state([], "none", cadence_days=12).cadence == 12.0


# --- terms at their boundaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "due"),
    [(37.4, 0.0), (37.5, 0.2), (48.75, 0.6), (55.0, 0.822), (59.9, 0.996), (60.0, 1.0)],
)
def test_due_boundaries(days: float, due: float) -> None:
    # cadence 30: r = days/30; 0 below 1.25, 0.2 at it, rising by 0.8 over 0.75, capped at 1
    expected = 0.0 if days / 30 < 1.25 else min(1.0, 0.2 + 0.8 * (days / 30 - 1.25) / 0.75)
    a = verdict([ev(days, "chat", "in")], "B")
    assert measure(a, "due") == round(expected, 3)
    assert a.term("due").contribution == round(12 * round(expected, 3), 3)
    assert measure(a, "due") == due


@pytest.mark.parametrize(("days", "due"), [(67.5, 1.0), (90.0, 1.0), (None, 1.0)])
def test_due_is_full_from_two_cadences_and_for_never(days: float | None, due: float) -> None:
    events = [] if days is None else [ev(days, "chat", "in")]
    assert measure(verdict(events, "B"), "due") == due


def test_due_start_is_a_config_key() -> None:
    config = RankConfig(due_start=0.75)
    assert measure(verdict([ev(22.5, "chat", "in")], "B", config=config), "due") == 0.2
    assert measure(verdict([ev(22.5, "chat", "in")], "B"), "due") == 0.0


@pytest.mark.parametrize(
    ("ages", "expected"),
    [
        ([0.0], 0.5),
        ([7.0], 1.0),  # 0.5 + 7/14
        ([3.5], 0.75),
        ([2.8, 0.0], 0.95),  # 0.5 + 2.8/14 + 0.25
        ([0.0, 0.0, 0.0], 1.0),
        ([40.0, 1.0], 1.0),
    ],
)
def test_debt_formula(ages: list[float], expected: float) -> None:
    events = [ev(100, "engage", "out")] + [ev(a, "engage", "in") for a in ages]
    a = verdict(events, "C")
    assert measure(a, "debt") == expected
    assert a.state.debt == len(ages) and a.state.debt_since == ago(max(ages))


def test_a_debt_reaches_the_threshold_within_a_week_for_every_tier() -> None:
    for tier in ALL_TIERS:
        # helped you 4.2 days ago (nothing to answer): 0.8 × 10 = 8
        a = verdict([ev(4.2, "engage", "in")], tier)
        assert (a.action, a.hidden) == ("repay", None), tier
        assert a.score >= 8
        # you said thanks at once (your message now waits): 10 − 2 = 8 by day 7
        thanked = [ev(7, "engage", "in", reply=True), ev(6.9)]
        b = verdict(thanked, tier)
        assert (b.action, b.hidden) == ("repay", None), tier


def test_outbound_engage_clears_debt_a_chat_does_not() -> None:
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


@pytest.mark.parametrize(("sent", "value"), [(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.0), (5, 1.0)])
def test_unanswered_measure(sent: int, value: float) -> None:
    events = [ev(100, "chat", "in")] + [ev(90 - 10 * i) for i in range(sent)]
    a = verdict(events, "A")
    assert a.state.unanswered == sent
    assert measure(a, "unanswered") == value
    assert a.term("unanswered").contribution == -4 * value


@pytest.mark.parametrize(("count", "mix"), [(0, 0.0), (1, 0.333), (3, 1.0), (5, 1.0)])
def test_mix_measure_counts_only_when_due(count: int, mix: float) -> None:
    likes = [ev(5 - i, "broadcast") for i in range(count)]
    due = [ev(60, "broadcast"), ev(50, "chat", "in"), *likes]
    assert measure(verdict(due), "mix") == mix
    not_due = [ev(10, "chat", "in"), *likes]
    assert measure(verdict(not_due), "mix") == 0.0


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
def test_their_post_while_due(events: list[Event], expected: float) -> None:
    due = [ev(60, "chat", "in", id=0), *events]
    assert measure(verdict(due), "their_post") == expected


def test_their_post_never_lifts_a_contact_on_its_own() -> None:
    quiet = verdict([ev(3, "chat", "in"), ev(1, "broadcast", "in")], "A")
    assert measure(quiet, "their_post") == 0.0 and measure(quiet, "tier") == 0.0
    assert quiet.score == 2.0 and quiet.hidden == "below_threshold"  # `new` alone
    # a tier-A contact who posts and never answers: no message every few days
    ignored = [ev(40, "chat", "in"), ev(20), ev(10), ev(1, "broadcast", "in")]
    assert verdict(ignored, "A").hidden == "backoff"


@pytest.mark.parametrize(
    ("first", "inbound", "new"), [(59, 2, 1.0), (59, 3, 0.0), (60, 1, 0.0), (1, 0, 1.0)]
)
def test_new_measure(first: float, inbound: int, new: float) -> None:
    events = [ev(first)] + [ev(first - 0.5, "chat", "in") for _ in range(inbound)]
    assert measure(verdict(events, "C"), "new") == new


def test_tier_term_only_with_reply_due_or_debt() -> None:
    assert measure(verdict([ev(3, "chat", "in")], "A"), "tier") == 0.0
    assert measure(verdict([ev(3, "chat", "in", reply=True)], "A"), "tier") == 1.0
    assert measure(verdict([ev(3, "engage", "in")], "C"), "tier") == 0.3
    assert measure(verdict([ev(3, "chat", "in")], "B", cadence_days=2), "tier") == 0.65


def test_tier_none_zeros() -> None:
    never = verdict([], "none")
    assert [measure(never, t) for t in ("due", "tier", "new")] == [0.0, 0.0, 0.0]
    assert never.r is None and never.hidden == "untargeted"
    helped = verdict([ev(30, "engage", "in", reply=True)], "none")
    assert measure(helped, "reply") == 1.0 and measure(helped, "debt") == 1.0
    assert [measure(helped, t) for t in ("due", "tier", "new")] == [0.0, 0.0, 0.0]


# --- visibility ---------------------------------------------------------------------------


def test_backoff_from_two_unanswered_then_retry_elsewhere_then_dormant() -> None:
    two = [ev(60, "chat", "in", "whatsapp"), ev(20), ev(10)]
    a = verdict(two, "A")
    assert a.state.unanswered == 2
    assert a.backoff_until == ago(10) + timedelta(days=21)  # 7 · 3^(2 − 1)
    assert (a.hidden, a.action) == ("backoff", "retry")
    later = AS_OF + timedelta(days=11)
    b = assess(state(two, "A", as_of=later), as_of=later)
    assert (b.hidden, b.action, b.channel) == (None, "retry", "whatsapp")
    three = verdict([*two, ev(5, channel="whatsapp")], "A")  # 63 days after a third
    assert three.backoff_until == ago(5) + timedelta(days=63)
    dormant = verdict([*two, ev(5), ev(4)], "A")
    assert (dormant.state.unanswered, dormant.hidden) == (4, "dormant")
    revived = verdict([*two, ev(5), ev(4), ev(1, "chat", "in", reply=True)], "A")
    assert (revived.state.unanswered, revived.hidden, revived.action) == (0, None, "reply")
    talked = verdict([*two, ev(5), ev(4), ev(1, "chat", "both", "phone")], "A")
    assert (talked.state.unanswered, talked.hidden) == (0, "below_threshold")


def test_retry_is_listed_once_its_back_off_ends_whatever_its_score() -> None:
    events = [ev(60, "chat", "in", "email"), ev(40), ev(30)]
    high = RankConfig(threshold=30)
    a = verdict(events, "A", config=high)
    assert a.score < high.threshold
    assert (a.action, a.hidden, a.channel) == ("retry", None, "email")
    assert [s.assessment.action for s in rank([a.state], as_of=AS_OF, config=high).suggestions] == [
        "retry"
    ]


def test_retry_with_no_other_channel_known_names_none() -> None:
    a = verdict([ev(60, "chat", "in"), ev(30), ev(29)], "A")
    assert (a.action, a.channel) == ("retry", None)
    assert a.advice == "one light touch on another channel, not on LinkedIn again"
    with_handle = assess(
        state([ev(60, "chat", "in"), ev(30), ev(29)], "A", handles=("linkedin", "email")),
        as_of=AS_OF,
    )
    assert with_handle.channel == "email"


def test_backoff_config_keys() -> None:
    events = [ev(60, "chat", "in"), ev(20), ev(10)]
    later = RankConfig(backoff_unanswered=3, dormant_unanswered=5)
    assert verdict(events, "A", config=later).action == "engage"  # not yet in back-off
    base2 = RankConfig(backoff_base=2.0)  # spec/scoring.md's first default
    assert verdict(events, "A", config=base2).backoff_until == ago(10) + timedelta(days=14)


def test_a_snooze_never_hides_a_reply() -> None:
    waiting = [ev(1, "chat", "in", reply=True)]
    snoozed = verdict(waiting, snoozed_until=AS_OF + timedelta(days=7))
    assert (snoozed.hidden, snoozed.lane_name) == (None, "reply")
    quiet = verdict([ev(60, "chat", "in")], snoozed_until=AS_OF + timedelta(hours=1))
    assert quiet.hidden == "snoozed"
    assert verdict([ev(60, "chat", "in")], snoozed_until=AS_OF).hidden is None
    late = verdict([ev(40, "chat", "in", reply=True)], snoozed_until=AS_OF + timedelta(days=1))
    assert (late.action, late.hidden) == ("reply_late", "snoozed")


def test_reply_horizon() -> None:
    just = verdict([ev(29.9, "chat", "in", reply=True)], "C")
    assert (just.lane_name, just.action) == ("reply", "reply")
    over = verdict([ev(30, "chat", "in", reply=True)], "C")
    assert (over.lane_name, over.action, over.hidden) == ("outreach", "reply_late", None)
    wide = verdict(
        [ev(40, "chat", "in", reply=True)], "C", config=RankConfig(reply_horizon_days=45)
    )
    assert wide.action == "reply"
    none = verdict([ev(40, "chat", "in", reply=True)], "none")
    assert none.hidden == "untargeted"  # tier none: the reply lane only


def test_a_fresh_message_brings_them_back_to_the_reply_lane() -> None:
    # an old unanswered message does not keep a new one out of the reply lane
    old_and_new = [
        ev(40, "chat", "in", "email", reply=True, note="any news?"),
        ev(1, "chat", "in", "whatsapp", reply=True, note="free tomorrow?"),
    ]
    for tier in ("C", "none"):
        a = verdict(old_and_new, tier)
        assert (a.lane_name, a.action, a.hidden, a.channel) == ("reply", "reply", None, "whatsapp")
        assert a.talking_point == "free tomorrow?"
        assert a.reason == "wrote yesterday on WhatsApp, unanswered (waiting since 40 days ago)"
        assert a.state.pending_in == ago(40) and a.state.pending_last == ago(1)


def test_untargeted_and_threshold() -> None:
    assert verdict([ev(1, "chat", "in", reply=True)], "none").hidden is None
    assert verdict([ev(2, "engage", "in")], "none").hidden == "below_threshold"  # 10 × 0.643
    repay = verdict([ev(4.2, "engage", "in")], "none")
    assert (repay.score, repay.hidden, repay.action) == (8.0, None, "repay")  # exactly 8
    assert verdict([ev(100, "chat", "in")], "none").hidden == "untargeted"
    assert verdict([ev(3, "chat", "in")], "A").hidden == "below_threshold"


def test_assess_refuses_another_moment() -> None:
    with pytest.raises(ValueError, match="as of"):
        assess(state([]), as_of=AS_OF + timedelta(days=1))


# --- ranking, light touches, intros, JSON --------------------------------------------------


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
    intros = [s.assessment.state.name for s in wide.suggestions if s.assessment.action == "intro"]
    assert intros == ["New 1"]
    assert rank(states, as_of=AS_OF, limit=0).suggestions[-1].assessment.state.name == "Writer"


def test_intros_are_counted_per_calendar_day() -> None:
    # a first message to New 1 this morning: no other intro today, one again tomorrow
    sent = state([ev(2 / 24)], "B", contact_id=1, name="New 1")
    others = [state([], "B", contact_id=i, name=f"New {i}") for i in (2, 3)]
    today = rank([sent, *others], as_of=AS_OF, limit=5)
    assert today.intros_today == 1
    assert [s.assessment.action for s in today.suggestions] == []
    assert today.skipped["intro_capped"] == 2
    tomorrow = AS_OF + timedelta(days=1)
    moved = [
        state([ev(2 / 24)], "B", contact_id=1, name="New 1", as_of=tomorrow),
        *(state([], "B", contact_id=i, name=f"New {i}", as_of=tomorrow) for i in (2, 3)),
    ]
    listed = rank(moved, as_of=tomorrow, limit=5).suggestions
    assert [s.assessment.state.name for s in listed if s.assessment.action == "intro"] == ["New 2"]
    # an answer to someone who wrote first is no introduction
    answered = state([ev(5 / 24, "chat", "in"), ev(2 / 24)], "B", contact_id=1, name="Writer")
    assert rank([answered, *others], as_of=AS_OF).intros_today == 0


def test_light_touches_follow_the_outreach_rows_and_are_no_message() -> None:
    waiting = [ev(60, "chat", "in"), ev(10), ev(3)]  # in back-off
    poster = state([*waiting, ev(1, "broadcast", "in", note="our launch")], "A", name="Poster")
    recent = state(  # wrote first yesterday: recent_out keeps them quiet
        [ev(40, "chat", "in"), ev(1), ev(0.5, "broadcast", "in", "twitter", note="a thread")],
        "B",
        contact_id=2,
        name="Recent",
    )
    liked = state(  # their post has your like already
        [*waiting, ev(2, "broadcast", "in"), ev(1, "broadcast")], "A", contact_id=3, name="Liked"
    )
    due = [state([ev(100 + i, "chat", "in")], "A", contact_id=10 + i) for i in range(3)]
    result = rank([poster, recent, liked, *due], as_of=AS_OF, limit=2)
    rows = [(s.assessment.lane_name, s.assessment.action) for s in result.suggestions]
    assert rows == [
        ("outreach", "rekindle"),
        ("outreach", "rekindle"),
        ("light", "comment"),
        ("light", "comment"),
    ]
    light = [s.assessment for s in result.suggestions if s.assessment.lane_name == "light"]
    assert [(a.state.name, a.channel) for a in light] == [
        ("Poster", "linkedin"),
        ("Recent", "twitter"),
    ]
    assert light[0].talking_point == "their post: our launch"
    assert light[0].advice.startswith("comment on their post on LinkedIn")
    assert result.skipped["over_limit"] == 1 and result.skipped["backoff"] == 1  # Liked
    one = rank([poster, recent], as_of=AS_OF, config=RankConfig(light_per_day=1))
    assert [s.assessment.state.name for s in one.suggestions] == ["Poster"]


def test_rank_lists_dormant_and_backoff() -> None:
    base = [ev(400, "chat", "in")]
    dormant = state(base + [ev(390 - 60 * i) for i in range(4)], "A", contact_id=1, name="Z")
    waiting = state([*base, ev(20), ev(10)], "A", contact_id=2, name="W")
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
        9.504,
    )
    parsed = json.loads(json.dumps(item), parse_float=Decimal)
    assert sum(t["contribution"] for t in parsed["terms"]) == parsed["score"]
    why = why_dict(a)
    assert why["hidden"] is None and why["state"]["last_meaningful"] == "2026-10-08T09:00:00Z"
    assert why["state"]["unanswered"] == 0 and why["state"]["channels"] == ["linkedin"]
    json.dumps(why)  # serialisable


# --- invariants (hypothesis) --------------------------------------------------------------

CHANNELS = ("linkedin", "email", "phone", "in_person", "whatsapp")
DIRECTIONS = ("in", "out", "both")
FAST = settings(max_examples=100, deadline=None)
NETWORKS = settings(max_examples=60, deadline=None)


@st.composite
def histories(draw: st.DrawFn, max_size: int = 14) -> list[Event]:
    size = draw(st.integers(0, max_size))
    ids = draw(st.permutations(range(1, size + 1)))
    events = []
    for event_id in ids:
        days = draw(st.integers(0, 200)) + draw(st.sampled_from((0.0, 0.25, 0.5)))
        kind = draw(st.sampled_from(("broadcast", "chat", "engage")))
        direction = draw(st.sampled_from(DIRECTIONS if kind != "broadcast" else ("in", "out")))
        events.append(
            Event(
                id=event_id,
                when=ago(days),
                kind=kind,
                direction=direction,
                channel=draw(st.sampled_from(CHANNELS)),
                needs_reply=direction == "in" and draw(st.booleans()),
                note=draw(st.sampled_from((None, "", "kids", "new job"))),
            )
        )
    return events


@st.composite
def streaky(draw: st.DrawFn) -> list[Event]:
    """A history ending with several messages of yours in a row, often."""
    events = draw(histories(max_size=6))
    top = max((e.id for e in events), default=0)
    count = draw(st.integers(0, 6))
    gaps = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    start = draw(st.integers(0, 150))
    when = [start + sum(gaps[i:]) for i in range(count)]
    channels = draw(st.lists(st.sampled_from(CHANNELS), min_size=count, max_size=count))
    return events + [
        ev(w, channel=c, id=top + 1 + i)
        for i, (w, c) in enumerate(zip(when, channels, strict=True))
    ]


tiers = st.sampled_from(ALL_TIERS)
targeted = st.sampled_from(("A", "B", "C", "D"))
cadences = st.one_of(st.none(), st.integers(1, 200))
handle_sets = st.lists(st.sampled_from(CHANNELS), max_size=3, unique=True)


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
        handles=tuple(draw(handle_sets)),
    )


networks = st.integers(1, 6).flatmap(
    lambda n: st.tuples(*(contacts(contact_id=i) for i in range(1, n + 1)))
)


def _young_pending(s: ContactState, as_of: datetime = AS_OF) -> bool:
    """Their latest unanswered message is younger than the reply horizon."""
    return s.pending_last is not None and as_of - s.pending_last < timedelta(
        days=CONFIG.reply_horizon_days
    )


@NETWORKS
@given(networks, st.integers(0, 4))
def test_reply_lane_ranks_first_and_a_snooze_never_hides_it(
    network: tuple[ContactState, ...], limit: int
) -> None:
    result = rank(network, as_of=AS_OF, limit=limit)
    lanes = [s.assessment.lane for s in result.suggestions]
    assert lanes == sorted(lanes)  # reply, outreach, light
    shown = {s.assessment.state.contact_id for s in result.suggestions if s.assessment.lane == 0}
    assert shown == {c.contact_id for c in network if _young_pending(c)}


@NETWORKS
@given(networks, st.integers(0, 4))
def test_light_touches_never_count_toward_the_limit(
    network: tuple[ContactState, ...], limit: int
) -> None:
    result = rank(network, as_of=AS_OF, limit=limit)
    lanes = [s.assessment.lane_name for s in result.suggestions]
    assert lanes.count("outreach") <= limit
    assert lanes.count("light") <= CONFIG.light_per_day
    intros = [s for s in result.suggestions if s.assessment.action == "intro"]
    assert len(intros) + result.intros_today <= max(CONFIG.intro_per_day, result.intros_today)
    for s in result.suggestions:
        a = s.assessment
        assert (a.lane_name == "light") == (a.action == "comment")
        if a.lane_name == "light":  # never a direct message: only their recent post
            assert a.state.last_their_post is not None and not a.state.responded_to_post
    # and light touches do not take an outreach row from anyone
    without = rank(network, as_of=AS_OF, limit=limit, config=RankConfig(light_per_day=0))

    def rows(ranking: Any) -> list[tuple[int, str, float]]:
        return [
            (s.assessment.state.contact_id, s.assessment.action, s.assessment.score)
            for s in ranking.suggestions
            if s.assessment.lane_name != "light"
        ]

    assert rows(result) == rows(without)


@FAST
@given(streaky(), targeted, cadences, st.integers(0, 3000), handle_sets)
def test_never_a_message_in_back_off_then_retry_elsewhere(
    events: list[Event], tier: str, cadence: int | None, hours: int, handles: list[str]
) -> None:
    as_of = AS_OF + timedelta(hours=hours)
    s = state(events, tier, as_of=as_of, cadence_days=cadence, handles=tuple(handles))
    rows = rank([s], as_of=as_of).suggestions
    n = s.unanswered
    if n < 2 or s.pending_in is not None:
        return
    days = cadence or CONFIG.cadence[tier]
    assert s.last_out is not None
    until = s.last_out + timedelta(days=days * CONFIG.backoff_base ** (n - 1))
    messages = [r for r in rows if r.assessment.lane_name != "light"]
    if as_of < until or n >= CONFIG.dormant_unanswered:
        assert messages == []
    else:
        assert [r.assessment.action for r in messages] == ["retry"]
        channel = messages[0].assessment.channel
        others = {
            c
            for c in (s.answer_channel, *s.channels)
            if c and c != s.last_out_channel and c not in ("in_person", "video", "other")
        }
        assert (channel is None) == (not others)
        assert channel != s.last_out_channel


@settings(max_examples=60, deadline=None)
@given(histories(), streaky(), targeted, cadences, st.booleans())
def test_following_the_list_never_leaves_a_contact_stuck(
    events: list[Event], tail: list[Event], tier: str, cadence: int | None, snoozed: bool
) -> None:
    """Advancing as_of with no new events, the contact is suggested again (or marked
    dormant) before long: a due date, the end of a back-off or of a snooze comes."""
    history = [*events, *(e._replace(id=e.id + 100) for e in tail)]
    snooze = AS_OF + timedelta(days=40) if snoozed else None
    for step in range(0, 2000, 5):
        as_of = AS_OF + timedelta(days=step)
        s = state(history, tier, as_of=as_of, cadence_days=cadence, snoozed_until=snooze)
        ranking = rank([s], as_of=as_of)
        if ranking.suggestions or ranking.dormant:
            return
    pytest.fail(f"never suggested again: {s}")


@FAST
@given(histories(), st.sampled_from(("chat", "engage")), st.sampled_from(CHANNELS))
def test_what_each_event_does_to_unanswered_and_pending(
    events: list[Event], kind: str, channel: str
) -> None:
    last = max((e.when for e in events), default=ago(300))
    when = min(AS_OF, last + timedelta(hours=1))
    before = state(events)
    for direction in ("in", "both"):
        after = state([*events, Event(10_000, when, kind, direction, channel, True)])
        assert after.unanswered == 0
        if direction == "both":
            assert after.pending_in is None
            if kind == "engage":
                assert after.debt == 0
    sent = state([*events, Event(10_000, when, kind, "out", channel)])
    assert sent.unanswered == before.unanswered + 1
    assert sent.pending_in is None


@FAST
@given(histories(), st.lists(st.integers(0, 200), max_size=5), tiers, cadences)
def test_outbound_broadcasts_only_ever_add_mix(
    events: list[Event], extra: list[int], tier: str, cadence: int | None
) -> None:
    added = [ev(d, "broadcast", "out", id=1000 + i) for i, d in enumerate(extra)]
    before = assess(state(events, tier, cadence_days=cadence), as_of=AS_OF)
    after = assess(state(events + added, tier, cadence_days=cadence), as_of=AS_OF)
    assert after.r == before.r  # likes never reset the cadence clock
    assert after.state.last_meaningful == before.state.last_meaningful
    mix_before, mix_after = (a.term("mix").contribution for a in (before, after))
    assert round(after.score - mix_after, 3) <= round(before.score - mix_before, 3)
    if mix_after > 0:
        assert measure(after, "due") > 0


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


@pytest.mark.slow
@NETWORKS
@given(networks)
def test_terms_sum_exactly_to_the_score_and_reasons_say_why(
    network: tuple[ContactState, ...],
) -> None:
    for c in network:
        a = assess(c, as_of=AS_OF)
        assert [t.term for t in a.terms] == list(TERMS)
        total = sum(Decimal(repr(t.contribution)) for t in a.terms)
        assert total == Decimal(repr(a.score))
        for t in a.terms:
            assert 0.0 <= t.measure <= 1.0
            assert t.contribution == round(t.measure * t.coefficient, 3)
            assert "real exchange" not in t.note
        assert not a.reason.startswith("tier ")  # never the tier alone
        parsed = json.loads(json.dumps(suggestion_dict(a, 1)), parse_float=Decimal)
        assert sum(t["contribution"] for t in parsed["terms"]) == parsed["score"]


@pytest.mark.slow
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


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(networks)
def test_rank_counts_unlisted_contacts_as_assess_would(network: tuple[ContactState, ...]) -> None:
    ranking = rank(network, as_of=AS_OF, config=RankConfig(light_per_day=0))
    expected = dict.fromkeys(HIDDEN, 0)
    for s in network:
        hidden = assess(s, as_of=AS_OF).hidden
        if hidden is not None:
            expected[hidden] += 1
    for key in HIDDEN:
        assert ranking.skipped[key] == expected[key], key


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(networks, st.integers(0, 4))
def test_rank_equals_assessing_everyone_then_applying_the_rules(
    network: tuple[ContactState, ...], limit: int
) -> None:
    config = RankConfig(intro_per_day=1, light_per_day=1)
    assessed = sorted((assess(s, as_of=AS_OF, config=config) for s in network), key=sort_key)
    day_start = AS_OF.replace(hour=0, minute=0, second=0)  # TZ is UTC here
    sent_today = sum(
        s.first_meaningful_direction == "out"
        and s.first_meaningful is not None
        and day_start <= s.first_meaningful <= AS_OF
        for s in network
    )
    shown, light, intros, outreach = [], [], sent_today, 0
    for a in assessed:
        if a.hidden is not None:
            recent_out = a.term("recent_out").measure > 0
            held = a.hidden == "backoff" or (a.hidden == "below_threshold" and recent_out)
            post = a.state.last_their_post
            fresh = post is not None and AS_OF - post <= timedelta(days=3)
            if held and fresh and not a.state.responded_to_post and not light:
                light.append(a)
            continue
        if a.lane == 1:
            if (a.action == "intro" and intros >= 1) or outreach >= limit:
                continue
            intros += a.action == "intro"
            outreach += 1
        shown.append(a)
    ranking = rank(network, as_of=AS_OF, config=config, limit=limit)
    got = [s.assessment for s in ranking.suggestions]
    assert [a.state.contact_id for a in got] == [a.state.contact_id for a in [*shown, *light]]
    assert got[: len(shown)] == shown
    assert [(a.action, a.lane_name) for a in got[len(shown) :]] == [("comment", "light")] * len(
        light
    )
    assert [s.rank for s in ranking.suggestions] == list(range(1, len(got) + 1))
    assert list(ranking.dormant) == [a for a in assessed if a.hidden == "dormant"]
    assert [a.state.contact_id for a in ranking.backoff] == [
        a.state.contact_id for a in assessed if a.hidden == "backoff" and a not in light
    ]
    assert sum(ranking.skipped.values()) == len(network) - len(got)
