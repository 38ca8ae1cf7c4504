"""LinkedIn ``messages.csv``.

Headers seen in the wild, all read by column name:

- ``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,
  DATE,SUBJECT,CONTENT,FOLDER`` plus, depending on the export, ``ATTACHMENTS``,
  ``IS MESSAGE DRAFT`` and ``IS CONVERSATION DRAFT``; exports from 2021-2023 lack
  ``RECIPIENT PROFILE URLS``; 2026 exports quote every field, header included.
- legacy ``FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER`` with ``2019-11-06T02:08:20``
  dates and no profile URLs; ``DIRECTION`` (``INCOMING``/``OUTGOING``) gives the
  direction (in any file that has the column).
- 2018-era exports date messages ``1/8/18, 6:14 PM`` (month first, in the 2000s).

``DATE`` is ``YYYY-MM-DD HH:MM:SS UTC`` (a bare date-time is taken as UTC too, and so is
the 2018 form). ``RECIPIENT PROFILE URLS`` lists one URL per recipient, separated by
commas (with or without a space; semicolons and whitespace are accepted too). ``TO``
joins names with ``", "``; names are paired with URLs only when the counts agree (a
credential such as ``Jane Doe, Ph.D.`` stays one name). Profile URLs are normalised like
``normalize.normalize_url`` so they match the handles imported from ``Connections.csv``.

Skipped and counted, not errors: empty rows, drafts (``Yes``/``true`` in a draft
column), the ``SPAM`` folder, sponsored messages (LinkedIn's ``spinmail`` markup), and
senders shown as ``LinkedIn Member`` without a profile URL (hidden or closed accounts).

Whose messages are whose: :func:`find_owner` reads the file once to find its owner,
by the rules of :mod:`rave.formats.linkedin_owner`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone

from rave import normalize
from rave.errors import BadInputError, UsageError
from rave.formats import MAX_HANDLE_CHARS, MessageRecord, ParseStats, Participant
from rave.formats import _common as common
from rave.formats._text import Columns, csv_table
from rave.formats.linkedin_owner import _PLACEHOLDER, Owner, _decide, _Evidence, resolve

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
_US_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2}),?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*(?:([AP])\.?\s*M\.?)?\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_URL_SPLIT = re.compile(r"[,;\s]+")
_SUFFIX = re.compile(
    r"(?:[A-Z]{2,6}|Ph\.?D\.?|M\.?Sc?\.?|B\.?Sc?\.?|M\.?D\.?|Jr\.?|Sr\.?|[IVX]{1,4}|"
    r"(?:[A-Za-z]{1,3}\.){1,4}[A-Za-z]?)"
)
_TRUE = {"yes", "true", "1", "y"}


def parse_date(value: str) -> datetime | None:
    """An aware UTC datetime from a ``DATE`` cell, or None when unreadable: ISO
    (``2018-01-08 18:14:00 UTC``, ``2019-11-06T02:08:20``, an offset) or the US form of
    2018-era exports (``1/8/18, 6:14 PM``: month first, a two-digit year in the 2000s,
    12-hour or 24-hour time). A time without a zone is taken as UTC."""
    text = value.strip()
    match = _DATE.fullmatch(text)
    if match:
        year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
        second, zone = int(match.group(6) or 0), match.group(7)
    else:
        match = _US_DATE.fullmatch(text)
        if not match:
            return None
        month, day, year, hour, minute = (int(match.group(i)) for i in range(1, 6))
        year += 2000 if len(match.group(3)) == 2 else 0
        second, meridiem, zone = int(match.group(6) or 0), match.group(7), match.group(8)
        if meridiem:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if meridiem.lower() == "p" else 0)
    zone = (zone or "").upper()
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


# --- who you are ------------------------------------------------------------------------


def _me(me: str | Iterable[str] | None, names: Iterable[str]) -> Owner:
    """The Owner the user described: profile URLs (or public profile names) and names."""
    given = [me] if isinstance(me, str) else list(me or ())
    urls = frozenset(profile_url(u) for u in given if u.strip())
    folded = frozenset(f for f in (normalize.fold(n) for n in names) if f)
    return Owner(urls, folded, ", ".join(sorted(urls) or sorted(folded)))


def _gather(path: str | os.PathLike[str]) -> _Evidence | None:
    """The first pass: every row checked as the second pass will (so a bad row is
    reported before anything else), its participants noted. None for a file whose
    DIRECTION column gives every direction."""
    evidence = _Evidence()
    for file, line, columns, row in _rows(path, ParseStats()):
        if "direction" in columns.index:
            return None
        evidence.file = file
        conversation = common.short_text(columns.get(row, "CONVERSATION ID")) or ""
        reason = _skip_reason(columns, row)
        if reason is None:
            checked = _checked(columns, row, file, line)
            if checked is not None:
                evidence.add(conversation, [checked[0], *checked[1]], None, "")
                continue
            reason = "messages from hidden profiles"
        try:  # a row left out anyway: a bad URL in it is no error, only no evidence
            sender, recipients = _participants(columns, row, file, line)
        except BadInputError:
            continue
        if reason == "draft":
            evidence.add(conversation, [sender, *recipients], sender, "its drafts are theirs")
        else:  # received: spam, a sponsored message, a message from a hidden profile
            what = {"spam folder": "spam was", "sponsored message": "sponsored messages were"}
            only = recipients[0] if len(recipients) == 1 else None
            why = f"its {what.get(reason, reason + ' were')} sent to them"
            evidence.add(conversation, [sender, *recipients], only, why)
    return evidence


def find_owner(
    path: str | os.PathLike[str],
    *,
    me: str | Iterable[str] | None = None,
    names: Iterable[str] = (),
) -> tuple[Owner | None, str | None]:
    """The export's owner and, when it was a likely guess rather than a certainty, a
    warning that names who was taken as you. None for a file that gives directions
    itself (``DIRECTION``) or has no messages.

    The owner is the participant of every conversation (sender or recipient of at least
    one message in each ``CONVERSATION ID``), matched against ``me`` (profile URLs) and
    ``names`` when they are given. When the file alone cannot tell (one conversation, or
    two people in every conversation), the owner is one whose rows only an owner has
    (drafts, sponsored or spam messages to a single recipient, messages from hidden
    profiles), taken with a warning; with no such row it is a BadInputError (exit 65)
    asking for ``--me``: rave does not guess whose history it is writing."""
    given = _me(me, names)
    evidence = _gather(path)
    if evidence is None:
        return None, None
    return _decide(evidence, given)


def find_me(path: str | os.PathLike[str]) -> str | None:
    """The export owner's normalised profile URL (:func:`find_owner`); None when the
    file does not say it (no messages, directions given, or an owner without one)."""
    found, _ = find_owner(path)
    return min(found.urls) if found is not None and found.urls else None


def read_messages(
    path: str | os.PathLike[str],
    *,
    me: str | Iterable[str] | None = None,
    names: Iterable[str] = (),
    stats: ParseStats | None = None,
) -> Iterator[MessageRecord]:
    """Stream the messages of a LinkedIn ``messages.csv`` with ``direction`` and
    ``others`` resolved. ``me`` is your profile URL (or profile name), or several, and
    ``names`` the names you write under; the file is read twice, first to find you
    (:func:`find_owner`, which may refuse the file, or warn), then to yield the
    messages. ``others`` may hold people without a URL (exports before 2023 list
    recipients by name only) and is empty for a message sent to nobody identifiable."""
    stats = stats if stats is not None else ParseStats()
    names = list(names)
    owner, warning = find_owner(path, me=me, names=names)
    if owner is None:  # directions from the file: you are still never one of the others
        given = _me(me, names)
        owner = given if given.urls or given.names else None
    if warning:
        stats.warn(warning)
    for file, line, columns, row in _rows(path, stats):
        legacy = "direction" in columns.index
        record = _record(columns, row, file, line, stats, legacy=legacy)
        if record is None:
            continue
        stats.records += 1
        yield resolve(record, owner)


def _skip_reason(columns: Columns, row: list[str]) -> str | None:
    """Why a row is left out whoever wrote it (a draft, spam, a sponsored message)."""
    if any(
        columns.get(row, flag).strip().lower() in _TRUE
        for flag in ("IS MESSAGE DRAFT", "IS CONVERSATION DRAFT")
    ):
        return "draft"
    folder = common.short_text(columns.get(row, "FOLDER"))
    if folder is not None and folder.upper() == "SPAM":
        return "spam folder"
    if "spinmail-quill-editor" in columns.get(row, "CONTENT"):
        return "sponsored message"
    return None


def _participants(
    columns: Columns, row: list[str], file: str, line: int
) -> tuple[Participant, tuple[Participant, ...]]:
    sender = Participant(
        common.short_text(columns.get(row, "FROM")),
        _url(columns.get(row, "SENDER PROFILE URL"), file, line, "SENDER PROFILE URL"),
    )
    recipients = _recipients(
        columns.get(row, "TO"), columns.get(row, "RECIPIENT PROFILE URLS"), file, line
    )
    return sender, recipients


def _checked(
    columns: Columns, row: list[str], file: str, line: int
) -> tuple[Participant, tuple[Participant, ...], datetime] | None:
    """The sender, recipients and date of a row that is not left out whoever wrote it;
    None for a hidden sender. A bad URL or date is a BadInputError at ``line``."""
    sender, recipients = _participants(columns, row, file, line)
    if sender.url is None and (sender.name or "").casefold() in ("", _PLACEHOLDER):
        return None
    raw_date = columns.get(row, "DATE").strip()
    when = parse_date(raw_date)
    if when is None:
        raise BadInputError(
            file,
            line,
            f"cannot read DATE {raw_date!r}; expected YYYY-MM-DD HH:MM:SS UTC "
            "(or M/D/YY, H:MM AM in exports from 2018)",
        )
    return sender, recipients, when


def _record(
    columns: Columns,
    row: list[str],
    file: str,
    line: int,
    stats: ParseStats,
    *,
    legacy: bool = False,
) -> MessageRecord | None:
    """The message of a row, or None for a row left out (counted in ``stats``)."""
    reason = _skip_reason(columns, row)
    if reason is not None:
        stats.skip(reason)
        return None
    checked = _checked(columns, row, file, line)
    if checked is None:
        stats.skip("LinkedIn Member (hidden or closed profile)")
        return None
    sender, recipients, when = checked
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
                f"DIRECTION is {raw_direction!r}; expected INCOMING or OUTGOING",
            )
    conversation = common.short_text(columns.get(row, "CONVERSATION ID"))
    subject = common.short_text(columns.get(row, "SUBJECT"))
    excerpt = common.excerpt(columns.get(row, "CONTENT")) or (subject or "")
    if not excerpt and columns.get(row, "ATTACHMENTS").strip():
        excerpt = "[attachment]"
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return MessageRecord(
        line=line,
        conversation_id=conversation,
        conversation_title=common.short_text(columns.get(row, "CONVERSATION TITLE")),
        when=when,
        sender=sender,
        recipients=recipients,
        subject=subject,
        excerpt=excerpt,
        folder=common.short_text(columns.get(row, "FOLDER")),
        external_key=f"linkedin:{conversation or ''}|{stamp}|{sender.url or sender.name}",
        direction=direction,
    )
