"""Mail bodies: the text a message says, and the note made of it.

The multipart tree is split here (:func:`walk`) and only the text part read is decoded
(its transfer encoding, then its charset): bodies never go through the ``email``
package's feed parser, which compiles a regular expression for every new MIME boundary
(0.7 ms a message). Attached messages are not entered (a forwarded mail is not what this
one says), and a calendar part that asks for or answers a meeting marks the message as a
calendar notification.

The note (:func:`note_of`) is the subject and the first lines of the message
(:func:`fresh_lines`; an HTML body through :func:`html_text`), without quoted text
(``>`` lines, "On … wrote:", Outlook's "-----Original Message-----" and "From: … Sent:
…" blocks, Gmail's, Thunderbird's and Apple Mail's quoted HTML), signatures (``--``, a
sign-off and a name at the end) or "Sent from my iPhone", at most ``EXCERPT_CHARS``.
Used by :mod:`rave.formats.mail`.
"""

from __future__ import annotations

import binascii
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rave import normalize
from rave.formats import EXCERPT_CHARS
from rave.formats import _common as common
from rave.formats.mail_headers import Head, decode_bytes, split_head

_CALENDAR_METHODS = frozenset({"REQUEST", "REPLY", "CANCEL", "COUNTER", "DECLINECOUNTER"})
_ICS_METHOD = re.compile(rb"^METHOD:\s*([A-Za-z-]+)", re.MULTILINE)

