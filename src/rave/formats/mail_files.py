"""Mailbox files: an mbox split into messages, Maildir folders walked, and what a
folder is for (sent, drafts, junk).

The mbox file is split here rather than by ``mailbox.mbox``, to name the line of every
message and refuse a file that is no mbox (:func:`mbox_messages`); the Maildir is walked
here rather than by ``mailbox.Maildir``, whose messages hide their file names (so their
flags) before Python 3.13 and are parsed whole (:func:`maildir_messages`). Each message
comes out as bytes with what its place says of it: where it is, its folder's roles, its
Maildir flags, and a date to fall back on (the mbox ``From`` line's, or the time a
Maildir file name starts with). :mod:`rave.formats.mail` reads the messages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rave.errors import BadInputError, UsageError
from rave.formats import EMPTY_FILE

_DRAFT_FOLDERS = frozenset(
    "drafts|draft|postponed|brouillons|entwürfe|borradores|bozze|concepten|rascunhos".split("|")  # noqa: SIM905
)
_JUNK_FOLDERS = frozenset(
    "junk|spam|trash|bin|deleted|deleted items|deleted messages|junk e-mail|junk email"  # noqa: SIM905
    "|bulk mail|papierkorb|corbeille|papelera|cestino|prullenbak|lixeira|pourriel"
    "|indésirables".split("|")
)
_SENT_FOLDERS = frozenset(
    "sent|sent mail|sent-mail|sent items|sent messages|gesendet|gesendete elemente"  # noqa: SIM905
    "|gesendete objekte|envoyés|éléments envoyés|enviados|elementos enviados"
    "|posta inviata|inviati|verzonden|verzonden items".split("|")
)


def folder_roles(parts: Iterable[str]) -> set[str]:
    """What a folder is for (``draft``, ``junk``, ``sent``), from its path's parts
    (``.INBOX.Drafts``, ``[Gmail].Sent Mail``, ``Trash``)."""
    roles: set[str] = set()
    for part in parts:
        for piece in re.split(r"[./\\]", part):
            word = " ".join(piece.split()).casefold().removeprefix("[gmail]").strip()
            if word in _DRAFT_FOLDERS:
                roles.add("draft")
            elif word in _JUNK_FOLDERS:
                roles.add("junk")
            elif word in _SENT_FOLDERS:
                roles.add("sent")
    return roles


# --- mbox -----------------------------------------------------------------------------

_FROM_LINE = re.compile(rb"From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? ")
"""A separator line as mbox writers put it: ``From SENDER Wed Sep 18 12:00:00 2024``."""
_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_ESCAPED_FROM = re.compile(rb">+From ")
_ASCTIME = re.compile(
    r"[A-Za-z]{3},? +([A-Za-z]{3}) +(\d{1,2}) +(\d{1,2}):(\d\d)(?::(\d\d))?"
    r"(?: +([+-]\d{4}|[A-Z]{2,5}))? +(\d{4})"
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}  # noqa: SIM905


def from_line_date(line: bytes) -> datetime | None:
    """The date of an mbox separator (``From x Wed Sep 18 12:00:00 +0000 2024``)."""
    match = _ASCTIME.search(line.decode("latin-1"))
    if match is None:
        return None
    month = _MONTHS.get(match.group(1).lower())
    if month is None:
        return None
    try:
        when = datetime(
            int(match.group(7)),
            month,
            int(match.group(2)),
            int(match.group(3)),
            int(match.group(4)),
            int(match.group(5) or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    zone = match.group(6) or ""
    if zone[:1] in "+-" and zone[1:].isdigit():
        sign = 1 if zone[0] == "+" else -1
        when -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
    return when


def _not_mbox(file: str, line: int, first: bytes) -> BadInputError:
    from rave.formats import sniff

    text = first.decode("utf-8", "replace")
    kind = sniff.text_kind(text)
    if first.startswith(b"\x1f\x8b"):
        reason = "not an mbox: this is a gzip-compressed file (unpack it first: gunzip)"
    elif first.startswith(b"PK\x03\x04"):
        reason = "not an mbox: this is a zip archive (unpack it first; Takeout's is Mail/*.mbox)"
    elif b"\x00" in first:
        reason = "not an mbox: binary data"
    elif kind is not None:
        reason = f"not an mbox: this looks like {sniff.KINDS[kind]}"
    elif _HEADER_LINE.match(first):
        reason = (
            "not an mbox: this is one message (it starts with a header, not a "
            '"From " line); put it in a Maildir, or import the mailbox it came from'
        )
    else:
        reason = 'not an mbox: a mailbox file starts with a "From " line'
    error = BadInputError(file, line, reason)
    if kind in sniff.IMPORTABLE:
        error.hint = f"import it as {kind}: rave import {kind} FILE; nothing was written"
    else:
        error.hint = (
            "give a mailbox file as mutt, Thunderbird or Gmail Takeout write it (rave import "
            "maildir DIR reads a Maildir folder); nothing was written"
        )
    return error


def check_headers(file: str, line: int, raw: bytes) -> None:
    """A message must start with a header, with no binary data among its headers."""
    end = raw.find(b"\n\n")
    crlf = raw.find(b"\r\n\r\n")
    if crlf != -1 and (end == -1 or crlf < end):
        end = crlf
    head = raw if end == -1 else raw[:end]
    if b"\x00" in head:
        raise BadInputError(file, line, "binary data among the message's headers: not a mailbox")
    if not _HEADER_LINE.match(raw):
        raise BadInputError(
            file,
            line,
            'no mail headers after the "From " line: a damaged mailbox, or not one',
        )


def mbox_messages(path: Path, file: str) -> Iterator[tuple[int, bytes, bytes]]:
    """``(line of the From_ line, the From_ line, the message's bytes)`` for each message.

    A separator is a line starting ``From `` at the start of the file, or after an empty
    line when it reads like one (``From SENDER Wed Sep 18 …``) or a header follows it:
    an unescaped "From " in a body does not cut a message in two. ``>From `` lines
    (mboxrd's escape) lose one ``>``."""
    with path.open("rb") as stream:
        number = 0
        first = b""
        for first in stream:
            number += 1
            if first.strip():
                break
        if not first.strip():
            raise BadInputError(file, None, EMPTY_FILE)
        if not first.startswith(b"From "):
            raise _not_mbox(file, number, first)
        start, separator = number, first
        lines: list[bytes] = []
        blank = False
        pending: bytes | None = None
        for line in stream:
            number += 1
            if pending is not None:
                if _HEADER_LINE.match(line):
                    yield start, separator, _joined(lines)
                    start, separator, lines = number - 1, pending, []
                else:
                    lines.append(pending)
                pending = None
            if line[:5] == b"From " and blank:
                if _FROM_LINE.match(line):
                    yield start, separator, _joined(lines)
                    start, separator, lines = number, line, []
                    blank = False
                    continue
                pending = line
                blank = False
                continue
            if line[:1] == b">" and _ESCAPED_FROM.match(line):
                line = line[1:]
            lines.append(line)
            blank = not line.strip()
        if pending is not None:
            lines.append(pending)
        yield start, separator, _joined(lines)


def _joined(lines: list[bytes]) -> bytes:
    """A message's lines without the empty line mbox puts before the next separator."""
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    return b"".join(lines)


# --- Maildir --------------------------------------------------------------------------

_MAX_DEPTH = 4
_INFO = re.compile(r"[:!;]2,([A-Za-z]*)$")


def _is_maildir(folder: Path) -> bool:
    """A Maildir holds cur/, new/ and tmp/; one of the first two is enough here (a copy
    or a backup may drop empty folders)."""
    return (folder / "cur").is_dir() or (folder / "new").is_dir()


def _maildirs(root: Path, depth: int = 0) -> Iterator[Path]:
    """The Maildirs in ``root``: itself when it is one, its Maildir++ subfolders
    (``.Sent``) and the Maildirs in its folders (``INBOX``, ``[Gmail]/Sent Mail``, as
    offlineimap and mbsync lay them out), a few levels down."""
    inside = _is_maildir(root)
    if inside:
        yield root
    if depth >= _MAX_DEPTH:
        return
    try:
        children = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for child in children:
        if inside and child.name in ("cur", "new", "tmp"):
            continue
        if child.name.startswith(".notmuch") or not child.is_dir(follow_symlinks=False):
            continue
        yield from _maildirs(Path(child.path), depth + 1)


def _delivery_time(name: str) -> datetime | None:
    """The delivery time at the start of a Maildir file name (``1700000000.M1P2.host``)."""
    digits = re.match(r"(\d{9,10})[._]", name)
    if digits is None:
        return None
    return datetime.fromtimestamp(int(digits.group(1)), UTC)


def maildir_messages(
    path: Path,
) -> Iterator[tuple[bytes, str, set[str], str, datetime | None]]:
    """``(the message's bytes, where it is, its folder's roles, its Maildir flags, the
    date to fall back on)`` for each message of the Maildirs in ``path``, checked to
    start with a header. A file is a UsageError (exit 2: the wrong kind of argument); a
    folder with no Maildir in it is bad input (exit 65, as an mbox that is no mbox),
    naming the folder."""
    file = str(path)
    if not path.is_dir():
        raise UsageError(
            f"{file} is a file; maildir reads a folder (the one holding cur/, new/ and tmp/)",
            hint="for a mailbox file: rave import mbox FILE",
        )
    folders = list(_maildirs(path))
    if not folders:
        error = BadInputError(
            file, None, "not a Maildir: no cur/ and new/ folders in it or below it"
        )
        error.hint = (
            "give the Maildir folder (the one holding cur/, new/ and tmp/) or the folder "
            "of your Maildirs; for a mailbox file use rave import mbox FILE; nothing was written"
        )
        raise error
    for folder in folders:
        relative = folder.relative_to(path)
        roles = folder_roles([path.name, *relative.parts])
        for sub in ("cur", "new"):
            try:
                names = sorted(entry.name for entry in os.scandir(folder / sub))
            except (FileNotFoundError, NotADirectoryError):
                continue  # a Maildir without new/ (git keeps no empty folder): nothing there
            # any other error (permissions) is the import's: "cannot read FOLDER", exit 1
            for name in names:
                message = folder / sub / name
                if name.startswith(".") or not message.is_file():
                    continue
                info = _INFO.search(name)
                flags = info.group(1) if info and sub == "cur" else ""
                raw = message.read_bytes()
                where = str(message.relative_to(path))
                fallback = _delivery_time(name)
                if raw.startswith(b"From "):  # an mbox From_ line some delivery agents keep
                    separator, _, raw = raw.partition(b"\n")
                    fallback = from_line_date(separator) or fallback
                if raw.strip():
                    check_headers(f"{file}/{where}", 1, raw)
                yield raw, where, roles, flags, fallback
