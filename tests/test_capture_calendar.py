"""`rave import ics` (issue 17, item 2): calendars as Google Calendar, Apple Calendar /
iCloud and Outlook export them, and the vdir folders vdirsyncer and khal keep
(tests/fixtures/calendar/, invented people; each file in its program's layout, property
order, CRLF line ends and 75-octet folding included), through the real
CLI: who was met, on which channel, when (time zones, all-day and floating times),
recurring events, follow-ups for what is ahead, idempotence, and refusals with exit 65.

The fixtures' meetings all took place in 2026 before November; what must lie ahead of
the real clock is written by :func:`google_calendar` relative to now."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Rave
from rave.errors import BadInputError

FIXTURES = Path(__file__).parent / "fixtures" / "calendar"
GOOGLE = FIXTURES / "google.ics"
WEEKLY = FIXTURES / "weekly_1on1.ics"
APPLE = FIXTURES / "apple.ics"
OUTLOOK = FIXTURES / "outlook.ics"
VDIR = FIXTURES / "vdir"
ME = "maya.haddad@example.com"
ANA, BEN, CARLA = "ana.lima@example.org", "ben.okafor@example.net", "carla@dias.example"


# --------------------------------------------------------------------------- helpers


def imported(rave: Rave, path: Path | str, *args: str) -> dict[str, Any]:
    out = rave("import", "ics", str(path), "--json", *args)
    assert out.exit_code == 0, out
    report: dict[str, Any] = out.json()
    return report


def refused(rave: Rave, path: Path | str, *args: str) -> str:
    out = rave("import", "ics", str(path), *args)
    assert out.exit_code == 65, out
    return out.stderr


def people(rave: Rave) -> None:
    """Ana (tier A), Ben (B) and Carla (C), known by their personal addresses."""
    for name, tier, address in (
        ("Ana Lima", "A", ANA),
        ("Ben Okafor", "B", BEN),
        ("Carla Dias", "C", CARLA),
    ):
        assert rave("add", name, "--tier", tier, "--email", address).exit_code == 0


def store(rave: Rave) -> dict[str, Any]:
    out = rave("export", "json")
    assert out.exit_code == 0, out
    document: dict[str, Any] = json.loads(out.stdout)
    return document


def meetings(rave: Rave) -> list[dict[str, Any]]:
    """Every interaction, oldest first, with the names of the people it links."""
    document = store(rave)
    names = {c["id"]: c["name"] for c in document["contacts"]}
    found = sorted(document["interactions"], key=lambda i: (i["when"], i["id"]))
    for item in found:
        item["with"] = sorted(names[cid] for cid in item["contact_ids"])
    return found


def by_note(rave: Rave) -> dict[str, dict[str, Any]]:
    return {m["note"]: m for m in meetings(rave)}


def contact_names(rave: Rave) -> list[str]:
    return sorted(c["name"] for c in rave("list", "--json").json())


def open_followups(rave: Rave) -> list[tuple[str, str, str | None]]:
    out = rave("followups", "--json")
    assert out.exit_code == 0, out
    return sorted((f["contact_name"], f["text"], f["due"]) for f in out.json())


@pytest.fixture
def local_zone() -> Iterator[Any]:
    """Set the local time zone (``TZ``) for the test; put it back afterwards."""
    import os

    old = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def fold(line: str) -> str:
    """Fold a content line at 75 octets, as every calendar program does."""
    data, parts = line.encode(), []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while (data[cut] & 0xC0) == 0x80:  # never inside a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return "\r\n ".join(parts)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_event(
    uid: str,
    start: datetime,
    summary: str,
    guests: list[tuple[str, str, str]],
    *,
    organizer: tuple[str, str] = ("Maya Haddad", ME),
    extra: tuple[str, ...] = (),
    location: str = "",
    status: str = "CONFIRMED",
) -> list[str]:
    """One VEVENT as Google Calendar's export writes it; ``guests`` are
    ``(name, address, PARTSTAT)``."""
    lines = [
        "BEGIN:VEVENT",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(start + timedelta(minutes=30))}",
        "DTSTAMP:20261128T091500Z",
        f"ORGANIZER;CN={organizer[0]}:mailto:{organizer[1]}",
        f"UID:{uid}",
    ]
    for name, address, answer in guests:
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={answer};CN={name};"
            f"X-NUM-GUESTS=0:mailto:{address}"
        )
    lines += [
        *extra,
        "CREATED:20260101T090000Z",
        "DESCRIPTION:",
        "LAST-MODIFIED:20260101T090000Z",
        f"LOCATION:{location}",
        "SEQUENCE:0",
        f"STATUS:{status}",
        f"SUMMARY:{summary}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]
    return lines


def google_calendar(path: Path, *events: list[str], name: str = ME) -> Path:
    head = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{name}",
        "X-WR-TIMEZONE:UTC",
    ]
    lines = [*head, *(line for event in events for line in event), "END:VCALENDAR"]
    path.write_bytes(("\r\n".join(fold(line) for line in lines) + "\r\n").encode())
    return path


def me_and(*guests: tuple[str, str]) -> list[tuple[str, str, str]]:
    return [("Maya Haddad", ME, "ACCEPTED"), *((n, a, "ACCEPTED") for n, a in guests)]


# --------------------------------------------------------------------------- exports


def test_google_export_logs_the_meetings_you_had(rave: Rave) -> None:
    people(rave)
    report = imported(rave, GOOGLE)
    assert report["interactions_created"] == 5
    assert report["skipped_reasons"] == {
        "declined": 1,  # the vendor pitch
        "cancelled": 1,  # coffee with Ana
        "no one else": 1,  # the dentist
        "more than 10 guests": 1,  # the all-hands
    }
    assert (
        "took maya.haddad@example.com to be you (the calendar is named after it)"
        in (report["warnings"][0])
    )
    assert any("Dan Weiss (1)" in w for w in report["warnings"])  # worth adding
    found = by_note(rave)
    assert set(found) == {
        "Quarterly review",
        "Lunch with Ben",
        "Offsite with Carla",  # Google knows her by address only (CN is her address)
        "Call with Ben",
        "Design crit",
    }
    review = found["Quarterly review"]
    assert (review["when"], review["channel"], review["direction"], review["kind"]) == (
        "2026-03-10T09:00:00Z",  # 10:00 in Berlin (CET)
        "video",  # Google Meet
        "both",
        "engage",
    )
    assert (review["with"], review["started_by"]) == (["Ana Lima"], "me")
    lunch = found["Lunch with Ben"]  # a café, although Google added a Meet link
    assert (lunch["when"], lunch["channel"], lunch["started_by"]) == (
        "2026-04-02T10:30:00Z",  # 12:30 in Berlin (CEST)
        "in_person",
        "them",
    )
    assert found["Call with Ben"]["channel"] == "phone"
    crit = found["Design crit"]  # never answered (NEEDS-ACTION): you were there
    assert (crit["with"], crit["channel"], crit["started_by"]) == (
        ["Ana Lima"],
        "in_person",  # the meeting room, which is no one to meet
        "them",
    )
    assert contact_names(rave) == ["Ana Lima", "Ben Okafor", "Carla Dias"]  # not Maya


def test_create_makes_contacts_of_the_people_met_but_not_of_you_or_rooms(rave: Rave) -> None:
    report = imported(rave, GOOGLE, "--create")
    assert report["contacts_created"] == 4
    # Carla has no name in Google's export (its CN is her address): her address names her
    assert contact_names(rave) == ["Ana Lima", "Ben Okafor", "Dan Weiss", CARLA]
    assert all(c["tier"] == "none" for c in rave("list", "--json").json())
    assert by_note(rave)["Design crit"]["with"] == ["Ana Lima", "Dan Weiss"]


def test_all_day_event_starts_at_local_midnight(rave: Rave, local_zone: Any) -> None:
    local_zone("Europe/Lisbon")
    imported(rave, GOOGLE, "--create")
    offsite = by_note(rave)["Offsite with Carla"]
    assert (offsite["when"], offsite["channel"]) == ("2026-06-11T23:00:00Z", "in_person")


def test_weekly_one_to_one_with_an_exdate_a_moved_and_a_cancelled_occurrence(
    rave: Rave,
) -> None:
    people(rave)
    report = imported(rave, WEEKLY, "--me", ME)
    assert report["interactions_created"] == 7
    assert report["skipped_reasons"] == {"cancelled": 1}  # 6 October
    seen = [(m["when"], m["channel"], m["started_by"]) for m in meetings(rave)]
    assert seen == [
        ("2026-09-08T07:00:00Z", "video", "them"),
        ("2026-09-15T07:00:00Z", "video", "them"),
        # 22 September is an EXDATE; 29 September moved to Thursday 1 October 14:00,
        # in Ana's office
        ("2026-10-01T12:00:00Z", "in_person", "them"),
        ("2026-10-13T07:00:00Z", "video", "them"),
        ("2026-10-20T07:00:00Z", "video", "them"),
        ("2026-10-27T08:00:00Z", "video", "them"),  # 09:00 in Berlin after the clocks moved
        ("2026-11-03T08:00:00Z", "video", "them"),
    ]
    keys = [m["external_key"] for m in meetings(rave)]
    uid = "ics:8k2m4n6p8r0t2v4x6z8b0d2f4h@google.com|"
    # the moved one keeps the key of its original slot: moving it is no new meeting
    assert keys[2] == uid + "2026-09-29T07:00:00Z"
    again = imported(rave, WEEKLY, "--me", ME)
    assert (again["interactions_created"], again["already_present"]) == (0, 7)


def test_apple_calendar_finds_you_on_every_meeting(rave: Rave) -> None:
    people(rave)
    report = imported(rave, APPLE)
    assert report["warnings"][0].startswith(
        "took maya.haddad@icloud.example to be you (the one address on all 3 meetings)"
    )
    assert report["interactions_created"] == 3
    assert report["skipped_reasons"] == {"no one else": 1}  # a birthday
    found = by_note(rave)
    coffee = found["Coffee with Ana"]
    assert (coffee["when"], coffee["channel"], coffee["started_by"]) == (
        "2026-05-15T09:00:00Z",  # 10:00 in Lisbon (WEST)
        "in_person",
        "me",
    )
    facetime = found["Catch-up with Ben"]  # you said maybe (TENTATIVE)
    assert (facetime["channel"], facetime["started_by"], facetime["with"]) == (
        "video",
        "them",
        ["Ben Okafor"],
    )
    # your own attendee line carries an iCloud principal URL, your address in EMAIL=
    assert contact_names(rave) == ["Ana Lima", "Ben Okafor", "Carla Dias"]


def test_floating_time_is_local_and_keeps_its_key_in_another_zone(
    rave: Rave, local_zone: Any
) -> None:
    people(rave)
    local_zone("America/New_York")
    imported(rave, APPLE)
    dinner = by_note(rave)["Dinner with Carla"]
    assert dinner["when"] == "2026-07-10T23:00:00Z"  # 19:00 in New York (EDT)
    assert dinner["external_key"].endswith("|2026-07-10T19:00:00")
    local_zone("Asia/Tokyo")  # travelling: the same file adds nothing
    again = imported(rave, APPLE)
    assert (again["interactions_created"], again["already_present"]) == (0, 3)


def test_outlook_export_with_windows_time_zones_and_teams(rave: Rave) -> None:
    report = imported(rave, OUTLOOK, "--create")
    assert report["warnings"][0].startswith(
        "took maya.haddad@contoso.example to be you (the calendar's X-OWNER)"
    )
    assert report["skipped_reasons"] == {"cancelled": 1}  # "Canceled: Budget review"
    # Exchange's "Lima, Ana" is Ana Lima; the meeting room is nobody
    assert contact_names(rave) == ["Ana Lima", "Ben Okafor"]
    seen = [
        (m["when"], m["note"], m["channel"], m["started_by"], m["with"]) for m in meetings(rave)
    ]
    both = ["Ana Lima", "Ben Okafor"]
    assert seen == [
        # W. Europe Standard Time: 10:00 CET
        ("2026-01-20T09:00:00Z", "Project sync", "video", "them", ["Ana Lima"]),
        ("2026-02-03T13:00:00Z", "Q1 planning with Ben", "in_person", "me", ["Ben Okafor"]),
        # a weekly standup across the change to summer time (29 March)
        ("2026-03-18T08:30:00Z", "Team standup", "video", "them", both),
        ("2026-03-25T08:30:00Z", "Team standup", "video", "them", both),
        ("2026-04-01T07:30:00Z", "Team standup", "video", "them", both),
    ]


def test_vdir_of_calendars_as_vdirsyncer_keeps_them(rave: Rave) -> None:
    people(rave)
    report = imported(rave, VDIR, "--me", ME)
    assert report["interactions_created"] == 3
    # one invitation synced into two calendars is one meeting
    assert report["skipped_reasons"] == {"the same event twice": 1}
    found = by_note(rave)
    assert found["Hiring plan"]["channel"] == "video"  # a Jitsi link as the location
    climbing = found["Climbing with Ben"]  # khal: all day, no organizer (yours)
    assert (climbing["channel"], climbing["started_by"]) == ("in_person", "me")
    assert found["Phone call about the Douro trip"]["channel"] == "phone"
    assert imported(rave, VDIR, "--me", ME)["already_present"] == 3


def test_config_me_tells_whose_calendar_it_is(rave: Rave, rave_home: Path) -> None:
    people(rave)
    (rave_home / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n', encoding="utf-8")
    report = imported(rave, VDIR)
    assert report["interactions_created"] == 3
    assert not any("to be you" in w for w in report["warnings"])


def test_stdin(rave: Rave) -> None:
    people(rave)
    out = rave("import", "ics", "-", "--json", input=GOOGLE.read_text(encoding="utf-8"))
    assert out.exit_code == 0, out
    assert (out.json()["file"], out.json()["interactions_created"]) == ("<stdin>", 5)


# --------------------------------------------------------------------------- options


def test_since_dry_run_and_json(rave: Rave) -> None:
    people(rave)
    dry = imported(rave, WEEKLY, "--me", ME, "--dry-run", "--since", "2026-10-15")
    assert dry["dry_run"] is True
    assert dry["interactions_created"] == 3  # 20 Oct, 27 Oct, 3 Nov
    assert dry["skipped_reasons"] == {"before --since": 4, "cancelled": 1}
    assert meetings(rave) == []
    real = imported(rave, WEEKLY, "--me", ME, "--since", "2026-10-15")
    assert {k: real[k] for k in ("interactions_created", "skipped")} == {
        "interactions_created": 3,
        "skipped": 5,
    }
    assert [m["when"][:10] for m in meetings(rave)] == ["2026-10-20", "2026-10-27", "2026-11-03"]
    human = rave("import", "ics", str(WEEKLY), "--me", ME)
    assert human.exit_code == 0
    assert "Imported weekly_1on1.ics (ics): 0 contacts created, 0 updated, 4 interactions" in (
        human.stdout
    )
    assert "3 already present" in human.stdout


def test_a_meeting_answers_what_was_waiting(rave: Rave) -> None:
    """A live exchange answers everything before it (spec/scoring.md): Ana's unanswered
    mail leaves the reply lane once the calendar shows you met her afterwards."""
    people(rave)
    assert (
        rave(
            "log", "ana", "--in", "-c", "email", "-n", "Could you look at my deck?",
            "-w", "2026-11-01",
        ).exit_code
        == 0
    )  # fmt: skip

    def lane() -> str | None:
        out = rave("today", "--as-of", "2026-11-05T12:00", "--json")
        assert out.exit_code == 0, out
        return next((r["lane"] for r in out.json() if r["name"] == "Ana Lima"), None)

    assert lane() == "reply"
    imported(rave, WEEKLY, "--me", ME)  # the 1:1 of 3 November
    assert lane() != "reply"


# --------------------------------------------------------------------------- ahead


def test_meetings_ahead_become_follow_ups_once(rave: Rave, tmp_path: Path) -> None:
    people(rave)
    now = datetime.now(UTC).replace(microsecond=0)
    soon = (now + timedelta(days=3)).replace(hour=14, minute=0, second=0)
    weekly_start = (now - timedelta(weeks=10)).replace(hour=8, minute=0, second=0)
    path = google_calendar(
        tmp_path / "maya.ics",
        google_event("soon@google.com", soon, "Roadmap chat", me_and(("Ana Lima", ANA))),
        google_event(
            "far@google.com",
            now + timedelta(days=60),
            "Annual review",
            me_and(("Ana Lima", ANA)),
        ),
        google_event(
            "weekly@google.com",
            weekly_start,
            "Ben / Maya",
            me_and(("Ben Okafor", BEN)),
            extra=("RRULE:FREQ=WEEKLY",),  # for ever
        ),
    )
    report = imported(rave, path)
    past = sum(1 for w in range(11) if weekly_start + timedelta(weeks=w) <= now)
    assert report["interactions_created"] == past
    assert report["followups_created"] == 2
    assert report["skipped_reasons"] == {"more than 30 days ahead": 1}
    following = weekly_start + timedelta(weeks=past)
    assert open_followups(rave) == sorted(
        [
            (
                "Ana Lima",
                "meeting with Ana Lima: Roadmap chat",
                soon.astimezone().date().isoformat(),
            ),
            (
                "Ben Okafor",
                "meeting with Ben Okafor: Ben / Maya",
                following.astimezone().date().isoformat(),
            ),
        ]
    )
    again = imported(rave, path)
    assert (again["followups_created"], again["interactions_created"]) == (0, 0)
    assert again["already_present"] == past + 2
    assert len(open_followups(rave)) == 2


def test_the_follow_up_is_done_once_the_meeting_took_place(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nightly import a week later: the meeting is history, its follow-up done, and
    the next one of the series is the new follow-up."""
    from rave import timeutil

    people(rave)
    now = timeutil.utcnow()
    start = (now + timedelta(days=2)).replace(hour=9, minute=0, second=0)
    path = google_calendar(
        tmp_path / "maya.ics",
        google_event(
            "weekly@google.com",
            start,
            "Ben / Maya",
            me_and(("Ben Okafor", BEN)),
            extra=("RRULE:FREQ=WEEKLY;COUNT=4",),
        ),
    )
    assert imported(rave, path)["followups_created"] == 1
    real = timeutil.utcnow
    monkeypatch.setattr(timeutil, "utcnow", lambda: real() + timedelta(days=8))
    report = imported(rave, path)
    assert (report["interactions_created"], report["followups_created"]) == (1, 1)
    second = (start + timedelta(weeks=1)).astimezone().date().isoformat()
    assert open_followups(rave) == [("Ben Okafor", "meeting with Ben Okafor: Ben / Maya", second)]
    done = rave("followups", "--all", "--json").json()
    assert [f["done_at"] is not None for f in sorted(done, key=lambda f: f["due"])] == [
        True,
        False,
    ]


