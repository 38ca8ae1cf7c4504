"""WhatsApp's "Export chat" (without media): one chat as text, or the ``.zip`` that iOS
and recent Android versions share (its ``_chat.txt`` or ``WhatsApp Chat with NAME.txt``
is read, the media beside it are not).

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
- Any of them with or without a byte-order mark, with CRLF or LF line ends. A line that
  does not start with a date is the next line of the message before it; a file whose
  first line does not is no chat export (exit 65, naming the file and the line).

**Dates.** Whether ``03/04/23`` is the 3rd of April or the 4th of March is read from
the file: a first number above 12 anywhere settles it (day first), a second one above
12 too (month first; both in one file is an error). Else the order in which the dates
then run forward (a chat is written in time order) decides. Else, when every date reads
both ways (a short chat within the first twelve days of months), the layout decides,
with a warning: month first for the US layout (a 12-hour clock with ``AM``/``PM`` and a
two-digit year), day first for every other one. Two-digit years are 20YY. Times are the
phone's wall clock without a zone: they are taken as this machine's local time.

**Who is who.** An author is a name as saved in the exporting phone, or a phone number
(``+33 6 12 34 56 78``) for someone not saved: a :class:`Party` with that name, or with
that number as a ``whatsapp`` handle (through ``normalize.normalize_handle``). You are
the author whose name or number is in ``[me]`` (``--me`` adds to it). Without one, in a
chat with one person, the file name (``WhatsApp Chat with Ana Lima.txt``, iOS's
``WhatsApp Chat - Ana Lima.zip`` or the folder it unpacks to) or the iOS notices name
the other person, so the other author is you (with a warning saying so); a chat where
only they wrote needs nobody's name. When nothing tells, the file is refused with a
hint to pass ``--me "Your Name"``: in a group, that is whenever none of its authors is
in ``[me]``/``--me`` and neither is set (when they are, you are taken to have written
nothing there, with a warning). A chat is a group when it has more than two authors, a
notice of a group (``created group``, ``added``, ``left``…) or, on iOS, notices under a
name that is none of its two authors (the group's). A notice cut at a colon inside a
group's name (``changed the subject from "Trip: May"``) is no author: an author never
leaves a quote open.

**What is recorded** (channel ``whatsapp``, kind ``chat``):

- Consecutive messages by the same author, each within :data:`BLOCK_MINUTES` minutes of
  the one before, are one interaction, dated by the first; its note is their first lines
  joined (an excerpt). A message of media only counts as a message: ``(photo)``,
  ``(video)``, ``(voice message)``, ``(sticker)``, ``(document)``, ``(media)`` when the
  export does not say which; ``null`` (a message the export left out) is ``(message not
  in the export)``. Deleted messages are skipped and counted; ``<This message was
  edited>`` is dropped from the text.
- In a chat with one person: yours ``out``, theirs ``in``. Of the messages and missed
  calls of theirs after your last message or call (when the chat ends with them), the
  last one owes a reply, and so does every missed call among them, unless the last one
  only thanks or acknowledges (``_common.closes_conversation``; stickers and GIFs alone
  count as acknowledging, a photo does not) — spec/scoring.md v2.
- Calls (the iOS export lists them): one that took place (``Voice call, 12 min``, or
  ``Voice call`` alone) is a ``both`` on ``phone`` (``video`` for a video call): you
  talked, which answers everything before it; ``started_by`` whoever called. A
  missed call from them (``Missed voice call``, or their ``Voice call, No answer``) is an
  ``in`` on whatsapp that wants a reply; yours that they did not answer is an ``out``.
- In a group, what a contact wrote is an ``in`` from that author alone; it owes a reply
  only when it is the last of the chat (theirs), mentions you (``@Your Name``, ``@`` and your
  number, or your first name when no other author shares it) and does not only thank.
  What you wrote is an ``out`` to the people it mentions, else to the author of the
  message just before it when that came within :data:`ANSWER_HOURS` hours (whom you
  answered); a message of yours to nobody in particular is skipped and counted, and so
  are group calls. People you have no contact for are left out by ``services.capture``
  (``--create`` makes them).

**Once.** Every interaction's key is ``whatsapp:<chat>|<first message's time>|<author>``:
the chat is the other person's folded name or number (a group: ``group:`` and its name
as the export gives it), the time the phone's wall clock as written, the author ``me``
or theirs. Re-exporting the same chat later, even from the same phone months on, gives
the same keys to what was already there, so only the new messages are added; a renamed
contact, a chat exported from the other phone (iOS writes seconds, Android does not) or
an export that starts in the middle of a run of messages gives new keys.

Messages dated more than a day after ``now`` (a wrong phone clock) are skipped and
counted. The file is read three times (who and which date order; where the chat ends;
the records), never held in memory whole.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from rave import normalize, timeutil
from rave.config import MeConfig
from rave.errors import BadInputError, UsageError
from rave.formats import EMPTY_FILE, EXCERPT_CHARS, MAX_NAME_CHARS, ParseStats
from rave.formats import _common as common
from rave.services.capture import Captured, Party

CHANNEL = "whatsapp"
BLOCK_MINUTES = 5
"""Messages by the same author this close together are one interaction."""
ANSWER_HOURS = 24
"""Your group message answers the message before it when that came this recently."""
FUTURE_SLACK = timedelta(days=1)
"""A message dated later than this after ``now`` is skipped (the phone's clock was wrong;
less than a day may only be another time zone)."""
KEPT_CHARS = EXCERPT_CHARS * 4
"""Text kept of one interaction: enough for its excerpt and the closing-thanks check."""

# --- notices, media, calls ------------------------------------------------------------
NOTICES = "WhatsApp notices"
DELETED = "deleted messages"
FUTURE = "dated in the future"
GROUP_CALLS = "group calls"
TO_NOBODY = "your group messages to nobody in particular"
TO_YOURSELF = "messages to yourself"

_BIDI = dict.fromkeys(map(ord, "\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"), None)
_BIDI.update(dict.fromkeys(range(0x2066, 0x206A), None))
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

_TITLE = re.compile(r"WhatsApp[ -]Chat (?:with|mit|-) (?P<name>.+?)(?: ?\(\d+\))?", re.IGNORECASE)
_DELETED = re.compile(
    r"(?:this message was deleted|you deleted this message|diese nachricht wurde gelöscht|"
    r"du hast diese nachricht gelöscht|ce message a été supprimé|"
    r"vous avez supprimé ce message|se eliminó este mensaje|eliminaste este mensaje)\.?",
    re.IGNORECASE,
)
_EDITED = re.compile(r"\s*<This message was edited>$", re.IGNORECASE)
_OMITTED = re.compile(
    r"(?:.*\s)?(?P<what>image|video|audio|sticker|gif|document|contact card) omitted",
    re.IGNORECASE,
)
_OMITTED_ANY = re.compile(  # iOS in other languages: "Bild weggelassen", "imagen omitida"
    r".*\s(?:omitted|omitida|omitido|weggelassen|omis|omise|omesso|omessa|weggelaten)",
    re.IGNORECASE,
)
_ATTACHED = re.compile(r"(?:.*\s)?<[^<>:]+: (?P<file>[^<>]+)>")
_ANDROID_FILE = re.compile(r"(?P<file>[A-Z]{3}-\d{8}-WA\d+\.\w+) \([^()]+\)")
_WHOLE_ANGLE = re.compile(r"<[^<>]{2,60}>")
_CALL = re.compile(
    r"(?P<missed>missed )?(?P<group>group )?(?P<what>voice|video) call"
    r"(?:\s*[,·]\s*(?P<detail>.*))?",
    re.IGNORECASE,
)
_NOTICE_TEXT = re.compile(
    r"messages (?:and calls are|to this group are now) (?:end-to-end|secured)"
    r"|your security code with .* changed|.* is a contact\.?$|you (?:un)?blocked this contact",
    re.IGNORECASE,
)
_GROUP_NOTICE = re.compile(
    r"created (?:this )?group|\badded\b|\bremoved\b|\bleft\.?$|joined using|"
    r"changed the subject|changed (?:this )?group|changed the group|now an admin|"
    r"messages to this group",
    re.IGNORECASE,
)
_GROUP_NAME = re.compile(
    r"(?:created group|changed the subject (?:from .* )?to) [\"“](?P<name>.+?)[\"”]"
)
_PHONE = re.compile(r"\+?[\d\s().\-\u00a0\u202f]{6,}")
_FILE_KINDS = {
    "PHOTO": "photo",
    "IMG": "photo",
    "IMAGE": "photo",
    "VIDEO": "video",
    "VID": "video",
    "AUDIO": "voice message",
    "PTT": "voice message",
    "AUD": "audio",
    "STICKER": "sticker",
    "STK": "sticker",
    "GIF": "GIF",
    "DOC": "document",
    "DOCUMENT": "document",
    "CONTACT": "contact card",
    "CONTACT CARD": "contact card",
}
_EXTENSIONS = {
    "jpg": "photo",
    "jpeg": "photo",
    "png": "photo",
    "heic": "photo",
    "mp4": "video",
    "mov": "video",
    "opus": "voice message",
    "m4a": "audio",
    "mp3": "audio",
    "webp": "sticker",
    "vcf": "contact card",
}
_ACKNOWLEDGING = frozenset({"(sticker)", "(GIF)"})

# kinds of message
TEXT, MEDIA, NOTICE, GONE = "text", "media", "notice", "deleted"
CALL_DONE, CALL_MISSED, CALL_UNANSWERED, CALL_GROUP = "call", "missed", "unanswered", "group"
_CALLS = (CALL_DONE, CALL_MISSED, CALL_UNANSWERED, CALL_GROUP)


# --- reading the file -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    """The chat text: a file, or a member of a zip. ``shown`` names it in messages;
    ``title`` is the chat's name as the file name gives it (``WhatsApp Chat with X``)."""

    path: Path
    shown: str
    member: str | None = None
    title: str | None = None

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        if self.member is None:
            with self.path.open("rb") as stream:
                yield stream
            return
        with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as stream:
            yield stream


