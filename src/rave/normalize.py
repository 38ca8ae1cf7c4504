"""The normal forms of free text: how names, tags and handles are cleaned before they
are stored, and folded when they are matched (``Zoë`` finds ``zoe``)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from rave import phones
from rave.choices import CHANNELS, channel
from rave.errors import UsageError


def tag(text: str) -> str:
    """A tag's one form, used when storing and when filtering: ``#Design `` → ``design``."""
    key = " ".join(clean_text(text).lower().lstrip("#").split())
    if not key:
        raise UsageError("a tag cannot be empty")
    return key


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching names: ``Zoë`` → ``zoe``."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def clean_text(text: str) -> str:
    """User text as stored: NFC, control characters (but newlines and tabs) removed."""
    text = unicodedata.normalize("NFC", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()


def clean_name(text: str) -> str:
    name = " ".join(clean_text(text).split())
    if not name:
        raise UsageError("a name cannot be empty")
    if len(name) > 200:
        raise UsageError("a name is limited to 200 characters")
    return name


def normalize_url(value: str) -> str:
    """Lower-case, https, no ``www.``, no query, fragment or trailing slash.
    Raises UsageError for text that cannot be a URL."""
    text = "".join(value.split()).lower()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        raise UsageError(f"{value!r} is not a URL") from None
    host = parts.netloc
    while host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    if not host:
        raise UsageError(f"{value!r} is not a URL")
    return f"https://{host}{path}"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_handle(
    channel_name: str, value: str, *, region: str | phones.UseDefault | None = phones.DEFAULT
) -> str:
    """The normal form a handle is stored and matched under. Raises UsageError for a
    value that cannot be a handle of that channel. Phone numbers (``phone``, ``sms``,
    ``whatsapp``) are read by ``rave.phones``: E.164, national numbers read in
    ``region`` (by default the process default, ``phones.default_region``)."""
    text = clean_text(value)
    if not text:
        raise UsageError(f"an empty {channel_name} handle")
    if channel_name == "email":
        text = text.lower().removeprefix("mailto:")
        if not _EMAIL.match(text):
            raise UsageError(f"{value!r} is not an email address")
        return text
    if channel_name in phones.CHANNELS:
        return phones.normalize(text, region=region)
    if channel_name == "twitter":
        text = text.lower()
        for prefix in ("https://", "http://", "www.", "mobile.", "twitter.com/", "x.com/"):
            text = text.removeprefix(prefix)
        name = re.split(r"[/?#]", text.lstrip("@"), maxsplit=1)[0].strip()
        if not name:
            raise UsageError(f"{value!r} is not a twitter handle")
        return "@" + name
    if channel_name == "linkedin" or "/" in text or text.lower().startswith("http"):
        return normalize_url(text)
    return text.lower()


def typed_handle(channel_name: str, value: str) -> tuple[str, str, str | None]:
    """``(channel, normal value, typed)``: the handle as stored, and beside it what the
    user or the file wrote when that is worth keeping: a phone number's own spelling
    (``06 98 76 54 32`` beside ``+33698765432``), None when it is the stored value
    itself. Other channels keep no spelling (an email's case, a URL's ``www.`` mean
    nothing)."""
    normal = normalize_handle(channel_name, value)
    if channel_name not in phones.CHANNELS:
        return channel_name, normal, None
    typed = " ".join(clean_text(value).split())
    return channel_name, normal, typed if typed != normal else None


def split_handle(spec: str) -> tuple[str, str]:
    """``CHANNEL=VALUE`` → (channel, VALUE as given)."""
    if "=" not in spec:
        raise UsageError(
            f"--handle {spec!r}: expected CHANNEL=VALUE",
            hint="for example --handle linkedin=https://linkedin.com/in/ana",
        )
    name, value = spec.split("=", 1)
    return channel(name), value


def parse_handle(spec: str) -> tuple[str, str]:
    """``CHANNEL=VALUE`` → (channel, normalised value)."""
    chan, value = split_handle(spec)
    return chan, normalize_handle(chan, value)


def guess_handle(ref: str) -> list[tuple[str, str]]:
    """The (channel, value) pairs a contact reference could be a handle for (never
    raises: text that is no handle gives no pairs)."""
    text = ref.strip()
    out: list[tuple[str, str]] = []

    def attempt(channels: tuple[str, ...], value: str, normal: str) -> None:
        try:
            normalized = normalize_handle(normal, value)
        except UsageError:
            return
        out.extend((c, normalized) for c in channels)

    if _EMAIL.match(text.lower().removeprefix("mailto:")):
        attempt(("email",), text, "email")
    if text.startswith("@") and len(text) > 1:
        attempt(("twitter",), text, "twitter")
    if "/" in text or text.lower().startswith("http"):
        attempt(CHANNELS, text, "linkedin")
        if "twitter.com/" in text.lower() or "x.com/" in text.lower():
            attempt(("twitter",), text, "twitter")
    if re.fullmatch(r"\+?[\d\s().-]{6,}", text):
        attempt(("phone", "sms", "whatsapp"), text, "phone")
    return out
