"""rave's own contacts CSV: a spreadsheet-friendly way out and back in.

Header (one row per contact, columns in this order on export; on import found by
name, only ``name`` required, unknown columns ignored with a warning)::

    id,name,tier,aliases,emails,phones,handles,tags,company,title,location,why,offer,met,cadence_days,birthday,given_name,family_name

- ``id``: rave's contact id (empty for a new contact); ``tier``: ``A``-``D`` or
  ``none`` (empty: not given); ``cadence_days``: a whole number of days or empty;
  ``birthday``: ``YYYY-MM-DD`` or ``--MM-DD``; ``given_name``, ``family_name``: the
  name's parts as a source split them (``Mary Ann``, ``van der Berg``), empty when no
  source did (files of an older rave have neither column and import as before).
- Multi-value columns (``aliases``, ``emails``, ``phones``, ``handles``, ``tags``)
  join their values with ``"; "``. Inside a value a literal ``;`` is written ``\\;``
  and a backslash ``\\\\``; on reading, ``\\;`` and ``\\\\`` are undone, any other
  backslash is kept as typed, and whitespace around each value is trimmed. ``handles``
  values are ``CHANNEL=VALUE`` (``linkedin=https://linkedin.com/in/ana; twitter=@ana``).
- Formula injection: a cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return, possibly after apostrophes, is written with one extra leading
  ``'`` (so a spreadsheet shows it as text: ``'+351 912 345 678``). On reading, one
  leading ``'`` is removed from a cell that begins with one or more ``'`` followed by
  one of those characters. Together the two rules round-trip every value exactly, a
  value that itself starts with ``'=`` included.
- The file is written as UTF-8 with a BOM (so Excel reads accents right) and CRLF
  line ends; reading accepts UTF-8 with or without BOM, UTF-16 and cp1252.

Reading is strict (it is rave's own format): an unknown tier, a bad email or handle,
a non-numeric id is a BadInputError naming the line; another service's CSV given as
``csv`` is refused with a hint naming its format.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from rave import choices, normalize
from rave.config import MAX_DAYS
from rave.errors import BadInputError, UsageError
from rave.formats import ContactRecord, ParseStats
from rave.formats import _common as common
from rave.formats._text import Columns, csv_table

HEADER = (
    "id",
    "name",
    "tier",
    "aliases",
    "emails",
    "phones",
    "handles",
    "tags",
    "company",
    "title",
    "location",
    "why",
    "offer",
    "met",
    "cadence_days",
    "birthday",
    "given_name",
    "family_name",
)
SEPARATOR = "; "

_GUARD_WRITE = re.compile(r"'*[=+\-@\t\r]")
_GUARD_READ = re.compile(r"'+[=+\-@\t\r]")


def guard(cell: str) -> str:
    """A cell as written: prefixed with ``'`` when a spreadsheet could run it."""
    return "'" + cell if _GUARD_WRITE.match(cell) else cell


def unguard(cell: str) -> str:
    """A cell as read: the ``'`` that :func:`guard` added is removed again."""
    return cell[1:] if _GUARD_READ.match(cell) else cell


def join_values(values: Iterable[str]) -> str:
    """Values joined with ``"; "``, each with ``\\`` and ``;`` escaped."""
    return SEPARATOR.join(v.replace("\\", "\\\\").replace(";", "\\;") for v in values)


def split_values(cell: str) -> list[str]:
    """The inverse of :func:`join_values`; empty values are left out."""
    values: list[str] = []
    current: list[str] = []
    i = 0
    while i <= len(cell):
        ch = cell[i] if i < len(cell) else ";"
        if ch == "\\" and i + 1 < len(cell) and cell[i + 1] in "\\;":
            current.append(cell[i : i + 2])
            i += 2
            continue
        if ch == ";":
            raw = "".join(current).strip()
            value = re.sub(r"\\([\\;])", r"\1", raw)
            if value:
                values.append(value)
            current = []
        else:
            current.append(ch)
        i += 1
    return values


# --------------------------------------------------------------------------- writing


