"""Mail: an mbox file or a Maildir folder becomes the history of your conversations.

``read_mbox`` reads a mailbox file as mutt, Thunderbird and Gmail Takeout write it;
``read_maildir`` a Maildir (``cur/`` and ``new/``) with its Maildir++ subfolders
(``.Sent``, ``.Archive``), or a folder of Maildirs as offlineimap and mbsync keep them
(``~/Mail/account/INBOX``, ``~/Mail/account/Sent``). Both yield one
:class:`~rave.services.capture.Captured` per message between you and someone else, on
channel ``email``, kind ``chat``:

- **Direction**: ``out`` when you sent it (its ``From`` is one of your addresses), else
  ``in``. The people of an outbound message are its ``To``, ``Cc`` and ``Bcc`` (one
  message to three contacts is one interaction with the three); of an inbound one, only
  its sender: someone copied on another person's mail did not write to you, and putting
  them in your reply lane would be wrong.
- **Who you are**: ``[me]`` emails and ``--me``, plus the sender of whatever sits in a
  Sent folder (or under Gmail's ``Sent`` label): you sent it, whichever alias it left
  from (named in a warning). With no address of yours in the mailbox, the owner is
  guessed as the address in (nearly) every message, with a warning; when that cannot
  tell (two people in every message, and no ``Delivered-To`` or Sent folder deciding)
  the import is refused with a hint to pass ``--me``: a wrong guess would reverse a
  whole history.
- **Threads** are followed through ``In-Reply-To`` and ``References`` (and Gmail's
  ``X-GM-THRID``); a message with neither joins the messages of the same normalised
  subject among the same people. An inbound message that is the last of its thread, not
  a closing "thanks" (``_common.closes_conversation``) and not marked answered (Maildir's
  ``R`` flag) owes a reply. The reader therefore holds one small record per message (no
  bodies) until the whole mailbox is read, then yields them oldest first.
- **The note** is the subject and the first lines of the message, without quoted text
  (``>`` lines, "On … wrote:", Outlook's "-----Original Message-----" and "From: …
  Sent: …" blocks), signatures (``--``, a sign-off and a name at the end) or "Sent from
  my iPhone", at most ``EXCERPT_CHARS``.
- **Left out and counted**: mailing lists, bulk mail and newsletters, no-reply senders,
  auto-replies and delivery reports, calendar notifications, drafts, spam and trash
  (Gmail labels, Maildir folders and flags), Gmail Takeout's chat transcripts, messages
  with no usable date (``Date``, else the topmost ``Received``, else the mbox
  ``From`` line or the time a Maildir file name starts with), and a second copy of a
  message already read (the same Message-ID in two folders or under two labels).
- **Once**: the key is ``mail:<Message-ID>`` (lower-case, without angle brackets), so
  the same message read from an mbox and from a Maildir is one interaction; a message
  without a Message-ID gets ``mail:sha256:…`` of its sender, date and subject.

Speed (a 50,000-message mailbox in well under a minute, ``bench/mail_import.py``): each
header block is parsed by the ``email`` package alone (``BytesHeaderParser``, the
``compat32`` policy, values handed back raw) and decoded here (RFC 2047 words in any
charset, raw 8-bit headers as UTF-8 or Windows-1252); bodies never go through its feed
parser, which compiles a regular expression for every new MIME boundary (0.7 ms a
message), nor through ``email.policy.default`` (2.3 ms a message against 0.12 ms): the
multipart tree is split here and only the text part read is decoded. The mbox file is
split here rather than by ``mailbox.mbox``, to name the line of every message and refuse
a file that is no mbox; the Maildir is walked here rather than by ``mailbox.Maildir``,
whose messages hide their file names (so their flags) before Python 3.13 and are parsed
whole.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import html
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from rave import normalize
from rave.config import MeConfig
from rave.errors import BadInputError, UsageError
from rave.formats import EMPTY_FILE, EXCERPT_CHARS, MAX_HANDLE_CHARS, ParseStats
from rave.formats import _common as common
from rave.services.capture import Captured, Party

CHANNEL = "email"


class _RawHeaders(Compat32):
    """``compat32`` that hands header values back as they were read (8-bit bytes kept as
    surrogates): this module decodes them itself, once, in one way."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_HEADER_PARSER = BytesHeaderParser(policy=_RawHeaders())

# --- skip rules -------------------------------------------------------------------------

