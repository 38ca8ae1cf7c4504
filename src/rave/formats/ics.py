"""iCalendar export (``.ics``) of what is due: open follow-ups with a due date and
the days snoozes end, as all-day ``VEVENT``s (Google Calendar ignores ``VTODO``).

Each event has ``UID`` (stable: ``followup-<id>@rave``, ``snooze-<contact id>-<YYYYMMDD>
@rave``, so re-importing an updated export updates events instead of duplicating
them), ``DTSTAMP`` (the export time), ``DTSTART;VALUE=DATE`` and ``DTEND;VALUE=DATE``
the next day, ``SUMMARY`` naming the contact, ``DESCRIPTION`` with the full text, and
``TRANSP:TRANSPARENT`` (a reminder does not make you busy). Serialised by icalendar:
CRLF line ends, lines folded at 75 octets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TextIO

from rave import timeutil

PRODID = "-//rave//rave//EN"
SUMMARY_TEXT_CHARS = 80


@dataclass(frozen=True)
class FollowUpEvent:
    """An open follow-up with a due date."""

    id: int
    contact_id: int
    contact_name: str
    text: str
    due: date


@dataclass(frozen=True)
class SnoozeEvent:
    """The day a contact's snooze ends (``snoozed_until`` as a local date)."""

    contact_id: int
    contact_name: str
    until: date


def followup_uid(event: FollowUpEvent) -> str:
    return f"followup-{event.id}@rave"


def snooze_uid(event: SnoozeEvent) -> str:
    return f"snooze-{event.contact_id}-{event.until:%Y%m%d}@rave"


def _short(text: str) -> str:
    line = " ".join(text.split())
    if len(line) <= SUMMARY_TEXT_CHARS:
        return line
    return line[: SUMMARY_TEXT_CHARS - 1].rstrip() + "…"


def write_ics(
    followups: Iterable[FollowUpEvent],
    snoozes: Iterable[SnoozeEvent],
    stream: TextIO,
    *,
    stamp: datetime | None = None,
) -> int:
    """Write one VCALENDAR with an all-day event per follow-up and per snooze end to
    ``stream`` (open it with ``newline=""`` and UTF-8). ``stamp`` is the DTSTAMP
    (default: now). Returns the number of events written."""
    import icalendar  # heavy: imported only when exporting a calendar

    moment = timeutil.to_utc(stamp) if stamp is not None else timeutil.utcnow()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "rave")
    count = 0

    def event(uid: str, day: date, summary: str, description: str) -> None:
        nonlocal count
        item = icalendar.Event()
        item.add("uid", uid)
        item.add("dtstamp", moment)
        item.add("dtstart", day)
        item.add("dtend", day + timedelta(days=1) if day < date.max else day)
        item.add("summary", summary)
        item.add("description", description)
        item.add("transp", "TRANSPARENT")
        calendar.add_component(item)
        count += 1

    for followup in followups:
        event(
            followup_uid(followup),
            followup.due,
            f"Follow up with {followup.contact_name}: {_short(followup.text)}",
            f"{followup.text}\n\nrave followup done {followup.id}",
        )
    for snooze in snoozes:
        event(
            snooze_uid(snooze),
            snooze.until,
            f"Snooze ends: reach out to {snooze.contact_name}",
            f"{snooze.contact_name} is back in your rave today list.",
        )
    stream.write(calendar.to_ical().decode("utf-8"))
    return count