_REPLY_PREFIX = re.compile(
    r"^(?:\s*(?:re|aw|sv|vs|antw|antwort|ref|réf|rif|r|odp)(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)
_ANY_PREFIX = re.compile(
    r"^(?:\s*(?:re|aw|sv|vs|antw|antwort|ref|réf|rif|r|odp|fwd?|wg|tr|rv|enc|doorst)"
    r"(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)
_WROTE_START = re.compile(r"^(?:on|le|am|el|il|op|em|den|på|w dniu)\s", re.IGNORECASE)
_WROTE_END = re.compile(
    r"(?:wrote|a écrit|escribió|ha scritto|escreveu|kirjoitti|napisał\(a\)|написал\(а\))"
    r"\s*:\s*$|(?:schrieb|schreef|skrev)\b.*:\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^(?:-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine"
    r"|mensaje original|messaggio originale|oorspronkelijk bericht|forwarded message"
    r"|message transféré|weitergeleitete nachricht)\s*-{2,}"
    r"|_{20,}|begin forwarded message:)",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\*?(?:from|von|de|van|da|od)\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(
    r"^\*?(?:sent|date|gesendet|datum|envoyé|enviado|verzonden|inviato|data|wysłano)\s*:",
    re.IGNORECASE,
)
_MOBILE = re.compile(
    r"^(?:sent from my \w+|sent from (?:mail|outlook) for|get outlook for|envoyé de mon"
    r"|von meinem \w+ gesendet|enviado desde mi)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:best|best regards|best wishes|kind regards|regards|warm regards|warmly|cheers"
    r"|thanks|thank you|many thanks|thanks again|all the best|talk soon|speak soon"
    r"|see you|take care|love|xo|xx|cordialement|bien à vous|bises|bisous|amitiés"
    r"|à bientôt|a bientôt|a bientot|à plus|viele grüße|liebe grüße|bis bald|tschüss"
    r"|mit freundlichen grüßen|lg|vg|saludos|un saludo|hasta pronto|abrazos|abraços"
    r"|abraço|groetjes|met vriendelijke groet|hälsningar|mvh|ciao)\s*,?$",
    re.IGNORECASE,
)

_HTML_QUOTE = re.compile(
    r"<blockquote|class=\"?(?:gmail_quote|moz-cite-prefix|yahoo_quoted)"
    r"|id=\"?(?:divRplyFwdMsg|appendonsend)",
    re.IGNORECASE,
)
_HTML_HIDDEN = re.compile(
    r"<(script|style|head|title)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_HTML_BREAK = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h\d|p|div|li|tr|h\d)\b[^<>]*>", re.I)
_HTML_TAG = re.compile(r"<[a-zA-Z/!][^<>]*>")

MAX_BODY_CHARS = 200_000
"""Longest part of a message body read for its first lines (the rest is quoted text,
forwarded mail, or a newsletter)."""
_FRESH_CHARS = 2 * EXCERPT_CHARS


# --- the MIME tree --------------------------------------------------------------------


_Leaf = tuple[Head, bytes]


@dataclass(slots=True)
class Body:
    """What :func:`walk` finds in a message: its first text/plain and text/html parts that
    are not attachments, and whether a calendar part asks for (or answers) a meeting."""

    plain: _Leaf | None = None
    html: _Leaf | None = None
    calendar: bool = False


_MAX_NESTING = 8


def walk(head: Head, body: bytes, found: Body, depth: int = 0) -> None:
    """The first text/plain and text/html parts that are not attachments, and whether
    a calendar part asks for (or answers) a meeting. Attached messages are not entered:
    a forwarded mail is not what this one says."""
    ctype = head.message.get_content_type()
    if ctype.startswith("multipart/"):
        boundary = head.message.get_boundary()
        if boundary and depth < _MAX_NESTING:
            for part in _parts(body, boundary):
                part_head, part_body = split_head(part)
                walk(Head(part_head), part_body, found, depth + 1)
        return
    if ctype in ("text/calendar", "application/ics"):
        found.calendar = found.calendar or _calendar_method(head, body) in _CALENDAR_METHODS
        return
    if ctype not in ("text/plain", "text/html"):
        return
    if head.raw("content-disposition").strip().lower().startswith("attachment"):
        return
    if ctype == "text/plain" and found.plain is None:
        found.plain = (head, body)
    elif ctype == "text/html" and found.html is None:
        found.html = (head, body)


def _parts(body: bytes, boundary: str) -> list[bytes]:
    """The parts of a multipart body: what lies between its ``--boundary`` lines (RFC
    2046; the line break before a delimiter belongs to it). A missing closing delimiter
    ends the last part at the end of the body."""
    delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    marks: list[tuple[int, int]] = []  # (where a delimiter line starts, where it ends)
    closed = False
    at = body.find(delimiter)
    while at != -1:
        if at == 0 or body[at - 1] == 10:
            end = at + len(delimiter)
            tail = body[end : end + 2]
            if tail == b"--" or not tail or tail[0] in b" \t\r\n":
                newline = body.find(b"\n", end)
                marks.append((at, len(body) if newline == -1 else newline + 1))
                if tail == b"--":
                    closed = True
                    break
        at = body.find(delimiter, at + 1)
    parts: list[bytes] = []
    for (_, begin), (following, _) in pairwise(marks):
        chunk = body[begin:following]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        parts.append(chunk)
    if marks and not closed:
        parts.append(body[marks[-1][1] :])
    return parts


def _decoded(head: Head, body: bytes) -> bytes:
    """A leaf part's content, its transfer encoding undone (leniently: mail in the wild
    has broken base64), at most :data:`MAX_BODY_CHARS` bytes of it read."""
    data = body[:MAX_BODY_CHARS]
    encoding = head.raw("content-transfer-encoding").strip().lower()
    if encoding == "base64":
        try:
            return binascii.a2b_base64(data)
        except binascii.Error:
            letters = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
            try:
                return binascii.a2b_base64(letters[: len(letters) // 4 * 4])
            except binascii.Error:  # pragma: no cover - four clean letters always decode
                return b""
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    return data


def _calendar_method(head: Head, body: bytes) -> str:
    method = head.message.get_param("method")
    if isinstance(method, str) and method.strip():
        return method.strip().upper()
    match = _ICS_METHOD.search(_decoded(head, body))
    return match.group(1).decode("ascii", "replace").upper() if match else ""


def _part_text(leaf: _Leaf) -> str:
    head, body = leaf
    return decode_bytes(_decoded(head, body), head.message.get_content_charset())


def text_of(body: Body) -> str:
    """The text of a message: its text/plain part, else its HTML part as text."""
    if body.plain is not None:
        text = _part_text(body.plain)
        if text.strip():
            return text
    if body.html is not None:
        return html_text(_part_text(body.html))
    return ""


# --- what was written -----------------------------------------------------------------


def html_text(markup: str) -> str:
    """Text with line breaks from an HTML body, without what it quotes (Gmail's, Outlook's,
    Thunderbird's and Apple Mail's quoted blocks are cut where they start)."""
    quote = _HTML_QUOTE.search(markup)
    if quote is not None:
        start = quote.start()
        opened = markup.rfind("<", 0, start)
        if opened != -1 and ">" not in markup[opened:start]:
            start = opened  # the tag whose class or id marks the quote
        markup = markup[:start]
    markup = _HTML_HIDDEN.sub(" ", markup)
    markup = _HTML_BREAK.sub("\n", markup)
    text = html.unescape(_HTML_TAG.sub("", markup))
    return text.replace("\xa0", " ")


def fresh_lines(text: str, sender_names: Iterable[str] = ()) -> list[str]:
    """The lines someone wrote in a message: up to the quoted message ("On … wrote:",
    "-----Original Message-----", an Outlook "From: … Sent: …" block, a forwarded
    message), without ``>`` quotes, a signature after ``--``, a mobile footer, or a
    closing sign-off and name at the end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    size = 0
    for index, raw in enumerate(lines):
        line = raw.strip()
        if raw.rstrip("\n") in ("-- ", "--") or line in ("--", "—"):
            break
        if line.startswith(">") or line.startswith("|>"):
            continue
        if _ORIGINAL.match(line):
            break
        if _WROTE_START.match(line) and _attribution(lines, index):
            break
        if line.endswith(":") and _introduces_quote(lines, index, line):
            continue
        if _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_SENT.match(following.strip()) for following in lines[index + 1 : index + 5]
        ):
            break
        if _MOBILE.match(line):
            continue
        kept.append(line)
        size += len(line)
        if size > _FRESH_CHARS:
            break
    while kept and not kept[-1]:
        kept.pop()
    return _without_sign_off(kept, sender_names)


def _attribution(lines: list[str], index: int) -> bool:
    """Whether ``lines[index]`` starts an "On <date>, <someone> wrote:" line (which mail
    programs wrap over two or three lines)."""
    for count in (1, 2, 3):
        joined = " ".join(part.strip() for part in lines[index : index + count])
        if _WROTE_END.search(joined):
            return "@" in joined or any(c.isdigit() for c in joined)
    return False


def _introduces_quote(lines: list[str], index: int, line: str) -> bool:
    """Whether ``line`` (ending with ``:``) introduces the quoted lines after it, as
    mutt's "* Ana <ana@example.org> [2025-03-07 09:33]:" does."""
    following = next((x.strip() for x in lines[index + 1 : index + 3] if x.strip()), "")
    return following.startswith(">") and ("@" in line or any(c.isdigit() for c in line))


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return normalize.fold(text)


def _without_sign_off(lines: list[str], sender_names: Iterable[str]) -> list[str]:
    names = set()
    for name in sender_names:
        folded = _fold(name)
        if folded:
            names.add(folded)
            names.add(folded.split()[0])
    # a sign-off followed by at most a few short lines (a name, a title, a number)
    for index in range(len(lines) - 1, 0, -1):
        if len(lines) - index > 5:
            break
        if _SIGN_OFF.match(lines[index]) and all(len(x) <= 60 for x in lines[index + 1 :]):
            if any(line for line in lines[:index]):
                lines = lines[:index]
            break
    # the sender's name alone at the end ("Ana", "— Ana")
    while lines and (not lines[-1] or _fold(lines[-1].lstrip("-–— ")[:60]) in names):
        if len([line for line in lines if line]) <= 1:
            break
        lines = lines[:-1]
    return lines


def note_of(subject: str, body: str) -> str | None:
    """The note of a message: its subject (without ``Re:``) and first lines."""
    topic = _REPLY_PREFIX.sub("", subject).strip()
    text = " ".join(body.split())
    joined = f"{topic} — {text}" if topic and text else topic or text
    # excerpt() cuts at EXCERPT_CHARS; its cleaning costs by the character
    return common.excerpt(joined[: EXCERPT_CHARS + 40]) or None


def thread_subject(subject: str) -> str:
    """A subject as threads compare it: without ``Re:``/``Fwd:`` and case."""
    return " ".join(_ANY_PREFIX.sub("", subject).split()).casefold()
