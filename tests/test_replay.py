"""bench/replay.py: the judge of the ranking model. These tests check the judge (the
simulator, the policies' guarantees, the measures), not the model's figures."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_replay", ROOT / "bench" / "replay.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


replay = _load()
DAY = replay.DAY
HOUR = 3600


def _figures(result: object) -> str:
    """A run's figures, comparable with == (NaN made null)."""
    return json.dumps(replay.clean(result), sort_keys=True)


def test_same_seed_same_figures() -> None:
    config = replay.load_config({})
    kwargs = {"config": config, "days": 40, "budget": 3, "n": 60, "prehistory": 40}
    first = replay.run_regime("mixed", [1, 2], **kwargs)
    second = replay.run_regime("mixed", [1, 2], **kwargs)
    assert _figures(first.worlds) == _figures(second.worlds)
    assert first.actions == second.actions and first.spam == second.spam
    assert first.actions["reply"] > 0  # rave did something
    other = replay.run_regime("mixed", [3], **kwargs)
    assert _figures(other.worlds[0]) != _figures(first.worlds[0])


def test_worlds_are_seeded_and_sized() -> None:
    a = replay.make_world("posters", 3, n=50, prehistory=20, days=30)
    b = replay.make_world("posters", 3, n=50, prehistory=20, days=30)
    assert a == b
    assert len(a.people) == 50
    assert sum(replay.tier_counts(121).values()) == 121
    assert replay.tier_counts(130) == {"A": 10, "B": 20, "C": 30, "D": 30, "none": 40}
    # a longer period keeps the same beginning
    longer = replay.make_world("posters", 3, n=50, prehistory=20, days=60)
    for cid, events in a.spont.items():
        assert [s for s in longer.spont[cid] if s.t < 30 * DAY] == list(events)