MAILING_LIST = "mailing list"
BULK = "bulk mail or newsletter"
NO_REPLY = "no-reply sender"
AUTO_REPLY = "auto-reply"
CALENDAR = "calendar notification"
DRAFT = "draft"
SPAM_OR_TRASH = "spam or trash"
NO_DATE = "no usable date"
NO_SENDER = "no sender"
TO_YOURSELF = "sent to yourself"
NO_RECIPIENT = "no recipient"
DUPLICATE = "another copy of the same message"
EMPTY_MESSAGE = "empty message"
CHAT = "chat transcript (Gmail label Chat)"

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
_BULK_LABELS = frozenset({"category promotions"})
"""Gmail's own classification of marketing mail (Takeout label)."""

_LOCAL_NO_REPLY = re.compile(r"no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply")
_LOCAL_ROBOT = re.compile(
    r"(?:mailer[-_.]?daemon|postmaster|notifications?|notify|bounces?|newsletters?)"
    r"(?:[-+_.].*)?"
)
_AUTO_SUBJECT = re.compile(
    r"(?:automatic reply|auto(?:matic)?[- ]?reply|autoreply|auto:|out of (?:the )?office"
    r"|abwesenheitsnotiz|réponse automatique|respuesta automática|risposta automatica"
    r"|automatisch antwoord|resposta automática|undeliverable:|undelivered mail"
    r"|delivery status notification|mail delivery failed)",
    re.IGNORECASE,
)
_CALENDAR_SUBJECT = re.compile(
    r"(?:invitation|updated invitation|accepted|declined|tentatively accepted"
    r"|canceled event|cancelled event|event canceled|event cancelled|new event"
    r"|invitation from google calendar)\b",
    re.IGNORECASE,
)
_CALENDAR_METHODS = frozenset({"REQUEST", "REPLY", "CANCEL", "COUNTER", "DECLINECOUNTER"})
_ICS_METHOD = re.compile(rb"^METHOD:\s*([A-Za-z-]+)", re.MULTILINE)

# --- mbox -------------------------------------------------------------------------------

_FROM_LINE = re.compile(rb"From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? ")
"""A separator line as mbox writers put it: ``From SENDER Wed Sep 18 12:00:00 2024``."""
_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_ESCAPED_FROM = re.compile(rb">+From ")
_ASCTIME = re.compile(
    r"[A-Za-z]{3},? +([A-Za-z]{3}) +(\d{1,2}) +(\d{1,2}):(\d\d)(?::(\d\d))?"
    r"(?: +([+-]\d{4}|[A-Z]{2,5}))? +(\d{4})"
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}  # noqa: SIM905

# --- text ------------------------------------------------------------------------------

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
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_FOLD = re.compile(r"\r?\n[ \t]*")

MAX_BODY_CHARS = 200_000
"""Longest part of a message body read for its first lines (the rest is quoted text,
forwarded mail, or a newsletter)."""
_FRESH_CHARS = 2 * EXCERPT_CHARS


