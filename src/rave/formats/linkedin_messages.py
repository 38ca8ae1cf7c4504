"""LinkedIn ``messages.csv``.

Headers seen in the wild, all read by column name:

- ``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,
  DATE,SUBJECT,CONTENT,FOLDER`` plus, depending on the export, ``ATTACHMENTS``,
  ``IS MESSAGE DRAFT`` and ``IS CONVERSATION DRAFT``; exports from 2021-2023 lack
  ``RECIPIENT PROFILE URLS``; 2026 exports quote every field, header included.
- legacy ``FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER`` with ``2019-11-06T02:08:20``
  dates and no profile URLs; ``DIRECTION`` (``INCOMING``/``OUTGOING``) gives the
  direction.

``DATE`` is ``YYYY-MM-DD HH:MM:SS UTC`` (a bare date-time is taken as UTC too).
``RECIPIENT PROFILE URLS`` lists one URL per recipient, separated by commas (with or
without a space; semicolons and whitespace are accepted too). ``TO`` joins names with
``", "``; names are paired with URLs only when the counts agree (a credential such as
``Jane Doe, Ph.D.`` stays one name). Profile URLs are normalised like
``normalize.normalize_url`` so they match the handles imported from ``Connections.csv``.

Skipped and counted, not errors: empty rows, drafts (``Yes``/``true`` in a draft
column), the ``SPAM`` folder, sponsored messages (LinkedIn's ``spinmail`` markup), and
senders shown as ``LinkedIn Member`` without a profile URL (hidden or closed accounts).

Whose messages are whose: the owner of the export is the most frequent sender
(:func:`find_me`; ties broken by how often a profile appears at all, then by URL), or
the ``me`` URL given by the user. A message from ``me`` is ``out`` and its ``others``
are the recipients; any other message is ``in`` and its ``others`` is the sender.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from rave import normalize
from rave.errors import BadInputError, UsageError
from rave.formats import MAX_HANDLE_CHARS, MessageRecord, ParseStats, Participant
from rave.formats import _common as common
from rave.formats._text import Columns, csv_table

HEADER_SEARCH_LINES = 20
EXPECTED_HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
    "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER"
)

_DATE = re.compile(
    r"(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_URL_SPLIT = re.compile(r"[,;\s]+")
_SUFFIX = re.compile(
    r"(?:[A-Z]{2,6}|Ph\.?D\.?|M\.?Sc?\.?|B\.?Sc?\.?|M\.?D\.?|Jr\.?|Sr\.?|[IVX]{1,4}|"
    r"(?:[A-Za-z]{1,3}\.){1,4}[A-Za-z]?)"
)
_TRUE = {"yes", "true", "1", "y"}
_PLACEHOLDER = "linkedin member"


def parse_date(value: str) -> datetime | None:
    """An aware UTC datetime from a ``DATE`` cell, or None when unreadable."""
    match = _DATE.fullmatch(value.strip())
    if not match:
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    zone = (match.group(7) or "").upper()
    offset = timedelta(0)
    if zone and zone not in ("UTC", "GMT", "Z"):
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset)).astimezone(
            UTC
        )
    except (ValueError, OverflowError):  # no such day, or past year 9999 once in UTC
        return None


def _url(value: str, file: str, line: int, column: str) -> str | None:
    """A profile URL in its normal form; None for an empty cell. A value that cannot be
    a profile URL is a BadInputError at ``line``: the row cannot say who wrote."""
    value = common.clean(value)  # as every handle is stored: no control characters
    if not value:
        return None
    shown = value if len(value) <= 60 else value[:59] + "…"
    if len(value) > MAX_HANDLE_CHARS:
        raise BadInputError(
            file, line, f"{column} {shown!r} is longer than {MAX_HANDLE_CHARS} characters"
        )
    try:
        return normalize.normalize_url(value)
    except UsageError:
        raise BadInputError(file, line, f"{column} {shown!r} is not a profile URL") from None


def _urls(cell: str, file: str, line: int) -> list[str]:
    """The profile URLs of a ``RECIPIENT PROFILE URLS`` cell, normalised."""
    found = (_url(u, file, line, "RECIPIENT PROFILE URLS") for u in _URL_SPLIT.split(cell.strip()))
    return [u for u in found if u]


def _split_names(cell: str) -> list[str]:
    """``TO`` names joined with ``", "``, keeping ``Jane Doe, Ph.D.`` as one name."""
    names: list[str] = []
    for part in (p.strip() for p in cell.split(",")):
        if not part:
            continue
        if names and " " not in part and _SUFFIX.fullmatch(part):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    return names


def _recipients(names_cell: str, urls_cell: str, file: str, line: int) -> tuple[Participant, ...]:
    urls = _urls(urls_cell, file, line)
    names = [n for n in (common.short_text(x) for x in _split_names(names_cell)) if n]
    if not urls:
        return tuple(Participant(n, None) for n in names)
    if len(names) == len(urls):
        return tuple(Participant(n, u) for n, u in zip(names, urls, strict=True))
    if len(urls) == 1:
        return (Participant(common.short_text(names_cell), urls[0]),)
    return tuple(Participant(None, u) for u in urls)


def _is_header(row: list[str]) -> bool:
    cells = {" ".join(c.replace("\ufeff", "").split()).casefold() for c in row}
    return {"from", "date", "content"} <= cells


def _rows(
    path: str | os.PathLike[str], stats: ParseStats, *, checked: bool = True
) -> Iterator[tuple[str, int, Columns, list[str]]]:
    return csv_table(
        path,
        stats,
        is_header=_is_header,
        search_lines=HEADER_SEARCH_LINES,
        missing=f"no LinkedIn messages header found; expected {EXPECTED_HEADER}",
        checked=checked,
    )


def profile_url(me: str) -> str:
    """The normalised profile URL for what a user passed as ``--me``: a profile URL, or
    just the public profile name (``maya-haddad``)."""
    text = common.clean(me)
    if "/" not in text and "." not in text:
        text = "https://linkedin.com/in/" + text.lstrip("@")
    return normalize.normalize_url(text)


def find_me(path: str | os.PathLike[str]) -> str | None:
    """The export owner's normalised profile URL: the most frequent sender (ties
    broken by how often each profile appears as sender or recipient, then by URL).
    None when the file has no sender URLs (legacy exports)."""
    sent: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for file, line, columns, row in _rows(path, ParseStats(), checked=False):
        sender = _url(columns.get(row, "SENDER PROFILE URL"), file, line, "SENDER PROFILE URL")
        if sender:
            sent[sender] += 1
            seen[sender] += 1
        for url in _urls(columns.get(row, "RECIPIENT PROFILE URLS"), file, line):
            seen[url] += 1
    if not sent:
        return None
    return min(sent, key=lambda url: (-sent[url], -seen[url], url))


def resolve(record: MessageRecord, me: str | None) -> MessageRecord:
    """Set ``direction`` and ``others`` from the owner's profile URL ``me``. A record
    whose direction the file already gave (legacy ``DIRECTION``) keeps it."""
    direction = record.direction
    if direction is None:
        direction = "out" if me is not None and record.sender.url == me else "in"
    if direction == "out":
        others = tuple(p for p in record.recipients if me is None or p.url != me)
    else:
        others = (record.sender,)
    return replace(record, direction=direction, others=others)


def read_messages(
    path: str | os.PathLike[str],
    *,
    me: str | None = None,
    stats: ParseStats | None = None,
) -> Iterator[MessageRecord]:
    """Stream the messages of a LinkedIn ``messages.csv`` with ``direction`` and
    ``others`` resolved. ``me`` is the owner's profile URL (or profile name); without it
    the file is read twice: first to find the owner (:func:`find_me`), then to yield
    the messages. ``others`` may hold people without a URL (exports before 2023 list
    recipients by name only) and is empty for a message sent to nobody identifiable."""
    stats = stats if stats is not None else ParseStats()
    owner = profile_url(me) if me else find_me(path)
    legacy = False
    mine = 0
    for file, line, columns, row in _rows(path, stats):
        legacy = "sender profile url" not in columns.index
        record = _record(columns, row, file, line, stats, legacy=legacy)
        if record is None:
            continue
        if owner is not None and record.sender.url == owner:
            mine += 1
        stats.records += 1
        yield resolve(record, owner)
    if not stats.records:
        return
    if legacy:
        if me:
            stats.warn("this file has no profile URLs; directions come from its DIRECTION column")
    elif owner is None:
        stats.warn("could not tell which messages are yours (no sender URLs); pass --me URL")
    elif me and mine == 0:
        stats.warn(f"{owner} sent none of these messages; is --me right?")


def _record(
    columns: Columns,
    row: list[str],
    file: str,
    line: int,
    stats: ParseStats,
    *,
    legacy: bool,
) -> MessageRecord | None:
    if any(
        columns.get(row, flag).strip().lower() in _TRUE
        for flag in ("IS MESSAGE DRAFT", "IS CONVERSATION DRAFT")
    ):
        stats.skip("draft")
        return None
    folder = common.short_text(columns.get(row, "FOLDER"))
    if folder is not None and folder.upper() == "SPAM":
        stats.skip("spam folder")
        return None
    content = columns.get(row, "CONTENT")
    if "spinmail-quill-editor" in content:
        stats.skip("sponsored message")
        return None
    sender = Participant(
        common.short_text(columns.get(row, "FROM")),
        _url(columns.get(row, "SENDER PROFILE URL"), file, line, "SENDER PROFILE URL"),
    )
    if sender.url is None and (sender.name or "").casefold() in ("", _PLACEHOLDER):
        stats.skip("LinkedIn Member (hidden or closed profile)")
        return None
    raw_date = columns.get(row, "DATE").strip()
    when = parse_date(raw_date)
    if when is None:
        raise BadInputError(
            file,
            line,
            f"cannot read DATE {raw_date!r}; expected YYYY-MM-DD HH:MM:SS UTC",
        )
    direction = None
    if legacy:
        raw_direction = columns.get(row, "DIRECTION").strip().lower()
        if raw_direction.startswith(("out", "sent")):
            direction = "out"
        elif raw_direction.startswith(("in", "rec")):
            direction = "in"
        else:
            raise BadInputError(
                file,
                line,
                f"DIRECTION is {raw_direction!r}; expected INCOMING or OUTGOING "
                "(a file without profile URLs needs it)",
            )
    conversation = common.short_text(columns.get(row, "CONVERSATION ID"))
    subject = common.short_text(columns.get(row, "SUBJECT"))
    text = common.excerpt(content) or (subject or "")
    if not text and columns.get(row, "ATTACHMENTS").strip():
        text = "[attachment]"
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return MessageRecord(
        line=line,
        conversation_id=conversation,
        conversation_title=common.short_text(columns.get(row, "CONVERSATION TITLE")),
        when=when,
        sender=sender,
        recipients=_recipients(
            columns.get(row, "TO"), columns.get(row, "RECIPIENT PROFILE URLS"), file, line
        ),
        subject=subject,
        excerpt=text,
        folder=folder,
        external_key=f"linkedin:{conversation or ''}|{stamp}|{sender.url or sender.name}",
        direction=direction,
    )
