"""The layouts of WhatsApp's "Export chat": how a message's first line starts (its date
and time), and which of day and month its dates put first.

Layouts read (the phone's language and clock settings decide which one a file has):

- Android: ``12/31/23, 9:41 PM - Ana Lima: text`` (US; recent versions put a narrow
  no-break space, U+202F, before ``PM``), ``31/12/2023, 21:41 - Ana Lima: text``,
  ``31.12.23, 21:41 - …`` (German), ``2023-12-31, 21:41 - …``; ``9:41 pm``, ``9:41 p. m.``
  too. A line without ``NAME:`` after the dash is one of WhatsApp's notices
  (``Messages and calls are end-to-end encrypted…``, ``Ana Lima created group "X"``,
  ``You added Bo``): skipped and counted.
- iOS: ``[31/12/2023, 21:41:05] Ana Lima: text``, ``[12/31/23, 9:41:05 PM] Ana Lima:
  text``; media, calls and notices carry a left-to-right mark (U+200E) before the line
  and before their text (``‎image omitted``, ``‎<attached: 00000012-PHOTO-….jpg>``,
  ``‎Missed voice call``); notices are written under the chat's own name (the other
  person in a chat with one person, the group's name in a group). Also the iOS layout of
  2016, ``7/1/16, 4:56:55 PM: Ana Lima: text``.
- Any of them with or without a byte-order mark, with CRLF or LF line ends.

**Dates.** Whether ``03/04/23`` is the 3rd of April or the 4th of March is read from
the file: a first number above 12 anywhere settles it (day first), a second one above
12 too (month first; both in one file is an error). Else the order in which the dates
then run forward (a chat is written in time order) decides. Else, when every date reads
both ways (a short chat within the first twelve days of months), the layout decides,
with a warning: month first for the US layout (a 12-hour clock with ``AM``/``PM`` and a
two-digit year), day first for every other one. Two-digit years are 20YY. Times are the
phone's wall clock without a zone: they are taken as this machine's local time.

:func:`first_line` reads a line's date and time (a :class:`Stamp`) and what follows
them; a :class:`DateOrder` sees every stamp of a file and settles the order. Used by
:mod:`rave.formats.whatsapp_messages` and :mod:`rave.formats.whatsapp_people`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from rave.errors import BadInputError
from rave.formats import ParseStats

_SP = r"[ \u00a0\u202f\u2009]"
_DATE = r"(?P<a>\d{1,4})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})\.?"
_TIME = (
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
    rf"(?:{_SP}?(?P<ap>[AaPp])\.?{_SP}?(?P<m>[Mm])\.?)?"
)
_BETWEEN = rf"(?:,{_SP}*|{_SP}+)"
_IOS = re.compile(rf"\[{_DATE}{_BETWEEN}{_TIME}\]{_SP}?(?P<rest>.*)")
_ANDROID = re.compile(rf"{_DATE}{_BETWEEN}{_TIME}{_SP}[-\u2013]{_SP}(?P<rest>.*)")
_OLD_IOS = re.compile(rf"{_DATE}{_BETWEEN}{_TIME}:{_SP}(?P<rest>.*)")


@dataclass(frozen=True, slots=True)
class Stamp:
    """A message's date and time as written: three numbers (year first, or day and month
    in an order only the whole file tells), the time, an AM/PM marker."""

    a: int
    b: int
    c: int
    year_first: bool
    short_year: bool
    dotted: bool
    hour: int
    minute: int
    second: int | None
    meridiem: str | None  # "a", "p", or None for a 24-hour clock
    upper: bool  # "PM" rather than "pm"
    text: str  # as written, for messages

    def local(self, day_first: bool) -> tuple[datetime, str] | None:
        """The naive local date-time and its text for keys; None when there is no such
        moment (a 31st of February, 25 o'clock)."""
        if self.year_first:
            year, month, day = self.a, self.b, self.c
        else:
            year = self.c + (2000 if self.short_year else 0)
            day, month = (self.a, self.b) if day_first else (self.b, self.a)
        hour = self.hour
        if self.meridiem is not None:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if self.meridiem == "p" else 0)
        try:
            # the phone's wall clock, without a zone: local time (timeutil.to_utc)
            moment = datetime(year, month, day, hour, self.minute, self.second or 0)  # noqa: DTZ001
        except ValueError:
            return None
        key = moment.strftime("%Y-%m-%dT%H:%M") + (
            f":{self.second:02d}" if self.second is not None else ""
        )
        return moment, key