def test_a_cancelled_next_meeting_leaves_the_follow_up_to_the_one_after(
    rave: Rave, tmp_path: Path
) -> None:
    people(rave)
    now = datetime.now(UTC).replace(microsecond=0)
    start = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0)
    uid = "series@google.com"
    path = google_calendar(
        tmp_path / "maya.ics",
        google_event(
            uid, start, "Sync", me_and(("Ana Lima", ANA)), extra=("RRULE:FREQ=WEEKLY;COUNT=3",)
        ),
        google_event(
            uid,
            start,
            "Sync",
            me_and(("Ana Lima", ANA)),
            status="CANCELLED",
            extra=(f"RECURRENCE-ID:{stamp(start)}",),
        ),
    )
    report = imported(rave, path)
    assert report["skipped_reasons"] == {"cancelled": 1}
    after = (start + timedelta(weeks=1)).astimezone().date().isoformat()
    assert open_followups(rave) == [("Ana Lima", "meeting with Ana Lima: Sync", after)]


# --------------------------------------------------------------------------- who you are


def test_cannot_tell_who_you_are(rave: Rave, tmp_path: Path) -> None:
    people(rave)
    out = refused(rave, VDIR)
    assert "cannot tell which address is yours" in out
    assert "--me you@example.com" in out
    # Ana and Maya on every meeting, the calendar named after neither: one of them is you
    path = google_calendar(
        tmp_path / "shared.ics",
        google_event("a@x", datetime(2026, 1, 5, 9, tzinfo=UTC), "Sync", me_and(("Ana", ANA))),
        google_event("b@x", datetime(2026, 1, 12, 9, tzinfo=UTC), "Sync", me_and(("Ana", ANA))),
        name="Team",
    )
    out = refused(rave, path)
    assert f"{ANA}, {ME} are on every meeting" in out
    assert imported(rave, path, "--me", ME)["interactions_created"] == 2


