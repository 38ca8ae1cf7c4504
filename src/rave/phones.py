"""Phone numbers: how a number is read, the one form it is stored and matched in, and the
default region that reads a national number (``06 98 76 54 32``).

Reading is libphonenumber's (the ``phonenumbers`` package), which knows every country's
numbering plan: ``06 98 76 54 32`` read in France, ``+33 6 98 76 54 32`` and
``0033 6 98 76 54 32`` are one number. The stored form (:func:`normalize`):

- **E.164** (``+33698765432``) for a number libphonenumber can read: written with its
  country code (``+33``, ``0033``), a *possible* number (a length its country's plan
  allows, area code included), assigned or not: a store must not change its mind when
  the plans are updated; written without, a *valid* number of the default region (a
  French ``06 11 22 33 44`` read in the US is not taken for an American number);
- an **extension** kept apart, as RFC 3966 writes it: ``+15551000;ext=12``, never glued
  onto the digits (``555-1000 ext. 12``, ``x12``, ``;ext=12`` are all read);
- otherwise, the **digits as typed**, a leading ``+`` kept: the form rave stored before
  it read numbering plans. A national number without a default region, a short number,
  a number too long for its plan: nothing a user could give before is refused now, and
  such a number still finds itself;
- a **service code** (USSD/MMI: ``*123#``, ``#31#0612...``: anything with ``*`` or
  ``#``) is refused: it is something a phone dials, not someone's number.

:func:`normalize` applied to its own result gives that result again, so a stored value
can be normalised again safely (a migration, an import of rave's own export).

The **default region** reads numbers written without a country code. Whoever calls
:func:`normalize` may pass ``region=``; otherwise the process default applies:

- the CLI calls :func:`configure` once per command with a function that reads
  ``[phone] region`` of the config file it uses (this module never imports the config,
  which imports it); the region is then read, only when a number is first normalised,
  from there, else from the locale (:func:`locale_region`: ``fr_FR.UTF-8`` → ``FR``;
  ``C``, ``POSIX`` or nothing set → no region);
- a library caller may set it once with :func:`set_default_region`.

``phonenumbers`` is imported only when a number is actually read: about 20 ms and its
metadata, which `rave today` and every command without a phone number never need.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from rave.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

CHANNELS: Final = ("phone", "sms", "whatsapp")
"""The channels whose handles are phone numbers."""

#: The locale variables that may name the user's country, in the order POSIX reads them
#: for a category (``LC_ALL`` first, ``LANG`` last); the first one set decides.
LOCALE_VARIABLES: Final = ("LC_ALL", "LC_TELEPHONE", "LC_MESSAGES", "LANG")

_SERVICE = re.compile(r"[*#]")
# An extension at the end: ";ext=12", "ext. 12", "extension 12", "x12" (not after a letter)
_EXTENSION = re.compile(
    r"[\s,;]*(?<![^\W\d_])(?:ext(?:ension)?|x)\s*[.:=]?\s*(\d{1,20})\s*$", re.IGNORECASE
)
_WHATSAPP_LINK = re.compile(r"^(?:https?://)?(?:www\.)?wa\.me/\+?(\d[\d\s]*)/?$", re.IGNORECASE)
_TERRITORY = re.compile(r"^[A-Za-z]{2,3}_([A-Za-z]{2})(?:[.@]|$)")


class _Default:
    """How the process default region is found (see the module docstring)."""

    __slots__ = ("configured", "region", "resolved")

    def __init__(self, configured: Callable[[], str | None] | None = None) -> None:
        self.configured = configured
        self.region: str | None = None
        self.resolved = False


_default = _Default()


def configure(configured: Callable[[], str | None] | None) -> None:
    """Take the default region from ``configured()`` (the config's ``[phone] region``;
    None: not set), else the locale, read when first needed. The CLI calls this at the
    start of every command, so that commands run one after another in one process
    (tests, a library) never keep the region of the one before."""
    global _default
    _default = _Default(configured)


def set_default_region(region: str | None) -> None:
    """Use ``region`` (``"FR"``; None: no region) as the default from now on. A region
    libphonenumber does not know is a ConfigError."""
    global _default
    _default = _Default()
    _default.region = _known(region, "the default phone region") if region else None
    _default.resolved = True


def default_region() -> str | None:
    """The region national numbers are read in: as set, else ``[phone] region`` of the
    configured file, else the locale's country, else None. A bad ``[phone] region`` is
    a ConfigError (exit 1); a locale naming no region libphonenumber knows is no region."""
    if not _default.resolved:
        region = None
        if _default.configured is not None:
            region = _default.configured()
        if region is None:
            import os

            found = locale_region(os.environ)
            region = found if found and is_region(found) else None
        _default.region, _default.resolved = region, True
    return _default.region


def locale_region(env: Mapping[str, str]) -> str | None:
    """The country of the locale in ``env`` (``fr_FR.UTF-8`` → ``FR``, ``de_AT@euro`` →
    ``AT``), from the first of :data:`LOCALE_VARIABLES` that is set; None for ``C``,
    ``POSIX``, ``C.UTF-8``, a language alone (``fr``) or nothing set. Not checked
    against libphonenumber's regions (that needs the library)."""
    for name in LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            match = _TERRITORY.match(value)
            return match.group(1).upper() if match else None
    return None