# --- reading headers --------------------------------------------------------------------


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in ``charset`` (a name from the message, maybe wrong or unknown): that
    charset, else UTF-8, else Windows-1252 (which decodes anything)."""
    if charset:
        name = charset.strip().lower()
        if name not in ("unknown-8bit", "x-unknown", "unknown"):
            try:
                codecs.lookup(name)
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _unbyte(value: str) -> str:
    """A header value with raw 8-bit bytes (read as surrogates) decoded."""
    if value.isascii():
        return value
    return _decode_bytes(value.encode("utf-8", "surrogateescape"), None)


def _header_text(value: str | None) -> str:
    """A header value as text: unfolded, raw 8-bit bytes and RFC 2047 words decoded."""
    if not value:
        return ""
    value = _FOLD.sub(" ", _unbyte(value))
    if "=?" in value:
        try:
            parts = decode_header(value)
        except (HeaderParseError, ValueError, LookupError):
            return value.strip()
        value = "".join(
            chunk if isinstance(chunk, str) else _decode_bytes(chunk, charset)
            for chunk, charset in parts
        )
    return value.strip()


class _Head:
    """The headers of a message or of a MIME part, parsed by the ``email`` package from
    the header block alone (its body never goes through the feed parser, which compiles
    a regular expression for every new MIME boundary: 0.7 ms a message), and looked up
    by lower-case name."""

    __slots__ = ("message", "values")

    def __init__(self, block: bytes) -> None:
        self.message: Message = _HEADER_PARSER.parsebytes(block)
        values: dict[str, list[str]] = {}
        for name, value in self.message.items():
            if isinstance(value, str):
                values.setdefault(name.lower(), []).append(value)
        self.values = values

    def raw(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def text(self, name: str) -> str:
        return _header_text(self.raw(name))


def _split(raw: bytes) -> tuple[bytes, bytes]:
    """A message's (or a part's) header block and body, at the first empty line."""
    if raw[:1] == b"\n":
        return b"", raw[1:]
    if raw[:2] == b"\r\n":
        return b"", raw[2:]
    end = raw.find(b"\n\n")
    crlf = raw.find(b"\r\n\r\n")
    if crlf != -1 and (end == -1 or crlf < end):
        return raw[: crlf + 2], raw[crlf + 4 :]
    if end == -1:
        return raw, b""
    return raw[: end + 1], raw[end + 2 :]


_ADDRESS_ITEM = re.compile(r'(?:"(?:[^"\\]|\\.)*"|<[^<>]*>|[^,"<])+')
_ADDR_SPEC = r'[^<>\s"(),;:\\@]+@[^<>\s"(),;:\\@]+'
_NAMED_ADDRESS = re.compile(
    rf'\s*(?:"((?:[^"\\]|\\.)*)"|([^"<>,;:()\\]*?))\s*<\s*({_ADDR_SPEC})\s*>\s*'
)
_BARE_ADDRESS = re.compile(rf"\s*({_ADDR_SPEC})\s*")
_QUOTED_PAIR = re.compile(r"\\(.)")


def addresses(value: str) -> list[tuple[str, str]]:
    """``(display name, address)`` pairs of an address header, as
    ``email.utils.getaddresses`` reads them; the common shapes (``Ana <a@x>``,
    ``"Lima, Ana" <a@x>``, ``a@x``, separated by commas) are read here, five times
    faster, and anything else (comments, groups, quoted pairs) by ``getaddresses``."""
    if "(" in value or ";" in value or ":" in value:
        return getaddresses([value])
    found: list[tuple[str, str]] = []
    for item in _ADDRESS_ITEM.findall(value):
        if not item.strip():
            continue
        named = _NAMED_ADDRESS.fullmatch(item)
        if named is not None:
            quoted, plain, address = named.groups()
            display = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else plain
            found.append((" ".join(display.split()), address))
            continue
        bare = _BARE_ADDRESS.fullmatch(item)
        if bare is None:
            return getaddresses([value])
        found.append(("", bare.group(1)))
    return found


def _ids(value: str | None) -> list[str]:
    """The message ids in a Message-ID, In-Reply-To or References header, lower-case
    and without angle brackets."""
    if not value:
        return []
    found = _MESSAGE_ID.findall(value)
    if found:
        return [item.lower() for item in found]
    bare = value.strip()
    return [bare.lower()] if bare and not any(c.isspace() for c in bare) else []


def _labels(head: _Head) -> frozenset[str]:
    """Gmail Takeout's labels (``X-Gmail-Labels: Inbox,Sent,"Work, old"``), lower-case."""
    raw = head.text("x-gmail-labels")
    if not raw:
        return frozenset()
    labels: list[str] = []
    for match in re.finditer(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)', raw):
        label = (match.group(1) or match.group(2) or "").strip()
        if label:
            labels.append(label.casefold())
    return frozenset(labels)


def _folder_roles(parts: Iterable[str]) -> set[str]:
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


def _from_line_date(line: bytes) -> datetime | None:
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


