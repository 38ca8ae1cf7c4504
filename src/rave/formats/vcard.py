"""vCard files (``.vcf``): read 2.1, 3.0 and 4.0 here; :mod:`rave.formats.vcard_write`
writes 3.0.

Reading. The file is split into cards line by line (so memory holds one card at a
time and errors carry real line numbers), whatever its line ends: CRLF, LF, CR, or the
CR CR LF of iOS exports (one line end, not a line end and an empty line). ``PHOTO``,
``LOGO``, ``SOUND`` and ``KEY`` properties are dropped on the way, base64 continuation
lines included, so megabytes of pictures are never kept. Each card's lines are then
parsed with vobject's line parser (``getLogicalLines`` with ``allowQP=True``,
``textLineToContentLine``): unfolding, parameters, property groups and quoted-printable,
which vCard 2.1 from phones uses (``FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB``).
Values are unescaped (``\\,`` ``\\;`` ``\\n`` ``\\\\`` and the ``\\"`` Gmail and macOS
write) and split here rather than by vobject's value behaviours, which keep only the
first of several comma-separated values (``NICKNAME:Bobo,B.``) and cut unescaped 2.1
text at a comma.

One bad card costs only itself: a card with no name at all, a malformed line, no
``END:VCARD`` before the next card or the end of the file, or over 1 MiB, is skipped,
counted (``ParseStats.skipped``) and named in a warning with its line. Text before the
first card means the file is no vCard (a BadInputError, with a hint when it is another
format rave reads); text between cards is passed over with a warning.

Mapping: ``FN`` → name (else ``N`` as given/additional/family, else the first
``NICKNAME``, ``ORG`` or ``EMAIL``); ``N`` → ``given_name`` (given and additional) and
``family_name``; ``EMAIL``, ``TEL`` (repeat; a ``tel:`` URI is fine); ``URL``,
``X-SOCIALPROFILE``/``SOCIALPROFILE`` (RFC 9554) and ``X-TWITTER`` → handles, the
channel taken from the ``TYPE``/``SERVICE-TYPE`` parameter, the ``X-ABLabel`` of the
property group (``item1.URL`` + ``item1.X-ABLabel``) or the host; ``ORG`` (first
component) → company; ``TITLE``; ``NOTE``; ``CATEGORIES`` → tags (without Google's
``myContacts``/``starred``); ``NICKNAME`` → aliases; ``BDAY`` → ``YYYY-MM-DD`` or
``--MM-DD`` (``--0415``, and Apple's ``X-APPLE-OMIT-YEAR``); the first ``ADR`` →
location (city, country); ``UID`` → ref ``("vcard-uid", UID)``, then the emails as
``("email", …)`` refs. Property groups are honoured. Invalid emails or phones are
dropped with a warning. A card rave wrote itself (``PRODID`` :data:`PRODID`, ``UID``
``rave-contact-<id>@rave``) carries the contact id instead of keys, and no given or
family name when its ``N`` is only the guess of
:func:`~rave.formats.vcard_write.split_name`, so importing your own export again
changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rave.errors import BadInputError
from rave.formats import EMPTY_FILE, ContactRecord, ParseStats
from rave.formats import _common as common
from rave.formats._text import TextSource, explain, open_text
from rave.formats.vcard_write import PRODID, split_name

MAX_CARD_CHARS = 1 << 20
"""A card over 1 MiB of text once its pictures are dropped is not a contact card."""

_ESCAPED = ',;:\\"'
"""What a backslash escapes in a vCard 3.0/4.0 value: RFC 6350's ``\\,`` ``\\;``
``\\\\`` (and ``\\n``), the ``\\:`` of some old writers and the ``\\"`` that Gmail and
macOS Contacts write in notes. Any other backslash is kept (``C:\\Users`` in a note)."""
RAVE_UID = re.compile(r"rave-contact-([1-9][0-9]{0,18})@rave")
MAX_ID = (1 << 63) - 1  # SQLite's largest integer
NO_NAME = "no name: neither FN, N, NICKNAME, ORG nor EMAIL"
SKIPPED_NO_NAME = "card without a name"
SKIPPED_BAD = "unreadable card"
_PROPERTY = re.compile(r"(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)[;:]")
_DROPPED = {"PHOTO", "LOGO", "SOUND", "KEY"}
_PROFILE_BASE = {
    "linkedin": "https://linkedin.com/in/",
    "facebook": "https://facebook.com/",
    "instagram": "https://instagram.com/",
}


@dataclass
class _Card:
    """One card as found in the file: its ``BEGIN:VCARD`` line, its physical lines
    (pictures dropped) with their numbers, and what makes it unreadable, if anything."""

    start: int
    lines: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    problem: str | None = None


def _lines(stream: Iterable[str]) -> Iterator[str]:
    """The lines of ``stream`` (opened with ``newline=""``) without their ends, for
    every kind of line end: CRLF, LF, CR, and the CR CR LF of iOS exports, which is one
    line end and not two. (Read as two, the empty line between would end a picture's
    base64 too early and glue the rest onto the property before it: a birthday lost, a
    note full of base64.)"""
    held: str | None = None
    for raw in stream:
        if held is not None:
            yield held
            held = None
            if raw == "\r\n":  # the CR LF after a CR: CR CR LF
                continue
        if raw.endswith("\r"):
            held = raw[:-1]
        else:
            yield raw.rstrip("\r\n")
    if held is not None:
        yield held


def _cards(source: TextSource, stats: ParseStats) -> Iterator[_Card]:
    """Each card of the file, pictures dropped. A card that cannot be read whole (no
    ``END:VCARD`` before the next card or the end of the file, over
    :data:`MAX_CARD_CHARS`) comes with its ``problem`` set; text between cards is
    passed over with a warning; text before the first card means this is no vCard."""
    file = source.file
    depth = 0
    card: _Card | None = None
    size = 0
    dropping = qp = soft_break = False
    last = ""  # the property kept last (a vCard 2.1 AGENT holds a card of its own)
    found = False
    outside = False

    def begin(number: int) -> _Card:
        nonlocal depth, size, dropping, qp, soft_break, last
        depth, size, last = 1, 0, ""
        dropping = qp = soft_break = False
        return _Card(start=number, lines=["BEGIN:VCARD"], numbers=[number])

    def keep(text: str, number: int) -> None:
        nonlocal size
        assert card is not None
        size += len(text) + 2
        if size > MAX_CARD_CHARS:
            card.problem = card.problem or "this card is over 1 MiB even without its photo"
        if card.problem is None:
            card.lines.append(text)
            card.numbers.append(number)

    try:
        for number, line in enumerate(_lines(source.stream), start=1):
            if card is None:
                if not line.strip():
                    continue
                if line.strip().upper() != "BEGIN:VCARD":
                    if not found:
                        raise explain(source.file, "vcard") or BadInputError(
                            file, number, f"expected BEGIN:VCARD, found {line.strip()[:60]!r}"
                        )
                    if not outside:
                        stats.warn(f"{file}:{number}: text outside any card, passed over")
                    outside = True
                    continue
                found, outside = True, False
                card = begin(number)
                continue
            if qp and soft_break:  # quoted-printable soft line break: same value
                soft_break = line.endswith("=")
                if not dropping:
                    keep(line, number)
                continue
            if not line.strip():  # ends a vCard 2.1 base64 value
                dropping = qp = False
                continue
            if line[0] in " \t":
                if not dropping:
                    keep(line, number)
                continue
            match = _PROPERTY.match(line)
            if dropping and match is None:
                continue  # unindented base64 of a vCard 2.1 picture
            dropping = False
            qp = "quoted-printable" in line.split(":", 1)[0].lower()
            soft_break = qp and line.endswith("=")
            name = match.group(1).upper() if match else ""
            if name in _DROPPED:
                dropping = True
                stats.dropped[name.lower()] += 1
                continue
            if name == "BEGIN":
                line = line.strip()
                if line.upper() == "BEGIN:VCARD" and last != "AGENT":
                    card.problem = card.problem or "no END:VCARD before the next card"
                    yield card
                    card = begin(number)
                    continue
                depth += 1
            elif name == "END":
                depth -= 1
                line = line.strip()
            keep(line, number)
            last = name
            if depth == 0:
                yield card
                card = None
    except UnicodeDecodeError:
        raise BadInputError(
            file, card.start if card else None, f"cannot be decoded as {source.encoding}"
        ) from None
    if card is not None:
        card.problem = card.problem or "no END:VCARD (is the file cut short?)"
        yield card


def _unescape(value: str, *, v21: bool) -> str:
    if v21:  # vCard 2.1 has no backslash escapes but \; in structured values
        return value.replace("\\;", ";")
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt if nxt in _ESCAPED else ch + nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _split(value: str, sep: str, *, v21: bool) -> list[str]:
    """Split on unescaped ``sep``, then unescape each part."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [_unescape(p, v21=v21) for p in parts]