def _row(contact: ContactRecord) -> list[str]:
    cells = [
        "" if contact.id is None else str(contact.id),
        contact.name,
        contact.tier or "",
        join_values(contact.aliases),
        join_values(contact.emails),
        join_values(contact.phones),
        join_values(f"{channel}={value}" for channel, value in contact.handles),
        join_values(contact.tags),
        contact.company or "",
        contact.title or "",
        contact.location or "",
        contact.why or "",
        contact.offer or "",
        contact.met or "",
        "" if contact.cadence_days is None else str(contact.cadence_days),
        contact.birthday or "",
        contact.given_name or "",
        contact.family_name or "",
    ]
    return [guard(cell) for cell in cells]


def write_contacts(contacts: Iterable[ContactRecord], stream: TextIO, *, bom: bool = True) -> int:
    """Write ``contacts`` as rave CSV to ``stream`` (open it with ``newline=""`` and
    UTF-8). Returns the number of rows written."""
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for contact in contacts:
        writer.writerow(_row(contact))
        count += 1
    return count


# --------------------------------------------------------------------------- reading


def read_contacts(
    path: str | os.PathLike[str], *, stats: ParseStats | None = None
) -> Iterator[ContactRecord]:
    """Stream the rows of a rave CSV as ContactRecords (``tier`` and ``cadence_days``
    None when the cell is empty)."""
    stats = stats if stats is not None else ParseStats()

    def check(columns: Columns, file: str, line: int) -> None:
        if "name" not in columns:
            raise BadInputError(
                file, line, f"no 'name' column; expected the header {','.join(HEADER)}"
            )
        if columns.duplicates:
            raise BadInputError(file, line, f"column {columns.duplicates[0]!r} twice")
        unknown = [n for n in columns.names if n and n not in HEADER]
        if unknown:
            stats.warn(f"{file}: ignored unknown columns: {', '.join(unknown)}")

    for file, line, columns, row in csv_table(path, stats, on_header=check, fmt="csv"):
        record = _record(columns, [unguard(c) for c in row], file, line, stats)
        stats.records += 1
        yield record


MAX_ID = (1 << 63) - 1  # SQLite's largest integer


def _int(value: str, what: str, file: str, line: int, *, most: int = MAX_ID) -> int | None:
    value = value.strip().removeprefix("#") if what == "id" else value.strip()
    if not value:
        return None
    shown = value if len(value) <= 40 else value[:39] + "…"
    digits = value.lstrip("0")
    if not value.isascii() or not value.isdigit() or not digits:
        raise BadInputError(file, line, f"{what} {shown!r} is not a positive whole number")
    if len(digits) > len(str(most)) or int(digits) > most:
        raise BadInputError(file, line, f"{what} {shown!r} is more than {most}")
    return int(digits)


def _record(
    columns: Columns, row: list[str], file: str, line: int, stats: ParseStats
) -> ContactRecord:
    def get(name: str) -> str:
        return columns.get(row, name)

    name = common.name([get("name")], file, line)
    if name is None:
        raise BadInputError(file, line, "name is empty")
    record = ContactRecord(
        name=name,
        line=line,
        id=_int(get("id"), "id", file, line),
        given_name=common.name([get("given_name")], file, line),
        family_name=common.name([get("family_name")], file, line),
    )
    try:
        if get("tier").strip():
            record.tier = choices.tier(get("tier"))
        record.emails = common.unique(
            normalize.normalize_handle("email", v) for v in split_values(get("emails"))
        )
        record.phones = common.unique(
            normalize.normalize_handle("phone", v) for v in split_values(get("phones"))
        )
        record.handles = common.unique(
            normalize.parse_handle(v) for v in split_values(get("handles"))
        )
    except UsageError as exc:
        raise BadInputError(file, line, exc.message) from None
    record.aliases = common.unique(
        a for a in (common.short_text(v) for v in split_values(get("aliases"))) if a
    )
    record.tags = common.unique(
        t for t in (common.short_text(v) for v in split_values(get("tags"))) if t
    )
    for field in ("company", "title", "location", "why", "offer", "met"):
        setattr(record, field, common.text(get(field), stats, file, line, field))
    record.cadence_days = _int(get("cadence_days"), "cadence_days", file, line, most=MAX_DAYS)
    raw_birthday = get("birthday").strip()
    record.birthday = common.birthday(raw_birthday)
    if raw_birthday and record.birthday is None:
        raise BadInputError(
            file, line, f"birthday {raw_birthday!r}: expected YYYY-MM-DD or --MM-DD"
        )
    return record
