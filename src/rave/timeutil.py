"""The only clock, WHEN parsing, and conversions between UTC storage and local display.

Everything inside rave is a timezone-aware UTC ``datetime``. The database stores the
fixed-width text form ``YYYY-MM-DDTHH:MM:SSZ`` (sortable as text, understood by SQLite's
date functions); local time appears only when parsing what a person typed and when
showing a date back to them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from rave.errors import UsageError

DB_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}

_RELATIVE = re.compile(r"^(\d{1,4})\s*(h|d|w|m|y)$")
_UNIT_NAMES = {
    "hour": "h",
    "hours": "h",
    "day": "d",
    "days": "d",
    "week": "w",
    "weeks": "w",
    "month": "m",
    "months": "m",
    "year": "y",
    "years": "y",
}
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?"
)
_WORDY = re.compile(r"^(\d{1,4})\s+([a-z]+)(?:\s+ago)?$")

EXAMPLES_PAST = "now, today, yesterday, 3d, 2w, 1m, friday, 2026-11-20, 2026-11-20T14:30"
EXAMPLES_FUTURE = "tomorrow, 3d, 2w, 1m, friday, 2026-12-01"


def utcnow() -> datetime:
    """The one clock of rave: the current moment, timezone-aware UTC, whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)


def to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken as local time."""
    if value.tzinfo is None:
        value = value.astimezone()  # naive = local wall clock
    return value.astimezone(UTC).replace(microsecond=0)


def to_db(value: datetime) -> str:
    """The storage text of an aware datetime."""
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}" + utc.strftime(DB_FORMAT[2:])


def from_db(text: str) -> datetime:
    """An aware UTC datetime from its storage text (``DB_FORMAT``)."""
    return datetime.fromisoformat(text)


def from_db_opt(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def iso_z(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z``, as JSON payloads show times."""
    return None if value is None else to_db(value)


def local_midnight(day: date) -> datetime:
    """The UTC moment at which ``day`` starts in local time."""
    return to_utc(datetime.combine(day, time()))


def local_date(value: datetime) -> date:
    return value.astimezone().date()


def _months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    import calendar  # here: only month arithmetic needs it, and few commands do that

    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def _local_shift(now: datetime, *, days: int = 0, months: int = 0) -> datetime:
    """``now`` moved by whole local calendar days/months, keeping the local wall-clock
    time (so a daylight-saving change does not move the local date)."""
    local = now.astimezone()
    day = local.date()
    if months:
        day = _months_back(day, -months)
    day += timedelta(days=days)
    return to_utc(datetime.combine(day, local.time()))


def _offset(now: datetime, amount: int, unit: str, sign: int) -> datetime:
    if unit == "h":
        return now + sign * timedelta(hours=amount)
    if unit in ("d", "w"):
        return _local_shift(now, days=sign * amount * (7 if unit == "w" else 1))
    return _local_shift(now, months=sign * amount * (12 if unit == "y" else 1))


def _relative(text: str) -> tuple[int, str] | None:
    match = _RELATIVE.match(text)
    if match:
        return int(match.group(1)), match.group(2)
    match = _WORDY.match(text)
    if match and match.group(2) in _UNIT_NAMES:
        return int(match.group(1)), _UNIT_NAMES[match.group(2)]
    return None


def _iso(text: str) -> datetime | date | None:
    if text[:4].isdigit() and not 1000 <= int(text[:4]) <= 9999:
        return None  # a typo such as 0026-11-20, and no room for time-zone arithmetic
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if _ISO_DATETIME.fullmatch(text):
        try:
            return datetime.fromisoformat(text.upper())
        except ValueError:
            return None
    return None


def _bad(text: str, what: str, examples: str) -> UsageError:
    return UsageError(f"cannot read {text!r} as {what}", hint=f"try one of: {examples}")


def parse_past(text: str, *, now: datetime, what: str = "a date") -> datetime:
    """When something happened: ``now``, ``today``, ``yesterday``, ``3d`` (ago), weekday
    names (the nearest past one), ISO dates (local noon) and ISO date-times (naive =
    local). A moment later than ``now`` is refused: rave records what happened."""
    moment = parse_moment(text, now=now, what=what)
    date_only = type(_iso(text.strip().lower())) is date
    if date_only and local_date(moment) == local_date(now):
        return min(moment, now)
    if moment > now + timedelta(minutes=5):
        raise UsageError(
            f"{text!r} is in the future",
            hint="log what happened; use --follow-up TEXT --due WHEN for what is planned",
        )
    return min(moment, now)


