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
    # with no --channel, the last channel used with them for messages (a meeting or a
    # call is named with -c: it records a live exchange)
    assert rave("log", "Ana", "--json").json()["channel"] == "twitter"
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
    assert rave("log", "Ana", "--json").json()["channel"] == "other"  # no message channel yet


# --- version 2 of the ranking model: live exchanges, day-only WHEN, the truth -------------


def test_a_call_or_meeting_that_took_place_is_both_of_you_talking(rave: Rave) -> None:
    rave("add", "Ana")
    for args in (("-c", "phone"), ("-c", "video", "--in"), ("-c", "irl", "-k", "engage")):
        data = rave("log", "Ana", *args, "--json").json()
        assert (data["direction"], data["needs_reply"]) == ("both", False), args
    out = rave("log", "Ana", "-c", "irl", "-n", "lunch")
    assert "Logged chat with Ana on in_person" in out.stdout
    shown = rave("show", "Ana").stdout
    assert "↔" in shown
    # a like on a live channel stays one-way
    assert (
        rave("log", "Ana", "-k", "broadcast", "-c", "video", "--json").json()["direction"] == "out"
    )


def test_a_call_that_did_not_connect(rave: Rave) -> None:
    rave("add", "Ana")
    mine = rave("log", "Ana", "-c", "phone", "--missed", "--json").json()
    assert (mine["direction"], mine["needs_reply"]) == ("out", False)
    theirs = rave("log", "Ana", "-c", "phone", "--missed", "--in")
    assert theirs.exit_code == 0
    assert "Logged missed call from Ana on phone" in theirs.stdout
    assert "awaiting your reply" in theirs.stdout  # their missed call wants a reply
    bad = rave("log", "Ana", "-c", "email", "--missed")
    assert bad.exit_code == 2 and "--missed" in bad.stderr and "phone" in bad.stderr


def test_a_day_only_when_comes_after_that_days_events(rave: Rave) -> None:
    rave("add", "Client")
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    quote = rave("log", "Client", "-k", "engage", "-n", "quote", "-w", f"{day}T18:30", "--json")
    assert quote.exit_code == 0, quote
    approval = rave("log", "Client", "--in", "-n", "approved", "-w", day, "--json").json()
    late = rave("log", "Client", "-n", "thanks, starting", "-w", day, "--json").json()
    quote_when = _parse(quote.json()["when"])
    assert quote_when < _parse(approval["when"]) < _parse(late["when"])
    assert _parse(late["when"]) - _parse(approval["when"]) == timedelta(seconds=1)
    timeline = rave("show", "Client", "--json").json()["interactions"]
    assert [i["note"] for i in timeline] == ["thanks, starting", "approved", "quote"]
    # a day with nothing logged yet keeps its usual time (local noon for a date)
    other = (datetime.now(UTC) - timedelta(days=5)).date().isoformat()
    alone = _parse(rave("log", "Client", "-w", other, "--json").json()["when"])
    assert alone.astimezone().hour == 12


def test_yesterday_and_weekday_names_follow_the_days_events_too(rave: Rave) -> None:
    rave("add", "Ana")
    yesterday = (datetime.now().astimezone() - timedelta(days=1)).replace(
        hour=23, minute=59, second=0, microsecond=0
    )
    first = rave("log", "Ana", "-w", yesterday.isoformat(timespec="minutes"), "--json").json()
    second = rave("log", "Ana", "--in", "-w", "yesterday", "--json").json()
    assert _parse(second["when"]) > _parse(first["when"])
    assert _parse(second["when"]).astimezone().date() == yesterday.date()


def test_the_confirmation_says_awaiting_only_when_today_will_show_it(rave: Rave) -> None:
    rave("add", "Ana", "--tier", "B")
    rave("log", "Ana", "-n", "sent the deck")  # your message, now
    back_dated = rave("log", "Ana", "--in", "-w", "2d", "-n", "can you send the deck?")
    assert back_dated.exit_code == 0
    assert "awaiting" not in back_dated.stdout  # you answered after it
    assert rave("log", "Ana", "--in", "-w", "2d", "--json").json()["needs_reply"] is False
    assert [r["lane"] for r in rave("today", "--json").json()] != ["reply"]
    fresh = rave("log", "Ana", "--in", "-n", "thanks! one more question")
    assert "awaiting your reply" in fresh.stdout
    assert [r["lane"] for r in rave("today", "--json").json()][:1] == ["reply"]
    rave("add", "Bob", "--tier", "B")
    old = rave("log", "Bob", "--in", "-w", "40d", "-n", "any news?")
    assert "unanswered for over 30 days: `today` suggests a late reply" in old.stdout
    rows = {r["name"]: r for r in rave("today", "--json").json()}
    assert (rows["Bob"]["lane"], rows["Bob"]["action"]) == ("outreach", "reply_late")


