"""Helpers shared by the parsers: cleaning and capping text, names, handles, birthdays,
message excerpts. Pure and cheap to import."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from rave import choices, normalize
from rave.errors import BadInputError, UsageError
from rave.formats import (
    EXCERPT_CHARS,
    MAX_FIELD_CHARS,
    MAX_HANDLE_CHARS,
    MAX_NAME_CHARS,
    ContactRecord,
    ParseStats,
)

if TYPE_CHECKING:
    from rave.formats._text import Columns

T = TypeVar("T")


_ASCII_CONTROLS = {code: None for code in (*range(32), 127) if chr(code) not in "\n\t"}


def clean(value: str) -> str:
    """``normalize.clean_text`` with a fast path for ASCII (most cells of most files)."""
    if value.isascii():
        return value.translate(_ASCII_CONTROLS).strip()
    return normalize.clean_text(value)


def unique(items: Iterable[T]) -> list[T]:
    """``items`` without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))


def text(value: str | None, stats: ParseStats, file: str, line: int, what: str) -> str | None:
    """A field as rave keeps it: cleaned (``normalize.clean_text``), capped at
    MAX_FIELD_CHARS with a warning, None when empty."""
    if value is None:
        return None
    cleaned = clean(value)
    if len(cleaned) > MAX_FIELD_CHARS:
        stats.truncated += 1
        stats.warn(f"{file}:{line}: {what} cut to {MAX_FIELD_CHARS} characters")
        cleaned = cleaned[:MAX_FIELD_CHARS].rstrip()
    return cleaned or None


def name(parts: Iterable[str | None], file: str, line: int) -> str | None:
    """A display name from its parts (first, middle, last...): cleaned, whitespace
    collapsed; None when empty; longer than MAX_NAME_CHARS is a BadInputError."""
    joined = " ".join(clean(p) for p in parts if p)
    result = " ".join(joined.split())
    if len(result) > MAX_NAME_CHARS:
        raise BadInputError(
            file, line, f"a name of {len(result)} characters (the limit is {MAX_NAME_CHARS})"
        )
    return result or None


def short_text(value: str | None) -> str | None:
    """A one-line label (a tag, an alias): cleaned, whitespace collapsed, capped."""
    if value is None:
        return None
    result = " ".join(clean(value).split())[:MAX_NAME_CHARS].rstrip()
    return result or None


_HOSTS = {
    "linkedin.com": "linkedin",
    "lnkd.in": "linkedin",
    "twitter.com": "twitter",
    "x.com": "twitter",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "wa.me": "whatsapp",
}


def channel_for_url(url: str) -> str | None:
    """The channel a profile URL belongs to (``linkedin.com`` → linkedin), else None."""
    candidate = url.strip()
    if "://" not in candidate:
        candidate = "https://" + candidate
    try:
        host = (urlsplit(candidate).hostname or "").lower()
    except ValueError:
        return None
    for suffix, channel in _HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return channel
    return None


def service_channel(service: str | None) -> str | None:
    """A channel from a service label (``TYPE=linkedin``, ``SERVICE-TYPE=X``), or None."""
    if not service:
        return None
    word = service.strip().lower().replace(" ", "_")
    word = choices.CHANNEL_ALIASES.get(word, word)
    return word if word in choices.CHANNELS else None


def add_value(
    record: ContactRecord,
    channel: str,
    raw: str,
    stats: ParseStats,
    file: str,
    line: int,
) -> None:
    """Normalise ``raw`` as a handle of ``channel`` and add it to the record (emails and
    phones to their lists; a phone number's spelling to ``record.typed``). A value that
    is not a valid handle is dropped with a warning, not an error: one bad phone should
    not stop a whole import."""
    raw = raw.strip()
    if not raw:
        return
    if len(raw) > MAX_HANDLE_CHARS:
        stats.drop(channel, f"{file}:{line}: dropped a {channel} value that is too long")
        return
    try:
        _, value, typed = normalize.typed_handle(channel, raw)
    except UsageError as exc:
        stats.drop(channel, f"{file}:{line}: dropped {channel} {raw!r}: {exc.message}")
        return
    if typed is not None:  # a phone number's own spelling, kept beside its E.164 form
        record.typed.setdefault(value, typed)
    if channel == "email":
        if value not in record.emails:
            record.emails.append(value)
    elif channel in ("phone", "sms"):
        if value not in record.phones:
            record.phones.append(value)
    elif (channel, value) not in record.handles:
        record.handles.append((channel, value))


def add_url(
    record: ContactRecord,
    url: str,
    stats: ParseStats,
    file: str,
    line: int,
    service: str | None = None,
) -> None:
    """A website or social profile. For a URL the host decides the channel
    (``linkedin.com`` → linkedin, unknown hosts → ``other``: a mislabelled website is
    not a Twitter handle); for a bare user name the ``service`` label (a ``TYPE``
    parameter, a website label) does, else ``other``."""
    url = url.strip()
    if not url:
        return
    if "/" in url or url.lower().startswith("http"):
        channel = channel_for_url(url) or "other"
    else:
        channel = service_channel(service) or "other"
    add_value(record, channel, url, stats, file, line)


_BDAY_FULL = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?")
_BDAY_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")


def birthday(value: str | None) -> str | None:
    """``YYYY-MM-DD`` or ``--MM-DD`` from the forms found in the wild (``19800415``,
    ``1980-04-15T00:00:00Z``, ``--0415``, ``--04-15``); None when empty or unreadable
    (a missing birthday is better than an invented one)."""
    if not value:
        return None
    raw = value.strip()
    match = _BDAY_NO_YEAR.fullmatch(raw)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)  # a leap year: --02-29 is a real birthday
        except ValueError:
            return None
        return f"--{month:02d}-{day:02d}"
    match = _BDAY_FULL.fullmatch(raw)
    if match:
        try:
            parsed = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
        return parsed.isoformat()
    return None


