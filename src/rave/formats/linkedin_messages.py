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

Whose messages are whose (:func:`find_owner`): the owner of the export is the one
participant of every conversation, a person being their profile URL, or their name
where a row gives no URL (2018-2023 exports name recipients only, and some give the
owner no URL at all). The names and profiles of ``[me]`` and ``--me`` pick the owner
when given. When the file cannot tell (one conversation, or the same two people in
every one) rows only an owner has decide, with a warning (their drafts; spam,
sponsored messages and hidden senders' messages to them alone); else the file is
refused (exit 65) with a hint to pass ``--me``: never a guess such as "the most frequent
sender", which took a busy recruiter for the user. A message from the owner is ``out``
and its ``others`` are the recipients; any other message is ``in`` and its ``others``
is the sender; the owner is never one of the ``others``.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
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
_PLACEHOLDER = "linkedin member"


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


@dataclass(frozen=True)
class Owner:
    """You, in one export: your profile URLs and your names (folded). A participant is
    you when its URL is one of yours, or when it has no URL and one of your names (a
    namesake with another profile is someone else)."""

    urls: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    shown: str = ""

    def is_me(self, person: Participant) -> bool:
        if person.url is not None:
            return person.url in self.urls
        return person.name is not None and normalize.fold(person.name) in self.names


def _me(me: str | Iterable[str] | None, names: Iterable[str]) -> Owner:
    """The Owner the user described: profile URLs (or public profile names) and names."""
    given = [me] if isinstance(me, str) else list(me or ())
    urls = frozenset(profile_url(u) for u in given if u.strip())
    folded = frozenset(f for f in (normalize.fold(n) for n in names) if f)
    return Owner(urls, folded, ", ".join(sorted(urls) or sorted(folded)))


class _Evidence:
    """What a first pass over the file gathers to tell who its owner is."""

    def __init__(self) -> None:
        self.conversations: dict[str, set[Participant]] = {}
        self.unnamed: set[frozenset[Participant]] = set()  # rows without CONVERSATION ID
        self.name_urls: dict[str, set[str]] = {}  # a folded name → the URLs it came with
        self.hints: dict[Participant, set[str]] = {}  # rows only the owner has
        self.known: set[Participant] = set()
        self.file = ""

    def add(
        self, conversation: str, people: list[Participant], owner: Participant | None, why: str
    ) -> None:
        """The participants of one row; ``owner`` is one of them when the row is of a kind
        only the export's owner has, ``why`` saying which ("its drafts are theirs")."""
        people = [p for p in people if p.url or (p.name or "").casefold() not in ("", _PLACEHOLDER)]
        for person in people:
            if person.url and person.name and person not in self.known:
                self.known.add(person)
                self.name_urls.setdefault(normalize.fold(person.name), set()).add(person.url)
        if conversation:
            self.conversations.setdefault(conversation, set()).update(people)
        elif people:
            self.unnamed.add(frozenset(people))
        if owner is not None and owner in people:
            self.hints.setdefault(owner, set()).add(why)

    def key(self, person: Participant) -> str:
        """One person however a row names them: the profile URL, else the one URL their
        name came with elsewhere in the file, else the folded name."""
        if person.url:
            return person.url
        folded = normalize.fold(person.name or "")
        urls = self.name_urls.get(folded, set())
        return next(iter(urls)) if len(urls) == 1 else "name:" + folded


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


def _decide(evidence: _Evidence, given: Owner) -> tuple[Owner | None, str | None]:
    key = evidence.key
    conversations = [{key(p) for p in people} for people in evidence.conversations.values()]
    conversations += [set(s) for s in {frozenset(key(p) for p in row) for row in evidence.unnamed}]
    conversations = [c for c in conversations if c]
    if not conversations:
        return None, None
    total = len(conversations)
    seen: Counter[str] = Counter(k for c in conversations for k in c)
    names: dict[str, Counter[str]] = {}
    hints: dict[str, set[str]] = {}
    for people in (*evidence.conversations.values(), *evidence.unnamed):
        for person in people:
            if person.name:
                names.setdefault(key(person), Counter())[person.name] += 1
    for person, reasons in evidence.hints.items():
        hints.setdefault(key(person), set()).update(reasons)

    def owner(keys: list[str]) -> Owner:
        urls = frozenset(k for k in keys if not k.startswith("name:"))
        folded = {normalize.fold(n) for k in keys for n in names.get(k, ())}
        folded |= {k.removeprefix("name:") for k in keys if k.startswith("name:")}
        return Owner(urls, frozenset(f for f in folded if f), shown(keys[0]))

    def shown(k: str) -> str:
        name = names[k].most_common(1)[0][0] if names.get(k) else None
        if k.startswith("name:"):
            return name or k.removeprefix("name:")
        return f"{name} ({k})" if name else k

    def listed(keys: list[str]) -> str:
        people = [shown(k) for k in keys[:4]]
        if len(keys) > 4:
            return ", ".join(people) + f" and {len(keys) - 4} more"
        return people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]

    everywhere = sorted(k for k in seen if seen[k] == total)
    note = ""
    if given.urls or given.names:
        by_url = [k for k in seen if k in given.urls]
        by_name = [
            k for k in seen if any(normalize.fold(n) in given.names for n in names.get(k, ()))
        ]
        by_name += [k for k in seen if k.startswith("name:") and k[5:] in given.names]
        if by_url or by_name:
            # your profile, and names only when no profile of yours is in the file (a
            # namesake with a profile of their own is someone else)
            mine = by_url + [k for k in by_name if k.startswith("name:")] if by_url else by_name
            most = max(seen[k] for k in mine)
            mine = sorted({k for k in mine if seen[k] == most or k in by_url})
            warning = None
            others = [k for k in everywhere if k not in mine]
            if most < total and others:
                verb = "is" if len(others) == 1 else "are"
                warning = (
                    f"you were given as {shown(mine[0])}, in {most} of {total} "
                    f"conversations, but {listed(others)} {verb} in all of them: "
                    "is --me (or [me]) right?"
                )
            return owner(mine), warning
        note = "none of your names or profiles ([me], --me) is in this file; "
    if len(everywhere) == 1 and total > 1:
        chosen = everywhere[0]
        if not note:
            return owner([chosen]), None
        return owner([chosen]), f"{note}took {shown(chosen)} as you: the one in every conversation"
    pool = everywhere or [k for k in seen if seen[k] == max(seen.values())]
    marked = [k for k in pool if hints.get(k)]
    if len(marked) == 1:
        chosen = marked[0]
        return owner([chosen]), (
            f"{note}took {shown(chosen)} as you: {'; '.join(sorted(hints[chosen]))} "
            "(if that is not you, pass --me with your profile URL or name)"
        )
    ranked = sorted(seen, key=lambda k: (-seen[k], k))
    if not everywhere and seen[ranked[0]] >= 2 * seen[ranked[1]] and seen[ranked[0]] >= 2:
        chosen = ranked[0]
        return owner([chosen]), (
            f"{note}nobody is in every conversation; took {shown(chosen)}, in "
            f"{seen[chosen]} of {total}, as you (if that is not you, pass --me)"
        )
    if total == 1:
        inside = f"between {listed(pool)}" if len(pool) > 1 else f"with only {listed(pool)} in it"
        why = f"it holds one conversation, {inside}"
    elif everywhere:
        why = f"{listed(everywhere)} are in every conversation"
    else:
        why = f"nobody is in every conversation ({listed(ranked[:2])} are in the most)"
    raise _unsure(evidence.file, f"{note}cannot tell which participant is you: {why}")


def _unsure(file: str, reason: str) -> BadInputError:
    error = BadInputError(file, None, reason)
    error.hint = (
        "pass --me with your profile URL or your name (or set them in [me] in config.toml); "
        "nothing was written"
    )
    return error


def find_me(path: str | os.PathLike[str]) -> str | None:
    """The export owner's normalised profile URL (:func:`find_owner`); None when the
    file does not say it (no messages, directions given, or an owner without one)."""
    found, _ = find_owner(path)
    return min(found.urls) if found is not None and found.urls else None


def resolve(record: MessageRecord, owner: Owner | None) -> MessageRecord:
    """Set ``direction`` and ``others`` from the export's ``owner``. A record whose
    direction the file already gave (legacy ``DIRECTION``) keeps it. You are never one
    of the ``others``."""
    mine = owner is not None and owner.is_me(record.sender)
    direction = record.direction or ("out" if mine else "in")
    if direction == "out":
        others = tuple(p for p in record.recipients if owner is None or not owner.is_me(p))
    else:
        others = () if mine else (record.sender,)
    return replace(record, direction=direction, others=others)


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