def _title(stem: str) -> str | None:
    match = _TITLE.fullmatch(stem.strip())
    return _author(match.group("name")) if match else None


def _source(path: Path) -> _Source:
    """The chat text in ``path``: the file itself, or the chat in a zip."""
    shown = str(path)
    with path.open("rb") as stream:
        zipped = stream.read(4) == b"PK\x03\x04"
    if not zipped:  # iOS's zip, unpacked: "WhatsApp Chat - Ana Lima/_chat.txt"
        folder = _title(path.resolve().parent.name) if path.name == "_chat.txt" else None
        return _Source(path, shown, title=_title(path.stem) or folder)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                info.filename
                for info in archive.infolist()
                if not info.is_dir()
                and info.filename.lower().endswith(".txt")
                and not info.filename.startswith("__MACOSX/")
            ]
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(shown, None, f"a damaged zip file ({exc})") from None
    base = {name: name.rsplit("/", 1)[-1] for name in names}
    chosen = [n for n in names if base[n] == "_chat.txt"] or [
        n for n in names if _title(base[n][:-4]) is not None
    ]
    if not chosen and len(names) == 1:
        chosen = names
    if len(chosen) != 1:
        found = f"it holds {', '.join(sorted(base.values())[:5])}" if names else "it holds none"
        raise BadInputError(
            shown,
            None,
            "no WhatsApp chat in this zip: expected _chat.txt or "
            f"'WhatsApp Chat with NAME.txt' ({found})",
        )
    member = chosen[0]
    title = _title(base[member][:-4]) or _title(path.stem)
    return _Source(path, f"{shown}:{member}", member, title)


