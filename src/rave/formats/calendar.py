"""Calendars (``.ics``): the meetings you had become history, the ones ahead follow-ups.

Reads one iCalendar file (a Google Calendar, Apple Calendar / iCloud or Outlook export,
an invitation saved from mail) or a folder of them as vdirsyncer and khal keep a
calendar: a *vdir*, one ``.ics`` file per event named after its UID, the folder given
either as one calendar or as the parent of several (``~/.calendars/work/…``,
``~/.calendars/home/…``: one level of subfolders is read; hidden files and anything not
ending in ``.ics``, such as vdirsyncer's ``color`` and ``displayname``, are left alone).
Files are parsed by ``icalendar`` (time zones: ``TZID`` with the file's ``VTIMEZONE``,
IANA names, and the Windows names Outlook writes such as ``W. Europe Standard Time``);
recurrences are expanded here with ``dateutil``'s ``rrule``, which comes with icalendar.

**What becomes what.** Every occurrence of an event is judged on its own:

- A *past* occurrence (it has started) that you attended with other people is one
  interaction ``both`` / ``engage`` (a meeting is time given on both sides: spec/scoring.md
  counts a ``both`` engage as answering everything and settling what you owed), the
  summary as its note, ``started_by`` ``me`` when you are the ``ORGANIZER`` (or the event
  has none: you put it in your calendar yourself), else ``them``.
- A *future* occurrence within :data:`FOLLOWUP_DAYS` days is a follow-up for each person
  ("meeting with Ana Lima: Quarterly review", due that local day); of a recurring event,
  only the next one, so a weekly 1:1 gives one follow-up at a time (the nightly import
  adds the following one once this one is past, and ``services.capture`` marks the
  follow-up done when the meeting is written as having taken place). Later ones are
  left for a later import.
- *You attended*: you are the ``ORGANIZER``, or an ``ATTENDEE`` whose ``PARTSTAT`` is
  not ``DECLINED`` (nor ``DELEGATED``). ``NEEDS-ACTION`` (or no ``PARTSTAT``) counts as
  attended: the event is in your calendar and you did not decline it; many people never
  answer invitations to a recurring 1:1, and Outlook's export does not keep your answer
  at all. An event with no ``ORGANIZER`` is yours (khal, a local Apple event).
- The *people* are the organizer and the attendees, without you, without those who
  declined or are ``NON-PARTICIPANT``, and without rooms, resources and groups
  (``CUTYPE``, Google's ``…@resource.calendar.google.com``). Each is known by the
  ``mailto:`` address (or Apple's ``EMAIL`` parameter when the value is an iCloud
  principal URL) and by ``CN`` as a name (a ``CN`` that is only the address, as Google
  writes for people it has no name for, is no name; Exchange's ``Lima, Ana`` is read as
  ``Ana Lima``).
- *Channel*: the ``LOCATION`` decides when there is one: a meeting link or the name of
  a video service (``Microsoft Teams Meeting``, ``Zoom``) is ``video``, a phone number or
  ``tel:`` link is ``phone``, anything else is a place: ``in_person`` (so a lunch at a
  café stays in person although Google added a Meet link to it). Without a location: a
  conference property (``X-GOOGLE-CONFERENCE``, RFC 7986 ``CONFERENCE``, Outlook's
  ``X-MICROSOFT-SKYPETEAMSMEETINGURL``) or a meeting link in the description or ``URL``
  (Meet, Zoom, Teams, Jitsi, Whereby, Webex, FaceTime, …) or a video service named in
  the summary is ``video``; a ``tel:`` link, or a summary that says it is a call
  (``call``, ``phone``, ``Anruf``, ``appel``, …) is ``phone``; an event that says
  nothing of where is a meeting in person (``in_person``).

**Left out and counted** (the import report's reasons): ``cancelled`` (``STATUS:
CANCELLED``, a ``METHOD:CANCEL`` file, Outlook's ``Canceled:`` summaries), ``declined``,
``delegated``, ``not on the guest list`` (others organised it and you are not among the
attendees), ``no one else`` (just you), ``more than 10 guests`` (a talk or an
all-hands is no conversation with each of them: :data:`MAX_GUESTS`), ``more than 30
days ahead``, ``repeats every minute`` (a ``SECONDLY``/``MINUTELY`` rule is no meeting),
and ``the same event twice`` (one invitation in two calendars of a vdir).

**Recurrence**: ``RRULE`` (several allowed), ``RDATE``, ``EXDATE`` and ``RECURRENCE-ID``
overrides that move, change or cancel one occurrence. Expansion stops at ``now`` +
:data:`FOLLOWUP_DAYS`, whatever the rule says; at most :data:`MAX_OCCURRENCES` past
occurrences of one event are kept (the latest), with a warning. (``--since`` is applied
by ``services.capture`` on each occurrence.)

**Once**: the source key is ``ics:<UID>|<occurrence>``; the occurrence is its original
start (``RECURRENCE-ID`` for one that was moved, so moving it does not make it another
meeting): ``2026-03-10T09:00:00Z`` (UTC), the date of an all-day event, or the wall time
of a floating one, so importing again in another time zone finds the same keys. An
event without a UID (which RFC 5545 requires) gets one from its start and summary.

**Times**: ``when`` is aware UTC: ``Z`` times as they are, ``TZID`` times through
their zone, floating times and all-day dates in the local time zone (an all-day event
from its local midnight). A ``TZID`` nobody defines is read as local time, with a
warning.

**Who you are** (``[me]`` emails and names, ``--me``): you are never one of the people.
When neither gives an address or a name, the file's owner is taken, with a warning, when
it says so unambiguously: ``X-WR-CALNAME`` being an address (Google names your own
calendar after you), Outlook's ``X-OWNER``, or the one address on every event that has
people. Otherwise, or when your addresses are on no event of a calendar whose events
have organizers, the import is refused (exit 65) with a hint to pass ``--me``.

**Bad data** stops the import with the file and the line (exit 65; nothing written):
not an iCalendar file, a ``BEGIN`` without its ``END``, a line that is no iCalendar
line, an event without ``DTSTART`` or with an unreadable start or rule (named by line and
UID). In a vdir, one broken file stops the whole import, naming that file.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from rave import normalize, timeutil
from rave.config import MeConfig
from rave.errors import BadInputError, UsageError
from rave.formats import EMPTY_FILE, ParseStats
from rave.formats import _common as common
from rave.formats._text import explain, open_text
from rave.services.capture import Captured, Party

FOLLOWUP_DAYS = 30
"""How far ahead a future meeting becomes a follow-up (and how far rules are expanded)."""

MAX_GUESTS = 10
"""More people than this (you not counted) make a talk or an all-hands, not a meeting."""

MAX_OCCURRENCES = 5000
"""Past occurrences kept of one recurring event (the latest): 13 years of a daily one."""

KEY_PREFIX = "ics:"

CANCELLED = "cancelled"
DECLINED = "declined"
DELEGATED = "delegated"
NOT_INVITED = "not on the guest list"
ALONE = "no one else"
CROWD = f"more than {MAX_GUESTS} guests"
LATER = f"more than {FOLLOWUP_DAYS} days ahead"
TOO_OFTEN = "repeats every minute"
TWICE = "the same event twice"

_HINT = "pass --me you@example.com (or set emails in [me] in config.toml); nothing was written"

_LINE_END = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"([A-Za-z0-9-]+)[;:]")
_URL = re.compile(r"https?://[^\s<>\"'\\]+", re.IGNORECASE)
_TEL = re.compile(r"\btel:\+?[\d\s().-]{6,}", re.IGNORECASE)
_PHONE_ONLY = re.compile(r"\+?[\d\s().-]{7,}")
_VIDEO_HOSTS = (
    "meet.google.com",
    "hangouts.google.com",
    "zoom.us",
    "zoomgov.com",
    "teams.microsoft.com",
    "teams.live.com",
    "meet.jit.si",
    "8x8.vc",
    "whereby.com",
    "webex.com",
    "facetime.apple.com",
    "gotomeeting.com",
    "gotomeet.me",
    "meet.goto.com",
    "bluejeans.com",
    "chime.aws",
    "join.skype.com",
    "meet.lync.com",
)
_VIDEO_WORDS = re.compile(
    r"\b(?:microsoft teams|teams meeting|zoom|google meet|hangouts?|webex|facetime|skype"
    r"|jitsi|whereby|gotomeeting|bluejeans)\b",
    re.IGNORECASE,
)
_CALL_WORDS = re.compile(
    r"\b(?:call|calls|phone|phonecall|telephone|anruf|telefonat|appel|llamada|chamada)\b",
    re.IGNORECASE,
)
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


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Person:
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
class _Event:
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
    organizer: _Person | None
    attendees: list[_Person] = field(default_factory=list)

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class _Calendar:
    """One VCALENDAR of a file: its events, and what it says of its owner."""

    events: list[_Event]
    name_address: str | None = None  # X-WR-CALNAME when it is an address (Google)
    owner_address: str | None = None  # X-OWNER (Outlook)


class _Reading:
    """What is remembered across the files of one import: warnings given once."""

    def __init__(self, stats: ParseStats) -> None:
        self.stats = stats
        self.unknown_zones: set[str] = set()
        self.bad_addresses: set[str] = set()

    def warn_once(self, seen: set[str], value: str, message: str) -> None:
        if value not in seen:
            seen.add(value)
            self.stats.warn(message)


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


def _load(path: Path, reading: _Reading) -> list[_Calendar]:
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
            _Calendar(
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
    reading: _Reading


def _event(ev: Any, file: str, line: int, reading: _Reading, *, cancelled: bool) -> _Event:
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
    return _Event(
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


def _person(value: Any, draft: _Draft) -> _Person:
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
    return _Person(
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


# --------------------------------------------------------------------------- who you are


@dataclass(frozen=True, slots=True)
class _You:
    """You, as a calendar names you: your addresses, else your names (folded)."""

    emails: frozenset[str]
    names: frozenset[str]

    def is_me(self, person: _Person) -> bool:
        if person.address and self.emails:
            return person.address in self.emails
        return bool(person.name) and normalize.fold(person.name or "") in self.names


def _given(me: MeConfig) -> _You | None:
    names = frozenset(f for f in (normalize.fold(n) for n in me.names) if f)
    if not me.emails and not names:
        return None
    return _You(frozenset(me.emails), names)


def _people(event: _Event) -> list[_Person]:
    """The organizer and the attendees who are people, each once."""
    found: dict[str, _Person] = {}
    for person in event.attendees:
        if person.is_someone():
            found.setdefault(person.key(), person)
    if event.organizer is not None and event.organizer.is_someone():
        found.setdefault(event.organizer.key(), event.organizer)
    return list(found.values())


class _Evidence:
    """What the calendars say of their owner."""

    def __init__(self) -> None:
        self.named: set[str] = set()
        self.owners: set[str] = set()
        self.common: set[str] | None = None
        self.events = 0

    def add(self, calendar: _Calendar) -> None:
        if calendar.name_address:
            self.named.add(calendar.name_address)
        if calendar.owner_address:
            self.owners.add(calendar.owner_address)
        for event in calendar.events:
            people = _people(event)
            if not people:
                continue  # nobody on it: it says nothing of who you are
            self.events += 1
            addresses = {p.address for p in people if p.address}
            self.common = addresses if self.common is None else self.common & addresses

    def owner(self, file: str) -> tuple[str, str] | None:
        """``(address, why)``, or None when no event has people (nothing needs you)."""
        for found, why in (
            (self.named, "the calendar is named after it"),
            (self.owners, "the calendar's X-OWNER"),
        ):
            if len(found) == 1:
                return next(iter(found)), why
        if self.events == 0:
            return None
        if self.common is not None and len(self.common) == 1:
            return next(iter(self.common)), f"the one address on all {self.events} meetings"
        shown = ", ".join(sorted(self.common or ())[:3])
        why = f"{shown} are on every meeting" if self.common else "no address is on every meeting"
        raise _unsure(file, f"cannot tell which address is yours: {why}")


def _unsure(file: str, reason: str) -> BadInputError:
    error = BadInputError(file, None, reason)
    error.hint = _HINT
    return error


# --------------------------------------------------------------------------- occurrences


def _utc(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return timeutil.to_utc(value)  # naive (floating) = local
    return timeutil.local_midnight(value)


def _like(value: date | datetime, like: date | datetime) -> date | datetime:
    """``value`` as the same kind of value as ``like`` (a date, a floating time, or a
    time in a zone), so that occurrences, exceptions and overrides compare."""
    if not isinstance(like, datetime):
        return value.date() if isinstance(value, datetime) else value
    if not isinstance(value, datetime):
        return datetime.combine(value, like.time(), like.tzinfo)
    if like.tzinfo is None and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)  # to local wall time
    if like.tzinfo is not None and value.tzinfo is None:
        return value.replace(tzinfo=like.tzinfo)
    return value


def _stamp(value: date | datetime) -> str:
    """An occurrence in the source key: UTC, a floating wall time, or a date."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        stamp = timeutil.iso_z(value)
        assert stamp is not None
        return stamp
    return value.isoformat()