def location(*parts: str | None) -> str | None:
    """``City, Country`` style text from address parts (empty parts left out)."""
    kept = unique(" ".join(clean(p).split()) for p in parts if p and p.strip())
    result = ", ".join(k for k in kept if k)
    return result[:MAX_NAME_CHARS].rstrip() or None


_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/li|p|div|li)\b[^<>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[a-zA-Z/!][^<>]*>")


def excerpt(content: str | None, limit: int = EXCERPT_CHARS) -> str:
    """A short plain-text excerpt of message content: HTML tags removed and entities
    decoded, whitespace collapsed, at most ``limit`` characters (cut at a word, with
    ``…``)."""
    if not content:
        return ""
    plain = _TAGS.sub("", _BLOCK_TAGS.sub(" ", content[: limit * 40]))
    plain = " ".join(clean(html.unescape(plain)).split())
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


# A message that closes a conversation asks for nothing: "thanks!", "got it", "👍".
# (word lists read best as text)
_THANKS = frozenset(
    "thanks thank thx thnx tks ty tyvm merci danke dank gracias grazie obrigado obrigada "  # noqa: SIM905
    "bedankt tack takk kiitos cheers appreciated".split()
)
_ACKS = frozenset(
    "ok okay k kk great perfect noted sure cool nice awesome excellent wonderful brilliant "  # noqa: SIM905
    "super parfait genial génial top agreed fine".split()
)
_ACK_PHRASES = ("got it", "sounds good", "will do", "all good", "no problem", "de rien")
_FILLER = frozenset(
    "a lot so much very many again you u for it this that the your all and beaucoup "  # noqa: SIM905
    "vielen viele mille muchas indeed really schön schoen".split()
)
_ASKS = frozenset(
    "can could would will please let send call when where what how tell share".split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
CLOSING_MAX_WORDS = 10
CLOSING_THANKS_WORDS = 8


def closes_conversation(text: str | None) -> bool:
    """True for a short message that only thanks or acknowledges ("Thanks!", "Merci
    beaucoup", "Got it, thanks 👍", "Thanks for the intro!"): it owes no reply. A
    question, a request ("Thanks, send me the file") or anything longer does."""
    if text is None:
        return False
    plain = " ".join(text.split()).lower()
    if not plain or "?" in plain:
        return False
    words = _WORD.findall(plain)
    if not words:  # emoji or punctuation alone: 👍, 🙏, "!"
        return True
    if len(words) > CLOSING_MAX_WORDS:
        return False
    for phrase in _ACK_PHRASES:
        plain = plain.replace(phrase, " ")
    rest = [w for w in _WORD.findall(plain) if w not in _FILLER]
    if all(w in _THANKS or w in _ACKS for w in rest):
        return any(w in _THANKS for w in rest) or len(rest) <= 2
    # "thanks for ...": what they thank you for, nothing asked after it
    first = next((i for i, w in enumerate(words) if w in _THANKS), None)
    if first is None or len(words) > CLOSING_THANKS_WORDS:
        return False
    after = [w for w in words[first + 1 :] if w not in _FILLER or w == "for"]
    asks = any(w in _ASKS for w in words)
    return bool(after) and after[0] == "for" and not asks


# Labels every address book adds on its own: not tags a person chose.
SYSTEM_LABELS = frozenset({"mycontacts", "my contacts", "starred"})


def labels(parts: Iterable[str]) -> list[str]:
    """Tags from an export's labels or categories: cleaned, ``*`` marks removed, the
    address book's own labels (``myContacts``, ``starred``) left out, each once."""
    tags: list[str] = []
    for part in parts:
        label = short_text(part.strip().removeprefix("*").strip())
        if label and label.casefold() not in SYSTEM_LABELS and label not in tags:
            tags.append(label)
    return tags


def records_of(
    rows: Iterable[tuple[str, int, Columns, list[str]]],
    make: Callable[[Columns, list[str], str, int, ParseStats], ContactRecord | None],
    stats: ParseStats,
) -> Iterator[ContactRecord]:
    """The records ``make`` builds from a CSV table's rows (a row it skips gives None),
    each counted in ``stats``."""
    for file, line, columns, row in rows:
        record = make(columns, row, file, line, stats)
        if record is not None:
            stats.records += 1
            yield record


def named(
    record: ContactRecord,
    name: str | None,
    stats: ParseStats,
    *,
    given: str | None,
    family: str | None,
    missing: str,
) -> bool:
    """Give ``record`` its name, and the source's given and family names when it has
    them; without a name, the row is counted as skipped for ``missing`` (False)."""
    if name is None:
        stats.skip(missing)
        return False
    record.name = name
    if given or family:
        record.given_name, record.family_name = given, family
    return True


def listed(items: list[str], most: int = 4) -> str:
    """Items as a sentence lists them: ``a``, ``a and b``, ``a, b and c``, and past
    ``most`` the first ones and how many more."""
    if len(items) > most:
        return ", ".join(items[:most]) + f" and {len(items) - most} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def cannot_tell_you(file: str, reason: str, *, give: str, keys: str) -> BadInputError:
    """Exit 65 (nothing written): the file does not say which of its people is you.
    ``give`` is what to pass to ``--me``; ``keys`` the ``[me]`` keys that say it for
    good."""
    error = BadInputError(file, None, reason)
    error.hint = f"pass --me {give} (or set {keys} in [me] in config.toml); nothing was written"
    return error
