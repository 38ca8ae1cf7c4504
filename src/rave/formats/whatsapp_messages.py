"""One WhatsApp chat export read as messages: the file (a ``.txt``, or the ``.zip`` that
iOS and recent Android versions share: its ``_chat.txt`` or ``WhatsApp Chat with
NAME.txt`` is read, the media beside it are not), its lines, each message classified.

A line that starts with a date and time in one of the layouts of
:mod:`rave.formats.whatsapp_layout` starts a message; a line that does not is the next
line of the message before it, and a file whose first line does not is no chat export
(exit 65, naming the file and the line), nor is a file that is not UTF-8, as WhatsApp
writes it. A message is text, media only (``(photo)``, ``(voice message)``…: iOS's
``image omitted`` and ``<attached: 00000012-PHOTO-….jpg>``, Android's
``IMG-20231231-WA0001.jpg (file attached)``), a call (done, missed, not answered, or a
group's), deleted, or one of WhatsApp's notices: a line without ``NAME:`` after its date,
or an author's line whose text is iOS's marked text or a notice's wording. An author is
a name as saved in the exporting phone or a number, bidirectional marks removed; a
notice cut at a colon inside a group's name (``changed the subject from "Trip: May"``)
is no author: an author never leaves a quote open. :mod:`rave.formats.whatsapp` decides
what each message becomes.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rave import normalize
from rave.errors import BadInputError
from rave.formats import EMPTY_FILE, EXCERPT_CHARS, MAX_NAME_CHARS
from rave.formats.whatsapp_layout import Stamp, first_line

KEPT_CHARS = EXCERPT_CHARS * 4
"""Text kept of one interaction: enough for its excerpt and the closing-thanks check."""


# --- notices, media, calls ------------------------------------------------------------

_BIDI = dict.fromkeys(map(ord, "\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"), None)
_BIDI.update(dict.fromkeys(range(0x2066, 0x206A), None))

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

# kinds of message
TEXT, MEDIA, NOTICE, GONE = "text", "media", "notice", "deleted"
CALL_DONE, CALL_MISSED, CALL_UNANSWERED, CALL_GROUP = "call", "missed", "unanswered", "group"
CALLS = (CALL_DONE, CALL_MISSED, CALL_UNANSWERED, CALL_GROUP)


# --- reading the file -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
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
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as stream:
                yield stream
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            # damaged deflate data, a bad checksum, a truncated file, another method
            raise BadInputError(self.shown, None, f"a damaged zip file ({exc})") from None
        except RuntimeError as exc:  # an encrypted member: "password required"
            raise BadInputError(self.shown, None, f"cannot read the zip ({exc})") from None


def _title(stem: str) -> str | None:
    match = _TITLE.fullmatch(stem.strip())
    return clean_author(match.group("name")) if match else None


def source_of(path: Path) -> Source:
    """The chat text in ``path``: the file itself, or the chat in a zip."""
    shown = str(path)
    with path.open("rb") as stream:
        zipped = stream.read(4) == b"PK\x03\x04"
    if not zipped:  # iOS's zip, unpacked: "WhatsApp Chat - Ana Lima/_chat.txt"
        folder = _title(path.resolve().parent.name) if path.name == "_chat.txt" else None
        return Source(path, shown, title=_title(path.stem) or folder)
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
    return Source(path, f"{shown}:{member}", member, title)


def _lines(source: Source) -> Iterator[tuple[int, str]]:
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


def clean_author(value: str) -> str | None:
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


# --- messages -------------------------------------------------------------------------


@dataclass(slots=True)
class Message:
    line: int
    stamp: Stamp
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


def _message(number: int, stamp: Stamp, rest: str) -> Message:
    """One message's first line, classified."""
    author: str | None = None
    name, sep, text = rest.partition(": ")
    if sep:
        author = clean_author(name)
    if author is None:
        return Message(number, stamp, None, NOTICE, None, None, "", rest.translate(_BIDI))
    marked = text.lstrip(" ").startswith("\u200e")
    plain = " ".join(_EDITED.sub("", text.translate(_BIDI)).split())
    message = Message(number, stamp, author, TEXT, None, None, "", "")
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
        return Message(number, stamp, author, NOTICE, None, None, "", plain)
    else:
        message.add(text)
    return message


def read_messages(source: Source) -> Iterator[Message]:
    """The chat's messages and notices, in file order, each with its following lines."""
    current: Message | None = None
    for number, text in _lines(source):
        head = first_line(text)
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


def _not_a_chat(source: Source, number: int, text: str) -> BadInputError:
    from rave.formats import sniff

    kind = sniff.text_kind(text)
    what = f"this looks like {sniff.KINDS[kind]}, " if kind else ""
    return BadInputError(
        source.shown,
        number,
        f"{what}not a WhatsApp chat export: its lines start with a date, as in "
        "'31/12/2023, 21:41 - Ana Lima: text' or '[31/12/2023, 21:41:05] Ana Lima: text'",
    )
