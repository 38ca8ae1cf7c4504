"""`rave today`, `why`, `snooze`/`unsnooze` and `demo`, end to end through the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from conftest import Rave
from test_contract import TODAY_KEYS

TERM_KEYS = {"term", "measure", "coefficient", "contribution", "note"}


def _network(rave: Rave) -> None:
    rave("add", "Ana Reply", "--tier", "D")
    rave("log", "Ana Reply", "--in", "-c", "linkedin", "-w", "2d", "-n", "asked for the deck")
    rave("add", "Bob Due", "--tier", "A")
    rave("log", "Bob Due", "-k", "engage", "-w", "20d", "-n", "lunch")
    rave("log", "Bob Due", "--in", "-w", "19d", "--closed")
    rave("add", "Carl Fresh", "--tier", "B")
    rave("log", "Carl Fresh", "-w", "1d")
    rave("add", "Dana New", "--tier", "A", "--why", "runs the meetup", "--offer", "a venue")
    rave("add", "Eve Known", "--tier", "none")
    rave("log", "Eve Known", "-w", "300d")


def test_today_ranks_reply_lane_first_then_outreach(rave: Rave) -> None:
    _network(rave)
    out = rave("today", "--json")
    assert out.exit_code == 0, out
    items = out.json()
    assert [i["name"] for i in items] == ["Ana Reply", "Bob Due", "Dana New"]
    assert [i["lane"] for i in items] == ["reply", "outreach", "outreach"]
    assert [i["action"] for i in items] == ["reply", "chat", "intro"]
    assert [i["rank"] for i in items] == [1, 2, 3]
    reply = items[0]
    assert reply["channel"] == "linkedin"
    assert reply["talking_point"] == "asked for the deck"
    assert "LinkedIn" in reply["reason"] or "linkedin" in reply["reason"].lower()
    for item in items:
        assert set(item) >= TODAY_KEYS
        assert [t["term"] for t in item["terms"]][:2] == ["reply", "due"]
        assert all(set(t) >= TERM_KEYS for t in item["terms"])
        total = sum(Decimal(str(t["contribution"])) for t in item["terms"])
        assert total == Decimal(str(item["score"]))


def test_today_human_output_and_footer(rave: Rave) -> None:
    _network(rave)
    out = rave("today")
    assert out.exit_code == 0
    assert out.stdout.index("Answer first") < out.stdout.index("Reach out")
    assert out.stdout.index("Ana Reply") < out.stdout.index("Bob Due")
    assert "Carl Fresh" not in out.stdout
    assert "nothing pressing" in out.stderr and "not targeted" in out.stderr


def test_today_explain_shows_the_arithmetic(rave: Rave) -> None:
    _network(rave)
    out = rave("today", "--explain")
    assert "reply 15" in out.stdout and "= " in out.stdout


def test_limit_tier_tag_channel_filters(rave: Rave) -> None:
    _network(rave)
    rave("edit", "Dana New", "--tag", "vip")
    names = lambda *a: [i["name"] for i in rave("today", *a, "--json").json()]  # noqa: E731
    assert names("--limit", "1") == ["Ana Reply", "Bob Due"]  # the reply lane is never cut
    assert names("--limit", "0") == ["Ana Reply"]
    assert names("--tier", "A") == ["Bob Due", "Dana New"]
    assert names("--tag", "vip") == ["Dana New"]
    assert names("--channel", "linkedin") == ["Ana Reply"]
    assert rave("today", "--tier", "Q").exit_code == 2
    assert rave("today", "--channel", "fax").exit_code == 2


def test_nobody_to_suggest_is_friendly_and_exit_0(rave: Rave, empty_store: Path) -> None:
    empty = rave("today")
    assert empty.exit_code == 0
    assert "Nobody" in empty.stdout
    assert rave("today", "--json").json() == []


def test_as_of_changes_the_answer_and_ignores_later_events(rave: Rave) -> None:
    rave("add", "Ana", "--tier", "A")
    rave("log", "Ana", "-w", "2026-01-01T10:00Z")
    rave("log", "Ana", "--in", "-w", "2026-03-01T10:00Z")
    early = rave("today", "--as-of", "2026-02-01", "--json").json()
    assert [(i["name"], i["lane"]) for i in early] == [("Ana", "outreach")]
    later = rave("today", "--as-of", "2026-03-02", "--json").json()
    assert [(i["name"], i["lane"]) for i in later] == [("Ana", "reply")]
    assert rave("today", "--as-of", "whenever").exit_code == 2


def test_why_explains_a_listed_and_a_hidden_contact(rave: Rave) -> None:
    _network(rave)
    listed = rave("why", "Bob", "--json").json()
    assert listed["rank"] == 2 and listed["hidden"] is None
    assert listed["state"]["last_meaningful"].endswith("Z")
    assert set(listed) >= TODAY_KEYS | {"hidden", "state"}
    fresh = rave("why", "Carl", "--json").json()
    assert fresh["rank"] is None and fresh["hidden"] == "below_threshold"
    untargeted = rave("why", "Eve", "--json").json()
    assert untargeted["hidden"] == "untargeted"
    human = rave("why", "Bob")
    assert human.exit_code == 0
    for column in ("term", "measure", "coefficient", "contribution", "note"):
        assert column in human.stdout
    assert "score:" in human.stdout
    assert rave("why", "Nobody").exit_code == 3


def test_why_agrees_with_today(rave: Rave) -> None:
    _network(rave)
    for item in rave("today", "--json").json():
        explained = rave("why", f"#{item['contact_id']}", "--json").json()
        assert explained["score"] == item["score"]
        assert explained["terms"] == item["terms"]
        assert explained["rank"] == item["rank"]


def test_snooze_hides_until_the_date_and_unsnooze_brings_back(rave: Rave) -> None:
    _network(rave)
    snoozed = rave("snooze", "Bob", "2w", "--json")
    assert snoozed.exit_code == 0, snoozed
    assert snoozed.json()["snoozed_until"].endswith("Z")
    assert "Bob Due" not in [i["name"] for i in rave("today", "--json").json()]
    assert rave("why", "Bob", "--json").json()["hidden"] == "snoozed"
    assert "1 snoozed" in rave("today").stderr
    after = (datetime.now().astimezone().date() + timedelta(days=22)).isoformat()
    back = rave("today", "--as-of", after, "--json").json()
    assert "Bob Due" in [i["name"] for i in back]  # the snooze has ended by then
    assert rave("unsnooze", "Bob").exit_code == 0
    assert "Bob Due" in [i["name"] for i in rave("today", "--json").json()]
    assert rave("snooze", "Bob", "someday").exit_code == 2
    assert rave("snooze", "Nobody", "2w").exit_code == 3


def test_bad_rank_config_names_the_key(rave: Rave, rave_home) -> None:
    rave_home.mkdir(parents=True, exist_ok=True)
    (rave_home / "config.toml").write_text('[rank]\nthreshold = "high"\n')
    out = rave("today")
    assert out.exit_code == 1
    assert "threshold" in out.stderr
    (rave_home / "config.toml").write_text("[rank]\nlimit = 1\n[rank.coefficients]\nreply = 30\n")
    _network(rave)
    items = rave("today", "--json").json()
    assert len([i for i in items if i["lane"] == "outreach"]) == 1
    assert items[0]["score"] >= 30


def test_demo_shows_a_real_list_and_leaves_no_trace(rave: Rave, rave_home) -> None:
    out = rave("demo")
    assert out.exit_code == 0, out
    assert "Answer first" in out.stdout and "Reach out" in out.stdout
    assert "rave why" in out.stdout and "contribution" in out.stdout
    data = rave("demo", "--json").json()
    actions = {i["action"] for i in data["today"]}
    assert {"reply", "intro", "retry", "follow_up", "offline", "repay", "comment"} <= actions
    assert [i["lane"] for i in data["today"]] == ["reply"] + ["outreach"] * 5 + ["light"]
    assert "Light touches" in out.stdout
    assert data["why"]["rank"] == 1
    assert not (rave_home / "rave.db").exists()  # the user's store was never created


def test_terminal_rendering_of_today_why_and_demo(rave: Rave, monkeypatch) -> None:
    # what a person at a terminal sees: the Rich tables (CliRunner is not a terminal)
    from rave.cli import render

    monkeypatch.setattr(render, "stdout_is_terminal", lambda: True)
    _network(rave)
    for args in (
        ("today",),
        ("today", "--explain"),
        ("why", "Bob"),
        ("list",),
        ("show", "Ana"),
        ("followups",),
        ("stats",),
        ("demo",),
        ("doctor",),
    ):
        out = rave(*args)
        assert out.exit_code == 0, (args, out)
    table = rave("today").stdout
    assert "Ana Reply" in table and "Answer first" in table


def test_snooze_refuses_a_day_that_is_not_ahead(rave: Rave) -> None:
    rave("add", "Ana")
    for day in ("today", "2020-01-01"):
        out = rave("snooze", "Ana", day)
        assert out.exit_code == 2, (day, out)
        assert "not after today" in out.stderr


def test_extreme_inputs_are_messages_not_tracebacks(rave: Rave) -> None:
    rave("add", "Ana")
    assert rave("show", "#²").exit_code == 3
    assert rave("show", "#" + "9" * 30).exit_code == 3
    assert rave("followup", "done", "9" * 25).exit_code == 3
    assert rave("snooze", "Ana", "9999-12-31").exit_code == 0
    assert rave("export", "ics").exit_code == 0
    out = rave("stats", "--as-of", "9999-12-31")
    assert out.exit_code == 2 and "out of range" in out.stderr


def test_a_snoozed_contact_who_writes_is_in_the_reply_lane(rave: Rave) -> None:
    rave("add", "Ana", "--tier", "C")
    rave("snooze", "Ana", "2w")
    rave("log", "Ana", "--in", "-n", "are you free on Monday?")
    (row,) = rave("today", "--json").json()
    assert (row["name"], row["lane"], row["action"]) == ("Ana", "reply", "reply")
    assert row["talking_point"] == "are you free on Monday?"


def test_one_introduction_per_calendar_day(rave: Rave) -> None:
    for name in ("Ana New", "Bob New", "Cy New"):
        rave("add", name, "--tier", "B")
    (first,) = [r for r in rave("today", "--json").json() if r["action"] == "intro"]
    rave("log", f"#{first['contact_id']}", "-n", "hello!")
    rows = rave("today", "--json").json()
    assert [r for r in rows if r["action"] == "intro"] == []  # today's intro is made
    assert "new people for another day" in rave("today").stderr
    tomorrow = (datetime.now().astimezone() + timedelta(days=1)).date().isoformat()
    later = rave("today", "--as-of", f"{tomorrow}T09:00", "--json").json()
    assert len([r for r in later if r["action"] == "intro"]) == 1


def test_light_touches_are_listed_after_the_outreach_rows(rave: Rave) -> None:
    rave("add", "Ana", "--tier", "A")
    rave("log", "Ana", "--in", "-c", "linkedin", "-w", "30d", "--closed")
    rave("log", "Ana", "-c", "linkedin", "-w", "6d")
    rave("log", "Ana", "-c", "linkedin", "-w", "2d")  # two unanswered: back-off
    rave("log", "Ana", "--in", "-k", "broadcast", "-w", "1d", "-n", "our new studio")
    (row,) = rave("today", "--json").json()
    assert (row["lane"], row["action"], row["channel"]) == ("light", "comment", "linkedin")
    assert row["talking_point"] == "their post: our new studio"
    human = rave("today").stdout
    assert "Light touches" in human and "comment" in human
    rave("log", "Ana", "-k", "broadcast", "-c", "linkedin")  # liked it
    assert rave("today", "--json").json() == []
    why = rave("why", "Ana", "--json").json()
    assert (why["hidden"], why["action"], why["state"]["unanswered"]) == ("backoff", "retry", 2)


def test_the_intro_cap_holds_whatever_the_filter_and_why_says_so(rave: Rave) -> None:
    rave("add", "Bea", "--tier", "B")
    rave("add", "Cy", "--tier", "C")
    rave("log", "Cy", "-c", "email", "-n", "hello")  # today's first message
    for args in ((), ("--tier", "B")):
        rows = rave("today", *args, "--json").json()
        assert [r for r in rows if r["action"] == "intro"] == [], args
    why = rave("why", "Bea", "--json").json()
    assert (why["rank"], why["skipped"], why["action"]) == (None, "intro_capped", "intro")
    assert "one new person a day" in rave("why", "Bea").stdout
