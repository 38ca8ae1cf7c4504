"""Reading calendars: iCalendar files, and vdir folders of them, become events.

:func:`ics_files` finds the ``.ics`` files (one file, or a vdir: the folder and one
level of subfolders, hidden files and anything not ending in ``.ics`` left alone). Each
file's structure is checked here line by line first (icalendar keeps no line numbers,
and passes over an unclosed component without a word): not an iCalendar file, a
``BEGIN`` without its ``END``, a line that is no iCalendar line stop the import with the
file and the line (exit 65). The file is then parsed by ``icalendar`` (time zones:
``TZID`` with the file's ``VTIMEZONE``, IANA names, and the Windows names Outlook writes
such as ``W. Europe Standard Time``; a ``TZID`` nobody defines is read as local time,
with a warning) and each ``VEVENT`` read into an :class:`Event`: its start, rules and
exceptions, whether it is cancelled, where it is, its organizer and attendees
(:class:`Person`: the ``mailto:`` address or Apple's ``EMAIL`` parameter, ``CN`` as a
name, Exchange's ``Lima, Ana`` read as ``Ana Lima``). An event without ``DTSTART`` or
with an unreadable start or rule is bad data, named by line and UID; one without a UID
gets one from its start and summary. :mod:`rave.formats.calendar` judges the events;
icalendar is imported only when a file is read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rave import normalize
from rave.errors import BadInputError, UsageError
from rave.formats import EMPTY_FILE, ParseStats
from rave.formats import _common as common
from rave.formats._text import explain, open_text

_LINE_END = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"([A-Za-z0-9-]+)[;:]")
_CANCELLED_SUMMARY = re.compile(
    r"^\s*(?:canceled|cancelled|abgesagt|annulé|cancelado|cancelada|annullato)\s*:",
    re.IGNORECASE,
)
_CONFERENCE_PROPERTIES = (
    "X-GOOGLE-CONFERENCE",
    "CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGCONFLINK",
    "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
)
_NOT_PEOPLE = ("RESOURCE", "ROOM", "GROUP")
_NOT_PEOPLE_DOMAINS = (
    "resource.calendar.google.com",
    "group.calendar.google.com",
    "group.v.calendar.google.com",
)
_SUFFIX = re.compile(r"(?:[A-Z]{2,6}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?|[IVX]{1,4})")
_NAME_PART = re.compile(r"[^\W\d_][^\W\d_'’ .-]*(?:[ '’.-]+[^\W\d_][^\W\d_'’ .-]*)*\.?")


@dataclass(frozen=True, slots=True)
class Person:
    """An ORGANIZER or ATTENDEE: the normalised address, the name, and what they said."""

    address: str | None
    name: str | None
    partstat: str = "NEEDS-ACTION"
    role: str = ""
    cutype: str = ""

    def is_someone(self) -> bool:
        """A person (not a room, a resource or a mailing list) who can be named."""
        if self.cutype in _NOT_PEOPLE:
            return False
        if self.address and self.address.rpartition("@")[2] in _NOT_PEOPLE_DOMAINS:
            return False
        return bool(self.address or self.name)

    def key(self) -> str:
        return self.address or "name:" + normalize.fold(self.name or "")


@dataclass(slots=True)
class Event:
    """One VEVENT as rave needs it."""

    file: str
    line: int
    uid: str
    start: date | datetime
    recurrence_id: date | datetime | None
    rules: list[Any]
    rdates: list[date | datetime]
    exdates: list[date | datetime]
    cancelled: bool
    summary: str | None
    location: str | None
    links: str  # description, URL: where meeting links hide
    conference: list[str]
    organizer: Person | None
    attendees: list[Person] = field(default_factory=list)

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class Calendar:
    """One VCALENDAR of a file: its events, and what it says of its owner."""

    events: list[Event]
    name_address: str | None = None  # X-WR-CALNAME when it is an address (Google)
    owner_address: str | None = None  # X-OWNER (Outlook)


class Reading:
    """What is remembered across the files of one import: warnings given once."""

    def __init__(self, stats: ParseStats) -> None:
        self.stats = stats
        self.unknown_zones: set[str] = set()
        self.bad_addresses: set[str] = set()

    def warn_once(self, seen: set[str], value: str, message: str) -> None:
        if value not in seen:
            seen.add(value)
            self.stats.warn(message)


def people_on(event: Event) -> list[Person]:
    """The organizer and the attendees who are people, each once."""
    found: dict[str, Person] = {}
    for person in event.attendees:
        if person.is_someone():
            found.setdefault(person.key(), person)
    if event.organizer is not None and event.organizer.is_someone():
        found.setdefault(event.organizer.key(), event.organizer)
    return list(found.values())


# --------------------------------------------------------------------------- files


def ics_files(path: Path) -> list[Path]:
    """The ``.ics`` files of a vdir: in the folder and one level of subfolders."""
    if not path.is_dir():
        return [path]

    def ics(folder: Path) -> list[Path]:
        return sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() == ".ics" and not p.name.startswith(".")
        )

    found = ics(path)
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found.extend(ics(folder))
    if not found:
        error = BadInputError(str(path), None, "no .ics files in this folder or its subfolders")
        error.hint = "give an .ics file, or the folder vdirsyncer or khal keeps a calendar in"
        raise error
    return found


def _scan(text: str, file: str) -> list[list[int]]:
    """Check the file's structure line by line and return, for each VCALENDAR, the
    lines its VEVENTs begin at (icalendar keeps no line numbers, and it passes over an
    unclosed component without a word)."""
    calendars: list[list[int]] = []
    stack: list[tuple[str, int]] = []
    first = True
    for number, raw in enumerate(_LINE_END.split(text), start=1):
        if not raw.strip() or raw[0] in " \t":
            if raw.strip() and first:
                raise _not_ics(file, number, raw)
            continue
        match = _NAME.match(raw)
        if match is None:
            if first:
                raise _not_ics(file, number, raw)
            raise BadInputError(file, number, f"not an iCalendar line: {_shown(raw)!r}")
        name = match.group(1).upper()
        if first and not (name == "BEGIN" and raw[6:].strip().upper() == "VCALENDAR"):
            raise _not_ics(file, number, raw)
        first = False
        if name not in ("BEGIN", "END"):
            if not stack:
                raise BadInputError(file, number, "text after END:VCALENDAR")
            continue
        component = raw[len(name) + 1 :].strip().upper()
        if name == "BEGIN":
            if not stack and component != "VCALENDAR":
                raise BadInputError(file, number, f"BEGIN:{component} outside a VCALENDAR")
            if not stack:
                calendars.append([])
            elif component == "VEVENT" and len(stack) == 1:
                calendars[-1].append(number)
            stack.append((component, number))
        elif not stack or stack[-1][0] != component:
            opened = f" (BEGIN:{stack[-1][0]} is at line {stack[-1][1]})" if stack else ""
            raise BadInputError(file, number, f"END:{component} closes nothing{opened}")
        else:
            stack.pop()
    if first:
        raise BadInputError(file, None, EMPTY_FILE)
    if stack:
        component, line = stack[-1]
        raise BadInputError(file, line, f"BEGIN:{component} has no END:{component}")
    return calendars


def _not_ics(file: str, line: int, text: str) -> BadInputError:
    other = explain(file, "ics")
    if other is not None:
        return other
    return BadInputError(
        file, line, f"not an iCalendar file: it begins {_shown(text)!r}, not BEGIN:VCALENDAR"
    )


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 60 else text[:59] + "…"


def load(path: Path, reading: Reading) -> list[Calendar]:
    """The calendars of one file, every event read and checked."""
    import icalendar  # heavy: imported only when a calendar is read

    file = str(path)
    with open_text(path) as source:
        if source.warning:
            reading.stats.warn(source.warning)
        reading.stats.encoding = reading.stats.encoding or source.encoding
        text = source.stream.read()
    starts = _scan(text, file)
    try:
        parsed = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BadInputError(file, None, f"not a readable iCalendar file: {exc}") from None
    calendars = []
    for component, lines in zip(parsed, starts, strict=False):
        events = [c for c in component.subcomponents if c.name == "VEVENT"]
        method = str(component.get("METHOD") or "").strip().upper()
        read = [
            _event(ev, file, line, reading, cancelled=method == "CANCEL")
            for ev, line in zip(events, lines, strict=False)
        ]
        calendars.append(
            Calendar(
                read,
                name_address=_address_in(component.get("X-WR-CALNAME")),
                owner_address=_address_in(component.get("X-OWNER")),
            )
        )
    return calendars


def _address_in(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        return normalize.normalize_handle("email", text) if "@" in text else None
    except UsageError:
        return None


# --------------------------------------------------------------------------- events


def _text(ev: Any, name: str) -> str | None:
    value = ev.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    return common.clean(str(value)) or None


def _texts(ev: Any, name: str) -> list[str]:
    value = ev.get(name)
    values = value if isinstance(value, list) else [value] if value is not None else []
    return [str(v) for v in values]


def _moment(value: Any, ev: _Draft, what: str) -> date | datetime:
    """A DTSTART, RECURRENCE-ID, RDATE or EXDATE value as a date or a datetime (aware
    when its zone is known; naive for floating time and for a zone nobody defines)."""
    try:
        moment = value.dt
    except (ValueError, AttributeError, TypeError):
        raise BadInputError(
            ev.file, ev.line, f"event {ev.uid}: {what} {_shown(str(value))!r} is not a date"
        ) from None
    if isinstance(moment, tuple):  # an RDATE period: its start
        moment = moment[0]
    if isinstance(moment, datetime):
        tzid = getattr(value, "params", {}).get("TZID")
        if moment.tzinfo is None and tzid:
            ev.reading.warn_once(
                ev.reading.unknown_zones,
                str(tzid),
                f"{ev.file}:{ev.line}: time zone {str(tzid)!r} is defined nowhere in the "
                "file; its times were read as local time",
            )
        return moment
    if isinstance(moment, date):
        return moment
    raise BadInputError(
        ev.file, ev.line, f"event {ev.uid}: {what} {_shown(str(value))!r} is not a date"
    )


def _moments(ev: Any, name: str, draft: _Draft) -> list[date | datetime]:
    value = ev.get(name)
    lists = value if isinstance(value, list) else [value] if value is not None else []
    found: list[date | datetime] = []
    for item in lists:
        try:
            values = item.dts
        except (ValueError, AttributeError):  # icalendar's broken property: a ValueError
            values = None
        if values is None:
            raise BadInputError(
                draft.file,
                draft.line,
                f"event {draft.uid}: {name} {_shown(str(item))!r} is not a list of dates",
            )
        found.extend(_moment(v, draft, name) for v in values)
    return found


@dataclass(slots=True)
class _Draft:
    """Where an event being read is, for its messages."""

    file: str
    line: int
    uid: str
    reading: Reading


def _event(ev: Any, file: str, line: int, reading: Reading, *, cancelled: bool) -> Event:
    reading.stats.rows += 1
    uid = _text(ev, "UID") or _made_uid(ev)
    draft = _Draft(file, line, uid, reading)
    start = ev.get("DTSTART")
    if start is None:
        raise BadInputError(file, line, f"event {uid} has no DTSTART")
    if isinstance(start, list):
        raise BadInputError(file, line, f"event {uid} has {len(start)} DTSTART lines")
    rules = []
    found = ev.get("RRULE")
    for rule in found if isinstance(found, list) else [found] if found is not None else []:
        if not isinstance(rule, dict):
            raise BadInputError(file, line, f"event {uid}: cannot read RRULE {_shown(rule)!r}")
        rules.append(rule)
    recurrence = ev.get("RECURRENCE-ID")
    summary = _text(ev, "SUMMARY")
    status = (_text(ev, "STATUS") or "").upper()
    links = " ".join(_texts(ev, "DESCRIPTION") + _texts(ev, "URL"))
    conference = [u for name in _CONFERENCE_PROPERTIES for u in _texts(ev, name)]
    organizer = ev.get("ORGANIZER")
    organizer = organizer[0] if isinstance(organizer, list) and organizer else organizer
    attendees = ev.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees else []
    return Event(
        file=file,
        line=line,
        uid=uid,
        start=_moment(start, draft, "DTSTART"),
        recurrence_id=None if recurrence is None else _moment(recurrence, draft, "RECURRENCE-ID"),
        rules=rules,
        rdates=_moments(ev, "RDATE", draft),
        exdates=_moments(ev, "EXDATE", draft),
        cancelled=cancelled
        or status == "CANCELLED"
        or bool(summary and _CANCELLED_SUMMARY.match(summary)),
        summary=summary,
        location=_text(ev, "LOCATION"),
        links=links,
        conference=conference,
        organizer=None if organizer is None else _person(organizer, draft),
        attendees=[_person(a, draft) for a in attendees],
    )


def _made_uid(ev: Any) -> str:
    """A stable stand-in for a missing UID: the same event gives the same one."""
    parts = []
    for name in ("DTSTART", "SUMMARY"):
        value = ev.get(name)
        try:
            parts.append(value.to_ical().decode("utf-8", "replace"))
        except (AttributeError, ValueError, TypeError):
            parts.append(str(value))
    return "no-uid-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _person(value: Any, draft: _Draft) -> Person:
    params = getattr(value, "params", {})
    raw = str(value).strip()
    address = raw[7:] if raw.lower().startswith("mailto:") else str(params.get("EMAIL") or "")
    normal = None
    if address.strip():
        try:
            normal = normalize.normalize_handle("email", address)
        except UsageError:
            draft.reading.warn_once(
                draft.reading.bad_addresses,
                address,
                f"{draft.file}:{draft.line}: {_shown(address)!r} is not an email address; "
                "that person is known by name only",
            )
    return Person(
        address=normal,
        name=_name(params.get("CN")),
        partstat=str(params.get("PARTSTAT") or "NEEDS-ACTION").upper(),
        role=str(params.get("ROLE") or "").upper(),
        cutype=str(params.get("CUTYPE") or "").upper(),
    )


def _name(value: Any) -> str | None:
    """A ``CN`` as a person's name: none when it is an address (Google writes the address
    for people it has no name for); Exchange's ``Lima, Ana`` turned into ``Ana Lima``."""
    text = common.short_text(str(value)) if value is not None else None
    if not text or ("@" in text and " " not in text):
        return None
    family, comma, given = text.partition(",")
    family, given = family.strip(), given.strip()
    if (
        comma
        and "," not in given
        and _NAME_PART.fullmatch(family)
        and _NAME_PART.fullmatch(given)
        and not _SUFFIX.fullmatch(given)
        and len(family.split()) <= 3
        and len(given.split()) <= 3
    ):
        return f"{given} {family}"
    return text