def _rfc_date(value: str, now: datetime) -> datetime | None:
    """An RFC 5322 date (obsolete forms too: two-digit years, ``EST``, no weekday),
    in UTC; None when unreadable, a placeholder (before 1980) or in the future."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if when is None:  # pragma: no cover - older Pythons returned None
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return _plausible(when, now)


def _plausible(when: datetime | None, now: datetime) -> datetime | None:
    if when is None or when.year < 1980 or when > now + timedelta(days=1):
        return None
    return when.replace(microsecond=0)


# --- reading bodies ---------------------------------------------------------------------


_Leaf = tuple[_Head, bytes]


@dataclass(slots=True)
class _Body:
    plain: _Leaf | None = None
    html: _Leaf | None = None
    calendar: bool = False


_MAX_NESTING = 8


def _walk(head: _Head, body: bytes, found: _Body, depth: int = 0) -> None:
    """The first text/plain and text/html parts that are not attachments, and whether
    a calendar part asks for (or answers) a meeting. Attached messages are not entered:
    a forwarded mail is not what this one says."""
    ctype = head.message.get_content_type()
    if ctype.startswith("multipart/"):
        boundary = head.message.get_boundary()
        if boundary and depth < _MAX_NESTING:
            for part in _parts(body, boundary):
                part_head, part_body = _split(part)
                _walk(_Head(part_head), part_body, found, depth + 1)
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


def _decoded(head: _Head, body: bytes) -> bytes:
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


def _calendar_method(head: _Head, body: bytes) -> str:
    method = head.message.get_param("method")
    if isinstance(method, str) and method.strip():
        return method.strip().upper()
    match = _ICS_METHOD.search(_decoded(head, body))
    return match.group(1).decode("ascii", "replace").upper() if match else ""


def _part_text(leaf: _Leaf) -> str:
    head, body = leaf
    return _decode_bytes(_decoded(head, body), head.message.get_content_charset())


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


# --- the reader -------------------------------------------------------------------------


@dataclass(slots=True)
class _Mail:
    """What is kept of one message until the whole mailbox is read (no body)."""

    key: str
    when: datetime
    senders: tuple[Party, ...]
    recipients: tuple[Party, ...]
    note: str | None
    closes: bool
    node: str
    answered: bool
    where: str
    order: int


def _address(party: Party) -> str:
    return party.handles[0][1]


@dataclass
class _Evidence:
    """Who is in the messages read, to tell who you are."""

    messages: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)
    sent_from: Counter[str] = field(default_factory=Counter)
    names: dict[str, Counter[str]] = field(default_factory=dict)


class _Mailbox:
    """One import's messages: :meth:`add` each, then :meth:`records`."""

    def __init__(self, file: str, me: MeConfig, stats: ParseStats, now: datetime) -> None:
        self.file = file
        self.me = me
        self.stats = stats
        self.now = now
        self.mails: list[_Mail] = []
        self.keys: set[str] = set()
        self.parent: dict[str, str] = {}
        self.evidence = _Evidence()
        self._memo: dict[tuple[str, str], Party] = {}
        self._addresses: dict[str, str | None] = {}
        self._bad: set[str] = set()

    # -- threads (union-find over message ids, Gmail thread ids and subjects)

    def _root(self, node: str) -> str:
        parent = self.parent
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while node != root:
            parent[node], node = root, parent[node]
        return root

    def _join(self, a: str, b: str) -> None:
        ra, rb = self._root(a), self._root(b)
        if ra != rb:
            self.parent[ra] = rb

    # -- people

    def _normal(self, address: str) -> str | None:
        if address not in self._addresses:
            value: str | None
            try:
                if len(address) > MAX_HANDLE_CHARS:
                    raise UsageError("too long")
                value = normalize.normalize_handle(CHANNEL, address)
            except UsageError:
                value = None
                if address not in self._bad and address.strip():
                    self._bad.add(address)
                    self.stats.drop(CHANNEL, f"{self.file}: dropped address {address[:80]!r}")
            self._addresses[address] = value
        return self._addresses[address]

    def _parties(self, head: _Head, *names: str) -> tuple[Party, ...]:
        pairs: list[tuple[str, str]] = []
        for name in names:
            for value in head.all(name):
                pairs += addresses(_FOLD.sub(" ", _unbyte(value)))
        if not pairs:
            return ()
        found: dict[str, Party] = {}
        for display, address in pairs:
            normal = self._normal(address) if address else None
            if normal is None or normal in found:
                continue
            party = self._party(display, normal)
            if party is not None:
                found[normal] = party
        return tuple(found.values())

    def _party(self, display: str, address: str) -> Party | None:
        memo = (display, address)
        if memo not in self._memo:
            self._memo[memo] = Party(_display_name(display, address), ((CHANNEL, address),))
        return self._memo[memo]

    # -- one message

    def add(
        self,
        raw: bytes,
        where: str,
        *,
        roles: set[str],
        flags: str = "",
        fallback: datetime | None = None,
    ) -> None:
        """Read one message (``raw`` bytes), left out and counted, or kept for later.
        ``roles`` say what its folder is for (``sent``, ``draft``, ``junk``), ``flags``
        are its Maildir flags, ``fallback`` its date when no header gives one."""
        stats = self.stats
        stats.read_row()
        if not raw.strip():
            stats.skip(EMPTY_MESSAGE)
            return
        block, content = _split(raw)
        head = _Head(block)
        labels = _labels(head)
        reason = _skip_reason(head, labels, roles, flags)
        senders: tuple[Party, ...] = ()
        subject = ""
        body = _Body()
        if reason is None:
            senders = self._parties(head, "from")
            if not senders:
                reason = NO_SENDER
            elif all(_robot(_address(p)) for p in senders):
                reason = NO_REPLY
        if reason is None:
            subject = head.text("subject")
            reason = _subject_reason(subject, (*senders, *self._parties(head, "sender")))
        if reason is None:
            _walk(head, content, body)
            if body.calendar:
                reason = CALENDAR
        if reason is not None:
            stats.skip(reason)
            return
        when = (
            _rfc_date(head.text("date"), self.now)
            or _received_date(head, self.now)
            or _plausible(fallback, self.now)
        )
        if when is None:
            stats.skip(NO_DATE)
            return
        ids = _ids(head.text("message-id"))
        if ids:
            key = "mail:" + ids[0]
        else:
            digest = hashlib.sha256(
                "\n".join(
                    (_address(senders[0]), when.isoformat(), " ".join(subject.split()))
                ).encode("utf-8", "surrogatepass")
            ).hexdigest()
            key = "mail:sha256:" + digest[:32]
        if key in self.keys:
            stats.skip(DUPLICATE)
            return
        self.keys.add(key)
        recipients = self._parties(head, "to", "cc", "bcc")
        node = key
        replies = _ids(head.text("in-reply-to")) + _ids(head.text("references"))
        for other in replies:
            self._join(node, "mail:" + other)
        thread = head.text("x-gm-thrid")
        if thread:
            self._join(node, "gm:" + thread)
        topic = thread_subject(subject)
        if not replies and topic:
            people = sorted({_address(p) for p in (*senders, *recipients)})
            self._join(node, "subject:" + topic + "|" + " ".join(people))
        text = self._text(body)
        lines = fresh_lines(text, [p.name for p in senders if p.name])
        fresh = " ".join(" ".join(lines).split())
        self.mails.append(
            _Mail(
                key=key,
                when=when,
                senders=senders,
                recipients=recipients,
                note=note_of(subject, fresh),
                closes=common.closes_conversation(fresh),
                node=node,
                answered="R" in flags,
                where=where,
                order=len(self.mails),
            )
        )
        stats.records += 1
        self._note_evidence(head, senders, recipients, sent="sent" in roles or "sent" in labels)

    @staticmethod
    def _text(body: _Body) -> str:
        if body.plain is not None:
            text = _part_text(body.plain)
            if text.strip():
                return text
        if body.html is not None:
            return html_text(_part_text(body.html))
        return ""

    def _note_evidence(
        self, head: _Head, senders: tuple[Party, ...], recipients: tuple[Party, ...], *, sent: bool
    ) -> None:
        evidence = self.evidence
        evidence.messages += 1
        delivered = self._parties(head, "delivered-to", "x-original-to")
        present = {_address(p) for p in (*senders, *recipients, *delivered)}
        evidence.seen.update(present)
        evidence.delivered.update({_address(p) for p in delivered})
        for party in senders:
            if sent:
                evidence.sent_from[_address(party)] += 1
            if party.name:
                evidence.names.setdefault(_address(party), Counter())[party.name] += 1

    # -- after the last message

    def records(self) -> Iterator[Captured]:
        """Every kept message, oldest first, with directions and needs_reply settled."""
        if not self.mails:
            return
        mine = self._mine()
        resolved: list[tuple[_Mail, str, tuple[Party, ...]]] = []
        for mail in self.mails:
            out = any(_address(p) in mine for p in mail.senders)
            if out:
                others = tuple(p for p in mail.recipients if _address(p) not in mine)
                if not others:
                    self.stats.skip(TO_YOURSELF if mail.recipients else NO_RECIPIENT)
                    continue
            else:
                others = mail.senders
            resolved.append((mail, "out" if out else "in", others))
        last: dict[str, tuple[datetime, int]] = {}
        for mail, _, _ in resolved:
            root = self._root(mail.node)
            stamp = (mail.when, mail.order)
            if root not in last or stamp > last[root]:
                last[root] = stamp
        self.mails = []
        resolved.sort(key=lambda item: (item[0].when, item[0].order))
        for mail, direction, others in resolved:
            is_last = last[self._root(mail.node)] == (mail.when, mail.order)
            yield Captured(
                external_key=mail.key,
                when=mail.when,
                channel=CHANNEL,
                direction=direction,
                others=others,
                note=mail.note,
                kind="chat",
                needs_reply=direction == "in" and is_last and not mail.closes and not mail.answered,
                where=mail.where,
            )

    def _mine(self) -> frozenset[str]:
        """Your addresses (module docstring): ``[me]``/``--me``, else the guess."""
        evidence = self.evidence
        given = set(self.me.emails)
        sent = set(evidence.sent_from)
        if given and any(evidence.seen[a] for a in given):
            self._warn_aliases(sent - given, given)
            return frozenset(given | sent)
        note = "none of your [me] emails is in this mailbox; " if given else ""
        chosen, why = self._guess()
        if chosen is None:
            raise _unsure(self.file, note + why)
        self.stats.warn_first(
            f"{note}took {self._shown(chosen)} as you: {why} (if that is not you, pass "
            f"--me with your address, or set emails in [me] in config.toml)"
        )
        self._warn_aliases(sent - {chosen}, {chosen})
        return frozenset(given | sent | {chosen})

    def _warn_aliases(self, extra: set[str], known: set[str]) -> None:
        if extra:
            listed = ", ".join(sorted(extra)[:5])
            self.stats.warn(
                f"mail in your Sent folder was sent from {listed}, not among "
                f"{', '.join(sorted(known))}: taken as yours too (add it to [me] emails)"
            )

    def _guess(self) -> tuple[str | None, str]:
        evidence = self.evidence
        total = evidence.messages
        near = total - total // 20  # in all messages but one in twenty
        everywhere = sorted(a for a, n in evidence.seen.items() if n >= near)
        if len(everywhere) == 1:
            address = everywhere[0]
            return address, f"the address in {evidence.seen[address]} of {total} messages"
        pool = everywhere
        for narrow, why in (
            (self._named, "the name in [me]"),
            (set(evidence.delivered), "the address your mail was delivered to"),
            (set(evidence.sent_from), "the sender of your Sent mail"),
        ):
            picked = [a for a in pool if a in narrow] if pool else sorted(narrow)
            if len(picked) == 1:
                address = picked[0]
                where = f"in {evidence.seen[address]} of {total} messages, "
                return address, where + why
        ranked = sorted(evidence.seen, key=lambda a: (-evidence.seen[a], a))
        if everywhere:
            reason = f"{_listed([self._shown(a) for a in everywhere])} are in every message"
        else:
            top = [f"{self._shown(a)} in {evidence.seen[a]}" for a in ranked[:2]]
            reason = f"no address is in (nearly) every message ({', '.join(top)} of {total})"
        return None, f"cannot tell which address is you: {reason}"

    @property
    def _named(self) -> set[str]:
        mine = {normalize.fold(n) for n in self.me.names}
        return {
            address
            for address, names in self.evidence.names.items()
            if any(normalize.fold(n) in mine for n in names)
        }

    def _shown(self, address: str) -> str:
        names = self.evidence.names.get(address)
        return f"{names.most_common(1)[0][0]} <{address}>" if names else address