def _spontaneous(sim: object, lost_at: dict[int, int]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for e in sim.log:  # type: ignore[attr-defined]
        if e.cid is not None and e.label in ("write", "help", "post"):
            out.setdefault(e.cid, []).append((e.t, e.kind, e.channel, e.needs_reply))
    return out


def test_policies_see_the_same_spontaneous_events() -> None:
    world = replay.make_world("cold", 2, n=60, prehistory=30, days=60)
    policies = {"timer": replay.Timer, "inbox": replay.Inbox, "oracle": replay.Oracle}
    runs = replay.simulate(world, policies, 3)
    seen = {name: _spontaneous(sim, sim.lost_at) for name, (sim, _) in runs.items()}
    lost = {name: sim.lost_at for name, (sim, _) in runs.items()}
    assert lost["timer"], "the timer should lose someone in a cold world"
    compared = 0
    for p in world.people:
        ends = [lost[name].get(p.id, math.inf) for name in runs]
        end = min(ends)  # before anyone lost them, every policy saw the same
        views = {name: [e for e in seen[name].get(p.id, []) if e[0] < end] for name in runs}
        assert views["timer"] == views["inbox"] == views["oracle"]
        compared += len(views["timer"])
    assert compared > 100
    # and the reactions differ, since the policies do
    assert _figures(runs["timer"][0].log) != _figures(runs["inbox"][0].log)


def test_the_oracle_never_sends_a_third_unanswered_message() -> None:
    for regime in ("cold", "posters"):
        for seed in (1, 2):
            world = replay.make_world(regime, seed, n=80, prehistory=30, days=80)
            p_of = {cid: tr.p for cid, tr in world.traits.items()}
            sim, _ = replay.simulate(world, {"oracle": replay.Oracle}, 3)["oracle"]
            m = replay.measure(world.people, p_of, sim.log, sim.lost_at, 80, 3)
            assert m["spam"] == 0 and m["lost"] == 0
            assert m["effort_never"] == 0
            assert m["initiations"] > 0


def test_the_inbox_policy_sends_no_outreach() -> None:
    world = replay.make_world("mixed", 1, n=60, prehistory=30, days=60)
    p_of = {cid: tr.p for cid, tr in world.traits.items()}
    sim, _ = replay.simulate(world, {"inbox": replay.Inbox}, 3)["inbox"]
    mine = [e for e in sim.log if e.t >= 0 and e.direction == "out" and e.cid is not None]
    assert mine and {e.label for e in mine} <= {"reply", "like"}
    m = replay.measure(world.people, p_of, sim.log, sim.lost_at, 60, 3)
    assert m["initiations"] == 0 and m["budget_used"] == 0 and m["spam"] == 0


# --- the measures on a hand-built log -------------------------------------------------------


def _log(*rows: tuple) -> list:
    """Events from (time, contact, kind, direction, needs_reply, label, lane) rows."""
    return [
        replay.Ev(i, t, cid, kind, direction, "email", needs, label, lane)
        for i, (t, cid, kind, direction, needs, label, lane) in enumerate(rows, start=1)
    ]


def _hand_built() -> tuple[list, dict[int, float], list, dict[int, int]]:
    people = [
        replay.Person(1, "Ana", "A", ("email",)),
        replay.Person(2, "Bo", "B", ("email",)),
        replay.Person(3, "Cy", "none", ("email",)),
    ]
    p_of = {1: 0.5, 2: 0.0, 3: 0.4}
    m8 = 8 * HOUR
    log = _log(
        # Ana (A, cadence 7: cold after 14 days)
        (-20 * DAY + 10 * HOUR, 1, "chat", "in", True, "write", ""),  # before the period
        (1 * DAY + m8 + 1, 1, "chat", "out", False, "reply", "reply"),  # answers it
        (2 * DAY + 12 * HOUR, 1, "chat", "in", True, "write", ""),
        (3 * DAY + m8 + 1, 1, "chat", "out", False, "reply", "reply"),  # 20 h later
        (4 * DAY + 10 * HOUR, 1, "engage", "in", False, "help", ""),  # a favour
        (5 * DAY + m8 + 1, 1, "engage", "out", False, "repay", "outreach"),  # repaid in 1 day
        (6 * DAY + m8 + 1, 1, "chat", "out", False, "chat", "outreach"),  # 2 unanswered
        (7 * DAY + m8 + 1, 1, "chat", "out", False, "follow_up", "outreach"),  # spam
        (8 * DAY + m8 + 1, 1, "chat", "out", False, "retry", "outreach"),  # spam
        (9 * DAY + 15 * HOUR, 1, "engage", "both", False, "meet", ""),  # a live exchange
        (9 * DAY + 16 * HOUR, 1, "broadcast", "in", False, "post", ""),  # not meaningful
        # Bo (B, never answers): the third message is spam and loses him
        (1 * DAY + m8 + 2, 2, "chat", "out", False, "chat", "outreach"),
        (2 * DAY + m8 + 2, 2, "chat", "out", False, "chat", "outreach"),
        (3 * DAY + m8 + 2, 2, "chat", "out", False, "chat", "outreach"),
        # Cy (untargeted): a favour thanked but not returned; a message never answered
        (5 * DAY + 10 * HOUR, 3, "engage", "in", True, "help", ""),
        (6 * DAY + m8 + 2, 3, "chat", "out", False, "reply", "reply"),  # 22 h later
        (10 * DAY + 12 * HOUR, 3, "chat", "in", True, "write", ""),
        (12 * DAY + m8 + 2, 3, "broadcast", "out", False, "like", "light"),  # not an answer
    )
    return people, p_of, log, {2: 3 * DAY + m8 + 2}


def test_measures_on_a_hand_built_log() -> None:
    people, p_of, log, lost_at = _hand_built()
    m = replay.measure(people, p_of, log, lost_at, 20, 3)
    # Ana's 20 days: no event at all within 14 days before the end of day 0 (cold both
    # ways); a message of yours but none of theirs by the end of day 1 (cold "them")
    assert m["cold_any_A"] == pytest.approx(100 * 1 / 20)
    assert m["cold_them_A"] == pytest.approx(100 * 2 / 20)
    assert math.isnan(m["cold_any_B"])  # Bo never answers: no willing day
    assert m["spam"] == 3  # Ana's follow_up and retry, Bo's third
    assert m["lost"] == 1
    # delays: 20 h (Ana), 22 h 2 s (Cy's thanks), never (Cy's last message)
    assert m["reply_median"] == pytest.approx((22 * HOUR + 2) / DAY)
    assert math.isinf(m["reply_p90"])
    # favours by day 6 (20 - 14): Ana's returned in a day, Cy's only thanked
    assert m["repaid_14"] == pytest.approx(50.0)
    assert math.isnan(m["repaid_30"])  # none received 30 days before the end
    assert m["offline_ab"] == pytest.approx(100.0)  # Ana: 3 words from them, one live
    # initiations: Ana's repay, chat, follow_up, retry; Bo's three (never answers)
    assert m["initiations"] == 7
    assert m["effort_never"] == pytest.approx(100 * 3 / 7)
    assert m["budget_used"] == pytest.approx(100 * 7 / 60)
    assert replay.spam_by_action(log, 20) == {"follow_up": 1, "retry": 1, "chat": 1}


def test_measures_count_only_the_measured_period() -> None:
    people, p_of, log, lost_at = _hand_built()
    # measured over the first 2 days: Ana's day 0 cold both ways, day 1 cold "them"
    m = replay.measure(people, p_of, log, lost_at, 2, 3)
    assert m["cold_any_A"] == pytest.approx(50.0) and m["cold_them_A"] == pytest.approx(100.0)
    assert m["spam"] == 0 and m["lost"] == 0


# --- the command line ---------------------------------------------------------------------


def test_set_overrides_become_a_rank_table() -> None:
    table = replay.parse_sets(["coefficients.tier=8", "due_start=1.0", "limit=4"])
    assert table == {"coefficients": {"tier": 8}, "due_start": 1.0, "limit": 4}
    assert tomllib.loads(replay.toml_table(table))["rank"] == table
    config = replay.load_config(table)
    assert config.coefficients["tier"] == 8 and config.due_start == 1.0


def _rave() -> str | None:
    return shutil.which("rave", path=str(Path(sys.executable).parent))


@pytest.mark.slow
def test_cli_decisions_equal_the_in_process_ones() -> None:
    exe = _rave()
    if exe is None:
        pytest.skip("no `rave` script next to this Python (pip install -e .)")
    # posters: their posts give light-lane rows too, beside replies and outreach
    res = replay.run_cli_world(
        "posters", 1, overrides={}, n=15, days=8, budget=3, prehistory=60, exe=exe
    )
    cli, inproc = res["cli"]["decisions"], res["inprocess"]["decisions"]
    assert cli, "rave suggested nothing: nothing to compare"
    assert cli == inproc
    assert _figures(res["cli"]["measures"]) == _figures(res["inprocess"]["measures"])
