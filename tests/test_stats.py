"""`rave stats`, the broadcast nudge of `today`/`digest`, and the warmth trend of `show`,
on handcrafted histories whose answers were worked out by hand."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Rave, Result
from rave.cli import app
from rave.config import BalanceConfig
from rave.queries.broadcast import BroadcastFacts, PostRow
from rave.queries.history import Opening, ReplyEpisode, RungMove
from rave.scoring import mix


@pytest.fixture(autouse=True)
def utc_zone() -> Iterator[None]:
    """Weeks and months start at local midnight: pin the local zone to UTC."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def at(day: str, hour: str = "10:00") -> str:
    return f"2026-{day}T{hour}Z"


PERIOD = ("--since", "2026-03-02", "--as-of", "2026-03-29T23:00Z")


def _batch_line(args: tuple[str, ...]) -> str:
    """``rave log`` arguments as one `rave log --batch` line (one transaction for all)."""
    flags = {"-k": "kind", "-c": "channel", "-w": "when"}
    contacts: list[str] = []
    record: dict[str, object] = {"contacts": contacts}
    words = iter(args)
    for word in words:
        if word == "--in":
            record["in"] = True
        elif word in flags:
            record[flags[word]] = next(words)
        else:
            contacts.append(word)
    return json.dumps(record) + "\n"


def _write_history(rave: Rave) -> None:
    """Four weeks, Monday 2 March to Sunday 29 March 2026 (see the expected values in
    the tests below for the arithmetic)."""
    for name, tier in [
        ("Ana", "A"),
        ("Bob", "B"),
        ("Cleo", "C"),
        ("Dan", "none"),
        ("Eve", "D"),
        ("Fay", "B"),
        ("Gus", "C"),
        ("Hana", "C"),
        ("Ivo", "D"),
        ("Jay", "C"),
    ]:
        assert rave("add", name, "--tier", tier).exit_code == 0
    steps = [
        # before the period: rungs already reached on 2 March
        ("Fay", "-k", "chat", "-c", "linkedin", "-w", at("01-10")),
        ("Gus", "-k", "engage", "-c", "email", "-w", at("01-15")),
        ("Jay", "-k", "broadcast", "-c", "linkedin", "-w", at("02-01")),
        ("Ana", "-k", "chat", "-c", "linkedin", "-w", at("02-25")),
        # week of 2 March: broadcast 2 (a post, a like), chat 1
        ("Ana", "--in", "-c", "linkedin", "-w", at("03-03")),  # 6 days after: no new talk
        ("Ana", "-c", "linkedin", "-w", at("03-04")),  # answered after 1 day
        ("Bob", "-k", "broadcast", "-c", "twitter", "-w", at("03-06")),
        # week of 9 March: chat 1, engage 1
        ("Bob", "--in", "-c", "email", "-w", at("03-09")),  # Bob opens
        ("Bob", "--in", "-c", "email", "-w", at("03-10")),  # same wait
        ("Cleo", "-k", "engage", "-c", "email", "-w", at("03-12")),  # you open
        ("Bob", "-c", "email", "-w", at("03-13")),  # answered after 4 days
        # week of 16 March: chat 1, engage 1
        ("Fay", "-k", "engage", "-c", "irl", "-w", at("03-17")),  # you reopen after 66 days
        ("Dan", "--in", "-c", "whatsapp", "-w", at("03-18")),  # Dan opens
        ("Gus", "--in", "-c", "email", "-w", at("03-19")),  # Gus reopens; never answered
        ("Hana", "-c", "sms", "-w", at("03-20")),  # you open
        # week of 23 March: broadcast 2, chat 1, engage 1
        ("Ivo", "-k", "broadcast", "-c", "linkedin", "-w", at("03-24")),
        ("Ana", "Bob", "-k", "engage", "-c", "video", "-w", at("03-25")),  # you reopen Ana
        ("Ivo", "-k", "broadcast", "-c", "linkedin", "-w", at("03-26")),
        ("Dan", "-c", "whatsapp", "-w", at("03-28")),  # answered after 10 days
    ]
    out = rave("log", "--batch", "-", input="".join(_batch_line(step) for step in steps))
    assert out.exit_code == 0, out
    assert (
        rave("post", "We are hiring a designer", "-c", "linkedin", "-w", at("03-05")).exit_code == 0
    )


