"""The file formats rave reads and writes: pure, no database.

One module per format; each parser *streams* plain records out of a file and each writer
turns plain records into a file. Matching records against the store, transactions and
the CLI live elsewhere (``rave.services``); this package only knows about files.

- ``linkedin``: ``read_connections(path)`` → ContactRecord (``Connections.csv``)
- ``linkedin_messages``: ``read_messages(path, me=)`` → MessageRecord, ``find_me(path)``
  (``linkedin_owner``: whose export it is, and so each message's direction)
- ``vcard``: ``read_vcards(path)`` → ContactRecord; ``vcard_write``:
  ``write_vcards(contacts, stream)``, ``split_name(name)`` (a name's vCard ``N`` parts)
- ``google``: ``read_google(path)`` → ContactRecord (Google Contacts CSV)
- ``outlook``: ``read_outlook(path)`` → ContactRecord (Outlook CSV, and Google's
  "Outlook CSV" export)
- ``ravecsv``: ``read_contacts(path)`` → ContactRecord; ``write_contacts(contacts, stream)``
- ``ics``: ``write_ics(followups, snoozes, stream)``
- ``mail``: ``read_mbox`` / ``read_maildir(path, me, stats, now)``, ``calendar``:
  ``read_calendar`` (an ``.ics`` file or a vdir folder), ``whatsapp``: ``read_chat`` (an
  "Export chat" ``.txt`` or ``.zip``) → ``services.capture.Captured``: what your mail,
  calendar and chats say happened, written by ``services.capture``. Each of the three
  holds its rules and leaves the reading to modules of its own: ``mail_files`` (mbox
  and Maildir), ``mail_headers`` and ``mail_body`` (a message's headers and text),
  ``mail_owner`` (who you are); ``calendar_events`` (files into events),
  ``calendar_recurrence`` (occurrences); ``whatsapp_layout`` (line and date layouts),
  ``whatsapp_messages`` (an export's messages), ``whatsapp_people`` (who is who)
- ``ravejson``: ``load(path)``, ``validate(document, file)``, ``dump(document, stream)``

Conventions shared by every parser:

- A parser is a generator taking the path and an optional :class:`ParseStats`, which
  it fills while it runs (rows read, records yielded, rows skipped by reason, values
  dropped, warnings such as "not UTF-8, read as cp1252"). Pass your own to read it
  afterwards.
- Columns are found by name, never position; text is NFC-normalised with control
  characters removed (``normalize.clean_text``); a field is capped at
  :data:`MAX_FIELD_CHARS` (longer text is truncated with a warning) and a name at
  :data:`MAX_NAME_CHARS` (longer is an error: such a row is garbage, not a person).
- Bad data raises :class:`rave.errors.BadInputError` ``(file, line, reason)`` with the
  physical line where the bad record starts (exit 65). Nothing is half-parsed: callers
  consume the whole generator inside their transaction.
- An empty file (nothing but whitespace) is bad data in every format, with the reason
  :data:`EMPTY_FILE`: it is nobody's export.
- A file that is plainly another format (a LinkedIn ``Connections.csv`` given as
  ``google``, a vCard given as ``csv``) is refused before anything is read, with a hint
  naming the format to use (:mod:`rave.formats.sniff`).
- CSV columns that hold values but that rave does not use are named in one warning at
  the end (:class:`rave.formats._text.Unused`): nothing is dropped silently.
- A file that cannot be opened raises ``OSError`` unchanged (the CLI reports it).
- Writers take a text stream that the caller opened with ``encoding="utf-8"`` and
  ``newline=""`` (so the CRLF line ends of vCard and iCalendar stay as written).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

MAX_FIELD_CHARS = 10_000
"""Longest text kept from any one field (a note, a company); longer is truncated."""

MAX_NAME_CHARS = 200
"""Longest name (same limit as ``normalize.clean_name``); longer is a BadInputError."""

MAX_HANDLE_CHARS = 2048
"""Longest email, phone or profile URL kept; longer values are dropped with a warning.
(LinkedIn profile URLs of non-Latin names are percent-encoded: 300 characters and more
are common; 2048 is what browsers and servers reliably accept.)"""

EXCERPT_CHARS = 280
"""Longest message excerpt kept as an interaction note."""

MAX_WARNINGS = 50
"""Warnings kept in :attr:`ParseStats.warnings`; the rest are only counted."""

EMPTY_FILE = "the file is empty"
"""The reason every parser gives for a file with nothing in it (no bytes, only
whitespace, or only a byte-order mark): it is no export of any format."""


@dataclass
class ContactRecord:
    """One person as a file describes them. Every parser fills what its format has;
    the writers (vCard, rave CSV) read the same fields.

    ``emails`` and ``phones`` hold normalised values (``normalize.normalize_handle``);
    ``handles`` holds the other channels as ``(channel, normalised value)`` pairs, e.g.
    ``("linkedin", "https://linkedin.com/in/ana")`` or ``("twitter", "@ana")``.
    ``refs`` are the keys that identify the person in the source, strongest first:
    ``("linkedin", profile URL)``, ``("vcard-uid", UID)``, ``("email", address)``.
    ``birthday`` is ``YYYY-MM-DD`` or ``--MM-DD`` (no year). ``tier`` and
    ``cadence_days`` are only set by rave's own CSV (None means "not given").
    ``typed`` maps a phone value of ``phones`` or ``handles`` (``+33698765432``) to
    the text the file gave for it when that differs (``06 98 76 54 32``): the store keeps
    it beside the value, and the vCard writer writes it back.
    ``connected_on`` is LinkedIn's *Connected On* (a date, stored as 12:00 UTC).
    ``given_name`` and ``family_name`` are the name's parts as the source split them
    (vCard ``N``, First/Last Name columns; a middle name goes with the given name), None
    when the source has no parts: the store keeps them (schema 5) and the vCard writer
    writes ``N`` from them rather than guessing where a name splits
    (``vcard_write.split_name``, for a contact no source split).
    """

    name: str
    line: int | None = None
    id: int | None = None
    tier: str | None = None
    aliases: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    company: str | None = None
    title: str | None = None
    location: str | None = None
    why: str | None = None
    offer: str | None = None
    met: str | None = None
    cadence_days: int | None = None
    birthday: str | None = None
    note: str | None = None
    refs: list[tuple[str, str]] = field(default_factory=list)
    connected_on: datetime | None = None
    given_name: str | None = None
    family_name: str | None = None
    typed: dict[str, str] = field(default_factory=dict)

    def all_handles(self) -> list[tuple[str, str]]:
        """Emails, phones and other handles as one de-duplicated ``(channel, value)``
        list, in that order: what the store keeps as handles."""
        pairs = [("email", e) for e in self.emails] + [("phone", p) for p in self.phones]
        return list(dict.fromkeys(pairs + self.handles))


@dataclass(frozen=True)
class Participant:
    """A participant of a message: a display name and a normalised profile URL, either
    of which may be missing (old exports have no URLs; deleted accounts no name)."""

    name: str | None
    url: str | None


@dataclass(frozen=True)
class MessageRecord:
    """One LinkedIn message.

    ``when`` is aware UTC. ``excerpt`` is the content with HTML removed, whitespace
    collapsed, at most :data:`EXCERPT_CHARS` characters. ``external_key`` is
    ``linkedin:<conversation id>|<when, ISO Z>|<sender URL or name>``: the same message
    gives the same key on every import. ``direction`` (``"out"``/``"in"``) and
    ``others`` (the people on the other side: the recipients of what I sent, the sender
    of what I received) are filled by ``linkedin_messages.read_messages``.
    """

    line: int
    conversation_id: str | None
    conversation_title: str | None
    when: datetime
    sender: Participant
    recipients: tuple[Participant, ...]
    subject: str | None
    excerpt: str
    folder: str | None
    external_key: str
    direction: str | None = None
    others: tuple[Participant, ...] = ()


@dataclass
class ParseStats:
    """What a parser saw. ``rows`` counts data rows (or cards) read, ``records`` the
    records yielded, ``skipped`` rows left out on purpose by reason (empty rows,
    ``LinkedIn Member`` placeholders, drafts), ``dropped`` values that could not be used
    (an invalid email) by kind, ``truncated`` fields cut at :data:`MAX_FIELD_CHARS`.
    ``warnings`` are sentences for the user (at most :data:`MAX_WARNINGS`; the number
    left out is in ``warnings_omitted``); ``encoding`` is how the file was decoded."""

    rows: int = 0
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    truncated: int = 0
    warnings: list[str] = field(default_factory=list)
    warnings_omitted: int = 0
    encoding: str | None = None
    # told the rows read so far by a parser that reads a whole file before it yields
    # (a mailbox: threads end only at its end), so that a progress line moves meanwhile
    progress: Callable[[int], None] | None = field(default=None, compare=False, repr=False)

    def read_row(self) -> None:
        """Count a row (a card, a message) read, and say so to ``progress``."""
        self.rows += 1
        if self.progress is not None:
            self.progress(self.rows)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.warnings_omitted += 1

    def warn_first(self, message: str) -> None:
        """A warning put before the others (what the whole file lacks matters more than
        one row's dropped value), the last one giving way when the list is full."""
        self.warnings.insert(0, message)
        if len(self.warnings) > MAX_WARNINGS:
            self.warnings.pop()
            self.warnings_omitted += 1

    def drop(self, kind: str, message: str) -> None:
        self.dropped[kind] += 1
        self.warn(message)


__all__ = [
    "EMPTY_FILE",
    "EXCERPT_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_HANDLE_CHARS",
    "MAX_NAME_CHARS",
    "MAX_WARNINGS",
    "ContactRecord",
    "MessageRecord",
    "ParseStats",
    "Participant",
]