def _params(line: Any, name: str) -> list[str]:
    """Values of a parameter, comma lists flattened (``TYPE="voice,cell"``)."""
    values: list[str] = []
    for key, items in line.params.items():
        if key.upper() == name:
            for item in items:
                values.extend(v.strip() for v in str(item).split(",") if v.strip())
    return values


def _types(line: Any) -> list[str]:
    return [t.lower() for t in _params(line, "TYPE") + list(line.singletonparams)]


def _raw_value(line: Any) -> str:
    value = line.value
    encoding = [e.upper() for e in _params(line, "ENCODING")] + [
        s.upper() for s in line.singletonparams
    ]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if "B" in encoding or "BASE64" in encoding:
        try:
            return base64.b64decode(value).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return ""
    return str(value)


def _profile(channel: str | None, value: str, line: Any) -> str:
    """A social profile value as a URL or handle ``normalize_handle`` understands."""
    if value.lower().startswith("x-apple:"):
        users = _params(line, "X-USER")
        value = users[0] if users else value[len("x-apple:") :]
    if channel in _PROFILE_BASE and "/" not in value:
        value = _PROFILE_BASE[channel] + value.lstrip("@")
    return value


def _card_record(card: _Card, file: str, stats: ParseStats) -> ContactRecord:
    start, lines, numbers = card.start, card.lines, card.numbers
    # vobject splits logical lines, parses parameters and groups and decodes
    # quoted-printable; its value behaviours are not used (they would keep only the
    # first of several comma-separated values). Heavy: imported only when needed.
    from vobject.base import VObjectError, getLogicalLines, textLineToContentLine

    children: list[Any] = []
    depth = 0
    try:
        for logical, index in getLogicalLines(io.StringIO("\r\n".join(lines)), True):
            child = textLineToContentLine(logical, index)
            if child.name == "BEGIN":
                depth += 1
            elif child.name == "END":
                depth -= 1
            elif depth == 1:
                children.append(child)
    except (VObjectError, ValueError, LookupError) as exc:
        index = getattr(exc, "lineNumber", None)
        where = start
        if isinstance(index, int) and 0 <= index <= len(numbers):
            where = numbers[max(index, 1) - 1]
        reason = str(getattr(exc, "msg", exc))
        raise BadInputError(file, where, f"malformed vCard: {reason[:200]}") from None
    version = next((str(c.value).strip() for c in children if c.name == "VERSION"), "3.0")
    v21 = version.startswith("2")
    labels: dict[str, str] = {}
    for child in children:
        if child.name == "X-ABLABEL" and child.group:
            labels[child.group.lower()] = _unescape(_raw_value(child), v21=v21)

    def line_of(child: Any) -> int:
        index = getattr(child, "lineNumber", None)
        if isinstance(index, int) and 0 <= index <= len(numbers):
            return numbers[max(index, 1) - 1]
        return start

    record = ContactRecord(name="", line=start)
    fn: str | None = None
    n_name: str | None = None
    uid: str | None = None
    prodid: str | None = None
    notes: list[str] = []
    first_org: str | None = None
    for child in children:
        prop = child.name
        raw = _raw_value(child)
        where = line_of(child)
        if prop == "FN" and fn is None:
            fn = common.name([_unescape(raw, v21=v21)], file, where)
        elif prop == "N" and n_name is None:
            parts = _split(raw, ";", v21=v21) + [""] * 5
            record.given_name = common.name([parts[1], parts[2]], file, where)
            record.family_name = common.name([parts[0]], file, where)
            n_name = common.name([record.given_name, record.family_name], file, where)
        elif prop == "NICKNAME":
            for alias in _split(raw, ",", v21=v21):
                cleaned = common.short_text(alias)
                if cleaned and cleaned not in record.aliases:
                    record.aliases.append(cleaned)
        elif prop == "EMAIL":
            common.add_value(record, "email", _unescape(raw, v21=v21), stats, file, where)
        elif prop == "TEL":
            value = _unescape(raw, v21=v21).strip()
            value = value[4:] if value.lower().startswith("tel:") else value
            common.add_value(record, "phone", value, stats, file, where)
        elif prop in ("URL", "X-SOCIALPROFILE", "SOCIALPROFILE", "X-TWITTER"):
            service = next(iter(_params(child, "SERVICE-TYPE") + _types(child)), None)
            if prop == "X-TWITTER":
                service = "twitter"
            elif prop == "URL" and child.group:
                service = labels.get(child.group.lower(), service)
            value = _unescape(raw, v21=v21).strip()
            channel = common.service_channel(service)
            common.add_url(record, _profile(channel, value, child), stats, file, where, service)
        elif prop == "ORG" and record.company is None:
            org = _split(raw, ";", v21=v21)
            record.company = common.text(org[0], stats, file, where, "ORG")
            first_org = common.name([record.company or ""], file, where)
        elif prop == "TITLE" and record.title is None:
            record.title = common.text(_unescape(raw, v21=v21), stats, file, where, "TITLE")
        elif prop == "NOTE":
            note = common.text(_unescape(raw, v21=v21), stats, file, where, "NOTE")
            if note:
                notes.append(note)
        elif prop == "CATEGORIES":
            for tag in _split(raw, ",", v21=v21):
                cleaned = common.short_text(tag)
                system = cleaned is not None and cleaned.casefold() in common.SYSTEM_LABELS
                if cleaned and not system and cleaned not in record.tags:
                    record.tags.append(cleaned)
        elif prop == "BDAY" and record.birthday is None:
            value = _unescape(raw, v21=v21).strip()
            omit = _params(child, "X-APPLE-OMIT-YEAR")
            if omit and value.startswith(omit[0]):
                value = "--" + value[len(omit[0]) :].lstrip("-")
            record.birthday = common.birthday(value)
            if value and record.birthday is None:
                stats.drop("birthday", f"{file}:{where}: dropped birthday {value!r}")
        elif prop == "ADR" and record.location is None:
            adr = _split(raw, ";", v21=v21) + [""] * 7
            record.location = common.location(adr[3] or adr[4], adr[6])
        elif prop == "UID" and uid is None:
            uid = common.short_text(_unescape(raw, v21=v21))
        elif prop == "PRODID" and prodid is None:
            prodid = _unescape(raw, v21=v21).strip()
    name = (
        fn
        or n_name
        or (record.aliases[0] if record.aliases else None)
        or first_org
        or (record.emails[0] if record.emails else None)
    )
    if not name:
        raise BadInputError(file, start, NO_NAME)
    record.name = name
    if notes:
        record.note = common.text("\n\n".join(notes), stats, file, start, "NOTE")
    own = RAVE_UID.fullmatch(uid or "") if prodid == PRODID else None
    if own is not None and int(own.group(1)) <= MAX_ID:
        # rave's own export: matched back by the contact id (with the same name), and
        # no key added to the contact it came from: a re-import changes nothing
        record.id = int(own.group(1))
        if _guessed(record):
            record.given_name = record.family_name = None
    else:
        record.refs = [("vcard-uid", uid)] if uid else []
        if prodid != PRODID:  # rave wrote no UID of its own: the contact has it
            record.refs += [("email", e) for e in record.emails]
    return record