def _expand(
    event: _Event, now: datetime, horizon: datetime, stats: ParseStats
) -> list[date | datetime]:
    """The occurrences of a master event up to ``horizon`` (at most MAX_OCCURRENCES
    before ``now``, the latest), as values of the kind of its DTSTART."""
    start = event.start
    if not event.rules and not event.rdates:
        return [start]
    from dateutil import rrule as dateutil_rrule

    base = start if isinstance(start, datetime) else datetime.combine(start, time())
    rules = dateutil_rrule.rruleset()
    rules.rdate(base)  # DTSTART is the first occurrence (RFC 5545)
    for rule in event.rules:
        rules.rrule(_rule(rule, base, event))
    for extra in event.rdates:
        rules.rdate(_like(extra, base))
    past: deque[datetime] = deque(maxlen=MAX_OCCURRENCES)
    ahead: list[datetime] = []
    seen = 0
    for occurrence in rules:
        when = _utc(occurrence)
        if when > horizon:
            break
        if when <= now:
            seen += 1
            past.append(occurrence)
        else:
            ahead.append(occurrence)
    if seen > MAX_OCCURRENCES:
        stats.warn(
            f"{event.where()}: event {event.uid} happened {seen} times; only the latest "
            f"{MAX_OCCURRENCES} were read"
        )
    found = [*past, *ahead]
    if isinstance(start, datetime):
        return list(found)
    return [o.date() for o in found]


