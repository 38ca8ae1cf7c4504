"""Replay: judge rave's ranking model by simulating, day by day, a user who follows it.

Each world is a seeded network of ~120 contacts who answer, ignore, help, post and
unfollow by hidden rules (spec/scoring.md, "How the model is judged"). Every morning at
08:00 UTC the user acts on a policy's list under a daily budget of direct messages; the
contacts act during the day. The same worlds run through rave, naive baselines and an
oracle that reads the hidden traits; every measure comes from the simulator's own event
log, never from rave's state.

    python bench/replay.py                      # every regime, 16 seeds, 130 days: markdown
    python bench/replay.py --write              # ... and rewrite bench/REPLAY.md
    python bench/replay.py --regime cold --seeds 8 --set due_start=1.0 --set coefficients.tier=8
    python bench/replay.py --json               # machine-readable results
    python bench/replay.py --cli --regime mixed --seed 2   # drive the installed `rave`

``--cli`` runs one world (60 contacts, 40 days by default) through the installed ``rave``
script in subprocesses on a temporary store, then the same world in-process, and checks
that the two made the same decision every day.

The file reads top to bottom: time, the world (contacts and their hidden traits), the
simulator, the policies (rave, the baselines, the oracle), the measures, the report.
"""

from __future__ import annotations

import argparse
import bisect
import copy
import heapq
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Protocol

# --- time -----------------------------------------------------------------------------
# Simulated time is whole seconds from EPOCH, the start of the measured period (the
# prehistory is negative). Whole seconds: the CLI stores times to the second, and both
# modes must order every contact's events the same way.

DAY = 86_400
EPOCH = datetime(2025, 3, 1, tzinfo=UTC)  # in the past: `rave log` refuses future times
MORNING = 8 * 3600  # the user acts at 08:00, each action a second after the previous
DAYTIME = (9 * 3600, 22 * 3600)  # contacts act between 09:00 and 22:00


def to_datetime(t: int) -> datetime:
    return EPOCH + timedelta(seconds=t)