def _guessed(record: ContactRecord) -> bool:
    """Whether the ``N`` of a card rave wrote says no more than :func:`split_name`'s
    guess from ``FN`` (what rave writes for a contact without parts): a re-import must
    not keep rave's own guess as the parts a source gave."""
    family, given, _, _, _ = split_name(record.name)
    return (record.given_name, record.family_name) == (given or None, family or None)


def read_vcards(
    path: str | os.PathLike[str], *, stats: ParseStats | None = None
) -> Iterator[ContactRecord]:
    """Stream the cards of a ``.vcf`` file (one or many, vCard 2.1/3.0/4.0) as
    ContactRecords; ``line`` is the card's ``BEGIN:VCARD`` line. A card that cannot be
    read (no name at all, a malformed line, no ``END:VCARD``) is skipped, counted and
    named in a warning: one bad card does not cost the others."""
    stats = stats if stats is not None else ParseStats()
    with open_text(path) as source:
        stats.encoding = source.encoding
        if source.warning:
            stats.warn(source.warning)
        cards = 0
        for card in _cards(source, stats):
            stats.rows += 1
            cards += 1
            where, problem = card.start, card.problem
            if problem is None:
                try:
                    record = _card_record(card, source.file, stats)
                except BadInputError as exc:
                    where, problem = exc.line or card.start, exc.reason
                else:
                    stats.records += 1
                    yield record
                    continue
            stats.skip(SKIPPED_NO_NAME if problem == NO_NAME else SKIPPED_BAD)
            stats.warn(f"{source.file}:{where}: skipped a card: {problem}")
        if not cards:  # only blank lines: any other text is not BEGIN:VCARD
            raise BadInputError(source.file, None, EMPTY_FILE)