def _stamp(match: re.Match[str]) -> Stamp | None:
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    year_first = len(a) == 4
    if not year_first and len(c) not in (2, 4):
        return None
    ap = match.group("ap")
    second = match.group("second")
    end = max(match.end(g) for g in ("minute", "second", "m") if match.group(g) is not None)
    return Stamp(
        int(a),
        int(b),
        int(c),
        year_first,
        len(c) == 2,
        match.group("sep") == ".",
        int(match.group("hour")),
        int(match.group("minute")),
        int(second) if second is not None else None,
        ap.lower() if ap else None,
        bool(ap) and ap.isupper() and match.group("m").isupper(),
        match.string[match.start("a") : end],
    )


def first_line(text: str) -> tuple[Stamp, str] | None:
    """A message's first line: its stamp and the rest (``NAME: text`` or a notice)."""
    line = text.lstrip("\ufeff\u200e\u200f")
    for pattern in (_IOS, _ANDROID, _OLD_IOS):
        match = pattern.match(line)
        if match is not None:
            stamp = _stamp(match)
            if stamp is not None:
                return stamp, match.group("rest")
    return None


# --- the order of day and month -------------------------------------------------------


class DateOrder:
    """Whether a file's dates put the day first (module docstring, "Dates"), from every
    date and time the file writes (:meth:`see`)."""

    def __init__(self) -> None:
        self.day_first_at: tuple[int, str] | None = None  # (line, date) proving it
        self.month_first_at: tuple[int, str] | None = None
        self.backward = [0, 0]  # dates running backwards read day first, month first
        self.previous: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None
        self.ambiguous: str | None = None  # a date that reads both ways
        self.us_layout = False

    def see(self, line: int, stamp: Stamp) -> None:
        if not stamp.year_first:
            self._order(line, stamp)
        if stamp.meridiem and stamp.upper and stamp.short_year and not stamp.dotted:
            self.us_layout = True

    def _order(self, line: int, stamp: Stamp) -> None:
        if stamp.a > 12 and self.day_first_at is None:
            self.day_first_at = (line, stamp.text)
        if stamp.b > 12 and self.month_first_at is None:
            self.month_first_at = (line, stamp.text)
        if stamp.a != stamp.b and stamp.a <= 12 and stamp.b <= 12 and self.ambiguous is None:
            self.ambiguous = stamp.text
        keys = ((stamp.c, stamp.b, stamp.a), (stamp.c, stamp.a, stamp.b))
        if self.previous is not None:
            for i in (0, 1):
                if keys[i] < self.previous[i]:
                    self.backward[i] += 1
        self.previous = keys

    def day_first(self, shown: str, stats: ParseStats) -> bool:
        """The date order (module docstring, "Dates")."""
        day, month = self.day_first_at, self.month_first_at
        if day and month:
            line = max(day[0], month[0])
            raise BadInputError(
                shown,
                line,
                f"the dates read neither day first ({day[1]}) nor month first ({month[1]}): "
                "is this one chat export?",
            )
        if day or month:
            return day is not None
        if self.backward[0] != self.backward[1]:
            return self.backward[0] < self.backward[1]
        if self.ambiguous is None:
            return True
        guess = not self.us_layout
        stats.warn(
            f"{shown}: every date reads both ways ({self.ambiguous}); took them "
            + ("day first" if guess else "month first, as the US layout writes them")
            + " (see `rave show` for the dates imported)"
        )
        return guess
