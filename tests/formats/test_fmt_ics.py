"""Follow-ups and snooze ends as all-day calendar events."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import icalendar

from rave.formats.ics import FollowUpEvent, SnoozeEvent, write_ics

STAMP = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
FOLLOWUPS = [
    FollowUpEvent(
        id=12, contact_id=3, contact_name="Zoë Müller", text="send the deck", due=date(2026, 3, 6)
    ),
    FollowUpEvent(
        id=13,
        contact_id=4,
        contact_name="Bo Chen",
        text="intro to Ana, about the climbing gym; " * 6,
        due=date(2026, 3, 31),
    ),
]
SNOOZES = [SnoozeEvent(contact_id=5, contact_name="Carl Berg", until=date(2026, 4, 1))]


def export(stamp: datetime = STAMP) -> str:
    buffer = io.StringIO()
    assert write_ics(FOLLOWUPS, SNOOZES, buffer, stamp=stamp) == 3
    return buffer.getvalue()


def events(text: str) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def test_events_are_all_day_with_contact_names() -> None:
    parsed = events(export())
    assert [str(e["summary"]) for e in parsed] == [
        "Follow up with Zoë Müller: send the deck",
        "Follow up with Bo Chen: "
        + ("intro to Ana, about the climbing gym; " * 6)[:79].rstrip()
        + "…",
        "Snooze ends: reach out to Carl Berg",
    ]
    assert [e["dtstart"].dt for e in parsed] == [
        date(2026, 3, 6),
        date(2026, 3, 31),
        date(2026, 4, 1),
    ]
    assert [e["dtend"].dt for e in parsed] == [date(2026, 3, 7), date(2026, 4, 1), date(2026, 4, 2)]
    assert all(type(e["dtstart"].dt) is date for e in parsed)
    assert "DTSTART;VALUE=DATE:20260306\r\n" in export()
    assert all(e["dtstamp"].dt == STAMP for e in parsed)
    assert "send the deck" in str(parsed[0]["description"])


def test_uids_are_stable_across_exports() -> None:
    first = [str(e["uid"]) for e in events(export())]
    second = [str(e["uid"]) for e in events(export(datetime(2026, 5, 1, tzinfo=UTC)))]
    assert first == second == ["followup-12@rave", "followup-13@rave", "snooze-5-20260401@rave"]


def test_crlf_and_folded_lines() -> None:
    text = export()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode("utf-8")) for line in text.split("\r\n")) <= 75


def test_no_events_is_still_a_valid_calendar() -> None:
    buffer = io.StringIO()
    assert write_ics([], [], buffer, stamp=STAMP) == 0
    calendar = icalendar.Calendar.from_ical(buffer.getvalue())
    assert list(calendar.walk("VEVENT")) == []