def _listed(items: list[str]) -> str:
    if len(items) > 4:
        return ", ".join(items[:4]) + f" and {len(items) - 4} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _unsure(file: str, reason: str) -> BadInputError:
    error = BadInputError(file, None, reason)
    error.hint = (
        "pass --me you@example.com with your address (or set emails in [me] in "
        "config.toml); nothing was written"
    )
    return error


def _display_name(display: str, address: str) -> str | None:
    """A person's name as a From or To header gives it: decoded, quotes removed, not the
    address again; Outlook's "Family, Given" turned around."""
    name = _header_text(display) if "=?" in display else display
    name = common.short_text(name.strip().strip("'\"").strip()) or ""
    if not name or "@" in name or name.casefold() == address:
        return None
    family, comma, given = name.partition(",")
    if (
        comma
        and "," not in given
        and 0 < len(family.split()) <= 2
        and 0 < len(given.split()) <= 2
        and all(w.replace("-", "").replace("'", "").isalpha() for w in (family + given).split())
        and given.strip().casefold().rstrip(".") not in _SUFFIXES
    ):
        name = f"{given.strip()} {family.strip()}"
    return name


_SUFFIXES = frozenset("jr sr ii iii iv phd md mba esq dds".split())  # noqa: SIM905


def _robot(address: str) -> bool:
    """An address nobody reads: noreply@, mailer-daemon@, notifications@, bounces+x@."""
    local = address.rpartition("@")[0]
    return bool(_LOCAL_NO_REPLY.search(local) or _LOCAL_ROBOT.fullmatch(local))