@pytest.fixture(scope="module")
def history_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handcrafted history, written once through the CLI; tests get a copy."""
    home = tmp_path_factory.mktemp("history")
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAVE_HOME", str(home))
        for name in ("RAVE_DB", "RAVE_CONFIG"):
            patch.delenv(name, raising=False)
        _write_history(run)
    return home / "rave.db"


@pytest.fixture
def history(history_store: Path, rave_home: Path) -> None:
    rave_home.mkdir(parents=True, exist_ok=True)
    for path in history_store.parent.glob("rave.db*"):
        shutil.copy2(path, rave_home / path.name)


def test_counts_per_week_with_posts_as_broadcasts(rave: Rave, history: None) -> None:
    data = rave("stats", *PERIOD, "--json").json()
    assert data["since"] == "2026-03-02T00:00:00Z"
    assert data["until"] == "2026-03-29T23:00:00Z"
    assert [(p["start"], p["broadcast"], p["chat"], p["engage"]) for p in data["periods"]] == [
        ("2026-03-02T00:00:00Z", 2, 1, 0),
        ("2026-03-09T00:00:00Z", 0, 1, 1),
        ("2026-03-16T00:00:00Z", 0, 1, 1),
        ("2026-03-23T00:00:00Z", 2, 1, 1),
    ]
    assert data["totals"] == {"broadcast": 4, "chat": 4, "engage": 3}
    assert data["posts"] == 1
    assert data["received"] == {"broadcast": 0, "chat": 5, "engage": 0}


def test_by_channel_and_by_tier(rave: Rave, history: None) -> None:
    data = rave("stats", *PERIOD, "--json").json()
    assert data["by_channel"] == {
        "linkedin": {"broadcast": 3, "chat": 1, "engage": 0},
        "twitter": {"broadcast": 1, "chat": 0, "engage": 0},
        "email": {"broadcast": 0, "chat": 1, "engage": 1},
        "sms": {"broadcast": 0, "chat": 1, "engage": 0},
        "whatsapp": {"broadcast": 0, "chat": 1, "engage": 0},
        "video": {"broadcast": 0, "chat": 0, "engage": 1},
        "in_person": {"broadcast": 0, "chat": 0, "engage": 1},
    }
    # the call with Ana (A) and Bob (B) counts once for each tier; posts have no tier
    assert data["by_tier"] == {
        "A": {"broadcast": 0, "chat": 1, "engage": 1},
        "B": {"broadcast": 1, "chat": 1, "engage": 2},
        "C": {"broadcast": 0, "chat": 1, "engage": 1},
        "D": {"broadcast": 2, "chat": 0, "engage": 0},
        "none": {"broadcast": 0, "chat": 1, "engage": 0},
    }


def test_latency_initiation_and_ladder(rave: Rave, history: None) -> None:
    data = rave("stats", *PERIOD, "--json").json()
    # waits of 1, 4 and 10 days; Gus still waits. p90 = 4 + 0.8 · (10 − 4)
    assert data["reply_latency_days"] == {"median": 4.0, "p90": 8.8, "replies": 3, "waiting": 1}
    # you: Cleo, Fay (after 66 days), Hana, Ana (21 days after 4 March); them: Bob, Dan, Gus
    assert data["initiated"] == {"me": 4, "them": 3}
    assert data["ladder"] == {
        "met_offline": 3,  # Ana and Bob (video), Fay (in person)
        "engaged": 2,  # Cleo, Gus
        "chatting": 2,  # Dan, Hana
        "broadcast_only": 2,  # Ivo, Jay
        "not_started": 1,  # Eve
        "moved_up": 7,  # all but Eve, Gus and Jay
    }


def test_mix_against_the_target_and_one_sentence_of_advice(rave: Rave, history: None) -> None:
    data = rave("stats", *PERIOD, "--json").json()
    assert data["target"] == {"broadcast": 0.2, "chat": 0.4, "engage": 0.4}
    assert data["shares"] == {"broadcast": 0.364, "chat": 0.364, "engage": 0.273}
    assert data["advice"].startswith("Broadcast is 36% of what you did (target 20%)")
    assert data["advice"].count(".") == 1 and data["advice"].endswith(".")
    # the last post was on 5 March: 24 days before --as-of
    assert data["broadcast"]["kind"] == "post"


def test_human_stats_is_plain_one_line_per_week(rave: Rave, history: None) -> None:
    out = rave("stats", *PERIOD)
    assert out.exit_code == 0, out
    rows = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines() if line}
    # the biggest week (4) fills 40 letters: 10 a piece
    assert rows["2026-03-02"] == ["2", "1", "0", "b" * 20 + "c" * 10]
    assert rows["2026-03-23"] == ["2", "1", "1", "b" * 20 + "c" * 10 + "e" * 10]
    assert "Broadcast is 36% of what you did (target 20%)" in out.stdout
    assert "median 4.0 days, 90th percentile 8.8 days" in out.stdout
    assert "you 4 (57%), them 3 (43%)" in out.stdout
    assert "Moved up a rung in this period: 7" in out.stdout
    assert "\x1b[" not in out.stdout


def test_by_month_and_empty_periods(rave: Rave, history: None) -> None:
    data = rave(
        "stats", "--by", "month", "--since", "2026-01-20", "--as-of", "2026-04-10", "--json"
    )
    periods = data.json()["periods"]
    assert [p["start"][:10] for p in periods] == [
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
    ]
    assert [(p["broadcast"], p["chat"], p["engage"]) for p in periods] == [
        (0, 1, 1),
        (1, 1, 0),  # Jay's like and your chat with Ana, before --since's day but same month
        (4, 4, 3),
        (0, 0, 0),
    ]


def test_defaults_bad_options_and_an_empty_store(rave: Rave, empty_store: Path) -> None:
    empty = rave("stats", "--as-of", "2026-03-29", "--json").json()
    assert len(empty["periods"]) == 12 and empty["since"] == "2026-01-05T00:00:00Z"
    assert empty["totals"] == {"broadcast": 0, "chat": 0, "engage": 0}
    assert empty["reply_latency_days"]["median"] is None
    assert empty["reply_latency_days"]["p90"] is None
    assert empty["broadcast"] is None  # a fresh store is not nagged
    months = rave("stats", "--by", "month", "--as-of", "2026-03-29", "--json").json()
    assert len(months["periods"]) == 12 and months["since"] == "2025-04-01T00:00:00Z"
    assert rave("stats", "--by", "year").exit_code == 2
    assert rave("stats", "--since", "someday").exit_code == 2
    assert rave("stats", "--since", "2026-05-01", "--as-of", "2026-04-01").exit_code == 2


def test_balance_config_sets_the_target_and_bad_values_name_the_key(
    rave: Rave, rave_home: Path, history: None
) -> None:
    config = rave_home / "config.toml"
    config.write_text("[balance]\nbroadcast = 0.5\nchat = 0.25\nengage = 0.25\n")
    data = rave("stats", *PERIOD, "--json").json()
    assert data["target"] == {"broadcast": 0.5, "chat": 0.25, "engage": 0.25}
    assert "Broadcast is only 36%" in data["advice"]
    for text, key in [
        ('[balance]\nbroadcast = "lots"\n', "broadcast"),
        ("[balance]\npost_every = 0\n", "post_every"),
        ("[balance]\nchat = 1.5\n", "chat"),
        ("[balance]\nengage = 0.9\n", "engage"),  # 0.2 + 0.4 + 0.9 ≠ 1
        ("[balance]\nbrodcast = 0.2\n", "brodcast"),
        ("balance = 3\n", "[balance]"),
    ]:
        config.write_text(text)
        for command in ("stats", "today", "digest"):
            out = rave(command)
            assert out.exit_code == 1, (text, command, out)
            assert key in out.stderr, (text, out.stderr)


# --- the broadcast nudge --------------------------------------------------------------------

AS_OF = ("--as-of", "2026-05-20")


def _nudge(rave: Rave) -> dict[str, object] | None:
    digest = rave("digest", *AS_OF, "--json").json()
    stats = rave("stats", *AS_OF, "--json").json()
    assert digest["broadcast"] == stats["broadcast"]
    people = rave("today", *AS_OF, "--json").json()
    assert isinstance(people, list)  # the contract: an array of people, nothing else
    assert all("contact_id" in item for item in people)
    return digest["broadcast"]  # type: ignore[no-any-return]


def _human_line(rave: Rave) -> list[str]:
    today = rave("today", *AS_OF).stdout.splitlines()
    digest = rave("digest", *AS_OF).stdout.splitlines()
    lines = [line for line in today if line.startswith("Your broadcasting: ")]
    assert lines == [line for line in digest if line.startswith("Your broadcasting: ")]
    return lines


def test_nudge_a_post_when_nothing_went_out_for_a_week(rave: Rave, empty_store: Path) -> None:
    assert _nudge(rave) is None and _human_line(rave) == []  # fresh: nothing at all
    rave("add", "Ana", "--tier", "A")
    never = _nudge(rave)
    assert never is not None and never["kind"] == "post" and never["channel"] == "linkedin"
    for day, channel in [("04-20", "twitter"), ("04-28", "twitter"), ("05-10", "linkedin")]:
        rave("post", f"note {day}", "-c", channel, "-w", at(day))
    nudge = _nudge(rave)
    assert nudge is not None and nudge["kind"] == "post"
    assert nudge["channel"] == "twitter"  # the channel you post on most
    (line,) = _human_line(rave)
    assert "Nothing posted for 10 days" in line and "twitter" in line
    shown = rave("today", *AS_OF).stdout
    assert shown.index("intro") < shown.index(line)  # after the people
    rave("post", "fresh", "-c", "linkedin", "-w", at("05-14"))  # 6 days ago: fine again
    after = _nudge(rave)
    assert after is not None and after["kind"] == "repost"  # rule (b) now: note 04-20


def test_nudge_b_share_again_a_post_that_went_out_once(rave: Rave) -> None:
    rave("add", "Ana", "--tier", "A")
    for text, day, url in [
        ("Ancient news", "03-21", None),  # 60 days ago: too old
        ("Old tips", "04-01", "https://ex.com/tips"),  # same url again on 17 May
        ("Repeated", "04-10", None),  # same text again on 15 May
        ("Guide to pricing", "04-20", None),  # the one
        ("repeated", "05-15", None),
        ("Old tips, revised", "05-17", "https://ex.com/tips"),
        ("Fresh", "05-18", None),  # 2 days ago: too recent, and (a) stays quiet
    ]:
        args = ["post", text, "-c", "linkedin", "-w", at(day)] + (["--url", url] if url else [])
        assert rave(*args).exit_code == 0
    nudge = _nudge(rave)
    assert nudge is not None and nudge["kind"] == "repost"
    assert nudge["post"]["text"] == "Guide to pricing"  # type: ignore[index]
    (line,) = _human_line(rave)
    assert "Guide to pricing" in line and "repetition is fine" in line
    assert "most people did not see it" in line


def _mix_history(rave: Rave, *, likes: int, chats: int, engages: int) -> None:
    rave("add", "Ana", "--tier", "A")
    rave("post", "Weekly note", "-c", "linkedin", "-w", at("05-18"))
    steps = [
        ("Ana", "-k", kind, "-c", channel, "-w", at(f"05-{n + 1:02d}", hour))
        for kind, channel, hour, count in [
            ("broadcast", "linkedin", "10:00", likes),
            ("chat", "linkedin", "11:00", chats),
            ("engage", "email", "12:00", engages),
        ]
        for n in range(count)
    ]
    out = rave("log", "--batch", "-", input="".join(_batch_line(step) for step in steps))
    assert out.exit_code == 0, out


def test_nudge_c_broadcasting_far_above_the_mix(rave: Rave) -> None:
    _mix_history(rave, likes=5, chats=1, engages=0)  # 6 of 7 broadcasts: 86% > 20% + 25%
    nudge = _nudge(rave)
    assert nudge is not None and nudge["kind"] == "converse"
    (line,) = _human_line(rave)
    assert "Broadcast is 86% of what you did in the last 4 weeks" in line
    assert "conversations" in line


def test_no_nudge_when_balanced(rave: Rave) -> None:
    _mix_history(rave, likes=1, chats=3, engages=3)  # 2 of 8 broadcasts: 25%
    assert _nudge(rave) is None
    assert _human_line(rave) == []
    assert "Your broadcasting" not in rave("stats", *AS_OF).stdout


def test_nudge_rules_at_their_thresholds() -> None:
    as_of = datetime(2026, 5, 20, 12, tzinfo=UTC)
    balance = BalanceConfig()

    def facts(**changes: object) -> BroadcastFacts:
        base: dict[str, object] = {
            "contacts": 1,
            "posts": 1,
            "last_post_at": as_of - timedelta(days=7),
            "top_channel": "email",
            "repost": None,
            "recent": {"broadcast": 0, "chat": 0, "engage": 0},
        }
        return BroadcastFacts(**{**base, **changes})  # type: ignore[arg-type]

    def kind(f: BroadcastFacts, config: BalanceConfig = balance) -> str | None:
        nudge = mix.broadcast_nudge(f, as_of=as_of, balance=config)
        return None if nudge is None else nudge.kind

    assert kind(facts()) is None  # exactly 7 days: not yet
    assert kind(facts(last_post_at=as_of - timedelta(days=7, seconds=1))) == "post"
    assert kind(facts(last_post_at=as_of - timedelta(days=8)), BalanceConfig(post_every=10)) is None
    assert kind(facts(contacts=0, posts=0, last_post_at=None)) is None
    post = PostRow(1, "x", "email", None, as_of - timedelta(days=20))
    assert kind(facts(repost=post)) == "repost"
    # 4 interactions are too few; 5 with 3 broadcasts (60% > 45%) are enough
    assert kind(facts(recent={"broadcast": 4, "chat": 0, "engage": 0})) is None
    assert kind(facts(recent={"broadcast": 3, "chat": 1, "engage": 1})) == "converse"
    assert kind(facts(recent={"broadcast": 2, "chat": 2, "engage": 1})) is None  # 40%


# --- pure pieces ----------------------------------------------------------------------------


def test_percentile_and_latency_by_hand() -> None:
    assert mix.percentile([], 0.5) is None
    assert mix.percentile([3.0], 0.9) == 3.0
    assert mix.percentile([4.0, 1.0, 10.0, 2.0], 0.5) == 3.0
    assert mix.percentile([1.0, 4.0, 10.0], 0.9) == pytest.approx(8.8)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    latency = mix.reply_latency(
        [
            ReplyEpisode(1, t0, t0 + timedelta(hours=12)),
            ReplyEpisode(2, t0, t0 + timedelta(days=2)),
            ReplyEpisode(3, t0, None),
        ]
    )
    assert (latency.median, latency.replies, latency.waiting) == (1.25, 2, 1)


def test_initiation_rule_and_ladder() -> None:
    day = 86400
    opened = mix.initiated(
        [
            Opening(1, "out", None),  # the first ever
            Opening(1, "in", 3 * day),  # a reply
            Opening(2, "in", 14 * day),  # exactly 14 days of silence: a new conversation
            Opening(3, "out", 14 * day - 1),
        ]
    )
    assert (opened.me, opened.them) == (1, 1)
    ladder = mix.ladder(
        [RungMove(0, 0, 2), RungMove(0, 1, 1), RungMove(2, 4, 3), RungMove(3, 3, 5)]
    )
    assert ladder.counts == {
        "not_started": 2,
        "broadcast_only": 1,
        "chatting": 0,
        "engaged": 5,
        "met_offline": 3,
    }
    assert ladder.moved_up == 4


def test_periods_start_on_local_mondays_and_months() -> None:
    wed = datetime(2026, 3, 4, 15, tzinfo=UTC)
    bounds = mix.period_bounds(wed, datetime(2026, 3, 16, 1, tzinfo=UTC), "week")
    assert [lo.day for lo, _ in bounds] == [2, 9, 16]
    assert bounds[-1][1] == datetime(2026, 3, 23, tzinfo=UTC)
    assert mix.default_since(wed, "month") == datetime(2025, 4, 1, tzinfo=UTC)


def test_sparkline() -> None:
    assert mix.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert mix.sparkline([0.0, 0.0]) == "▁▁"
    assert mix.sparkline([]) == ""


# --- the warmth trend in `rave show` ----------------------------------------------------------


def test_show_has_a_warmth_trend_of_the_last_12_month_ends(rave: Rave) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    met = now - timedelta(days=100)
    rave("add", "Ana", "--tier", "B")
    rave("log", "Ana", "-k", "engage", "-c", "irl", "-w", met.strftime("%Y-%m-%dT%H:%M:%SZ"))
    trend = rave("show", "Ana", "--json").json()["warmth_trend"]
    labels = [point["month"] for point in trend]
    assert len(trend) == 12 and labels[-1] == f"{now:%Y-%m}"
    assert labels == sorted(labels) and len(set(labels)) == 12
    for point in trend[:-1]:
        year, month = map(int, point["month"].split("-"))
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        age = (end - met).total_seconds() / 86400
        expected = 0.0 if age < 0 else 2.0 * 2 ** (-age / 90)  # engage in person
        assert point["warmth"] == pytest.approx(expected, abs=0.002), point
    shown = rave("show", "Ana").stdout
    (line,) = [line for line in shown.splitlines() if "warmth trend:" in line]
    spark = line.split("warmth trend:")[1].split()[0]
    first = labels.index(f"{met:%Y-%m}")
    assert spark[:first] == "▁" * first  # nothing before you met
    assert spark[first] == "█"  # the month you met is the warmest month end
    levels = [mix.SPARKS.index(ch) for ch in spark[first:]]
    assert levels == sorted(levels, reverse=True)  # then it cools down
    assert levels[-1] < levels[0]


def test_today_json_does_not_need_a_valid_balance_section(rave, rave_home) -> None:
    rave_home.mkdir(parents=True, exist_ok=True)
    (rave_home / "config.toml").write_text("[balance]\nchat = 2\n")
    rave("add", "Ana", "--tier", "A")
    assert rave("today", "--json").exit_code == 0  # the people list reads only [rank]
    human = rave("today")
    assert human.exit_code == 1 and "balance" in human.stderr  # the nudge needs it