def is_region(code: str) -> bool:
    """Whether libphonenumber has a numbering plan for region ``code`` (``FR``, ``US``)."""
    import phonenumbers

    return code in phonenumbers.SUPPORTED_REGIONS


def _known(code: str, what: str) -> str:
    region = code.strip().upper()
    if not is_region(region):
        raise ConfigError(
            f"{what} {code!r} is not a region phonenumbers knows",
            hint='use a two-letter country code, for example "FR", "US" or "GB"',
        )
    return region


class UseDefault:
    """The type of :data:`DEFAULT` (distinct from None, which means "no region")."""

    __slots__ = ()


DEFAULT: Final = UseDefault()
"""``region=DEFAULT`` (the default): the process default region (:func:`default_region`)."""


def normalize(text: str, *, region: str | UseDefault | None = DEFAULT) -> str:
    """The stored form of phone number ``text`` (module docstring): E.164 with an
    extension kept apart, else its digits. ``region`` reads a national number (None:
    none; by default the process default). A service code, or text with fewer than three
    digits, is a UsageError."""
    shown = " ".join(text.split())
    number = shown
    if number.lower().startswith("tel:"):
        number = number[4:]
    if _SERVICE.search(number):
        raise UsageError(f"{shown!r} is a service code, not a phone number")
    link = _WHATSAPP_LINK.match(number)
    if link:  # wa.me/33698765432: international, without the +
        number = "+" + link.group(1)
    if sum(ch.isdecimal() for ch in number) < 3:
        raise UsageError(f"{shown!r} is not a phone number")
    if isinstance(region, UseDefault):
        region = default_region()
    parsed = _parse(number, region)
    if parsed is not None:
        return parsed
    digits = _digits(number)
    # read the digits again: what the text's letters or spacing hid may be a number now,
    # and normalising this result again must give it back unchanged
    return _parse(digits, region) or digits


def international(stored: str) -> str | None:
    """A stored E.164 number as people write it across borders (``+33 6 98 76 54 32``,
    ``+1 555-1000 ext. 12``): it reads back as the same number in any region. None for
    a number kept as digits (libphonenumber could not read it)."""
    import phonenumbers

    if not stored.startswith("+"):
        return None
    number, _, extension = stored.partition(";ext=")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if extension:
        parsed.extension = extension
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def _parse(text: str, region: str | None) -> str | None:
    """E.164 (``;ext=`` kept) of ``text`` if libphonenumber reads it (:func:`_readable`)."""
    import phonenumbers

    candidates = [text]
    if region is None and re.match(r"^\s*00[1-9]", text):
        # No region to say how to dial abroad: 00, the prefix of nearly every country
        candidates.append("+" + text.lstrip()[2:])
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region, keep_raw_input=True)
        except phonenumbers.NumberParseException:
            continue
        if _readable(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164 + (f";ext={number.extension}" if number.extension else "")
    return None


def _readable(number: PhoneNumber) -> bool:
    """Whether ``number`` has an E.164 form: with its country code given, a length that
    fits its country's plan with the area code (a local-only ``555-0100`` in the US has
    none); read in the default region, a valid number there."""
    import phonenumbers

    if number.country_code_source == phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY:
        return bool(phonenumbers.is_valid_number(number))
    reason = phonenumbers.is_possible_number_with_reason(number)
    return bool(reason == phonenumbers.ValidationResult.IS_POSSIBLE)


def _digits(text: str) -> str:
    """The form of a number libphonenumber cannot read: its digits (ASCII), a leading
    ``+`` kept, and an extension kept apart as ``;ext=``."""
    extension = ""
    match = _EXTENSION.search(text)
    if match and sum(ch.isdecimal() for ch in text[: match.start()]) >= 3:
        extension, text = f";ext={_ascii(match.group(1))}", text[: match.start()]
    plus = "+" if re.sub(r"[^\d+]", "", text).startswith("+") else ""
    return plus + _ascii(text) + extension


def _ascii(text: str) -> str:
    """The digits of ``text``, in ASCII (``٠٦`` → ``06``)."""
    import unicodedata  # here: only a number rave cannot read needs it

    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())
