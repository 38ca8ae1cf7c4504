"""LinkedIn ``Connections.csv`` (Settings → Data privacy → Get a copy of your data).

The header row is found by looking for a row with ``First Name`` and ``Last Name``
cells among the first :data:`HEADER_SEARCH_LINES` lines: the ``Notes:`` preamble before
it has changed length between export versions, and older exports have none. Columns
are read by name: ``First Name, Last Name, URL, Email Address, Company, Position,
Connected On`` (``URL`` is missing from exports before mid-2023).

- Rows of commas only, rows with no name (``,,,,,07 Jun 2022``: hidden or closed
  profiles) and ``LinkedIn Member`` placeholders are skipped and counted.
- ``Connected On``: ``02 Apr 2021`` (current), ``29-Mar-21`` / ``4-Apr-21`` (older, and
  files re-saved by Excel), ``03/15/2024`` (US month/day/year; day/month/year only when
  the first number cannot be a month) and ISO ``2024-03-15``. It becomes 12:00 UTC of
  that day. A date that is none of these is a BadInputError at that line.
- Refs: ``("linkedin", normalised profile URL)`` when there is a URL (lower-case, no
  ``www.``, query or trailing slash: ``normalize.normalize_url``), then ``("email", …)``.
- First / Last Name are also kept as ``given_name`` / ``family_name``.

A Google, Outlook or rave CSV, or a ``messages.csv``, given as ``linkedin`` is refused
with a hint naming its format; columns LinkedIn may add one day are named in a warning.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

from rave.errors import BadInputError
from rave.formats import ContactRecord, ParseStats
from rave.formats import _common as common
from rave.formats._text import Columns, csv_table

HEADER_SEARCH_LINES = 20
EXPECTED_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DAY_MON_YEAR = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{2}|\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PLACEHOLDERS = {"linkedin member"}
_USED = frozenset(
    ("first name", "last name", "url", "email address", "company", "position", "connected on")
)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def parse_connected_on(value: str) -> date | None:
    """The day of a ``Connected On`` cell; None when the text is not a known format."""
    raw = value.strip()
    try:
        match = _DAY_MON_YEAR.fullmatch(raw)
        if match:
            month = _MONTHS.get(match.group(2)[:3].lower())
            if month is None:
                return None
            return date(_year(match.group(3)), month, int(match.group(1)))
        match = _SLASHED.fullmatch(raw)
        if match:
            first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
            if first > 12:  # cannot be a month: day/month/year
                first, second = second, first
            return date(_year(year), first, second)
        match = _ISO.fullmatch(raw)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return None


def _is_header(row: list[str]) -> bool:
    cells = {" ".join(c.replace("\ufeff", "").split()).casefold() for c in row}
    return "first name" in cells and "last name" in cells


def read_connections(
    path: str | os.PathLike[str], *, stats: ParseStats | None = None
) -> Iterator[ContactRecord]:
    """Stream the connections of a LinkedIn ``Connections.csv`` as ContactRecords
    (name, emails, ``linkedin`` handle, company, title, refs, connected_on)."""
    stats = stats if stats is not None else ParseStats()
    missing = (
        f"no LinkedIn header row found; expected {EXPECTED_HEADER} "
        f"within the first {HEADER_SEARCH_LINES} lines"
    )
    rows = csv_table(
        path,
        stats,
        is_header=_is_header,
        search_lines=HEADER_SEARCH_LINES,
        missing=missing,
        fmt="linkedin",
        uses=_USED.__contains__,
    )
    yield from common.records_of(rows, _record, stats)


def _record(
    columns: Columns, row: list[str], file: str, line: int, stats: ParseStats
) -> ContactRecord | None:
    first, last = columns.get(row, "First Name"), columns.get(row, "Last Name")
    full = common.name([first, last], file, line)
    if full is None:
        stats.skip("no name (hidden or closed profile)")
        return None
    if full.casefold() in _PLACEHOLDERS:
        stats.skip("LinkedIn Member placeholder")
        return None
    record = ContactRecord(
        name=full,
        line=line,
        given_name=common.name([first], file, line),
        family_name=common.name([last], file, line),
    )
    url = columns.get(row, "URL").strip()
    if url:
        common.add_value(record, "linkedin", url, stats, file, line)
    common.add_value(record, "email", columns.get(row, "Email Address"), stats, file, line)
    record.company = common.text(columns.get(row, "Company"), stats, file, line, "Company")
    record.title = common.text(columns.get(row, "Position"), stats, file, line, "Position")
    connected = columns.get(row, "Connected On").strip()
    if connected:
        day = parse_connected_on(connected)
        if day is None:
            raise BadInputError(
                file,
                line,
                f"cannot read Connected On {connected!r}; expected a date like "
                "02 Apr 2021, 29-Mar-21 or 03/15/2024",
            )
        record.connected_on = datetime.combine(day, time(12), tzinfo=UTC)
    record.refs = [("linkedin", v) for c, v in record.handles if c == "linkedin"]
    record.refs += [("email", e) for e in record.emails]
    return record