def _skip_reason(head: _Head, labels: frozenset[str], roles: set[str], flags: str) -> str | None:
    """Why a message is left out, from where it sits and its headers (None: kept)."""
    if "draft" in roles or "D" in flags or labels & {"draft", "drafts"}:
        return DRAFT
    if "junk" in roles or "T" in flags or labels & {"spam", "trash"}:
        return SPAM_OR_TRASH
    if "chat" in labels:  # Takeout keeps old Hangouts chats as messages: not mail
        return CHAT
    values = head.values
    if "list-id" in values or "list-post" in values or "mailing-list" in values:
        return MAILING_LIST
    precedence = head.raw("precedence").strip().lower()
    if precedence == "list":
        return MAILING_LIST
    auto = head.raw("auto-submitted").strip().lower()
    if auto and not auto.startswith("no"):
        return AUTO_REPLY
    if "x-autoreply" in values or "x-autorespond" in values or "x-autogenerated" in values:
        return AUTO_REPLY
    if head.message.get_content_type() == "multipart/report":
        return AUTO_REPLY
    if precedence in ("bulk", "junk") or "list-unsubscribe" in values or labels & _BULK_LABELS:
        return BULK
    return None


def _subject_reason(subject: str, senders: tuple[Party, ...]) -> str | None:
    """An auto-reply by its subject; a calendar's notice ("Accepted: …") by its subject
    and a calendar's address among its senders (``From`` and ``Sender``)."""
    if _AUTO_SUBJECT.match(subject):
        return AUTO_REPLY
    calendar = any("calendar" in _address(p) for p in senders)
    if calendar and _CALENDAR_SUBJECT.match(subject) and ":" in subject[:40]:
        return CALENDAR
    return None


