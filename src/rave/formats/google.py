"""Google Contacts CSV ("Google CSV" from contacts.google.com → Export).

Two headers, both read by column name:

- current (UTF-8 with a BOM): ``First Name,Middle Name,Last Name,Phonetic First Name,
  ...,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,
  Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,
  ...,Phone 1 - Label,Phone 1 - Value,...,Address 1 - City,...,Website 1 - Label,
  Website 1 - Value,...``
- legacy (often UTF-16 with a BOM): ``Name,Given Name,Additional Name,Family Name,...,
  Nickname,...,Birthday,...,Location,...,Notes,...,Photo,Group Membership,
  E-mail 1 - Type,E-mail 1 - Value,...,Organization 1 - Name,Organization 1 - Title,...``

Mapping: name = First Middle Last Suffix (legacy: ``Name``, else Given Additional
Family), falling back to File As, Nickname, the organisation, then the first email; a
row with none of these is skipped and counted. Values joined with `` ::: `` inside one
cell are split. ``Labels``/``Group Membership`` → tags, without the leading ``* `` of
Google's system groups and without ``myContacts``/``My Contacts``/``starred``.
``Nickname`` → aliases; ``Organization Name``/``Title`` → company/title; ``Notes`` →
note; ``Birthday`` (``1980-04-15`` or ``--04-15``) → birthday; ``Location`` or the first
address (city, country) → location; websites → handles by host or label (LinkedIn,
Twitter...), others as ``other``. First (and Middle) / Last Name (legacy: Given and
Additional / Family Name) → ``given_name`` / ``family_name``. Refs: ``("email", …)``.

Other columns that hold values (``Photo``, ``Address 1 - Street``, ``Relation 1 -
Value``...) are named in one warning. A file that is another kind of CSV is refused
with a hint: a LinkedIn ``Connections.csv`` (``Position``, ``Connected On``) or the
"Outlook CSV" Google also exports (``E-mail Address``, ``Job Title``) would otherwise
pass for one, its names imported and the rest lost.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from rave.errors import BadInputError
from rave.formats import ContactRecord, ParseStats
from rave.formats import _common as common
from rave.formats._text import Columns, csv_table

SEPARATOR = " ::: "
EXPECTED_HEADER = "First Name,Middle Name,Last Name,... or Name,Given Name,Additional Name,..."


def _is_header(columns: Columns) -> bool:
    names = set(columns.index)
    return (
        {"first name", "last name"} <= names
        or {"given name", "family name"} <= names
        or ("name" in names and "group membership" in names)
    )


_USED = frozenset(
    (
        "name", "first name", "given name", "middle name", "additional name", "last name",
        "family name", "name suffix", "file as", "nickname", "organization name",
        "organization title", "organization 1 - name", "organization 1 - title", "notes",
        "birthday", "location", "address 1 - city", "address 1 - region",
        "address 1 - country", "labels", "group membership",
    )
)  # fmt: skip
_USED_NUMBERED = re.compile(r"(?:e-mail|phone|website) \d+ - value|.+ \d+ - (?:label|type)")


def uses(name: str) -> bool:
    """Whether the reader takes anything from the column ``name`` (folded). A label
    (``Relation 1 - Label``) counts as read: it only says what its value is, and the
    value's column is named when it is not read."""
    return name in _USED or _USED_NUMBERED.fullmatch(name) is not None


def _values(cell: str) -> list[str]:
    return [v.strip() for v in cell.split(":::") if v.strip()]


def labels_to_tags(cell: str) -> list[str]:
    """``* coworkers ::: * myContacts ::: friends`` → ``["coworkers", "friends"]``."""
    return common.labels(_values(cell))


def read_google(
    path: str | os.PathLike[str], *, stats: ParseStats | None = None
) -> Iterator[ContactRecord]:
    """Stream the contacts of a Google Contacts CSV (current or legacy) as
    ContactRecords."""
    stats = stats if stats is not None else ParseStats()

    def check(columns: Columns, file: str, line: int) -> None:
        if not _is_header(columns):
            raise BadInputError(
                file, line, f"no Google Contacts header row; expected {EXPECTED_HEADER}"
            )

    rows = csv_table(path, stats, on_header=check, fmt="google", uses=uses)
    yield from common.records_of(rows, _record, stats)


def _first(columns: Columns, row: list[str], *names: str) -> str:
    for name in names:
        values = _values(columns.get(row, name))
        if values:
            return values[0]
    return ""


def _record(
    columns: Columns, row: list[str], file: str, line: int, stats: ParseStats
) -> ContactRecord | None:
    get = columns.get
    record = ContactRecord(name="", line=line)
    for n in columns.numbered(r"e-mail (\d+) - value"):
        for value in _values(get(row, f"E-mail {n} - Value")):
            common.add_value(record, "email", value, stats, file, line)
    for n in columns.numbered(r"phone (\d+) - value"):
        for value in _values(get(row, f"Phone {n} - Value")):
            common.add_value(record, "phone", value, stats, file, line)
    for n in columns.numbered(r"website (\d+) - value"):
        label = get(row, f"Website {n} - Label") or get(row, f"Website {n} - Type")
        label = label.removeprefix("*").strip()
        for value in _values(get(row, f"Website {n} - Value")):
            common.add_url(record, value, stats, file, line, label or None)

    given = common.name(
        [
            get(row, "First Name") or get(row, "Given Name"),
            get(row, "Middle Name") or get(row, "Additional Name"),
        ],
        file,
        line,
    )
    family = common.name([get(row, "Last Name") or get(row, "Family Name")], file, line)
    name = common.name([get(row, "Name")], file, line) or common.name(
        [given, family, get(row, "Name Suffix")], file, line
    )
    aliases = [a for a in (common.short_text(v) for v in _values(get(row, "Nickname"))) if a]
    company = _first(columns, row, "Organization Name", "Organization 1 - Name")
    name = (
        name
        or common.name([get(row, "File As")], file, line)
        or (aliases[0] if aliases else None)
        or common.name([company], file, line)
        or (record.emails[0] if record.emails else None)
    )
    if not common.named(
        record, name, stats, given=given, family=family, missing="no name, organisation or email"
    ):
        return None
    record.aliases = common.unique(a for a in aliases if a != name)
    record.company = common.text(company, stats, file, line, "Organization Name")
    record.title = common.text(
        _first(columns, row, "Organization Title", "Organization 1 - Title"),
        stats,
        file,
        line,
        "Organization Title",
    )
    record.note = common.text(get(row, "Notes"), stats, file, line, "Notes")
    raw_birthday = get(row, "Birthday").strip()
    record.birthday = common.birthday(raw_birthday)
    if raw_birthday and record.birthday is None:
        stats.drop("birthday", f"{file}:{line}: dropped birthday {raw_birthday!r}")
    record.location = common.location(get(row, "Location")) or common.location(
        _first(columns, row, "Address 1 - City") or _first(columns, row, "Address 1 - Region"),
        _first(columns, row, "Address 1 - Country"),
    )
    record.tags = labels_to_tags(get(row, "Labels") or get(row, "Group Membership"))
    record.refs = [("email", e) for e in record.emails]
    return record
