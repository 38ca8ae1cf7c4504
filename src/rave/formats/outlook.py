"""Outlook CSV: what Outlook for Windows exports (File → Open & Export → Import/Export
→ Export to a file → Comma Separated Values), what Outlook.com exports (People →
Manage → Export contacts), and the "Outlook CSV" that Google Contacts also offers.

The three headers share their column names and differ in order and extent, so columns
are read by name:

- Outlook for Windows: ``"Title","First Name","Middle Name","Last Name","Suffix",
  "Company","Department","Job Title","Business Street",...,"Mobile Phone",...,
  "Birthday",...,"Categories",...,"E-mail Address","E-mail Type","E-mail Display Name",
  "E-mail 2 Address",...,"Notes",...,"Web Page"``: every cell quoted, CRLF, in the
  Windows code page (cp1252 in the West: read with the fallback and its warning).
- Google's Outlook CSV: ``First Name,Middle Name,Last Name,Title,Suffix,Initials,Web
  Page,Gender,Birthday,Anniversary,Location,Language,Internet Free Busy,Notes,E-mail
  Address,E-mail 2 Address,E-mail 3 Address,Primary Phone,Home Phone,...,Company,Job
  Title,...,Categories``.
- Outlook.com: ``First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,
  Surname Yomi,E-mail Address,...,Job Title,Department,Company,...,Web Page,Birthday,
  Anniversary,Notes``.

Mapping: name = First Middle Last Suffix (``Title`` is Mr./Dr.: left out), falling back
to Nickname, the e-mail display name, Company, then the first email; a row with none of
these is skipped and counted. First (and Middle) / Last Name → ``given_name`` /
``family_name``; ``E-mail Address``, ``E-mail 2 Address``, ``E-mail 3 Address`` →
emails (an Exchange entry, ``E-mail Type`` ``EX`` with ``/o=...`` as its address, gives
the address in its display name, ``Ana Lima (ana@example.com)``); mobile, business,
home, primary, other and car phones → phones (faxes, pagers, assistants' and switchboard
numbers are not the person's); ``Company`` / ``Job Title`` → company / title; ``Notes``
→ note; ``Nickname`` → alias; ``Birthday`` → birthday (``4/15/1980`` month first as
Windows writes it in the US, day first when the first number cannot be a month or the
date is dotted, ``15.04.1980``; ``0/0/00`` is Outlook's empty date); ``Categories``
(joined with ``;``, or Google's `` ::: ``) → tags, without ``myContacts``; the first
city and country among the business, home and other addresses (else ``Location``) →
location; ``Web Page`` / ``Personal Web Page`` → handles by host. Refs: ``("email",
…)``. Other columns that hold values are named in one warning.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

from rave.errors import BadInputError
from rave.formats import ContactRecord, ParseStats
from rave.formats import _common as common
from rave.formats._text import Columns, csv_table

EXPECTED_HEADER = "First Name,Middle Name,Last Name,...,E-mail Address,...,Company,Job Title,..."

EMAILS = (
    ("E-mail Address", "E-mail Type", "E-mail Display Name"),
    ("E-mail 2 Address", "E-mail 2 Type", "E-mail 2 Display Name"),
    ("E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name"),
)
PHONES = (
    "Mobile Phone",
    "Business Phone",
    "Business Phone 2",
    "Home Phone",
    "Home Phone 2",
    "Primary Phone",
    "Other Phone",
    "Car Phone",
)
WEBSITES = ("Web Page", "Personal Web Page")
_ADDRESSES = ("Business", "Home", "Other")
_COUNTRY = ("{} Country/Region", "{} Country")
_USED = frozenset(
    name.casefold()
    for name in (
        "First Name", "Middle Name", "Last Name", "Suffix", "Nickname", "Company",
        "Job Title", "Notes", "Birthday", "Categories", "Location", *PHONES, *WEBSITES,
        *(column for columns in EMAILS for column in columns),
        *(f"{kind} {part}" for kind in _ADDRESSES for part in ("City", "State")),
        *(pattern.format(kind) for kind in _ADDRESSES for pattern in _COUNTRY),
    )
)  # fmt: skip
BLANK = frozenset(("0/0/00", "0.0.00", "00.00.00", "normal", "false", "unspecified"))
"""What Outlook writes into every row for "nothing": no date, normal priority and
sensitivity, not private, gender unspecified."""

_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:\s.*)?")
_ADDRESS_IN_NAME = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_NO_DATE_YEARS = 4500  # Outlook's "none" is 1/1/4501


def _is_header(columns: Columns) -> bool:
    return "first name" in columns or "last name" in columns


def parse_birthday(value: str) -> str | None:
    """``YYYY-MM-DD`` (or ``--MM-DD``) from an Outlook date cell; None when empty
    (``0/0/00``) or unreadable."""
    raw = value.strip()
    if not raw or raw.casefold() in BLANK:
        return None
    known = common.birthday(raw)
    if known is not None:
        return known
    match = _NUMERIC_DATE.fullmatch(raw)
    if match is None:
        return None
    first, separator, second, year_text = match.groups()
    a, b, year = int(first), int(second), int(year_text)
    if len(year_text) == 2:  # a birthday is in the past
        year += 2000 if 2000 + year <= datetime.now(UTC).year else 1900
    if year > _NO_DATE_YEARS:
        return None
    month, day = (b, a) if separator == "." or a > 12 else (a, b)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def categories_to_tags(cell: str) -> list[str]:
    """``Clients;Conference 2024`` or ``* friends ::: * myContacts`` → tags."""
    return common.labels(re.split(r";|:::", cell))


def read_outlook(
    path: str | os.PathLike[str], *, stats: ParseStats | None = None
) -> Iterator[ContactRecord]:
    """Stream the contacts of an Outlook CSV (Outlook for Windows, Outlook.com, or
    Google's Outlook CSV export) as ContactRecords."""
    stats = stats if stats is not None else ParseStats()

    def check(columns: Columns, file: str, line: int) -> None:
        if not _is_header(columns):
            raise BadInputError(
                file, line, f"no Outlook CSV header row; expected {EXPECTED_HEADER}"
            )

    rows = csv_table(
        path, stats, on_header=check, fmt="outlook", uses=_USED.__contains__, blank=BLANK
    )
    yield from common.records_of(rows, _record, stats)


def _email(
    record: ContactRecord,
    address: str,
    kind: str,
    display: str,
    stats: ParseStats,
    file: str,
    line: int,
) -> None:
    """One email, from its address, E-mail Type and E-mail Display Name cells."""
    address = address.strip()
    if kind.strip().upper() == "EX" or address.lower().startswith("/o="):
        found = _ADDRESS_IN_NAME.search(display)
        if found is None:
            if address or display.strip():
                stats.drop("email", f"{file}:{line}: an Exchange entry without an email address")
            return
        address = found.group(0)
    common.add_value(record, "email", address, stats, file, line)


def _display_name(cell: str) -> str:
    """``Ana Lima (ana@example.com)`` → ``Ana Lima``; an address alone → ``""``."""
    text = re.sub(r"\([^()]*@[^()]*\)", "", cell).strip()
    return "" if _ADDRESS_IN_NAME.fullmatch(text) else text


def _record(
    columns: Columns, row: list[str], file: str, line: int, stats: ParseStats
) -> ContactRecord | None:
    def get(name: str) -> str:
        return columns.get(row, name)

    record = ContactRecord(name="", line=line)
    for address, kind, display in EMAILS:
        _email(record, get(address), get(kind), get(display), stats, file, line)
    for column in PHONES:
        common.add_value(record, "phone", get(column), stats, file, line)
    for column in WEBSITES:
        common.add_url(record, get(column), stats, file, line)

    given = common.name([get("First Name"), get("Middle Name")], file, line)
    family = common.name([get("Last Name")], file, line)
    nickname = common.short_text(get("Nickname"))
    name = (
        common.name([given, family, get("Suffix")], file, line)
        or nickname
        or common.name([_display_name(get("E-mail Display Name"))], file, line)
        or common.name([get("Company")], file, line)
        or (record.emails[0] if record.emails else None)
    )
    if not common.named(
        record, name, stats, given=given, family=family, missing="no name, company or email"
    ):
        return None
    record.aliases = [nickname] if nickname and nickname != name else []
    record.company = common.text(get("Company"), stats, file, line, "Company")
    record.title = common.text(get("Job Title"), stats, file, line, "Job Title")
    record.note = common.text(get("Notes"), stats, file, line, "Notes")
    raw_birthday = get("Birthday").strip()
    record.birthday = parse_birthday(raw_birthday)
    if record.birthday is None and raw_birthday and raw_birthday.casefold() not in BLANK:
        stats.drop("birthday", f"{file}:{line}: dropped birthday {raw_birthday!r}")
    record.location = _location(columns, row)
    record.tags = categories_to_tags(get("Categories"))
    record.refs = [("email", e) for e in record.emails]
    return record


def _location(columns: Columns, row: list[str]) -> str | None:
    for kind in _ADDRESSES:
        city = columns.get(row, f"{kind} City") or columns.get(row, f"{kind} State")
        country = next(
            (c for c in (columns.get(row, p.format(kind)) for p in _COUNTRY) if c.strip()), ""
        )
        found = common.location(city, country)
        if found:
            return found
    return common.location(columns.get(row, "Location"))