def _rule(rule: Any, base: datetime, event: _Event) -> Any:
    from dateutil import rrule as dateutil_rrule  # comes with icalendar

    until = rule.get("UNTIL")
    text = rule.to_ical().decode("ascii", "replace")
    text = ";".join(p for p in text.split(";") if not p.upper().startswith("UNTIL="))
    try:
        parsed = dateutil_rrule.rrulestr(text, dtstart=base)
        if until:
            limit = until[0]
            if not isinstance(limit, datetime):  # a date: the whole day
                limit = datetime.combine(limit, time(23, 59, 59))
            parsed = parsed.replace(until=_like(limit, base))
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadInputError(
            event.file, event.line, f"event {event.uid}: cannot read RRULE {text!r}: {exc}"
        ) from None
    return parsed


def _too_often(event: _Event) -> bool:
    return any(
        str(f).upper() in ("SECONDLY", "MINUTELY") for r in event.rules for f in r.get("FREQ", [])
    )


# --------------------------------------------------------------------------- judging


def _channel(event: _Event) -> str:
    """video, phone or in_person: the module docstring's rule."""
    location = event.location or ""
    if location:
        if _meeting_link(location) or _VIDEO_WORDS.search(location):
            return "video"
        if _TEL.search(location) or _PHONE_ONLY.fullmatch(location):
            return "phone"
        if not _URL.search(location):
            return "in_person"
    links = " ".join([location, event.links, *event.conference])
    if (
        any(_URL.match(u.strip()) for u in event.conference)
        or _meeting_link(links)
        or _VIDEO_WORDS.search(event.summary or "")
    ):
        return "video"
    if _TEL.search(links) or _CALL_WORDS.search(event.summary or ""):
        return "phone"
    return "in_person"


