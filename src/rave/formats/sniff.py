"""Telling export formats apart, so that a file given under the wrong format name is
refused with the right one named, instead of half-imported: a LinkedIn
``Connections.csv`` read as a Google CSV would keep the names and lose every company and
title without a word, Google's "Outlook CSV" read as a Google CSV would keep only names.

- :func:`text_kind`: what the first text of a file says (a vCard, an iCalendar file,
  JSON).
- :func:`csv_kind`: what a CSV header row says, from its column names (the columns each
  exporter writes and no other does).
- ``rave.formats._text.file_kind``: both, on the first lines of a file (for error paths: a
  file that is not what its reader expected).
- :func:`refuse`: the BadInputError (exit 65) for a file of another kind, with a hint
  naming the format to import it as.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rave.errors import BadInputError

KINDS = {
    "linkedin": "a LinkedIn Connections.csv",
    "linkedin-messages": "a LinkedIn messages.csv",
    "vcard": "a vCard file",
    "google": "a Google Contacts CSV",
    "outlook": "an Outlook CSV",
    "csv": "a rave CSV",
    "json": "a JSON file",
    "ics": "an iCalendar file",
    "thunderbird": "a Thunderbird address book CSV",
}
"""Every kind of file told apart here, as a sentence names it."""

_EXPECTED = {"json": "a rave JSON export"}
"""How the format a file was given as is named, where it differs from :data:`KINDS`."""

IMPORTABLE = ("linkedin", "linkedin-messages", "vcard", "google", "outlook", "csv", "json", "ics")
"""The kinds ``rave import`` reads (the hint is then ``rave import KIND FILE``); a test
keeps them among ``rave.services.imports.FORMATS``."""

_ADVICE = {
    "thunderbird": "export the address book as vCard (.vcf) and import that: "
    "rave import vcard FILE",
}

_GOOGLE_NUMBERED = re.compile(r".+ \d+ - .+")  # E-mail 1 - Value, Phone 2 - Label...
_GOOGLE = ("organization name", "organization title", "labels", "group membership",
           "file as", "given name", "family name", "additional name",
           "phonetic first name")  # fmt: skip
_OUTLOOK = ("e-mail address", "e-mail 2 address", "e-mail display name", "business phone",
            "mobile phone", "home phone", "primary phone", "job title", "business street",
            "home street", "company main phone")  # fmt: skip
_RAVE = ("tier", "aliases", "emails", "phones", "handles", "cadence_days", "why", "offer")
SEARCH_LINES = 20


def _key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def text_kind(text: str) -> str | None:
    """``vcard``, ``ics`` or ``json`` from the first non-blank text of a file, else None."""
    start = text.replace("\ufeff", "").strip()
    upper = start[:20].upper()
    if upper.startswith("BEGIN:VCARD"):
        return "vcard"
    if upper.startswith("BEGIN:VCALENDAR"):
        return "ics"
    if start.startswith(("{", "[")):
        return "json"
    return None


def csv_kind(header: Sequence[str]) -> tuple[str, list[str]] | None:
    """The kind of CSV a header row belongs to and the columns that tell (as the file
    spells them), or None when nothing is distinctive."""
    spelled = {_key(h): h.replace("\ufeff", "").strip() for h in header if h.strip()}
    names = set(spelled)

    def found(kind: str, keys: Sequence[str]) -> tuple[str, list[str]]:
        return kind, [spelled[k] for k in keys][:3]

    if "conversation id" in names:
        return found("linkedin-messages", ["conversation id"])
    if {"from", "to", "content"} <= names:
        return found("linkedin-messages", ["from", "to", "content"])
    rave = [k for k in _RAVE if k in names]
    if "name" in names and len(rave) >= 2:
        return found("csv", ["name", *rave])
    if "primary email" in names:
        return found("thunderbird", ["primary email"])
    google = [k for k in _GOOGLE if k in names]
    google += sorted(k for k in names if _GOOGLE_NUMBERED.fullmatch(k))
    if google:
        return found("google", google)
    if "connected on" in names or {"first name", "last name", "position"} <= names:
        return found("linkedin", [k for k in ("connected on", "position") if k in names])
    outlook = [k for k in _OUTLOOK if k in names]
    if outlook and names & {"first name", "last name"}:
        return found("outlook", outlook)
    return None


def refuse(
    kind: str, expected: str, file: str, line: int | None, evidence: Sequence[str] = ()
) -> BadInputError:
    """The error for a file of ``kind`` given as ``expected`` (raise it)."""
    told = f" (it has the columns {', '.join(evidence)})" if evidence else ""
    named = _EXPECTED.get(expected, KINDS[expected])
    error = BadInputError(file, line, f"this looks like {KINDS[kind]}, not {named}{told}")
    if kind in IMPORTABLE:
        advice = f"import it as {kind}: rave import {kind} FILE"
    else:
        advice = _ADVICE.get(kind, "")
    error.hint = f"{advice}; nothing was written" if advice else error.hint
    return error