def _received_date(head: _Head, now: datetime) -> datetime | None:
    """When your mail server received it: the date of the topmost ``Received`` header
    (``Received: from … by …; Tue, 11 Mar 2025 08:00:05 +0100``)."""
    for value in head.all("received"):
        if ";" in value:
            found = _rfc_date(_FOLD.sub(" ", value).rpartition(";")[2].strip(), now)
            if found is not None:
                return found
    return None


# --- mbox -------------------------------------------------------------------------------


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


def _check_headers(file: str, line: int, raw: bytes) -> None:
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


def _mbox_messages(path: Path, file: str) -> Iterator[tuple[int, bytes, bytes]]:
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


def read_mbox(path: Path, me: MeConfig, stats: ParseStats, now: datetime) -> Iterator[Captured]:
    """The messages of an mbox file (module docstring); a BadInputError naming the file
    and line for a file that is no mbox, or a damaged message."""
    file = str(path)
    box = _Mailbox(file, me, stats, now)
    roles = _folder_roles([path.stem, path.name])
    for line, separator, raw in _mbox_messages(path, file):
        if raw.strip():
            _check_headers(file, line + 1, raw)
        box.add(raw, f"line {line}", roles=roles, fallback=_from_line_date(separator))
    yield from box.records()


# --- Maildir ----------------------------------------------------------------------------

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


def read_maildir(path: Path, me: MeConfig, stats: ParseStats, now: datetime) -> Iterator[Captured]:
    """The messages of a Maildir (module docstring). A file is a UsageError (exit 2: the
    wrong kind of argument); a folder with no Maildir in it is bad input (exit 65, as an
    mbox that is no mbox), naming the folder."""
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
    box = _Mailbox(file, me, stats, now)
    for folder in folders:
        relative = folder.relative_to(path)
        roles = _folder_roles([path.name, *relative.parts])
        for sub in ("cur", "new"):
            try:
                names = sorted(entry.name for entry in os.scandir(folder / sub))
            except OSError:
                continue
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
                    fallback = _from_line_date(separator) or fallback
                if raw.strip():
                    _check_headers(f"{file}/{where}", 1, raw)
                box.add(raw, where, roles=roles, flags=flags, fallback=fallback)
    yield from box.records()