def test_show_says_whether_a_message_still_awaits_an_answer(rave: Rave) -> None:
    rave("add", "Ana")
    rave("log", "Ana", "--in", "-w", "2d", "-n", "question")
    rave("log", "Ana", "--in", "--closed", "-w", "2d", "-n", "thanks")
    first = rave("show", "Ana", "--json").json()["interactions"]
    assert [(i["note"], i["needs_reply"]) for i in first] == [
        ("thanks", False),
        ("question", True),
    ]
    assert " !" in rave("show", "Ana").stdout
    rave("log", "Ana", "-n", "answer")
    after = rave("show", "Ana", "--json").json()["interactions"]
    assert [i["needs_reply"] for i in after] == [False, False, False]
    assert " !" not in rave("show", "Ana").stdout


def test_batch_lines_take_both_and_missed(rave: Rave) -> None:
    rave("add", "Ana")
    lines = "\n".join(
        [
            '{"contact": "Ana", "direction": "both", "channel": "whatsapp", "note": "voice call"}',
            '{"contact": "Ana", "channel": "phone", "missed": true}',
            '{"contact": "Ana", "channel": "phone", "in": true}',
        ]
    )
    out = rave("log", "--batch", "-", "--json", input=lines)
    assert out.exit_code == 0, out
    assert [r["direction"] for r in out.json()] == ["both", "out", "both"]
    bad = rave("log", "--batch", "-", input='{"contact": "Ana", "direction": "sideways"}')
    assert bad.exit_code == 65 and "'in', 'out' or 'both'" in bad.stderr
    both = rave("log", "--batch", "-", input='{"contact": "Ana", "direction": "out", "in": true}')
    assert both.exit_code == 65 and "not both" in both.stderr


def test_a_missed_call_is_a_chat_whatever_the_kind(rave: Rave) -> None:
    rave("add", "Ana")
    rave("log", "Ana", "-k", "engage", "--in", "-c", "email", "-w", "3d")  # a favour
    missed = rave("log", "Ana", "-k", "engage", "-c", "phone", "--missed", "--json").json()
    assert (missed["kind"], missed["direction"]) == ("chat", "out")
    assert rave("why", "Ana", "--json").json()["state"]["debt"] == 1  # nothing repaid
    theirs = rave("log", "Ana", "-k", "engage", "-c", "phone", "--missed", "--in", "--json")
    assert theirs.json()["kind"] == "chat"
    assert rave("why", "Ana", "--json").json()["state"]["debt"] == 1  # no new favour either
    like = rave("log", "Ana", "-k", "broadcast", "-c", "phone", "--missed")
    assert like.exit_code == 2 and "not a like or a post" in like.stderr


def test_the_confirmation_follows_what_today_shows(rave: Rave) -> None:
    rave("add", "Bob", "--tier", "none")
    rave("log", "Bob", "--in", "-c", "email", "-w", "45d", "-n", "old question")
    old = rave("log", "Bob", "--in", "-c", "email", "-w", "40d", "--json").json()
    assert old["needs_reply"] is True  # unanswered: but tier none shows no late reply
    fresh = rave("log", "Bob", "--in", "-c", "whatsapp", "-n", "free tomorrow?")
    assert "awaiting your reply" in fresh.stdout  # a fresh message: the reply lane
    (row,) = rave("today", "--json").json()
    assert (row["name"], row["lane"], row["talking_point"]) == ("Bob", "reply", "free tomorrow?")
    rave("add", "Cy", "--tier", "C")
    rave("snooze", "Cy", "2w")
    rave("log", "Cy", "--in", "-c", "email", "-w", "40d")
    snoozed = rave("log", "Cy", "--in", "-c", "email", "-w", "35d")
    assert "snoozed" in snoozed.stdout and "awaiting" not in snoozed.stdout
    rave("add", "Ana", "--tier", "A")
    rave("log", "Ana", "--in", "-w", "40d")
    both = rave("log", "Ana", "Cy", "--in", "-n", "lunch together?")
    assert "awaiting your reply" in both.stdout  # both of them, in the reply lane


def test_a_chat_to_someone_you_owe_says_the_favour_is_still_owed(rave: Rave) -> None:
    rave("add", "Ana", "--tier", "C")
    rave("log", "Ana", "-k", "engage", "--in", "-c", "email", "-w", "2d")
    thanks = rave("log", "Ana", "-c", "email", "-n", "thanks!")
    assert "you still owe them a favour (log it with -k engage)" in thanks.stdout
    repaid = rave("log", "Ana", "-k", "engage", "-c", "email", "-n", "sent a review")
    assert "still owe" not in repaid.stdout