def test_your_address_on_none_of_the_meetings_is_refused(rave: Rave) -> None:
    people(rave)
    out = refused(rave, GOOGLE, "--me", "maya@elsewhere.example")
    assert "you (maya@elsewhere.example) are on none of its events" in out
    assert "--me you@example.com" in out
    assert meetings(rave) == []


def test_you_by_name_only(rave: Rave) -> None:
    people(rave)
    report = imported(rave, WEEKLY, "--me", "Maya Haddad")
    assert report["interactions_created"] == 7
    assert contact_names(rave) == ["Ana Lima", "Ben Okafor", "Carla Dias"]


# --------------------------------------------------------------------------- bad data

VEVENT_WITHOUT_START = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//PIMUTILS.ORG//NONSGML khal / icalendar //EN\r
BEGIN:VEVENT\r
SUMMARY:Lunch\r
UID:no-start-1\r
END:VEVENT\r
END:VCALENDAR\r
"""

BAD = {
    "plain text": ("hello\r\nworld\r\n", "x.ics:1: not an iCalendar file"),
    "a vCard": (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEND:VCARD\r\n",
        "x.ics:1: this looks like a vCard file, not an iCalendar file",
    ),
    "no END:VEVENT": (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VCALENDAR\r\n",
        "x.ics:5: END:VCALENDAR closes nothing (BEGIN:VEVENT is at line 3)",
    ),
    "cut short": (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n",
        "x.ics:3: BEGIN:VEVENT has no END:VEVENT",
    ),
    "no DTSTART": (VEVENT_WITHOUT_START, "x.ics:4: event no-start-1 has no DTSTART"),
    "a start that is no date": (
        VEVENT_WITHOUT_START.replace("SUMMARY:Lunch", "DTSTART:tomorrow"),
        "x.ics:4: event no-start-1: DTSTART 'tomorrow' is not a date",
    ),
    "an unreadable rule": (
        VEVENT_WITHOUT_START.replace(
            "SUMMARY:Lunch", "DTSTART:20260101T100000Z\r\nRRULE:FREQ=SOMETIMES"
        ),
        "x.ics:4: event no-start-1: cannot read RRULE",
    ),
    "garbage line": (
        VEVENT_WITHOUT_START.replace("SUMMARY:Lunch", "this is not a property"),
        "x.ics:5: not an iCalendar line: 'this is not a property'",
    ),
    "empty": ("\r\n\r\n", "x.ics: the file is empty"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_data_is_exit_65_with_the_file_and_line(rave: Rave, tmp_path: Path, case: str) -> None:
    people(rave)
    text, expected = BAD[case]
    path = tmp_path / "x.ics"
    path.write_bytes(text.encode())
    before = store(rave)
    out = refused(rave, path, "--me", ME)
    assert expected in out.replace(str(tmp_path) + "/", "")
    assert "nothing was written" in out
    assert store(rave) == before


def test_one_broken_file_in_a_vdir_stops_the_whole_import(rave: Rave, tmp_path: Path) -> None:
    people(rave)
    folder = tmp_path / "calendars"
    shutil.copytree(VDIR, folder)
    broken = folder / "work" / "zz-broken.ics"
    broken.write_bytes(VEVENT_WITHOUT_START.encode())
    out = refused(rave, folder, "--me", ME)
    assert f"{broken}:4: event no-start-1 has no DTSTART" in out
    assert meetings(rave) == []  # the good files before it were not kept either


def test_a_folder_without_calendars(rave: Rave, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    out = refused(rave, tmp_path / "empty")
    assert "no .ics files in this folder or its subfolders" in out


# --------------------------------------------------------------------------- the reader


def read(text_or_path: str | Path, now: datetime, me: str = ME) -> tuple[list[Any], Any]:
    """The records of a calendar at ``now`` (the reader, without a store)."""
    import tempfile

    from rave.config import me_from_options
    from rave.formats import ParseStats
    from rave.formats.calendar import read_calendar

    stats = ParseStats()
    if isinstance(text_or_path, Path):
        return list(read_calendar(text_or_path, me_from_options([me]), stats, now)), stats
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.ics"
        path.write_bytes(text_or_path.encode())
        return list(read_calendar(path, me_from_options([me]), stats, now)), stats


def one_meeting(**fields: str) -> str:
    """A past meeting with Ana; ``fields`` set LOCATION, DESCRIPTION, SUMMARY, … as
    iCalendar text."""
    extra = tuple(f"{name.replace('_', '-').upper()}:{value}" for name, value in fields.items())
    event = google_event(
        "one@x", datetime(2026, 2, 2, 10, tzinfo=UTC), "Sync", me_and(("Ana Lima", ANA))
    )
    event = [line for line in event if not line.startswith(tuple(e.split(":")[0] for e in extra))]
    event[-1:-1] = extra
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", *event, "END:VCALENDAR"]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


CHANNELS = {
    "Zoom link in the description": (
        {"description": "Join Zoom Meeting\\nhttps://us02web.zoom.us/j/85512345678?pwd=abc"},
        "video",
    ),
    "Whereby room as the location": ({"location": "https://whereby.com/maya-ana"}, "video"),
    "Webex in the description": (
        {"description": "Join: https://acme.webex.com/meet/maya"},
        "video",
    ),
    "Teams named as the location": ({"location": "Microsoft Teams Meeting"}, "video"),
    "RFC 7986 CONFERENCE": ({"conference": "https://chat.example.com/audio?id=123456"}, "video"),
    "a phone number as the location": ({"location": "+351 912 345 678"}, "phone"),
    "a tel: link in the description": (
        {"description": "I'll ring you on tel:+4930123456"},
        "phone",
    ),
    "a call by its summary": ({"summary": "Quick call about hiring"}, "phone"),
    "Zoom by its summary": ({"summary": "Zoom with Ana"}, "video"),
    "a place": ({"location": "Café Tati\\, Lisbon"}, "in_person"),
    "a place beats a video link": (
        {"location": "Room 4.01", "description": "https://meet.google.com/abc-defg-hij"},
        "in_person",
    ),
    "nothing said": ({}, "in_person"),
}


@pytest.mark.parametrize("case", CHANNELS, ids=list(CHANNELS))
def test_channel_of_a_meeting(case: str) -> None:
    fields, channel = CHANNELS[case]
    records, _ = read(one_meeting(**fields), datetime(2026, 3, 1, tzinfo=UTC))
    assert [r.channel for r in records] == [channel]


def test_you_are_never_one_of_the_people() -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    mine = {ME, "maya.haddad@icloud.example", "maya.haddad@contoso.example"}
    for path in (GOOGLE, WEEKLY, APPLE, OUTLOOK, VDIR):
        for me in sorted(mine):
            try:
                records, _ = read(path, now, me)
            except BadInputError:  # another file's owner: refused, fine
                continue
            for record in records:
                handles = {value for p in record.others for _, value in p.handles}
                assert not handles & mine, (path, record)
                assert "Maya Haddad" not in {p.name for p in record.others}


def test_an_infinite_daily_rule_is_expanded_only_up_to_the_follow_up_horizon() -> None:
    text = one_meeting(rrule="FREQ=DAILY")
    now = datetime(2026, 2, 12, 12, tzinfo=UTC)
    records, _ = read(text, now)
    past = [r for r in records if r.due is None]
    ahead = [r for r in records if r.due is not None]
    assert len(past) == 11  # 2 to 12 February
    assert [r.due for r in ahead] == [date(2026, 2, 13)]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    first=st.datetimes(
        min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2026, 12, 31),  # noqa: DTZ001
    ),
    step_days=st.sampled_from([1, 2, 7, 14]),
    count=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
    skipped=st.sets(st.integers(min_value=0, max_value=59), max_size=10),
    later=st.integers(min_value=-30, max_value=400),
)
def test_recurrence_matches_a_simple_model(
    first: datetime, step_days: int, count: int | None, skipped: set[int], later: int
) -> None:
    """Occurrences every ``step_days`` from ``first`` (UTC), ``count`` of them or for
    ever, some excluded by EXDATE: the past ones are logged, each once, and only the
    next one ahead (within 30 days) is a follow-up."""
    start = first.replace(second=0, microsecond=0, tzinfo=UTC)
    now = start + timedelta(days=later, hours=5)
    rule = f"FREQ=DAILY;INTERVAL={step_days}" + (f";COUNT={count}" if count else "")
    excluded = [start + timedelta(days=step_days * i) for i in sorted(skipped)]
    fields = {"rrule": rule}
    if excluded:
        fields["exdate"] = ",".join(stamp(x) for x in excluded)
    event = one_meeting(**fields).replace(stamp(datetime(2026, 2, 2, 10, tzinfo=UTC)), stamp(start))
    records, _ = read(event, now)
    total = count if count else 10_000
    model = []
    for i in range(total):
        moment = start + timedelta(days=step_days * i)
        if moment > now + timedelta(days=30):
            break
        if moment not in excluded:
            model.append(moment)
    past = [m for m in model if m <= now]
    ahead = [m for m in model if m > now][:1]
    assert [r.when for r in records if r.due is None] == past
    assert [r.when for r in records if r.due is not None] == ahead
    keys = [r.external_key for r in records]
    assert len(keys) == len(set(keys))


def test_a_zone_nobody_defines_is_read_as_local_time_with_a_warning(local_zone: Any) -> None:
    local_zone("Europe/Lisbon")
    text = one_meeting().replace(
        "DTSTART:20260202T100000Z", "DTSTART;TZID=Somewhere/Else:20260202T100000"
    )
    records, stats = read(text, datetime(2026, 3, 1, tzinfo=UTC))
    assert [r.when for r in records] == [datetime(2026, 2, 2, 10, tzinfo=UTC)]  # WET = UTC
    assert "time zone 'Somewhere/Else' is defined nowhere in the file" in stats.warnings[0]


def test_a_windows_zone_name_without_its_vtimezone() -> None:
    text = one_meeting().replace(
        "DTSTART:20260202T100000Z", 'DTSTART;TZID="Pacific Standard Time":20260702T100000'
    )
    records, stats = read(text, datetime(2026, 8, 1, tzinfo=UTC))
    assert [r.when for r in records] == [datetime(2026, 7, 2, 17, tzinfo=UTC)]  # PDT
    assert stats.warnings == []


def test_a_cancellation_file_and_guests_who_declined() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    cancel = (
        one_meeting().replace("METHOD:PUBLISH", "").replace("PRODID:x", "PRODID:x\r\nMETHOD:CANCEL")
    )
    records, stats = read(cancel, now)
    assert (records, dict(stats.skipped)) == ([], {"cancelled": 1})
    event = google_event(
        "two@x",
        datetime(2026, 2, 2, 10, tzinfo=UTC),
        "Sync",
        [
            ("Maya Haddad", ME, "ACCEPTED"),
            ("Ana Lima", ANA, "ACCEPTED"),
            ("Ben Okafor", BEN, "DECLINED"),
        ],
    )
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", *event, "END:VCALENDAR"])
    records, _ = read(text + "\r\n", now)
    assert [[p.name for p in r.others] for r in records] == [["Ana Lima"]]


def test_a_meeting_moved_to_another_day_moves_its_follow_up(rave: Rave, tmp_path: Path) -> None:
    """A one-off meeting rescheduled (same UID, another DTSTART): one follow-up, on the
    new day, not a second one beside the stale one."""
    people(rave)
    now = datetime.now(UTC).replace(microsecond=0)
    first = (now + timedelta(days=3)).replace(hour=14, minute=0, second=0)
    moved = first + timedelta(days=4)
    for start in (first, moved):
        path = google_calendar(
            tmp_path / "maya.ics",
            google_event("lunch@google.com", start, "Lunch", me_and(("Ana Lima", ANA))),
        )
        report = imported(rave, path)
    assert (report["followups_created"], report["followups_moved"]) == (0, 1)
    assert open_followups(rave) == [
        ("Ana Lima", "meeting with Ana Lima: Lunch", moved.astimezone().date().isoformat())
    ]
    again = imported(rave, path)
    assert (again["followups_created"], again["followups_moved"]) == (0, 0)


def test_a_calendar_given_as_another_format_is_refused_with_the_right_one(rave: Rave) -> None:
    out = rave("import", "vcard", str(GOOGLE))
    assert out.exit_code == 65, out
    assert "import it as ics: rave import ics FILE" in out.stderr