def names_a_day(text: str) -> bool:
    """True when WHEN names a calendar day without a time of day: ``today``,
    ``yesterday``, a weekday, ``3d``/``2w``/``1m``/``1y`` ago, an ISO date (what the
    write door places after the events already logged that day, not at a clock time)."""
    word = text.strip().lower()
    if word in ("today", "yesterday", "tomorrow") or word in WEEKDAYS:
        return True
    rel = _relative(word.removesuffix(" ago").strip())
    if rel is not None:
        return rel[1] != "h"
    return type(_iso(word)) is date


def day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The first and the last second (UTC) of the local calendar day of ``moment``."""
    day = local_date(moment)
    return local_midnight(day), local_midnight(day + timedelta(days=1)) - timedelta(seconds=1)


def parse_moment(text: str, *, now: datetime, what: str = "a date") -> datetime:
    """Like :func:`parse_past` but a moment in the future is allowed (``--as-of``)."""
    raw = text
    text = text.strip().lower()
    try:
        if text in ("now", "today"):
            return now
        if text == "yesterday":
            return _local_shift(now, days=-1)
        if text == "tomorrow":
            return _local_shift(now, days=1)
        rel = _relative(text.removesuffix(" ago").strip())
        if rel is not None:
            return _offset(now, rel[0], rel[1], -1)
        if text in WEEKDAYS:
            local = now.astimezone()
            back = (local.weekday() - WEEKDAYS[text]) % 7 or 7
            return _local_shift(now, days=-back)
        parsed = _iso(text)
        if isinstance(parsed, datetime):
            return to_utc(parsed)
        if isinstance(parsed, date):
            return to_utc(datetime.combine(parsed, time(12)))
    except (OverflowError, ValueError):
        raise _bad(raw, what, EXAMPLES_PAST) from None
    raise _bad(raw, what, EXAMPLES_PAST)


def parse_since(text: str, *, now: datetime, what: str = "--since") -> datetime:
    """The start of a period: a moment (``3h``) as itself, a day (``2026-01-01``,
    ``monday``, ``2w``) from its first second, so that the whole day counts."""
    moment = parse_moment(text, now=now, what=what)
    return day_bounds(moment)[0] if names_a_day(text) else moment


def parse_future_date(text: str, *, now: datetime, what: str = "a due date") -> date:
    """A local calendar date ahead: ``today``, ``tomorrow``, ``3d``/``2w``/``1m`` ahead,
    weekday names (the next one), ISO dates. Used by ``--due`` and ``snooze``."""
    raw = text
    text = text.strip().lower()
    today = local_date(now)
    try:
        if text in ("today", "now"):
            return today
        if text == "tomorrow":
            return today + timedelta(days=1)
        rel = None if text.endswith("ago") else _relative(text.removeprefix("in ").strip())
        if rel is not None:
            amount, unit = rel
            if unit == "h":
                return local_date(now + timedelta(hours=amount))
            return local_date(_offset(now, amount, unit, +1))
        if text in WEEKDAYS:
            ahead = (WEEKDAYS[text] - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
        parsed = _iso(text)
        if isinstance(parsed, datetime):
            return local_date(to_utc(parsed))
        if isinstance(parsed, date):
            return parsed
    except (OverflowError, ValueError):
        raise _bad(raw, what, EXAMPLES_FUTURE) from None
    raise _bad(raw, what, EXAMPLES_FUTURE)


def days_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 86400.0


def ago(value: datetime | None, now: datetime) -> str:
    """A short human phrase: ``today``, ``yesterday``, ``5 days ago``, ``3 weeks ago``."""
    if value is None:
        return "never"
    days = (local_date(now) - local_date(value)).days
    if days < 0:
        return f"in {-days} days" if days < -1 else "tomorrow"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def show_date(value: datetime | None) -> str:
    return "" if value is None else f"{value.astimezone():%Y-%m-%d}"


def show_datetime(value: datetime | None) -> str:
    return "" if value is None else f"{value.astimezone():%Y-%m-%d %H:%M}"