def _lines(source: _Source) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` without line ends; a BOM at the start dropped."""
    with source.open() as stream:
        for number, raw in enumerate(stream, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise BadInputError(
                    source.shown,
                    number,
                    "not UTF-8 text, as WhatsApp writes its exports: is this a chat export?",
                ) from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text.rstrip("\r\n")


@dataclass(frozen=True, slots=True)
class _Stamp:
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


def _stamp(match: re.Match[str]) -> _Stamp | None:
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    year_first = len(a) == 4
    if not year_first and len(c) not in (2, 4):
        return None
    ap = match.group("ap")
    second = match.group("second")
    end = max(match.end(g) for g in ("minute", "second", "m") if match.group(g) is not None)
    return _Stamp(
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


def _header(text: str) -> tuple[_Stamp, str] | None:
    """A message's first line: its stamp and the rest (``NAME: text`` or a notice)."""
    line = text.lstrip("\ufeff\u200e\u200f")
    for pattern in (_IOS, _ANDROID, _OLD_IOS):
        match = pattern.match(line)
        if match is not None:
            stamp = _stamp(match)
            if stamp is not None:
                return stamp, match.group("rest")
    return None


def _author(value: str) -> str | None:
    """An author as rave keeps it: bidirectional marks removed, whitespace collapsed;
    None when that leaves nothing, or nothing a name can be."""
    name = " ".join(normalize.clean_text(value.translate(_BIDI)).split())
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    # a quote left open: a notice cut at a colon inside a group's name, as in
    # 'Ana changed the subject from "Trip: May" to …' (Ana "Nana" Lima is a name)
    if name.count('"') % 2 or name.count("“") != name.count("”"):
        return None
    return name


@dataclass(slots=True)
class _Message:
    line: int
    stamp: _Stamp
    author: str | None  # None for a notice
    kind: str
    label: str | None  # "(photo)", "(missed voice call)"…
    call: str | None  # "voice" / "video" for calls
    detail: str  # a call's duration
    notice: str  # a notice's text (to tell groups)
    text: list[str] = field(default_factory=list)
    kept: int = 0

    def add(self, line: str) -> None:
        if self.kept >= KEPT_CHARS:
            return
        line = _EDITED.sub("", line.translate(_BIDI)).strip()
        if line:
            self.text.append(line[: KEPT_CHARS - self.kept])
            self.kept += len(self.text[-1]) + 1


def _media(text: str, marked: bool) -> str | None:
    """The label of a message that is media only, or None for text. ``marked``: the text
    came after a left-to-right mark, as iOS writes media and notices."""
    if text == "null":
        return "(message not in the export)"
    match = _OMITTED.fullmatch(text)
    if match is not None:
        return f"({_FILE_KINDS.get(match.group('what').upper(), 'media')})"
    if marked and _OMITTED_ANY.fullmatch(text):
        return "(media)"
    match = _ATTACHED.fullmatch(text) or _ANDROID_FILE.fullmatch(text)
    if match is not None:  # 00000012-PHOTO-2023-12-31-21-41-05.jpg, IMG-20231231-WA0001.jpg
        file = match.group("file")
        parts = file.split("-")
        kind = parts[1] if len(parts) > 2 and parts[0].isdigit() else parts[0]
        if kind.upper() in _FILE_KINDS:
            return f"({_FILE_KINDS[kind.upper()]})"
        extension = file.rsplit(".", 1)[-1].lower() if "." in file else ""
        return f"({_EXTENSIONS.get(extension, 'document')})"
    if _WHOLE_ANGLE.fullmatch(text):
        return "(media)"
    return None


def _message(number: int, stamp: _Stamp, rest: str) -> _Message:
    """One message's first line, classified."""
    author: str | None = None
    name, sep, text = rest.partition(": ")
    if sep:
        author = _author(name)
    if author is None:
        return _Message(number, stamp, None, NOTICE, None, None, "", rest.translate(_BIDI))
    marked = text.lstrip(" ").startswith("\u200e")
    plain = " ".join(_EDITED.sub("", text.translate(_BIDI)).split())
    message = _Message(number, stamp, author, TEXT, None, None, "", "")
    call = _CALL.fullmatch(plain)
    if _DELETED.fullmatch(plain):
        message.kind = GONE
    elif call is not None and (marked or call.group("missed") or call.group("detail")):
        what = call.group("what").lower()
        detail = (call.group("detail") or "").strip()
        message.call, message.detail = what, detail
        if call.group("group"):
            message.kind = CALL_GROUP
            message.label = f"(group {what} call)"
        elif call.group("missed"):
            message.kind = CALL_MISSED
            message.label = f"(missed {what} call)"
        elif re.search(r"\d", detail) or not detail:
            message.kind = CALL_DONE
            message.label = f"WhatsApp {what} call" + (f", {detail}" if detail else "")
        else:
            message.kind = CALL_UNANSWERED
            message.label = f"({what} call, no answer)"
    elif (label := _media(plain, marked)) is not None:
        message.kind, message.label = MEDIA, label
    elif marked or _NOTICE_TEXT.match(plain):
        return _Message(number, stamp, author, NOTICE, None, None, "", plain)
    else:
        message.add(text)
    return message


def _messages(source: _Source) -> Iterator[_Message]:
    """The chat's messages and notices, in file order, each with its following lines."""
    current: _Message | None = None
    for number, text in _lines(source):
        head = _header(text)
        if head is not None:
            if current is not None:
                yield current
            current = _message(number, *head)
        elif current is not None:
            if current.kind in (TEXT, MEDIA):
                current.add(text)
        elif text.strip(" \t\ufeff\u200e"):
            raise _not_a_chat(source, number, text)
    if current is None:
        raise BadInputError(source.shown, None, EMPTY_FILE)
    yield current


def _not_a_chat(source: _Source, number: int, text: str) -> BadInputError:
    from rave.formats import sniff

    kind = sniff.text_kind(text)
    what = f"this looks like {sniff.KINDS[kind]}, " if kind else ""
    return BadInputError(
        source.shown,
        number,
        f"{what}not a WhatsApp chat export: its lines start with a date, as in "
        "'31/12/2023, 21:41 - Ana Lima: text' or '[31/12/2023, 21:41:05] Ana Lima: text'",
    )


# --- pass 1: who, and which date order ----------------------------------------------


class _Evidence:
    """What the first pass learns: the authors, the chat's names, the date order."""

    def __init__(self) -> None:
        self.authors: dict[str, int] = {}  # author → messages, in order of appearance
        self.noticed: Counter[str] = Counter()  # authors of iOS notices: the chat's name
        self.group_notice = False
        self.group_name: str | None = None
        self.day_first_at: tuple[int, str] | None = None  # (line, date) proving it
        self.month_first_at: tuple[int, str] | None = None
        self.backward = [0, 0]  # dates running backwards read day first, month first
        self.previous: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None
        self.ambiguous: str | None = None  # a date that reads both ways
        self.us_layout = False
        self.notices = 0

    def see(self, message: _Message) -> None:
        stamp = message.stamp
        if not stamp.year_first:
            self._order(message.line, stamp)
        if stamp.meridiem and stamp.upper and stamp.short_year and not stamp.dotted:
            self.us_layout = True
        if message.kind == NOTICE:
            self.notices += 1
            if message.author is not None:
                self.noticed[message.author] += 1
            if _GROUP_NOTICE.search(message.notice):
                self.group_notice = True
            named = _GROUP_NAME.search(message.notice)
            if named and self.group_name is None:
                self.group_name = _author(named.group("name").replace('"', ""))
            return
        assert message.author is not None
        self.authors[message.author] = self.authors.get(message.author, 0) + 1

    def _order(self, line: int, stamp: _Stamp) -> None:
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

    def chat_name(self) -> str | None:
        """The name iOS writes its notices under: the chat's."""
        if not self.noticed:
            return None
        return self.noticed.most_common(1)[0][0]


def _scan(source: _Source) -> _Evidence:
    evidence = _Evidence()
    for message in _messages(source):
        evidence.see(message)
    return evidence


# --- who you are ----------------------------------------------------------------------


def _phone(value: str) -> str | None:
    """The normalised number of an author who is a number, else None."""
    if not _PHONE.fullmatch(value) or sum(ch.isdigit() for ch in value) < 6:
        return None
    try:
        return normalize.normalize_handle("phone", value)
    except UsageError:
        return None


def _same(author: str, name: str) -> bool:
    phone = _phone(author)
    if phone is not None:
        return phone == _phone(name)
    return normalize.fold(author) == normalize.fold(name)


def _is_me(author: str, me: MeConfig) -> bool:
    phone = _phone(author)
    if phone is not None and phone in me.phones:
        return True
    return normalize.fold(author) in {normalize.fold(n) for n in me.names}


def _listed(names: list[str]) -> str:
    shown = [f"'{n}'" for n in names[:4]]
    if len(names) > 4:
        return ", ".join(shown) + f" and {len(names) - 4} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _unsure(shown: str, reason: str) -> BadInputError:
    error = BadInputError(shown, None, reason)
    error.hint = (
        'pass --me "Your Name" as the chat writes it (or set names in [me] in '
        "config.toml); nothing was written"
    )
    return error


@dataclass(frozen=True, slots=True)
class _Chat:
    """What the first pass decided about the chat."""

    key: str
    group: bool
    mine: frozenset[str]
    other: Party | None  # the other person of a chat with one person
    authors: tuple[str, ...]
    day_first: bool


def _party(author: str) -> Party:
    phone = _phone(author)
    if phone is not None:
        return Party(None, ((CHANNEL, phone),))
    return Party(author)


def _person_key(author: str) -> str:
    return _phone(author) or normalize.fold(author)


def _decide(evidence: _Evidence, source: _Source, me: MeConfig, stats: ParseStats) -> _Chat | None:
    """Whose messages are whose, whether it is a group, the chat's key (module
    docstring, "Who is who"); None for a chat without a message."""
    shown = source.shown
    day_first = evidence.day_first(shown, stats)
    authors = list(evidence.authors)
    if not authors:
        return None
    noticed = evidence.chat_name()
    name = source.title or noticed
    given = bool(me.names or me.phones)
    group = (
        len(authors) > 2
        or evidence.group_notice
        or (
            noticed is not None
            and len(authors) == 2
            and not any(_same(a, noticed) for a in authors)
        )
    )
    mine = {a for a in authors if _is_me(a, me)}
    if group:
        if not mine and not given:
            raise _unsure(shown, f"cannot tell which of {_listed(authors)} is you in this group")
        if not mine:
            stats.warn(
                f"{shown}: none of your names or numbers ([me], --me) wrote in this group; "
                f"if one of {_listed(authors)} is you, pass --me with that name"
            )
        title = source.title or noticed or evidence.group_name or ""
        key = "group:" + normalize.fold(title) if title else "group"
        return _Chat(key, True, frozenset(mine), None, tuple(authors), day_first)
    if not mine:
        mine = _infer_me(authors, name, bool(source.title), given, shown, stats)
    theirs = [a for a in authors if a not in mine]
    other_name = theirs[0] if theirs else (name if name and not _is_me(name, me) else None)
    other = _party(other_name) if other_name else None
    key = _person_key(other_name) if other_name else "you"
    return _Chat(key, False, frozenset(mine), other, tuple(authors), day_first)


def _infer_me(
    authors: list[str], name: str | None, titled: bool, given: bool, shown: str, stats: ParseStats
) -> set[str]:
    """You, in a chat with one person where none of your names or numbers wrote: the
    author the chat is not named after (with a warning); nobody when the only author is
    the one it is named after, or when you were described and the only author is not
    you. Else a refusal with a hint to pass --me."""
    named = [a for a in authors if name is not None and _same(a, name)]
    whence = f"the file is named after {name}" if titled else f"WhatsApp's notices are under {name}"
    lead = "none of your names or numbers ([me], --me) wrote here; " if given else ""
    advice = "set names in [me] or pass --me to say who you are"
    if len(authors) == 2 and len(named) == 1:
        you = next(a for a in authors if a != named[0])
        stats.warn(f"{shown}: {lead}took '{you}' as you: {whence}; {advice}")
        return {you}
    if len(authors) == 1 and (named or given):
        return set()  # only they wrote
    if len(authors) == 1 and name is not None:
        stats.warn(f"{shown}: took '{authors[0]}', the only one who wrote, as you: {whence}")
        return set(authors)
    if len(authors) == 1:
        raise _unsure(
            shown,
            f"only '{authors[0]}' wrote in this chat and nothing in it says whether that is you",
        )
    raise _unsure(shown, f"{lead}cannot tell which of {_listed(authors)} is you")


# --- passes 2 and 3: interactions ----------------------------------------------------


@dataclass(slots=True)
class _Block:
    """One interaction: consecutive messages of one author (or one call)."""

    index: int
    line: int
    author: str
    mine: bool
    kind: str
    when: datetime  # UTC, the first message's
    last: datetime
    stamp: str  # the first message's local time as written, for the key
    call: str | None = None
    detail: str = ""
    parts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    kept: int = 0
    last_words: str = ""  # the last message's text
    last_labels: tuple[str, ...] = ()  # and its media

    def take(self, message: _Message) -> None:
        if message.label is not None and message.kind == MEDIA:
            self.labels.append(message.label)
            self._keep(message.label)
        for line in message.text:
            self._keep(line)
        self.last_words = " ".join(message.text)
        self.last_labels = (message.label,) if message.kind == MEDIA and message.label else ()

    def _keep(self, text: str) -> None:
        if self.kept < KEPT_CHARS:
            self.parts.append(text)
            self.kept += len(text) + 1

    def words(self) -> str:
        """What was written, without the media labels."""
        labels = set(self.labels)
        return " ".join(p for p in self.parts if p not in labels)

    def closes(self) -> bool:
        """Its last message only thanks or acknowledges: a closing "thanks", an emoji, a
        sticker (a photo or a call never does)."""
        if self.kind in _CALLS:
            return False
        if not self.last_words:
            labels = self.last_labels
            return bool(labels) and all(label in _ACKNOWLEDGING for label in labels)
        return common.closes_conversation(self.last_words)


def _blocks(
    source: _Source, chat: _Chat, stats: ParseStats | None, now: datetime
) -> Iterator[_Block]:
    """The chat's interactions in file order. ``stats`` counts what is left out (given
    on one pass only, so that nothing is counted twice)."""
    block: _Block | None = None
    index = 0
    window = timedelta(minutes=BLOCK_MINUTES)
    for message in _messages(source):
        if message.author is None or message.kind == NOTICE:
            if stats is not None:
                stats.skip(NOTICES)
            continue
        local = message.stamp.local(chat.day_first)
        if local is None:
            raise BadInputError(
                source.shown, message.line, f"no such date or time: {message.stamp.text}"
            )
        if message.kind == GONE:
            if stats is not None:
                stats.skip(DELETED)
            continue
        when = timeutil.to_utc(local[0])
        if when > now + FUTURE_SLACK:
            if stats is not None:
                stats.skip(FUTURE)
            continue
        call = message.kind in _CALLS
        joins = (
            block is not None
            and not call
            and block.kind not in _CALLS
            and block.author == message.author
            and when - block.last <= window
        )
        if block is not None and joins:
            block.last = max(block.last, when)
            block.take(message)
            continue
        if block is not None:
            yield block
        mine = message.author in chat.mine
        block = _Block(
            index, message.line, message.author, mine, message.kind, when, when, local[1]
        )
        index += 1
        if call:
            block.call, block.detail = message.call, message.detail
            block.parts.append(message.label or "")
        else:
            block.kind = TEXT
            block.take(message)
    if block is not None:
        yield block


def _owed(source: _Source, chat: _Chat, me: MeConfig, now: datetime) -> set[int]:
    """Pass 2 (module docstring, "What is recorded"): the interactions that owe a reply,
    by index. Only the missed calls since your last message are remembered, and the
    last interaction."""
    missed: list[int] = []  # their missed calls since your last message or call
    last: _Block | None = None
    for block in _blocks(source, chat, None, now):
        last = block
        if block.mine or block.kind == CALL_DONE:
            missed = []
        elif block.kind in (CALL_MISSED, CALL_UNANSWERED):
            missed.append(block.index)
    if last is None or last.mine or last.kind == CALL_DONE or last.closes():
        return set()
    if chat.group:
        mentioned = last.kind == TEXT and _mentions_me(last.words(), me, chat)
        return {last.index} if mentioned else set()
    return {*missed, last.index}


# --- mentions in groups ---------------------------------------------------------------

_MENTION = re.compile(r"@\u2068?([^\u2069@\n]{1,80})")


def _mentioned(text: str) -> list[str]:
    """What follows each ``@`` in ``text``, folded."""
    return [normalize.fold(m.group(1)) for m in _MENTION.finditer(text)]


def _first(name: str) -> str:
    return normalize.fold(name).split(" ", 1)[0]


def _names(after: str, name: str, *, by_first: bool) -> bool:
    """``@<after>`` (folded) names ``name``: in full, or by its first name when
    ``by_first``; a number by its digits."""
    if _phone(name) is not None:
        said = re.match(r"\+?\d[\d ]{5,}", after)
        return said is not None and re.sub(r"\D", "", said.group(0)) == re.sub(r"\D", "", name)
    for word in (normalize.fold(name), _first(name) if by_first else ""):
        if word and after.startswith(word) and not after[len(word) : len(word) + 1].isalnum():
            return True
    return False


def _mentions_me(text: str, me: MeConfig, chat: _Chat) -> bool:
    """``text`` mentions you: by a name of yours in full, by your first name when no
    other author of the chat has it, or by your number."""
    if "@" not in text:
        return False
    taken = {_first(a) for a in chat.authors if a not in chat.mine}
    yours = [*chat.mine, *me.names, *me.phones]
    return any(
        _names(after, name, by_first=_first(name) not in taken)
        for after in _mentioned(text)
        for name in yours
    )


def _addressed(text: str, chat: _Chat) -> list[str]:
    """The group's authors (not you) that ``text`` mentions."""
    if "@" not in text:
        return []
    theirs = [a for a in chat.authors if a not in chat.mine]
    firsts = Counter(_first(a) for a in theirs)
    found: list[str] = []
    for after in _mentioned(text):
        for author in theirs:
            if author not in found and _names(after, author, by_first=firsts[_first(author)] == 1):
                found.append(author)
    return found


# --- the reader -----------------------------------------------------------------------


def read_chat(path: Path, me: MeConfig, stats: ParseStats, now: datetime) -> Iterator[Captured]:
    """The interactions of one WhatsApp chat export (a ``.txt``, or the ``.zip`` holding
    it), as the module docstring says. Raises BadInputError (exit 65) for a file that is
    no chat export, naming the file and the line, and when it cannot tell which author
    you are."""
    source = _source(path)
    evidence = _scan(source)
    chat = _decide(evidence, source, me, stats)
    if chat is None:  # notices only
        for _ in range(evidence.notices):
            stats.skip(NOTICES)
        return
    owed = _owed(source, chat, me, now)
    previous: _Block | None = None
    for block in _blocks(source, chat, stats, now):
        record = _record(block, chat, previous, block.index in owed, stats)
        previous = block
        if record is not None:
            stats.records += 1
            yield record


def _answered(block: _Block, previous: _Block | None) -> list[str]:
    """Whom your group message answers: the author of the message just before it, when
    that is someone else and came within ANSWER_HOURS."""
    if previous is None or previous.mine:
        return []
    return [previous.author] if block.when - previous.when <= timedelta(hours=ANSWER_HOURS) else []


def _record(
    block: _Block, chat: _Chat, previous: _Block | None, owed: bool, stats: ParseStats
) -> Captured | None:
    """One interaction from a block; None for one left out (counted)."""
    author_key = "me" if block.mine else _person_key(block.author)
    key = f"whatsapp:{chat.key}|{block.stamp}|{author_key}"
    note = common.excerpt(" ".join(block.parts)) or None
    where = f"line {block.line}"
    if chat.group:
        if block.kind in _CALLS:
            stats.skip(GROUP_CALLS)
            return None
        if not block.mine:
            others: tuple[Party, ...] = (_party(block.author),)
            return Captured(
                key, block.when, CHANNEL, "in", others, note, needs_reply=owed, where=where
            )
        named = _addressed(block.words(), chat) or _answered(block, previous)
        if not named:
            stats.skip(TO_NOBODY)
            return None
        others = tuple(_party(a) for a in named)
        return Captured(key, block.when, CHANNEL, "out", others, note, where=where)
    if chat.other is None:
        stats.skip(TO_YOURSELF)
        return None
    others = (chat.other,)
    if block.kind == CALL_DONE:
        channel = "video" if block.call == "video" else "phone"
        return Captured(
            key,
            block.when,
            channel,
            "both",
            others,
            note,
            started_by="me" if block.mine else "them",
            where=where,
        )
    direction = "out" if block.mine else "in"
    return Captured(
        key,
        block.when,
        CHANNEL,
        direction,
        others,
        note,
        needs_reply=owed and not block.mine,
        where=where,
    )