def _meeting_link(text: str) -> bool:
    from urllib.parse import urlsplit

    for url in _URL.findall(text):
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            continue
        if any(host == h or host.endswith("." + h) for h in _VIDEO_HOSTS) or "jitsi" in host:
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What one occurrence is: a meeting with ``others``, or left out for ``skip``."""

    others: tuple[Party, ...] = ()
    mine: bool = False  # you organised it
    skip: str | None = None


def _judge(event: _Event, you: _You | None) -> _Verdict:
    """Attended, with whom, or why not (the module docstring's rules)."""
    if event.cancelled:
        return _Verdict(skip=CANCELLED)
    people = _people(event)
    organizer = event.organizer if event.organizer and event.organizer.is_someone() else None
    me = [p for p in people if you is not None and you.is_me(p)]
    if organizer is not None and you is not None and you.is_me(organizer):
        me.append(organizer)
    answers = {p.partstat for p in me if p is not organizer}
    mine = organizer is None or organizer in me
    if "DECLINED" in answers:
        return _Verdict(skip=DECLINED)
    if "DELEGATED" in answers and not mine:
        return _Verdict(skip=DELEGATED)
    if not me and organizer is not None:
        return _Verdict(skip=NOT_INVITED)
    others = [
        p
        for p in people
        if p not in me and p.partstat != "DECLINED" and p.role != "NON-PARTICIPANT"
    ]
    if not others:
        return _Verdict(skip=ALONE)
    if len(others) > MAX_GUESTS:
        return _Verdict(skip=CROWD)
    parties = tuple(Party(p.name, (("email", p.address),) if p.address else ()) for p in others)
    return _Verdict(others=parties, mine=mine)


def _with(parties: tuple[Party, ...]) -> str:
    names = [p.shown() for p in parties]
    if len(names) > 3:
        return f"{', '.join(names[:2])} and {len(names) - 2} others"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _records(
    group: list[_Event],
    you: _You | None,
    now: datetime,
    horizon: datetime,
    stats: ParseStats,
) -> Iterator[Captured]:
    """The records of one UID's events: a master (if any) and its overrides."""
    masters = [e for e in group if e.recurrence_id is None]
    overrides = {}
    for event in group:
        if event.recurrence_id is not None:
            like = masters[0].start if masters else event.recurrence_id
            overrides[_stamp(_like(event.recurrence_id, like))] = event
    occurrences: list[tuple[datetime, str, _Event, date | datetime]] = []
    for master in masters:
        if _too_often(master):
            stats.skip(TOO_OFTEN)
            continue
        excluded = {_stamp(_like(x, master.start)) for x in master.exdates}
        for value in _expand(master, now, horizon, stats):
            stamp = _stamp(value)
            if stamp in excluded:
                overrides.pop(stamp, None)
                continue
            moved = overrides.pop(stamp, None)
            if moved is not None:
                occurrences.append((_utc(moved.start), stamp, moved, moved.start))
            else:
                occurrences.append((_utc(value), stamp, master, value))
    for stamp, event in overrides.items():  # a lone occurrence: you were invited to one
        occurrences.append((_utc(event.start), stamp, event, event.start))
    occurrences.sort(key=lambda item: item[0])
    recurring = len(occurrences) > 1 or any(m.rules or m.rdates for m in masters)
    for when, stamp, event, start in occurrences:
        future = when > now
        if future and when > horizon:
            if not recurring:
                stats.skip(LATER)
            continue
        verdict = _judge(event, you)
        if verdict.skip is not None:
            stats.skip(verdict.skip)
            continue
        key = f"{KEY_PREFIX}{event.uid}|{stamp}"
        note: str | None
        if future:
            due = start if not isinstance(start, datetime) else timeutil.local_date(when)
            about = f": {event.summary}" if event.summary else ""
            note = common.excerpt(f"meeting with {_with(verdict.others)}{about}")
        else:
            due, note = None, common.excerpt(event.summary) or None
        yield Captured(
            external_key=key,
            when=when,
            channel=_channel(event),
            direction="both",
            others=verdict.others,
            note=note,
            kind="engage",
            started_by="me" if verdict.mine else "them",
            due=due,
            series=f"{KEY_PREFIX}{event.uid}",
            where=event.where(),
        )
        if future:
            return  # only the next meeting of a series becomes a follow-up


# --------------------------------------------------------------------------- the reader


def _files(path: Path) -> list[Path]:
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


def _by_uid(events: Iterable[_Event]) -> dict[str, list[_Event]]:
    groups: dict[str, list[_Event]] = {}
    for event in events:
        groups.setdefault(event.uid, []).append(event)
    return groups


def read_calendar(path: Path, me: MeConfig, stats: ParseStats, now: datetime) -> Iterator[Captured]:
    """The meetings of an ``.ics`` file or a vdir folder (module docstring), for
    ``services.capture.write``: past occurrences as interactions, the next one ahead as a
    follow-up (``due``). Raises BadInputError (exit 65) on bad data and when it cannot
    tell who you are."""
    now = now.astimezone(UTC)
    horizon = now + timedelta(days=FOLLOWUP_DAYS)
    reading = _Reading(stats)
    files = _files(path)
    you = _given(me)
    loaded: dict[Path, list[_Calendar]] = {}
    if you is None:  # whose calendar is it? a first pass (a vdir is read twice)
        first = reading if len(files) == 1 else _Reading(ParseStats())
        evidence = _Evidence()
        for file in files:
            calendars = _load(file, first)
            if len(files) == 1:
                loaded[file] = calendars
            for calendar in calendars:
                evidence.add(calendar)
        guess = evidence.owner(str(path))
        if guess is not None:
            address, why = guess
            stats.warn_first(
                f"took {address} to be you ({why}); pass --me {address} or set it in "
                "[me] emails in config.toml to be sure"
            )
            you = _You(frozenset({address}), frozenset())
    seen_me = False
    invited = 0  # events someone organised with others: you must be on some of them
    keys: set[str] = set()
    for file in files:
        calendars = loaded.pop(file) if file in loaded else _load(file, reading)
        for calendar in calendars:
            for event in calendar.events:
                on_it = _people(event)
                invited += event.organizer is not None and len(on_it) > 1
                if event.organizer is not None:
                    on_it.append(event.organizer)
                seen_me = seen_me or (you is not None and any(map(you.is_me, on_it)))
            for group in _by_uid(calendar.events).values():
                for record in _records(group, you, now, horizon, stats):
                    if record.external_key in keys:
                        stats.skip(TWICE)
                        continue
                    keys.add(record.external_key)
                    stats.records += 1
                    yield record
    if you is not None and invited and not seen_me:
        shown = ", ".join(sorted(you.emails) or sorted(me.names))
        raise _unsure(
            str(path), f"you ({shown}) are on none of its events: whose calendar is this?"
        )
