"""Recurring events expanded into occurrences: ``RRULE`` (several allowed), ``RDATE``
and ``EXDATE``, with ``dateutil``'s ``rrule`` (which comes with icalendar, and is
imported only when an event recurs).

Expansion stops at the horizon :mod:`rave.formats.calendar` gives (``now`` +
``FOLLOWUP_DAYS``), whatever the rule says; at most :data:`MAX_OCCURRENCES` past
occurrences of one event are kept (the latest), with a warning. Occurrences, exceptions
and overrides (``RECURRENCE-ID``) are compared as the same kind of value as the event's
start (:func:`aligned`: a date, a floating time, or a time in a zone), and named in
source keys by :func:`stamp_of`; :func:`as_utc` puts each on the timeline (floating
times and all-day dates in the local time zone).
"""

from __future__ import annotations

from collections import deque
from datetime import date, datetime, time
from typing import Any

from rave import timeutil
from rave.errors import BadInputError
from rave.formats import ParseStats
from rave.formats.calendar_events import Event

MAX_OCCURRENCES = 5000
"""Past occurrences kept of one recurring event (the latest): 13 years of a daily one."""


def as_utc(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return timeutil.to_utc(value)  # naive (floating) = local
    return timeutil.local_midnight(value)


def aligned(value: date | datetime, like: date | datetime) -> date | datetime:
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


def stamp_of(value: date | datetime) -> str:
    """An occurrence in the source key: UTC, a floating wall time, or a date."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        stamp = timeutil.iso_z(value)
        assert stamp is not None
        return stamp
    return value.isoformat()


def expand(
    event: Event, now: datetime, horizon: datetime, stats: ParseStats
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
        rules.rdate(aligned(extra, base))
    past: deque[datetime] = deque(maxlen=MAX_OCCURRENCES)
    ahead: list[datetime] = []
    seen = 0
    for occurrence in rules:
        when = as_utc(occurrence)
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


def _rule(rule: Any, base: datetime, event: Event) -> Any:
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
            parsed = parsed.replace(until=aligned(limit, base))
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadInputError(
            event.file, event.line, f"event {event.uid}: cannot read RRULE {text!r}: {exc}"
        ) from None
    return parsed


def too_often(event: Event) -> bool:
    return any(
        str(f).upper() in ("SECONDLY", "MINUTELY") for r in event.rules for f in r.get("FREQ", [])
    )
