"""`rave log`, `post`, `followups` and `followup done`: recording in seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import Rave


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_log_defaults_chat_out_now(rave: Rave) -> None:
    rave("add", "Ana Pérez")
    before = datetime.now(UTC).replace(microsecond=0)
    out = rave("log", "ana", "--json")
    assert out.exit_code == 0, out
    data = out.json()
    assert (data["kind"], data["direction"], data["channel"]) == ("chat", "out", "other")
    assert data["needs_reply"] is False
    assert data["contacts"] == [{"id": 1, "name": "Ana Pérez"}]
    assert before <= _parse(data["when"]) <= before + timedelta(seconds=5)


def test_log_prints_one_line_saying_what_was_recorded(rave: Rave) -> None:
    rave("add", "Ana")
    out = rave("log", "Ana", "-k", "engage", "-c", "irl", "-w", "yesterday", "-n", "coffee")
    assert out.exit_code == 0
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "Logged engage with Ana on in_person, yesterday" in lines[0]


def test_inbound_meaningful_needs_reply_unless_closed(rave: Rave) -> None:
    rave("add", "Ana")
    chat = rave("log", "Ana", "--in", "-c", "linkedin", "--json").json()
    assert chat["needs_reply"] is True and chat["direction"] == "in"
    thanks = rave("log", "Ana", "--in", "--closed", "--json").json()
    assert thanks["needs_reply"] is False
    their_post = rave("log", "Ana", "--in", "-k", "broadcast", "--json").json()
    assert their_post["needs_reply"] is False


def test_channel_aliases_and_default_channel(rave: Rave) -> None:
    rave("add", "Ana")
    assert rave("log", "Ana", "-c", "x", "--json").json()["channel"] == "twitter"
    assert rave("log", "Ana", "-c", "meet", "--json").json()["channel"] == "in_person"
    # with no --channel, the last channel used with them
    assert rave("log", "Ana", "--json").json()["channel"] == "in_person"
    bad = rave("log", "Ana", "-c", "pigeon")
    assert bad.exit_code == 2 and "linkedin" in bad.stderr


def test_group_interaction_is_one_record_for_several_people(rave: Rave) -> None:
    for name in ("Ana", "Bob", "Carl"):
        rave("add", name)
    data = rave("log", "Ana", "Bob", "Carl", "-k", "engage", "-n", "dinner", "--json").json()
    assert [c["name"] for c in data["contacts"]] == ["Ana", "Bob", "Carl"]
    bob = rave("show", "Bob", "--json").json()
    assert bob["interactions"][0]["id"] == data["id"]
    assert sorted(bob["interactions"][0]["with"]) == ["Ana", "Carl"]


def test_natural_dates(rave: Rave) -> None:
    rave("add", "Ana")
    now = datetime.now(UTC)
    three_days = _parse(rave("log", "Ana", "-w", "3d", "--json").json()["when"])
    assert abs((now - three_days) - timedelta(days=3)) < timedelta(minutes=1)
    iso = _parse(rave("log", "Ana", "-w", "2026-01-05T10:00Z", "--json").json()["when"])
    assert iso == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_bad_or_future_dates_are_usage_errors_and_write_nothing(rave: Rave) -> None:
    rave("add", "Ana")
    for when in ("someday", "32/13/2026", "2999-01-01", "tomorrow"):
        out = rave("log", "Ana", "-w", when)
        assert out.exit_code == 2, (when, out)
        assert "hint:" in out.stderr
    assert rave("show", "Ana", "--json").json()["interactions"] == []


def test_unknown_contact_exit_3_and_create(rave: Rave) -> None:
    missing = rave("log", "Nobody Here")
    assert missing.exit_code == 3
    assert "rave add" in missing.stderr and "--create" in missing.stderr
    created = rave("log", "Nobody Here", "--create", "--json")
    assert created.exit_code == 0
    assert created.json()["created_contacts"] == [1]
    assert rave("show", "nobody here", "--json").json()["tier"] == "none"


def test_ambiguous_contact_exit_4_lists_candidates(rave: Rave) -> None:
    rave("add", "Ana Pérez")
    rave("add", "Ana Smith")
    out = rave("log", "ana")
    assert out.exit_code == 4
    assert "#1" in out.stderr and "Ana Pérez" in out.stderr
    assert "#2" in out.stderr and "Ana Smith" in out.stderr
    assert rave("list", "--json").json()[0]["last_meaningful_at"] is None


def test_partial_failure_writes_nothing(rave: Rave) -> None:
    rave("add", "Ana")
    out = rave("log", "Ana", "Nobody", "-n", "lunch")
    assert out.exit_code == 3
    assert rave("show", "Ana", "--json").json()["interactions"] == []


def test_follow_up_with_due_date_then_done(rave: Rave) -> None:
    rave("add", "Ana")
    logged = rave("log", "Ana", "--follow-up", "send the deck", "--due", "2030-01-15", "--json")
    assert logged.exit_code == 0, logged
    (item,) = logged.json()["followups"]
    assert (item["text"], item["due"], item["contact_name"]) == (
        "send the deck",
        "2030-01-15",
        "Ana",
    )
    listed = rave("followups", "--json").json()
    assert [f["id"] for f in listed] == [item["id"]]
    done = rave("followup", "done", str(item["id"]))
    assert done.exit_code == 0 and "send the deck" in done.stdout
    assert rave("followups", "--json").json() == []
    assert rave("followups", "--all", "--json").json()[0]["done_at"].endswith("Z")
    again = rave("followup", "done", str(item["id"]))
    assert again.exit_code == 0 and "already done" in again.stderr
    assert rave("followup", "done", "999").exit_code == 3
    assert rave("followup", "done", "abc").exit_code == 2


def test_due_needs_follow_up_and_a_future_date(rave: Rave) -> None:
    rave("add", "Ana")
    assert rave("log", "Ana", "--due", "friday").exit_code == 2
    assert rave("log", "Ana", "--follow-up", "x", "--due", "nope").exit_code == 2


def test_post_records_own_broadcast(rave: Rave) -> None:
    out = rave(
        "post", "Why small teams win", "-c", "linkedin", "--url", "https://x.test/p", "--json"
    )
    assert out.exit_code == 0
    data = out.json()
    assert set(data) >= {"id", "text", "channel", "url", "when"}
    assert (data["text"], data["channel"], data["url"]) == (
        "Why small teams win",
        "linkedin",
        "https://x.test/p",
    )
    assert rave("post", "").exit_code == 2


def test_followups_human_table(rave: Rave) -> None:
    rave("add", "Ana")
    rave("log", "Ana", "--follow-up", "intro to Bob", "--due", "2030-02-01")
    out = rave("followups")
    assert "intro to Bob" in out.stdout and "2030-02-01" in out.stdout
    assert "Ana" in out.stdout


def test_a_like_does_not_inherit_the_meeting_channel(rave: Rave) -> None:
    rave("add", "Ana")
    rave("log", "Ana", "-k", "engage", "-c", "irl")
    assert rave("log", "Ana", "-k", "broadcast", "--json").json()["channel"] == "linkedin"
    rave("log", "Ana", "-k", "broadcast", "-c", "instagram")
    assert rave("log", "Ana", "-k", "broadcast", "--json").json()["channel"] == "instagram"
    assert rave("log", "Ana", "--json").json()["channel"] == "in_person"