def iso(t: int) -> str:
    return to_datetime(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_daytime(t: int) -> int:
    """``t``, or the next daytime moment when ``t`` falls at night (keeping its minutes
    and seconds, so that moments stay apart)."""
    day, second = divmod(t, DAY)
    if second < DAYTIME[0]:
        return day * DAY + DAYTIME[0] + second % 3600
    if second >= DAYTIME[1]:
        return (day + 1) * DAY + DAYTIME[0] + second % 3600
    return t


def use_utc() -> None:
    """rank counts intros per local calendar day: make local time UTC."""
    os.environ["TZ"] = "UTC"
    time.tzset()


# --- the world --------------------------------------------------------------------------

HANDLES = ("linkedin", "email", "whatsapp", "twitter")
SOCIAL = ("linkedin", "twitter")  # where people post
LIVE = ("video", "in_person")
TIERS = ("A", "B", "C", "D", "none")
TARGETED = ("A", "B", "C", "D")
CADENCE = {"A": 7, "B": 30, "C": 90, "D": 180}
TIER_SHARE = {"A": 10, "B": 20, "C": 30, "D": 30, "none": 40}  # of the default 130
WRITE_RATE = {"A": 1 / 21, "B": 1 / 60, "C": 1 / 150, "D": 1 / 300, "none": 1 / 120}  # per day
HELP_RATE = {"A": 1 / 60, "B": 1 / 120, "C": 1 / 240, "D": 1 / 365, "none": 1 / 240}
NEEDS_REPLY = 0.8  # share of their spontaneous messages that ask for an answer
HELP_NEEDS_REPLY = 0.5  # a favour that also asks for a word back
OWN_POSTS = 3 / 7  # the user posts a few times a week


@dataclass(frozen=True)
class Regime:
    name: str
    never: float  # share of contacts who never answer (p = 0; they never write either)
    p: tuple[float, float]  # responsiveness of the others, uniform in this range
    delay: tuple[float, float]  # mean reply delay in days, log-uniform in this range
    unfollow: tuple[float, float]  # chance to unfollow on a message over 2 unanswered
    accept: tuple[float, float]  # chance to accept a proposal to meet
    talk: float  # multiplies the rates at which they write first and help
    posters: float  # share of frequent posters (a post every 2 to 7 days)
    stubborn: tuple[int, int]  # (A, B) contacts who post a lot and never answer


REGIMES = {
    "responsive": Regime(
        "responsive", 0.05, (0.6, 0.95), (0.1, 1.0), (0.1, 0.3), (0.4, 0.9), 1.2, 0.15, (0, 0)
    ),
    "mixed": Regime(
        "mixed", 0.2, (0.3, 0.9), (0.2, 3.0), (0.2, 0.5), (0.3, 0.8), 1.0, 0.25, (0, 0)
    ),
    "cold": Regime("cold", 0.4, (0.15, 0.6), (1.0, 5.0), (0.3, 0.7), (0.1, 0.5), 0.6, 0.2, (0, 0)),
    "posters": Regime(
        "posters", 0.2, (0.3, 0.9), (0.2, 3.0), (0.2, 0.5), (0.3, 0.8), 1.0, 0.6, (1, 3)
    ),
}


class Person(NamedTuple):
    """What the user knows about a contact (what `rave add` records)."""

    id: int  # 1-based: the id `rave add` gives in a fresh store
    name: str
    tier: str
    handles: tuple[str, ...]


class Traits(NamedTuple):
    """What only the contact (and the oracle) knows."""

    p: float  # chance to answer a message on their preferred channel (half elsewhere)
    delay: float  # mean reply delay in days (each answer: 0.5 to 1.5 times it)
    preferred: str
    go_on: float  # chance that their answer asks for another (the conversation goes on)
    accept: float  # chance to accept a proposal to meet
    unfollow: float  # chance to unfollow on a message while ≥ 2 of yours are unanswered
    write: float  # spontaneous messages per day
    help: float  # favours per day
    post: float  # posts per day


class Spont(NamedTuple):
    """Something a contact does on their own (a message, a favour, a post)."""

    t: int
    kind: str  # chat | engage | broadcast
    channel: str
    needs_reply: bool
    label: str  # write | help | post


@dataclass(frozen=True)
class World:
    regime: str
    seed: int
    people: tuple[Person, ...]
    traits: Mapping[int, Traits]
    spont: Mapping[int, tuple[Spont, ...]]  # per contact, in time order
    own_posts: tuple[int, ...]  # the user's own posts (not addressed to anyone)
    prehistory: int  # days before EPOCH
    days: int  # measured days


def tier_counts(n: int) -> dict[str, int]:
    """``n`` contacts shared among tiers like the default 130 (largest remainder)."""
    total = sum(TIER_SHARE.values())
    exact = {t: n * share / total for t, share in TIER_SHARE.items()}
    counts = {t: math.floor(x) for t, x in exact.items()}
    for t in sorted(exact, key=lambda t: counts[t] - exact[t])[: n - sum(counts.values())]:
        counts[t] += 1
    return counts


def _stream(world_seed: str, cid: int, what: str) -> random.Random:
    """A contact's own random stream: the same world gives the same stream, whatever
    the policy (common random numbers)."""
    return random.Random(f"{world_seed}/{cid}/{what}")


def make_world(
    regime: str, seed: int, *, n: int = 130, prehistory: int = 90, days: int = 130
) -> World:
    """The world of ``regime`` and ``seed``: contacts, hidden traits, and everything the
    contacts will do on their own over the prehistory and the measured period."""
    r = REGIMES[regime]
    world_seed = f"{regime}/{seed}"
    rng = random.Random(f"{world_seed}/world")
    tiers = [t for t, k in tier_counts(n).items() for _ in range(k)]
    stubborn = {"A": r.stubborn[0], "B": r.stubborn[1]}
    people, traits, spont = [], {}, {}
    for cid, tier in enumerate(tiers, start=1):
        handles = tuple(sorted(rng.sample(HANDLES, rng.choice((2, 3))), key=HANDLES.index))
        preferred = rng.choice(handles)
        never = rng.random() < r.never
        post = rng.uniform(1 / 7, 1 / 2) if rng.random() < r.posters else rng.choice((0, 1 / 60))
        if stubborn.get(tier, 0) > 0:  # posts a lot, never answers
            stubborn[tier] -= 1
            never, post = True, rng.uniform(1 / 3, 1 / 1.5)
        p = 0.0 if never else rng.uniform(*r.p)
        traits[cid] = Traits(
            p=p,
            delay=math.exp(rng.uniform(math.log(r.delay[0]), math.log(r.delay[1]))),
            preferred=preferred,
            go_on=rng.uniform(0.3, 0.6),
            accept=rng.uniform(*r.accept),
            unfollow=rng.uniform(*r.unfollow),
            write=0.0 if never else WRITE_RATE[tier] * r.talk,
            help=0.0 if never else HELP_RATE[tier] * r.talk,
            post=post,
        )
        people.append(Person(cid, f"Person {cid:03d}", tier, handles))
        spont[cid] = _spontaneous(
            _stream(world_seed, cid, "spont"), traits[cid], handles, prehistory, days
        )
    posts = random.Random(f"{world_seed}/own-posts")
    own = tuple(
        d * DAY + 12 * 3600 + posts.randrange(3600)
        for d in range(-prehistory, days)
        if posts.random() < OWN_POSTS
    )
    return World(regime, seed, tuple(people), traits, spont, own, prehistory, days)


def _spontaneous(
    rng: random.Random, tr: Traits, handles: tuple[str, ...], prehistory: int, days: int
) -> tuple[Spont, ...]:
    """Day by day, what a contact does unprompted: a message (most asking for an answer),
    a favour, a post. A day's draws never depend on what follows it, so a longer period
    keeps the same beginning."""
    others = [h for h in handles if h != tr.preferred] or [tr.preferred]
    social = [h for h in handles if h in SOCIAL] or [tr.preferred]
    out: list[Spont] = []
    for d in range(-prehistory, days):
        if rng.random() < tr.write:
            t, asks = d * DAY + rng.randrange(*DAYTIME), rng.random() < NEEDS_REPLY
            channel = tr.preferred if rng.random() < 0.8 else rng.choice(others)
            out.append(Spont(t, "chat", channel, asks, "write"))
        if rng.random() < tr.help:
            t, asks = d * DAY + rng.randrange(*DAYTIME), rng.random() < HELP_NEEDS_REPLY
            out.append(Spont(t, "engage", tr.preferred, asks, "help"))
        if rng.random() < tr.post:
            t = d * DAY + rng.randrange(*DAYTIME)
            out.append(Spont(t, "broadcast", rng.choice(social), False, "post"))
    return tuple(sorted(out))


# --- the simulator ----------------------------------------------------------------------


class Ev(NamedTuple):
    """One logged event: what the user records in rave, and what the measures read."""

    id: int
    t: int
    cid: int | None  # None: the user's own post, to no one in particular
    kind: str  # broadcast | chat | engage
    direction: str  # out (the user) | in (them) | both (a live exchange)
    channel: str
    needs_reply: bool
    label: str  # the user's action (reply, repay, offline, like, ...) or theirs (write, ...)
    lane: str  # the user's lane: reply | outreach | light; "" for theirs


class Action(NamedTuple):
    """What a policy tells the user to do this morning."""

    cid: int
    kind: str  # chat | engage | broadcast (a like, a comment on their post)
    channel: str
    label: str  # offline: a proposal to meet
    lane: str  # reply (answers, outside the budget) | outreach (the budget) | light (free)


@dataclass
class Ledger:
    """One contact's log as the user sees it, kept up to date event by event."""

    last_meaningful: int | None = None
    last_touch: int | None = None  # any event, likes and posts included
    last_channel: str | None = None  # of the latest meaningful event on one of their handles
    pending: list[tuple[int, str]] = field(default_factory=list)  # their unanswered asks
    unanswered: int = 0  # your messages since their latest word (in or both)
    debts: list[int] = field(default_factory=list)  # favours not yet returned
    last_live: int | None = None
    heard: list[int] = field(default_factory=list)  # their words (in or both), times
    last_post: tuple[int, str] | None = None

    def add(self, e: Ev, handles: tuple[str, ...]) -> None:
        self.last_touch = e.t
        if e.kind == "broadcast":
            if e.direction == "in":
                self.last_post = (e.t, e.channel)
            return
        self.last_meaningful = e.t
        if e.channel in handles:
            self.last_channel = e.channel
        if e.direction == "out":
            self.unanswered += 1
            self.pending.clear()
            if e.kind == "engage":
                self.debts.clear()
            return
        self.unanswered = 0
        self.heard.append(e.t)
        if e.direction == "both":
            self.last_live = e.t
            self.pending.clear()
            if e.kind == "engage":
                self.debts.clear()
            return
        if e.needs_reply:
            self.pending.append((e.t, e.channel))
        if e.kind == "engage":
            self.debts.append(e.t)


class Truth(NamedTuple):
    """The hidden side of the world: only the oracle reads it."""

    traits: Mapping[int, Traits]
    lost_at: Mapping[int, int]  # unfollowed, and when
    awaiting: Mapping[int, int]  # an answer of theirs is on its way, due then
    meeting: Mapping[int, int]  # a meeting is agreed, then


@dataclass
class View:
    """What a policy sees on a morning: the user's log, nothing hidden (but ``truth``,
    which only the oracle reads)."""

    day: int
    now: int
    budget: int
    people: tuple[Person, ...]
    log: Sequence[Ev]  # every logged event, in order
    ledger: Mapping[int, Ledger]
    truth: Truth

    def person(self, cid: int) -> Person:
        return self.people[cid - 1]


class Policy(Protocol):
    name: str

    def start(self, view: View) -> None:
        """Called once, on the first measured morning, with the prehistory logged."""

    def morning(self, view: View) -> list[Action]:
        """This morning's actions, in the order the user takes them."""


class Sim:
    """The world as it unfolds: a queue of what contacts will do, the log of what
    happened, and the contacts' reactions to the user's messages."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.log: list[Ev] = []
        self.ledger = {p.id: Ledger() for p in world.people}
        self.lost_at: dict[int, int] = {}
        self.awaiting: dict[int, int] = {}
        self.meeting: dict[int, int] = {}
        self.react = {
            p.id: _stream(f"{world.regime}/{world.seed}", p.id, "react") for p in world.people
        }
        self._seq = 0
        self.queue: list[tuple[int, int, int | None, str, str, str, bool, str]] = []
        for cid, events in world.spont.items():
            for s in events:
                self._push(s.t, cid, s.kind, "in", s.channel, s.needs_reply, s.label)
        for t in world.own_posts:
            self._push(t, None, "broadcast", "out", "linkedin", False, "own_post")

    def fork(self) -> Sim:
        """An independent copy (the prehistory is simulated once per world)."""
        other = copy.copy(self)
        other.log = list(self.log)
        other.ledger = copy.deepcopy(self.ledger)
        other.lost_at, other.awaiting = dict(self.lost_at), dict(self.awaiting)
        other.meeting = dict(self.meeting)
        other.queue = list(self.queue)
        other.react = {}
        for cid, rng in self.react.items():
            other.react[cid] = random.Random()
            other.react[cid].setstate(rng.getstate())
        return other

    def view(self, day: int, budget: int) -> View:
        truth = Truth(self.world.traits, self.lost_at, self.awaiting, self.meeting)
        now = day * DAY + MORNING
        return View(day, now, budget, self.world.people, self.log, self.ledger, truth)

    def _push(
        self,
        t: int,
        cid: int | None,
        kind: str,
        direction: str,
        channel: str,
        needs_reply: bool,
        label: str,
    ) -> None:
        self._seq += 1
        heapq.heappush(
            self.queue, (t, self._seq, cid, kind, direction, channel, needs_reply, label)
        )

    def _record(
        self,
        t: int,
        cid: int | None,
        kind: str,
        direction: str,
        channel: str,
        needs_reply: bool,
        label: str,
        lane: str = "",
    ) -> Ev:
        e = Ev(len(self.log) + 1, t, cid, kind, direction, channel, needs_reply, label, lane)
        self.log.append(e)
        if cid is not None:
            self.ledger[cid].add(e, self.world.people[cid - 1].handles)
        return e

    def advance(self, until: int) -> None:
        """Log what contacts do before ``until``; a lost contact does nothing more."""
        while self.queue and self.queue[0][0] < until:
            t, _, cid, kind, direction, channel, needs_reply, label = heapq.heappop(self.queue)
            if cid is not None:
                if cid in self.lost_at and self.lost_at[cid] <= t:
                    continue
                if label == "answer" and self.awaiting.get(cid) == t:
                    del self.awaiting[cid]
                if label == "meet" and self.meeting.get(cid) == t:
                    del self.meeting[cid]
            self._record(t, cid, kind, direction, channel, needs_reply, label)

    def act(self, a: Action, t: int) -> None:
        """The user does ``a`` at ``t``; the contact reacts to a message."""
        before = self.ledger[a.cid].unanswered
        self._record(t, a.cid, a.kind, "out", a.channel, False, a.label, a.lane)
        if a.kind != "broadcast":
            self._receive(a.cid, t, a.channel, a.label, before)

    def _receive(self, cid: int, t: int, channel: str, label: str, unanswered: int) -> None:
        """A contact gets a message of yours sent while ``unanswered`` earlier ones were
        unanswered: they may unfollow, accept to meet, or answer after their delay."""
        if cid in self.lost_at:
            return
        tr, rng = self.world.traits[cid], self.react[cid]
        if unanswered >= 2 and rng.random() < tr.unfollow:
            self.lost_at[cid] = t
            return
        if tr.p <= 0:
            return
        handles = self.world.people[cid - 1].handles
        where = channel if channel in handles else tr.preferred
        if label == "offline" and cid not in self.meeting and rng.random() < tr.accept:
            when = in_daytime(t + round(tr.delay * DAY * rng.uniform(0.5, 1.5)))
            meet = (when // DAY + rng.randint(2, 6)) * DAY + rng.randrange(10 * 3600, 19 * 3600)
            self._answer(cid, when, where, needs_reply=False)
            self.meeting[cid] = meet
            self._push(meet, cid, "engage", "both", rng.choice(LIVE), False, "meet")
            return
        if cid in self.awaiting:  # they will answer everything at once
            return
        p = tr.p if channel == tr.preferred else tr.p / 2
        if rng.random() < p:
            when = in_daytime(t + round(tr.delay * DAY * rng.uniform(0.5, 1.5)))
            self._answer(cid, when, where, needs_reply=rng.random() < tr.go_on)

    def _answer(self, cid: int, when: int, channel: str, *, needs_reply: bool) -> None:
        if cid in self.awaiting:
            return
        self.awaiting[cid] = when
        self._push(when, cid, "chat", "in", channel, needs_reply, "answer")

    def morning(self, day: int, policy: Policy, budget: int) -> list[Action]:
        """Log the night's events, then let the user act on ``policy`` at 08:00."""
        now = day * DAY + MORNING
        self.advance(now)
        actions = policy.morning(self.view(day, budget))
        for i, a in enumerate(actions, start=1):
            self.act(a, now + i)
        return actions


# --- policies -----------------------------------------------------------------------------


def reach_channel(person: Person, ledger: Ledger) -> str:
    """Where a naive user writes: the last channel used with them, else a handle."""
    return ledger.last_channel or person.handles[0]


def inbox(view: View, rng: random.Random, chance: float) -> list[Action]:
    """Answer what waits for an answer: each contact's with ``chance`` this morning, on
    the channel of their latest message."""
    out = []
    for cid, led in view.ledger.items():
        if led.pending and rng.random() < chance:
            out.append(Action(cid, "chat", led.pending[-1][1], "reply", "reply"))
    return out


def likes(view: View, rng: random.Random, chance: float, since: int) -> list[Action]:
    """Like each post logged since ``since`` with ``chance`` (free, no message)."""
    out = []
    for e in reversed(view.log):
        if e.t < since:
            break
        post = e.kind == "broadcast" and e.direction == "in"
        if post and e.cid is not None and rng.random() < chance:
            out.append(Action(e.cid, "broadcast", e.channel, "like", "light"))
    return out[::-1]


class Seeded:
    """What the simulated users share: a name, a random stream of their own (seeded from
    the world and the name), and nothing to set up before the first morning."""

    name = "seeded"

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(f"{seed}/{self.name}")

    def start(self, view: View) -> None:
        pass


class Plausible(Seeded):
    """The prehistory's user, the same for every policy: answers half of what waits,
    returns a favour now and then, likes some posts, and writes to two targeted
    contacts a day, the most overdue first."""

    name = "plausible"

    def morning(self, view: View) -> list[Action]:
        acts = inbox(view, self.rng, 0.6)
        busy = {a.cid for a in acts}
        for cid, led in view.ledger.items():
            if led.debts and cid not in busy and self.rng.random() < 0.15:
                channel = reach_channel(view.person(cid), led)
                acts.append(Action(cid, "engage", channel, "repay", "outreach"))
                busy.add(cid)
        due = []
        for p in view.people:
            if p.tier in CADENCE and p.id not in busy:
                last = view.ledger[p.id].last_meaningful
                r = math.inf if last is None else (view.now - last) / (CADENCE[p.tier] * DAY)
                if r >= 1:
                    due.append((-r, p.id))
        for _, cid in sorted(due)[:2]:
            channel = reach_channel(view.person(cid), view.ledger[cid])
            acts.append(Action(cid, "chat", channel, "outreach", "outreach"))
        return acts + likes(view, self.rng, 0.3, view.now - DAY)


class Baseline(Seeded):
    """What every naive policy shares: the inbox habit (each waiting message answered
    with chance ½ each morning) and the habit of liking a post now and then."""

    name = "baseline"
    answer_chance = 0.5
    like_chance = 0.3

    def morning(self, view: View) -> list[Action]:
        acts = inbox(view, self.rng, self.answer_chance)
        busy = {a.cid for a in acts}
        for cid in self.pick(view, busy)[: view.budget]:
            channel = reach_channel(view.person(cid), view.ledger[cid])
            acts.append(Action(cid, "chat", channel, "outreach", "outreach"))
        return acts + likes(view, self.rng, self.like_chance, view.now - DAY)

    def pick(self, view: View, busy: set[int]) -> list[int]:
        """Whom to write to this morning, in order (``busy``: answered already)."""
        return []


class Inbox(Baseline):
    """Answers, never initiates."""

    name = "inbox"


class Timer(Baseline):
    """Monica's "stay in touch": a reminder per targeted contact every cadence days from
    a random start, never reset by logging; at most the budget sent each morning to
    fired reminders, oldest first; the others wait."""

    name = "timer"

    def start(self, view: View) -> None:
        self.next_fire = {
            p.id: view.now + round(self.rng.uniform(0, CADENCE[p.tier]) * DAY)
            for p in view.people
            if p.tier in CADENCE
        }
        self.fired: dict[int, int] = {}  # contact -> when its oldest waiting reminder fired

    def pick(self, view: View, busy: set[int]) -> list[int]:
        for cid, t in self.next_fire.items():
            while t <= view.now:
                self.fired.setdefault(cid, t)
                t += CADENCE[view.person(cid).tier] * DAY
            self.next_fire[cid] = t
        order = sorted((t, cid) for cid, t in self.fired.items() if cid not in busy)
        chosen = [cid for _, cid in order[: view.budget]]
        for cid in chosen:
            del self.fired[cid]
        return chosen


class Oldest(Baseline):
    """The targeted contacts whose last touch of any kind (a like, a post) is oldest."""

    name = "oldest"

    def pick(self, view: View, busy: set[int]) -> list[int]:
        def key(p: Person) -> tuple[bool, int, int]:
            last = view.ledger[p.id].last_touch
            return (last is not None, last or 0, p.id)

        targeted = [p for p in view.people if p.tier in CADENCE and p.id not in busy]
        return [p.id for p in sorted(targeted, key=key)]


class Bucket(Baseline):
    """The `friends` gem: per tier bucket, those with no real exchange within their
    cadence are due; one at random from each bucket in turn (A, B, C, D)."""

    name = "bucket"

    def pick(self, view: View, busy: set[int]) -> list[int]:
        buckets = []
        for tier in TARGETED:
            due = []
            for p in view.people:
                last = view.ledger[p.id].last_meaningful
                quiet = last is None or view.now - last > CADENCE[tier] * DAY
                if p.tier == tier and p.id not in busy and quiet:
                    due.append(p.id)
            self.rng.shuffle(due)
            buckets.append(due)
        chosen: list[int] = []
        while any(buckets) and len(chosen) < view.budget:
            for due in buckets:
                if due and len(chosen) < view.budget:
                    chosen.append(due.pop())
        return chosen


class Oracle(Seeded):
    """The limit, not a competitor: it reads the hidden traits. Answers everything each
    morning; returns favours first; proposes to meet warm A/B ties; writes to willing
    contacts most overdue for their cadence (counting their delay), on the channel they
    prefer, sooner when it knows the first message went unheard; never sends a third
    unanswered message."""

    name = "oracle"

    def morning(self, view: View) -> list[Action]:
        truth = view.truth
        acts: list[Action] = []
        for cid, led in view.ledger.items():
            if led.pending:
                kind, label = ("engage", "repay") if led.debts else ("chat", "reply")
                acts.append(Action(cid, kind, led.pending[-1][1], label, "reply"))
        busy = {a.cid for a in acts}

        def free(cid: int) -> bool:
            return (
                cid not in busy
                and cid not in truth.lost_at
                and view.ledger[cid].unanswered < 2
                and truth.traits[cid].p > 0
            )

        budget = view.budget
        owed = sorted((led.debts[0], cid) for cid, led in view.ledger.items() if led.debts)
        for _, cid in owed:
            if budget and free(cid):
                acts.append(Action(cid, "engage", truth.traits[cid].preferred, "repay", "outreach"))
                busy.add(cid)
                budget -= 1
        for p in view.people:
            if budget and p.tier in ("A", "B") and free(p.id) and self._warm(view, p):
                pref = truth.traits[p.id].preferred
                acts.append(Action(p.id, "engage", pref, "offline", "outreach"))
                busy.add(p.id)
                budget -= 1
        overdue = []
        for p in view.people:
            if p.tier in CADENCE and free(p.id) and p.id not in truth.awaiting:
                tr, last = truth.traits[p.id], view.ledger[p.id].last_meaningful
                ahead = view.now + tr.delay * DAY
                r = math.inf if last is None else (ahead - last) / (CADENCE[p.tier] * DAY)
                # a message that went unheard (no answer on its way): the second and
                # last one goes sooner, while there is time for their delay
                unheard = view.ledger[p.id].unanswered == 1
                if r >= 0.8 or (unheard and r >= 0.5):
                    overdue.append((-r, p.id))
        for _, cid in sorted(overdue)[:budget]:
            pref = truth.traits[cid].preferred
            acts.append(Action(cid, "chat", pref, "outreach", "outreach"))
        return acts + likes(view, self.rng, 1.0, view.now - DAY)

    @staticmethod
    def _warm(view: View, p: Person) -> bool:
        """A warm tie worth meeting: they talked twice within three cadences, no live
        exchange for 60 days, no meeting agreed, and they are likely to accept."""
        truth, led = view.truth, view.ledger[p.id]
        if p.id in truth.meeting or truth.traits[p.id].accept < 0.3:
            return False
        if led.last_live is not None and view.now - led.last_live < 60 * DAY:
            return False
        window = 3 * CADENCE[p.tier] * DAY
        return sum(view.now - t <= window for t in led.heard) >= 2


# --- rave ---------------------------------------------------------------------------------


class Row(NamedTuple):
    """One row of `rave today`, as both modes give it."""

    lane: str  # reply | outreach | light
    action: str
    cid: int
    channel: str | None


# what both modes must agree on, day by day: (day, contact, action, the row's channel)
Decision = tuple[int, int, str, str | None]
ENGAGE_ACTIONS = ("engage", "repay", "offline")  # an outbound engage (offline: a proposal)


class Ranker(Protocol):
    def start(self, view: View) -> None: ...

    def rows(self, view: View) -> list[Row]: ...


class Rave:
    """The user who follows `rave today` every morning: answers every reply-lane row,
    sends every outreach row (`limit` = the budget), comments on the light rows."""

    name = "rave"

    def __init__(self, ranker: Ranker) -> None:
        self.ranker = ranker
        self.decisions: list[Decision] = []
        self.rows: list[tuple[int, Row]] = []

    def start(self, view: View) -> None:
        self.ranker.start(view)

    def morning(self, view: View) -> list[Action]:
        acts = []
        for row in self.ranker.rows(view):
            self.decisions.append((view.day, row.cid, row.action, row.channel))
            self.rows.append((view.day, row))
            acts.append(act_on(row, view))
        return acts


def act_on(row: Row, view: View) -> Action:
    """What the user does with a row: a comment on their post (a like, free), an
    engage (repay, engage, a proposal to meet), else a chat, on the row's channel."""
    led = view.ledger[row.cid]
    if row.lane == "light" or row.action == "comment":
        post_channel = led.last_post[1] if led.last_post else view.person(row.cid).handles[0]
        return Action(row.cid, "broadcast", row.channel or post_channel, "comment", "light")
    channel = row.channel or reach_channel(view.person(row.cid), led)
    kind = "engage" if row.action in ENGAGE_ACTIONS else "chat"
    lane = "reply" if row.lane == "reply" else "outreach"
    return Action(row.cid, kind, channel, row.action, lane)


class InProcess:
    """Calls rave's pure scoring functions: one Tally per contact, fed every logged
    event, states built each morning, `rank(..., limit=budget)`."""

    def __init__(self, config: Any) -> None:
        use_utc()
        from rave.scoring.model import rank
        from rave.scoring.state import Event, Tally

        self.config, self.Event, self.Tally, self.rank = config, Event, Tally, rank

    def start(self, view: View) -> None:
        self.tallies = {p.id: self.Tally() for p in view.people}
        self.cursor = 0

    def rows(self, view: View) -> list[Row]:
        for e in view.log[self.cursor :]:
            if e.cid is not None:
                when = to_datetime(e.t)
                self.tallies[e.cid].add(
                    self.Event(e.id, when, e.kind, e.direction, e.channel, e.needs_reply, e.label)
                )
        self.cursor = len(view.log)
        as_of = to_datetime(view.now)
        states = [
            self.tallies[p.id].state(
                as_of=as_of,
                contact_id=p.id,
                name=p.name,
                tier=p.tier,
                handles=p.handles,
                config=self.config,
            )
            for p in view.people
        ]
        ranking = self.rank(states, as_of=as_of, config=self.config, limit=view.budget)
        return [
            Row(
                s.assessment.lane_name,
                s.assessment.action,
                s.assessment.state.contact_id,
                s.assessment.channel,
            )
            for s in ranking.suggestions
        ]


def rave_executable() -> str | None:
    """The `rave` script next to this Python, else on the PATH."""
    return shutil.which("rave", path=str(Path(sys.executable).parent)) or shutil.which("rave")


def toml_table(table: Mapping[str, Any]) -> str:
    """``[rank]`` with ``table``'s scalars, then one ``[rank.X]`` per sub-table."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        return json.dumps(str(v))

    lines = ["[rank]"]
    lines += [f"{k} = {value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    for k, sub in table.items():
        if isinstance(sub, dict):
            lines += ["", f"[rank.{k}]", *(f"{s} = {value(v)}" for s, v in sub.items())]
    return "\n".join(lines) + "\n"


HANDLE_VALUE = {
    "email": "p{:03d}@example.org",
    "linkedin": "https://www.linkedin.com/in/p{:03d}",
    "whatsapp": "+3361{:07d}",
    "twitter": "@p{:03d}",
}


class Cli:
    """Drives the installed `rave` in subprocesses on a temporary store, as a user would:
    `rave add` per contact, each day's events through `rave log --batch -`, and each
    morning `rave today --json --as-of ... --limit N`."""

    def __init__(self, table: Mapping[str, Any], home: Path, exe: str | None = None) -> None:
        found = exe or rave_executable()
        if found is None:
            raise RuntimeError("no `rave` script found next to this Python or on the PATH")
        self.exe, self.home = found, home
        (home / "config.toml").write_text(toml_table(table), encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if k not in ("RAVE_DB", "RAVE_CONFIG")}
        self.env.update(RAVE_HOME=str(home), TZ="UTC", NO_COLOR="1")
        self.calls = 0

    def run(self, args: Sequence[str], stdin: str | None = None) -> str:
        self.calls += 1
        done = subprocess.run(
            [self.exe, *args], input=stdin, capture_output=True, text=True, env=self.env
        )
        if done.returncode != 0:
            raise RuntimeError(f"rave {' '.join(args[:3])} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def start(self, view: View) -> None:
        self.ids: dict[int, int] = {}  # sim contact -> rave id
        for p in view.people:
            args = ["add", p.name, "--tier", p.tier, "--json"]
            for h in p.handles:
                args += ["--handle", f"{h}={HANDLE_VALUE[h].format(p.id)}"]
            self.ids[p.id] = int(json.loads(self.run(args))["id"])
        self.sim_id = {rid: cid for cid, rid in self.ids.items()}
        self.cursor = 0

    def rows(self, view: View) -> list[Row]:
        lines = [self._line(e, e.cid) for e in view.log[self.cursor :] if e.cid is not None]
        self.cursor = len(view.log)
        if lines:
            self.run(["log", "--batch", "-"], stdin="\n".join(lines) + "\n")
        out = self.run(["today", "--json", "--as-of", iso(view.now), "--limit", str(view.budget)])
        return [
            Row(r["lane"], r["action"], self.sim_id[r["contact_id"]], r.get("channel"))
            for r in json.loads(out)
        ]

    def _line(self, e: Ev, cid: int) -> str:
        """One event as a line of `rave log --batch`."""
        record: dict[str, Any] = {
            "contacts": [f"#{self.ids[cid]}"],
            "kind": e.kind,
            "channel": e.channel,
            "direction": e.direction,
            "when": iso(e.t),
            "note": e.label,
        }
        if e.direction == "in":
            record["closed"] = not e.needs_reply
        return json.dumps(record)


# --- running a world ----------------------------------------------------------------------

PolicyFactory = Callable[[str], Policy]


def simulate(
    world: World, policies: Mapping[str, PolicyFactory], budget: int
) -> dict[str, tuple[Sim, Policy]]:
    """The prehistory once (with the plausible user), then the measured period once per
    policy from a copy of the same moment."""
    seed = f"{world.regime}/{world.seed}"
    base = Sim(world)
    plausible = Plausible(seed)
    for day in range(-world.prehistory, 0):
        base.morning(day, plausible, budget)
    out = {}
    for name, make in policies.items():
        sim, policy = base.fork(), make(seed)
        sim.advance(MORNING)
        policy.start(sim.view(0, budget))
        for day in range(world.days):
            sim.morning(day, policy, budget)
        sim.advance(world.days * DAY)
        out[name] = (sim, policy)
    return out


def baselines() -> dict[str, PolicyFactory]:
    return {"timer": Timer, "oldest": Oldest, "bucket": Bucket, "inbox": Inbox, "oracle": Oracle}


OUTREACH_BASELINES = ("timer", "oldest", "bucket")


# --- measures -----------------------------------------------------------------------------


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else float("nan")


def _quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile (nearest rank; inf stays inf), nan when there is none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def measure(
    people: Sequence[Person],
    p_of: Mapping[int, float],
    log: Sequence[Ev],
    lost_at: Mapping[int, int],
    days: int,
    budget: int,
) -> dict[str, float]:
    """The measures of one world run from its event log (ground truth) over the
    measured period [0, days):

    - cold_any_T / cold_them_T (tiers A–D): % of willing contact-days (p > 0, not lost
      in the prehistory) with no meaningful event (any direction / in or both) within two
      cadences before the end of the day; every day after an unfollow is cold (a
      relationship lost is the coldest of all);
    - spam: your meaningful messages sent while ≥ 2 earlier ones were unanswered (since
      their latest meaningful in or both event); lost: unfollows;
    - reply_median / reply_p90: days from each of their messages asking for an answer
      (up to the last morning) to your next meaningful message or live exchange; never
      answered counts as infinite;
    - repaid_14 / repaid_30: % of favours (their engage) returned by an outbound or live
      engage within 14 / 30 days, over the favours received at least that long before
      the end;
    - offline_ab: % of A/B contacts with ≥ 3 meaningful words from them (in or both)
      who had a live exchange;
    - effort_never: % of your initiations (messages answering nothing) sent to people
      who never answer; budget_used: outreach actions / (budget · days), in %.
    """
    end = days * DAY
    last_morning = (days - 1) * DAY + MORNING
    per: dict[int, list[Ev]] = {p.id: [] for p in people}
    for e in log:
        if e.cid is not None:
            per[e.cid].append(e)
    out: dict[str, float] = {}
    cold = {f"{w}_{t}": [0, 0] for w in ("cold_any", "cold_them") for t in TARGETED}
    spam = initiations = never_effort = 0
    delays: list[float] = []
    favours = {14: [0, 0], 30: [0, 0]}
    warm = moved = 0
    for person in people:
        events, cid = per[person.id], person.id
        # cold contact-days
        lost = lost_at.get(cid)
        if person.tier in CADENCE and p_of[cid] > 0 and (lost is None or lost >= 0):
            # willing, and not lost before the measured period (the same for every policy)
            window = 2 * CADENCE[person.tier] * DAY
            any_t = [e.t for e in events if e.kind != "broadcast"]
            them_t = [e.t for e in events if e.kind != "broadcast" and e.direction != "out"]
            for d in range(days):
                te = (d + 1) * DAY
                gone = lost is not None and lost < te  # a lost relationship stays cold
                for name, times in (("cold_any", any_t), ("cold_them", them_t)):
                    i = bisect.bisect_right(times, te)
                    counts = cold[f"{name}_{person.tier}"]
                    counts[1] += 1
                    counts[0] += gone or not (i and times[i - 1] > te - window)
        # spam, initiations, answer delays, favours
        unanswered = 0
        waiting: list[int] = []  # their asks not yet answered
        pending = False
        open_favours: list[int] = []
        heard = live = 0
        for e in events:
            if e.kind == "broadcast":
                continue
            measured = 0 <= e.t < end
            if e.direction == "out":
                if measured:
                    spam += unanswered >= 2
                    if not pending:
                        initiations += 1
                        never_effort += p_of[cid] == 0
                unanswered += 1
            else:
                unanswered = 0
                heard += measured
                live += measured and e.direction == "both"
            if e.direction in ("out", "both"):
                delays += [(e.t - t) / DAY for t in waiting]
                waiting, pending = [], False
                if e.kind == "engage":
                    for t in open_favours:
                        _count_favour(favours, t, e.t, days)
                    open_favours = []
            else:
                if e.needs_reply:
                    pending = True
                    if 0 <= e.t < last_morning:
                        waiting.append(e.t)
                if e.kind == "engage" and 0 <= e.t < end:
                    open_favours.append(e.t)
        delays += [math.inf] * len(waiting)
        for t in open_favours:
            _count_favour(favours, t, None, days)
        if person.tier in ("A", "B") and heard >= 3:
            warm += 1
            moved += live > 0
    for key, (n_cold, n_days) in cold.items():
        out[key] = _pct(n_cold, n_days)
    out["spam"] = spam
    out["lost"] = sum(0 <= t < end for t in lost_at.values())
    out["reply_median"] = _quantile(delays, 0.5)
    out["reply_p90"] = _quantile(delays, 0.9)
    out["repaid_14"] = _pct(*favours[14])
    out["repaid_30"] = _pct(*favours[30])
    out["offline_ab"] = _pct(moved, warm)
    out["effort_never"] = _pct(never_effort, initiations)
    outreach = sum(e.lane == "outreach" and 0 <= e.t < end for e in log)
    out["budget_used"] = _pct(outreach, budget * days)
    out["initiations"] = initiations
    return out


def spam_by_action(log: Sequence[Ev], days: int) -> Counter[str]:
    """The measured period's spam (as in ``measure``) by the user's action label."""
    unanswered: dict[int, int] = {}
    out: Counter[str] = Counter()
    for e in log:
        if e.cid is None or e.kind == "broadcast":
            continue
        if e.direction == "out":
            if unanswered.get(e.cid, 0) >= 2 and 0 <= e.t < days * DAY:
                out[e.label] += 1
            unanswered[e.cid] = unanswered.get(e.cid, 0) + 1
        else:
            unanswered[e.cid] = 0
    return out


def _count_favour(favours: dict[int, list[int]], t: int, repaid: int | None, days: int) -> None:
    for within, counts in favours.items():
        if t <= (days - within) * DAY:
            counts[1] += 1
            counts[0] += repaid is not None and repaid - t <= within * DAY


# --- the report ---------------------------------------------------------------------------

COLUMNS = (  # (key, heading, format)
    ("cold_any_A", "cold A any %", "{:.1f}"),
    ("cold_them_A", "cold A them %", "{:.1f}"),
    ("cold_any_B", "cold B any %", "{:.1f}"),
    ("cold_them_B", "cold B them %", "{:.1f}"),
    ("cold_any_C", "cold C any %", "{:.1f}"),
    ("cold_any_D", "cold D any %", "{:.1f}"),
    ("spam", "spam", "{:.1f}"),
    ("lost", "lost", "{:.2f}"),
    ("reply_median", "reply median d", "{:.2f}"),
    ("reply_p90", "reply p90 d", "{:.2f}"),
    ("repaid_14", "repaid ≤14 d %", "{:.0f}"),
    ("repaid_30", "repaid ≤30 d %", "{:.0f}"),
    ("offline_ab", "A/B offline %", "{:.0f}"),
    ("effort_never", "on never-answerers %", "{:.1f}"),
    ("budget_used", "budget used %", "{:.0f}"),
)


def fmt(value: float, pattern: str = "{:.1f}") -> str:
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞"
    return pattern.format(value)


def mean(values: Iterable[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return statistics.fmean(vals) if vals else float("nan")


class Check(NamedTuple):
    name: str
    rave: float
    target: float  # the bound rave must meet
    ok: bool
    detail: str


def checks(means: Mapping[str, Mapping[str, float]], actions: Mapping[str, int]) -> list[Check]:
    """The issue's "Done when", against the best outreach baseline per measure."""
    rave = means["rave"]

    def best(key: str) -> tuple[float, str]:
        return min((means[b][key], b) for b in OUTREACH_BASELINES if b in means)

    out = []
    for key, factor, label in (
        ("spam", 1 / 3, "spam ≤ ⅓ of the best baseline's"),
        ("lost", 0.6, "lost ≤ 0.6 × the best baseline's"),
        ("cold_any_B", 0.5, "cold tier-B days (any) ≤ ½ of the best baseline's"),
        ("cold_any_A", 1.0, "cold tier-A days (any) ≤ the best baseline's"),
        ("cold_them_A", 1.0, "cold tier-A days (them) ≤ the best baseline's"),
    ):
        value, who = best(key)
        bound = value * factor
        ok = rave[key] <= bound + 1e-9
        out.append(Check(label, rave[key], bound, ok, f"best: {who} {fmt(value)}"))
    repaid, median = rave["repaid_14"], rave["reply_median"]
    retry, low_key = actions.get("retry", 0), actions.get("outreach:low_key", 0)
    out += [
        Check("favours repaid within 14 days ≥ 85 %", repaid, 85.0, repaid >= 85.0, ""),
        Check("reply median ≤ 1 day", median, 1.0, median <= 1.0, ""),
        Check("retry reached", retry, 1, retry >= 1, "rows suggested"),
        Check("no low_key in the outreach lane", low_key, 0, low_key == 0, "rows suggested"),
    ]
    return out


@dataclass
class RegimeResult:
    regime: str
    worlds: list[dict[str, dict[str, float]]]  # per seed: policy -> measures
    actions: Counter[str]  # rave's rows by action (and "lane:action"), all seeds
    spam: Counter[str]  # rave's spam by action, all seeds
    seconds: float

    def means(self) -> dict[str, dict[str, float]]:
        first = self.worlds[0]
        keys = next(iter(first.values())).keys()
        return {n: {k: mean(w[n][k] for w in self.worlds) for k in keys} for n in first}


def run_regime(
    regime: str,
    seeds: Sequence[int],
    *,
    config: Any,
    days: int,
    budget: int,
    n: int = 130,
    prehistory: int = 90,
) -> RegimeResult:
    started = time.perf_counter()
    worlds, actions, spam = [], Counter[str](), Counter[str]()
    policies: dict[str, PolicyFactory] = {"rave": lambda seed: Rave(InProcess(config))}
    policies.update(baselines())
    for seed in seeds:
        world = make_world(regime, seed, n=n, prehistory=prehistory, days=days)
        p_of = {cid: tr.p for cid, tr in world.traits.items()}
        runs = simulate(world, policies, budget)
        spam.update(spam_by_action(runs["rave"][0].log, days))
        worlds.append(
            {
                name: measure(world.people, p_of, sim.log, sim.lost_at, days, budget)
                for name, (sim, _) in runs.items()
            }
        )
        rave = runs["rave"][1]
        assert isinstance(rave, Rave)
        for _, row in rave.rows:
            actions[row.action] += 1
            actions[f"{row.lane}:{row.action}"] += 1
    return RegimeResult(regime, worlds, actions, spam, time.perf_counter() - started)


def table(means: Mapping[str, Mapping[str, float]]) -> list[str]:
    lines = [
        "| policy | " + " | ".join(h for _, h, _ in COLUMNS) + " |",
        "| --- |" + " ---: |" * len(COLUMNS),
    ]
    for name, m in means.items():
        lines.append(f"| {name} | " + " | ".join(fmt(m[k], f) for k, _, f in COLUMNS) + " |")
    return lines


def _listing(counts: Mapping[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{k} {v}" for k, v in ranked) or "none"


def report_regime(result: RegimeResult) -> tuple[list[str], list[Check]]:
    """A regime's table, rave's rows and spam by action, its checks, the oracle gap."""
    means = result.means()
    lines = [f"## {result.regime}", "", *table(means), ""]
    actions = {k: v for k, v in result.actions.items() if ":" not in k}
    lanes = {k: v for k, v in result.actions.items() if ":" in k}
    lines += [
        f"rave's rows by action (all seeds): {_listing(actions)}.",
        f"By lane: {_listing(lanes)}.",
        f"rave's spam by action (all seeds): {_listing(result.spam)}.",
        "",
    ]
    found = checks(means, result.actions)
    lines += ["| check | rave | bound | | |", "| --- | ---: | ---: | --- | --- |"]
    for c in found:
        verdict = "PASS" if c.ok else "FAIL"
        lines.append(
            f"| {c.name} | {fmt(c.rave, '{:.2f}')} | {fmt(c.target, '{:.2f}')} | {verdict} "
            f"| {c.detail} |"
        )
    r, o = means["rave"], means.get("oracle")
    if o:
        gaps = [
            f"cold ({way}) {fmt(r[key])} % vs {fmt(o[key])} % "
            f"({fmt(r[key] - o[key], '{:+.1f}')} points)"
            for way, key in (("any", "cold_any_A"), ("them", "cold_them_A"))
        ]
        lines += ["", f"Tier A, rave vs the oracle: {'; '.join(gaps)}."]
    lines.append("")
    return lines, found


def report(results: Sequence[RegimeResult], args: argparse.Namespace, seconds: float) -> str:
    """The markdown of a run: a table and checks per regime, then the checks side by side."""
    regimes = ", ".join(r.regime for r in results)
    lines = [
        f"# Replay: {regimes}; seeds 1–{args.seeds}; {args.days} days; budget {args.budget}",
        "",
        "Means over seeds. Cold: % of willing contact-days (p > 0, not lost before day 0)",
        "with no meaningful event within two cadences (any: either direction; them: from",
        "them, in or both); every day after an unfollow is cold. Spam: messages sent while",
        "≥ 2 earlier ones were unanswered. Reply: days to answer a message that asks for",
        "one (∞ if never).",
        "",
    ]
    summary = []
    for res in results:
        part, found = report_regime(res)
        lines += part
        summary.append((res.regime, found))
    lines += ["## Done when", "", "| check | " + " | ".join(r for r, _ in summary) + " |"]
    lines.append("| --- |" + " --- |" * len(summary))
    for i, c in enumerate(summary[0][1]):
        cells = " | ".join("PASS" if found[i].ok else "FAIL" for _, found in summary)
        lines.append(f"| {c.name} | {cells} |")
    overrides = " ".join(f"--set {s}" for s in args.set) or "none"
    lines += ["", f"Ran in {seconds:.0f} s. Config overrides: {overrides}.", ""]
    return "\n".join(lines)


def clean(value: Any) -> Any:
    """JSON-ready: tuples as lists, NaN (no data) as null, infinity as "inf"."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else value
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


# --- command line -------------------------------------------------------------------------


def parse_sets(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` overrides (``coefficients.tier=8``) as a ``[rank]`` table; values are
    read as JSON (numbers, true/false), else kept as text."""
    table_: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--set {item!r}: expected KEY=VALUE")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        *parents, leaf = key.strip().split(".")
        node = table_
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return table_


def load_config(table_: Mapping[str, Any]) -> Any:
    """The RankConfig of a ``[rank]`` table, through rave's own parser."""
    from rave.config import rank_from_table
    from rave.errors import ConfigError

    try:
        return rank_from_table(dict(table_))
    except ConfigError as exc:
        raise SystemExit(f"--set: {exc}") from None


def describe_config(config: Any) -> dict[str, Any]:
    try:
        return asdict(config)
    except TypeError:
        return {"repr": repr(config)}


def main_inprocess(args: argparse.Namespace) -> int:
    use_utc()
    overrides = parse_sets(args.set)
    config = load_config(overrides)
    regimes = [args.regime] if args.regime else list(REGIMES)
    seeds = list(range(1, args.seeds + 1))
    started = time.perf_counter()
    results = [
        run_regime(
            r,
            seeds,
            config=config,
            days=args.days,
            budget=args.budget,
            prehistory=args.prehistory,
        )
        for r in regimes
    ]
    seconds = time.perf_counter() - started
    if args.json:
        payload = {
            "regimes": {
                res.regime: {
                    "means": res.means(),
                    "worlds": res.worlds,
                    "rave_actions": dict(res.actions),
                    "rave_spam": dict(res.spam),
                    "checks": [c._asdict() for c in checks(res.means(), res.actions)],
                }
                for res in results
            },
            "seeds": seeds,
            "days": args.days,
            "budget": args.budget,
            "prehistory": args.prehistory,
            "overrides": overrides,
            "config": describe_config(config),
            "seconds": round(seconds, 1),
        }
        print(json.dumps(clean(payload), indent=2))
    text = report(results, args, seconds)
    if not args.json:
        print(text)
    if args.write:
        write_replay_md(text, args, config)
    return 0


def _regime_table() -> list[str]:
    lines = [
        "| regime | never answer | p (others) | delay (days) | unfollow | accept to meet "
        "| writes/helps × | frequent posters | A/B who post a lot, never answer |",
        "| --- |" + " ---: |" * 8,
    ]
    for r in REGIMES.values():
        lines.append(
            f"| {r.name} | {r.never:.0%} | {r.p[0]}–{r.p[1]} | {r.delay[0]}–{r.delay[1]} "
            f"| {r.unfollow[0]}–{r.unfollow[1]} | {r.accept[0]}–{r.accept[1]} | {r.talk} "
            f"| {r.posters:.0%} | {r.stubborn[0]} A, {r.stubborn[1]} B |"
        )
    return lines


ABOUT = """\
`bench/replay.py` judges the ranking model (spec/scoring.md, "How the model is judged"):
a day-by-day simulation of a user who follows `rave today` every morning, in simulated
networks whose contacts answer, ignore, help, post and unfollow by hidden rules. The same
worlds run through naive baselines and an oracle; every measure is taken from the
simulator's own event log, never from rave's state. Not part of the test suite
(`tests/test_replay.py` tests the simulator and the measures, not the figures).

## How to rerun

```sh
. /work/venv/bin/activate                    # rave installed (editable)
python bench/replay.py                       # all regimes, seeds 1–16, 130 days: markdown
python bench/replay.py --write               # ... and rewrite this file
python bench/replay.py --json                # machine-readable (NaN: null, ∞: "inf")
python bench/replay.py --regime cold --seeds 8 --set due_start=1.0 --set coefficients.tier=8
python bench/replay.py --cli --regime mixed --seed 2   # the installed `rave`, one world
```

`--set KEY=VALUE` (repeatable, dotted for tables) overrides the `[rank]` config through
`rave.config.rank_from_table`; `--budget N` is the daily number of direct messages (and
`rave today --limit`); `--days D` the measured days; `--prehistory P` the days simulated
before them. `--cli` runs one world (60 contacts, 40 days by default; `--contacts`,
`--days`, `--seed`) through the installed `rave` script in subprocesses on a temporary
store (`RAVE_HOME`, `TZ=UTC`, a `config.toml` with the overrides under `[rank]`):
contacts by `rave add`, each day's events by `rave log --batch -`, each morning
`rave today --json --as-of ... --limit N`; then the same world in-process, and it fails
(exit 1) unless both made the same decisions, day by day (day, contact, action, channel).

## The worlds

Seeded: a regime and a seed always give the same world. 130 contacts (A 10, B 20,
C 30, D 30, none 40), each with two or three of linkedin, email, whatsapp, twitter and a
hidden preferred one, and hidden traits: the chance p to answer a message (halved off
their preferred channel), a reply delay, a rate of writing first (A every 3 weeks down
to D every 10 months; 80 % of those ask for an answer), a rate of favours (inbound
engage: a debt), a posting rate, a chance to accept a proposal to meet, and a chance to
unfollow when they get a message while two of yours are unanswered (then they never
answer, write or post again). People who never answer never write first either. Their
answer to your message comes after their delay, on the channel you used if they have
it; it asks for another answer with some chance (the conversation goes on), else it
closes it. An accepted proposal gives a short answer, then a live exchange (`both`
engage on video or in person) two to six days later. Contacts act between 09:00 and
22:00 UTC; the user acts at 08:00, each action a second after the last. 90 days of
prehistory, with a plausible user (answers 60 % of what waits each morning, returns a
favour now and then, writes to the two most overdue targeted contacts a day), come
before the measured period, the same for every policy. Common random numbers: what a
contact does on their own comes from their own stream, the same whatever the policy;
their reactions to your messages from a second stream of their own.

"""

ABOUT_POLICIES = """\
## The policies

The same user for all: a daily budget of direct messages (`--budget`, 3), likes free,
own posts a few times a week (logged, addressed to no one, not read by the ranking).

- **rave**: `rank(states, limit=budget)` each morning; every row acted on: reply,
  reply_late, chat, follow_up, rekindle, intro, retry → a chat on the row's channel;
  engage, repay → an engage; offline → an engage proposing to meet; comment (light
  lane) → a like on their post. "Say thanks" to a favour is a chat: it repays nothing.
- **timer** (Monica's "stay in touch"): a reminder per targeted contact every cadence
  from a random start, never reset; at most the budget sent each morning, oldest first.
- **oldest**: the targeted contacts whose last touch of any kind (likes, posts) is oldest.
- **bucket** (the `friends` gem): per tier, those with no real exchange within their
  cadence are due; one at random from each bucket in turn (A, B, C, D).
- **inbox**: answers, never initiates.
- The baselines answer each waiting message with chance ½ each morning, on the channel
  of their message; they write on the last channel used with the contact; they like a
  post with chance 0.3; they never return a favour on purpose.
- **oracle** (the limit under "never a third unanswered message", not a competitor): it
  reads the hidden traits and knows whether an answer is on its way; answers
  everything each morning (returning a favour when one is owed), returns favours
  first, proposes to meet warm A/B ties, then writes on their preferred channel to
  willing contacts most overdue for their cadence, counting their delay, and again
  soon when the first message went unheard; never a third unanswered message. In
  worlds where many people ignore messages it is colder than policies that keep
  writing: the two-message rule costs warmth there, by design.

## The measures (per world from the event log, then the mean over seeds)

- **cold A–D** (any / them): % of willing contact-days (p > 0, not lost in the
  prehistory) with no meaningful event in the two cadences before the day's end: any =
  either direction; them = in or both (a word from them). Every day after an unfollow
  is cold: a lost relationship is the coldest of all (counting lost people out instead
  would reward the policies that spam them away). Two cadences of D reach back 360
  days, past the prehistory: D is hardly ever cold.
- **spam**: your meaningful messages (answers included) sent while ≥ 2 earlier ones to
  that contact were unanswered (since their latest meaningful in or both event).
- **lost**: unfollows during the measured period.
- **reply median / p90**: days from each message of theirs that asks for an answer
  (before the last morning) to your next meaningful message or live exchange.
- **repaid ≤ 14 / 30 d**: % of favours returned (an outbound or live engage) within 14
  / 30 days, over favours received at least that long before the end.
- **A/B offline**: % of A/B contacts with ≥ 3 meaningful words from them in the period
  who had a live exchange in it.
- **on never-answerers**: % of initiations (messages that answer nothing) sent to
  people with p = 0. **budget used**: outreach actions / (budget × days).
- The checks compare rave with the best of timer, oldest and bucket per measure: spam
  ≤ ⅓, lost ≤ 0.6×, cold B (any) ≤ ½, cold A ≤ (any and them); and absolutely:
  favours repaid within 14 days ≥ 85 %, reply median ≤ 1 day, `retry` suggested at
  least once, no `low_key` row in the outreach lane.

"""


# The grid that settled the defaults (16 seeds, budget 3; the four regimes in REGIMES
# order): due_start, backoff_base, dormant_unanswered, then per measure the four means.
GRID_COLUMNS = ("cold A any %", "cold A them %", "cold B any %", "spam", "lost")
GRID = (
    ("1.0", "2", "3", "3.6 8.7 28.0 10.1", "8.3 17.4 45.7 19.9", ".21 2.24 5.90 1.97",
     "2.6 3.9 6.8 4.0", ".88 1.38 3.00 1.62", "0"),
    ("1.0", "2", "4", "3.6 9.0 27.1 10.2", "8.3 17.8 45.4 20.1", ".21 2.19 5.87 1.97",
     "4.2 10.1 16.9 12.4", "1.00 2.06 5.19 3.19", "0"),
    ("1.0", "3", "3", "2.0 8.7 21.5 9.0", "6.3 16.8 40.1 18.5", ".47 1.67 6.19 1.06",
     "1.1 2.4 4.4 2.8", ".31 .75 1.81 1.06", "0"),
    ("1.0", "3", "4", "2.0 8.7 21.1 9.0", "6.3 16.8 39.8 18.5", ".47 1.67 6.19 1.06",
     "1.2 3.1 5.1 3.2", ".31 .75 1.75 1.06", "0"),
    ("1.25", "2", "3", "1.8 7.3 33.3 6.0", "7.5 16.6 53.8 16.9", ".21 2.08 5.39 1.95",
     "2.1 3.5 6.8 3.5", ".69 1.06 3.19 1.00", "1 (cold)"),
    ("1.25", "2", "4 (spec)", "1.8 7.6 32.4 6.2", "7.6 17.0 53.5 17.1", ".21 2.03 5.36 1.95",
     "3.4 9.4 17.2 11.5", ".81 1.75 5.38 2.56", "1 (cold)"),
    ("1.25", "3", "3", "1.7 7.0 25.3 4.7", "7.1 15.9 46.3 15.3", ".45 1.51 5.40 1.00",
     "0.9 1.8 4.4 2.0", ".38 .50 2.12 .44", "0"),
    ("**1.25**", "**3**", "**4**", "1.7 7.0 24.9 4.7", "7.1 15.9 45.9 15.3",
     ".45 1.51 5.40 1.00", "1.1 2.4 5.2 2.2", ".38 .50 2.06 .44", "0"),
)  # fmt: skip
# The reply to someone you owe (backoff_base 3, 16 seeds), with the same columns.
REPAY_IN_REPLY = (
    ("say thanks (the spec's `reply`)", "1.8 6.8 25.0 5.8", "7.2 15.9 46.2 16.4",
     ".59 1.72 5.64 1.12", "1.2 2.4 5.2 2.4", ".38 .44 2.06 .62"),
    ("**thanks and repay, one message**", "1.7 7.0 24.9 4.7", "7.1 15.9 45.9 15.3",
     ".45 1.51 5.40 1.00", "1.1 2.4 5.2 2.2", ".38 .50 2.06 .44"),
)  # fmt: skip


def _four(cell: str) -> str:
    return " / ".join(cell.split())


def defaults_section() -> list[str]:
    """How the defaults were chosen: the grid and the one model change, as run."""
    head = " | ".join(GRID_COLUMNS)
    lines = [
        "## How the defaults were chosen",
        "",
        "spec/scoring.md leaves `due_start`, the back-off base, `dormant_unanswered` and",
        "the coefficients to this replay. Every candidate ran on the four regimes, 16",
        "seeds each (the same worlds), budget 3. Each cell gives responsive / mixed /",
        'cold / posters; "fails" counts the checks below that a regime misses. The',
        "spec's defaults (due_start 1.25, base 2, dormant 4) missed one (cold tier-A",
        "days, them, in the cold regime); base 3 met every check and cut spam by 68–81 %",
        "and lost relationships by 53–83 % in every regime, with tier A as warm or",
        "warmer everywhere (tier B warmer in three regimes; in the responsive one both",
        "stay under 0.5 %). An earlier due (1.0) helped tier A in the cold regime and",
        "hurt it in the others; dormant at 3 instead of 4 changed little. Chosen:",
        "**due_start 1.25, backoff_base 3, dormant_unanswered 4**.",
        "",
        f"| due_start | base | dormant | {head} | fails |",
        "| ---: | ---: | ---: |" + " ---: |" * len(GRID_COLUMNS) + " --- |",
    ]
    for ds, base, dormant, *cells, fails in GRID:
        lines.append(f"| {ds} | {base} | {dormant} | {' | '.join(map(_four, cells))} | {fails} |")
    lines += [
        "",
        "One change to the model came from the replay too (docs/decisions-scoring.md): an",
        "answer to someone you owe a favour is a `repay` in the reply lane, the thanks",
        "and the return favour in one message, where the spec's list says `reply` (\"say",
        'thanks") and leaves the repayment to a later row. Two messages in a row, then',
        "a retry after the back-off, were how rave lost most of the few relationships it",
        "lost. Base 3, 16 seeds: tier-B cold days fell in every regime (by 4–24 %), the",
        "rest stayed level or fell, but for the mixed regime's tier A (7.0 against 6.8 %",
        "cold days) and lost relationships (0.50 against 0.44 a world).",
        "",
        f"| reply to someone you owe | {head} |",
        "| --- |" + " ---: |" * len(GRID_COLUMNS),
    ]
    for label, *cells in REPAY_IN_REPLY:
        lines.append(f"| {label} | {' | '.join(map(_four, cells))} |")
    lines += [
        "",
        "The defaults hold beyond the worlds they were chosen on: every check passes on",
        "seeds 17–32 and 33–48, with a budget of 2 or 5 messages a day, over 200 days (8",
        "seeds), and in networks of 250 people (8 seeds). With 8 seeds instead of 16, one",
        "check (cold tier-B days in the responsive regime, where every policy stays under",
        "1 %) can miss: rave's figures there come from one or two lost relationships, so",
        "the default is 16 seeds.",
    ]
    return lines


def write_replay_md(text: str, args: argparse.Namespace, config: Any) -> None:
    path = Path(__file__).with_name("REPLAY.md")
    rerun = "python bench/replay.py --write" + "".join(f" --set {s}" for s in args.set)
    for flag, value, default in (
        ("--regime", args.regime, None),
        ("--seeds", args.seeds, 16),
        ("--days", args.days, 130),
        ("--budget", args.budget, 3),
        ("--prehistory", args.prehistory, 90),
    ):
        if value != default:
            rerun += f" {flag} {value}"
    body = [
        "# Replay of the ranking model",
        "",
        ABOUT.strip("\n"),
        "",
        *_regime_table(),
        "",
        ABOUT_POLICIES.strip("\n"),
        "",
        *defaults_section(),
        "",
        f"## Results (`{rerun}`)",
        "",
        text.split("\n", 1)[1].lstrip("\n").replace("\n## ", "\n### "),
        "## Config used",
        "",
        "```json",
        json.dumps(describe_config(config), indent=2),
        "```",
        "",
    ]
    path.write_text("\n".join(body), encoding="utf-8")


def run_cli_world(
    regime: str,
    seed: int,
    *,
    overrides: Mapping[str, Any],
    n: int,
    days: int,
    budget: int,
    prehistory: int,
    exe: str | None = None,
) -> dict[str, Any]:
    """One world through the installed `rave`, then in-process: the measures and the
    decision log of each, the number of `rave` calls and the seconds they took."""
    use_utc()
    config = load_config(overrides)
    world = make_world(regime, seed, n=n, prehistory=prehistory, days=days)
    p_of = {cid: tr.p for cid, tr in world.traits.items()}
    with tempfile.TemporaryDirectory(prefix="rave-replay-") as home:
        cli = Cli(overrides, Path(home), exe)
        started = time.perf_counter()
        runs = simulate(world, {"cli": lambda seed: Rave(cli)}, budget)
        seconds = time.perf_counter() - started
    runs |= simulate(world, {"inprocess": lambda seed: Rave(InProcess(config))}, budget)
    out: dict[str, Any] = {"seconds": seconds, "calls": cli.calls}
    for name, (sim, policy) in runs.items():
        assert isinstance(policy, Rave)
        out[name] = {
            "decisions": policy.decisions,
            "measures": measure(world.people, p_of, sim.log, sim.lost_at, days, budget),
        }
    return out


def main_cli(args: argparse.Namespace) -> int:
    regime = args.regime or "mixed"
    days = args.days if args.days_given else 40
    res = run_cli_world(
        regime,
        args.seed,
        overrides=parse_sets(args.set),
        n=args.contacts,
        days=days,
        budget=args.budget,
        prehistory=args.prehistory,
    )
    cli, inproc = res["cli"]["decisions"], res["inprocess"]["decisions"]
    same = cli == inproc
    if args.json:
        print(json.dumps(clean({**res, "same": same}), indent=2))
        return 0 if same else 1
    measures = {
        "rave (cli)": res["cli"]["measures"],
        "rave (in-process)": res["inprocess"]["measures"],
    }
    lines = [
        f"# rave through the CLI ({regime}, seed {args.seed}, {args.contacts} contacts, "
        f"{days} days, budget {args.budget})",
        "",
        *table(measures),
        "",
        f"{len(cli)} decisions through {res['calls']} `rave` calls in {res['seconds']:.0f} s: "
        + ("identical to the in-process run." if same else "NOT the in-process run's."),
    ]
    if not same:
        at = next((i for i, (a, b) in enumerate(zip(cli, inproc, strict=False)) if a != b), None)
        at = min(len(cli), len(inproc)) if at is None else at
        lines.append(f"First difference, decision {at}: cli {cli[at : at + 1]}, ")
        lines.append(f"in-process {inproc[at : at + 1]}.")
    print("\n".join(lines))
    return 0 if same else 1


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add = ap.add_argument
    add("--regime", choices=list(REGIMES), help="one regime (default: all)")
    add("--seeds", type=int, default=16, help="seeds 1..K per regime (default 16)")
    add("--days", type=int, default=None, help="measured days (default 130; 40 with --cli)")
    add("--budget", type=int, default=3, help="direct messages a day (default 3)")
    add(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override the [rank] config (dotted for tables: coefficients.tier=8); repeatable",
    )
    add("--prehistory", type=int, default=90, help="days simulated before (default 90)")
    add("--json", action="store_true", help="machine-readable results")
    add("--write", action="store_true", help="rewrite bench/REPLAY.md")
    add("--cli", action="store_true", help="drive the installed `rave` (rave only, one world)")
    add("--seed", type=int, default=1, help="the world's seed with --cli (default 1)")
    add("--contacts", type=int, default=60, help="contacts with --cli (default 60)")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.days_given = args.days is not None
    if args.days is None:
        args.days = 130
    return main_cli(args) if args.cli else main_inprocess(args)


if __name__ == "__main__":
    sys.exit(main())
