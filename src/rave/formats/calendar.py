"""Calendars (``.ics``): the meetings you had become history, the ones ahead follow-ups.

Reads one iCalendar file (a Google Calendar, Apple Calendar / iCloud or Outlook export,
an invitation saved from mail) or a folder of them as vdirsyncer and khal keep a
calendar: a *vdir*, one ``.ics`` file per event named after its UID, the folder given
either as one calendar or as the parent of several (``~/.calendars/work/…``,
``~/.calendars/home/…``: one level of subfolders is read; hidden files and anything not
ending in ``.ics``, such as vdirsyncer's ``color`` and ``displayname``, are left alone).
Files are read into events by :mod:`rave.formats.calendar_events` (parsed by
``icalendar``), and recurring events expanded into their occurrences by
:mod:`rave.formats.calendar_recurrence` (with ``dateutil``'s ``rrule``, which comes with
icalendar); this module judges each occurrence and tells who you are.

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
:data:`FOLLOWUP_DAYS`, whatever the rule says; at most ``MAX_OCCURRENCES``
(:mod:`rave.formats.calendar_recurrence`) past occurrences of one event are kept (the
latest), with a warning. (``--since`` is applied by ``services.capture`` on each
occurrence.)

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

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rave import normalize, timeutil
from rave.config import MeConfig
from rave.errors import BadInputError
from rave.formats import ParseStats
from rave.formats import _common as common
from rave.formats.calendar_events import (
    Calendar,
    Event,
    Person,
    Reading,
    ics_files,
    load,
    people_on,
)
from rave.formats.calendar_recurrence import aligned, as_utc, expand, stamp_of, too_often
from rave.services.capture import Captured, Party

FOLLOWUP_DAYS = 30
"""How far ahead a future meeting becomes a follow-up (and how far rules are expanded)."""

MAX_GUESTS = 10
"""More people than this (you not counted) make a talk or an all-hands, not a meeting."""

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

# --------------------------------------------------------------------------- who you are


@dataclass(frozen=True, slots=True)
class _You:
    """You, as a calendar names you: your addresses, else your names (folded)."""

    emails: frozenset[str]
    names: frozenset[str]

    def is_me(self, person: Person) -> bool:
        if person.address and self.emails:
            return person.address in self.emails
        return bool(person.name) and normalize.fold(person.name or "") in self.names


def _given(me: MeConfig) -> _You | None:
    names = frozenset(f for f in (normalize.fold(n) for n in me.names) if f)
    if not me.emails and not names:
        return None
    return _You(frozenset(me.emails), names)


class _Evidence:
    """What the calendars say of their owner."""

    def __init__(self) -> None:
        self.named: set[str] = set()
        self.owners: set[str] = set()
        self.common: set[str] | None = None
        self.events = 0

    def add(self, calendar: Calendar) -> None:
        if calendar.name_address:
            self.named.add(calendar.name_address)
        if calendar.owner_address:
            self.owners.add(calendar.owner_address)
        for event in calendar.events:
            people = people_on(event)
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
    return common.cannot_tell_you(file, reason, give="you@example.com", keys="emails")


# --------------------------------------------------------------------------- judging


def _channel(event: Event) -> str:
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


def _judge(event: Event, you: _You | None) -> _Verdict:
    """Attended, with whom, or why not (the module docstring's rules)."""
    if event.cancelled:
        return _Verdict(skip=CANCELLED)
    people = people_on(event)
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
    group: list[Event],
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
            overrides[stamp_of(aligned(event.recurrence_id, like))] = event
    occurrences: list[tuple[datetime, str, Event, date | datetime]] = []
    for master in masters:
        if too_often(master):
            stats.skip(TOO_OFTEN)
            continue
        excluded = {stamp_of(aligned(x, master.start)) for x in master.exdates}
        for value in expand(master, now, horizon, stats):
            stamp = stamp_of(value)
            if stamp in excluded:
                overrides.pop(stamp, None)
                continue
            moved = overrides.pop(stamp, None)
            if moved is not None:
                occurrences.append((as_utc(moved.start), stamp, moved, moved.start))
            else:
                occurrences.append((as_utc(value), stamp, master, value))
    for stamp, event in overrides.items():  # a lone occurrence: you were invited to one
        occurrences.append((as_utc(event.start), stamp, event, event.start))
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


def _by_uid(events: Iterable[Event]) -> dict[str, list[Event]]:
    groups: dict[str, list[Event]] = {}
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
    reading = Reading(stats)
    files = ics_files(path)
    you = _given(me)
    loaded: dict[Path, list[Calendar]] = {}
    if you is None:  # whose calendar is it? a first pass (a vdir is read twice)
        first = reading if len(files) == 1 else Reading(ParseStats())
        evidence = _Evidence()
        for file in files:
            calendars = load(file, first)
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
        calendars = loaded.pop(file) if file in loaded else load(file, reading)
        for calendar in calendars:
            for event in calendar.events:
                on_it = people_on(event)
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
