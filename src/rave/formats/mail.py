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

Speed (a 50,000-message mailbox in well under a minute, ``bench/mail_import.py``): no
message goes whole through the ``email`` package, which is slow at it. The work is
shared out by seam: :mod:`rave.formats.mail_files` splits the mbox (naming the line of
every message) and walks the Maildir (keeping file names, so flags);
:mod:`rave.formats.mail_headers` parses and decodes header blocks and addresses;
:mod:`rave.formats.mail_body` splits the multipart tree, decodes only the text part
read and makes the note; :mod:`rave.formats.mail_owner` tells who you are. This module
holds the rules: what is left out, threads, directions, what owes a reply.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rave import normalize
from rave.config import MeConfig
from rave.errors import UsageError
from rave.formats import MAX_HANDLE_CHARS, ParseStats
from rave.formats import _common as common
from rave.formats.mail_body import Body, fresh_lines, note_of, text_of, thread_subject, walk
from rave.formats.mail_files import (
    check_headers,
    folder_roles,
    from_line_date,
    maildir_messages,
    mbox_messages,
)
from rave.formats.mail_headers import (
    FOLD,
    Head,
    addresses,
    gmail_labels,
    header_text,
    message_ids,
    plausible,
    received_date,
    rfc_date,
    split_head,
    unbyte,
)
from rave.formats.mail_owner import Evidence, your_addresses
from rave.services.capture import Captured, Party

CHANNEL = "email"


# --- skip rules -----------------------------------------------------------------------

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


def _robot(address: str) -> bool:
    """An address nobody reads: noreply@, mailer-daemon@, notifications@, bounces+x@."""
    local = address.rpartition("@")[0]
    return bool(_LOCAL_NO_REPLY.search(local) or _LOCAL_ROBOT.fullmatch(local))


def _skip_reason(head: Head, labels: frozenset[str], roles: set[str], flags: str) -> str | None:
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


# --- people ---------------------------------------------------------------------------


def _display_name(display: str, address: str) -> str | None:
    """A person's name as a From or To header gives it: decoded, quotes removed, not the
    address again; Outlook's "Family, Given" turned around."""
    name = header_text(display) if "=?" in display else display
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


def _address(party: Party) -> str:
    return party.handles[0][1]


# --- the reader -----------------------------------------------------------------------


@dataclass(slots=True)
class _Mail:
    """What is kept of one message until the whole mailbox is read (no body)."""

    key: str
    when: datetime
    senders: tuple[Party, ...]
    recipients: tuple[Party, ...]
    to: frozenset[str]  # the addresses in To: a message owes a reply only to them
    note: str | None
    closes: bool
    node: str
    answered: bool
    where: str
    order: int


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
        self.evidence = Evidence()
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

    def _parties(self, head: Head, *names: str) -> tuple[Party, ...]:
        pairs: list[tuple[str, str]] = []
        for name in names:
            for value in head.all(name):
                pairs += addresses(FOLD.sub(" ", unbyte(value)))
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
        block, content = split_head(raw)
        head = Head(block)
        labels = gmail_labels(head)
        reason = _skip_reason(head, labels, roles, flags)
        senders: tuple[Party, ...] = ()
        subject = ""
        body = Body()
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
            walk(head, content, body)
            if body.calendar:
                reason = CALENDAR
        if reason is not None:
            stats.skip(reason)
            return
        when = (
            rfc_date(head.text("date"), self.now)
            or received_date(head, self.now)
            or plausible(fallback, self.now)
        )
        if when is None:
            stats.skip(NO_DATE)
            return
        ids = message_ids(head.text("message-id"))
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
        replies = message_ids(head.text("in-reply-to")) + message_ids(head.text("references"))
        for other in replies:
            self._join(node, "mail:" + other)
        thread = head.text("x-gm-thrid")
        if thread:
            self._join(node, "gm:" + thread)
        topic = thread_subject(subject)
        if not replies and topic:
            people = sorted({_address(p) for p in (*senders, *recipients)})
            self._join(node, "subject:" + topic + "|" + " ".join(people))
        text = text_of(body)
        lines = fresh_lines(text, [p.name for p in senders if p.name])
        fresh = " ".join(" ".join(lines).split())
        self.mails.append(
            _Mail(
                key=key,
                when=when,
                senders=senders,
                recipients=recipients,
                to=frozenset(_address(p) for p in self._parties(head, "to")),
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

    def _note_evidence(
        self, head: Head, senders: tuple[Party, ...], recipients: tuple[Party, ...], *, sent: bool
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
        mine = your_addresses(self.file, self.me, self.stats, self.evidence)
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
            # to you: not only copied (Cc), nor sent to a list or an alias you are on
            addressed = not mine.isdisjoint(mail.to)
            yield Captured(
                external_key=mail.key,
                when=mail.when,
                channel=CHANNEL,
                direction=direction,
                others=others,
                note=mail.note,
                kind="chat",
                needs_reply=direction == "in"
                and addressed
                and is_last
                and not mail.closes
                and not mail.answered,
                where=mail.where,
            )


def read_mbox(path: Path, me: MeConfig, stats: ParseStats, now: datetime) -> Iterator[Captured]:
    """The messages of an mbox file (module docstring); a BadInputError naming the file
    and line for a file that is no mbox, or a damaged message."""
    file = str(path)
    box = _Mailbox(file, me, stats, now)
    roles = folder_roles([path.stem, path.name])
    for line, separator, raw in mbox_messages(path, file):
        if raw.strip():
            check_headers(file, line + 1, raw)
        box.add(raw, f"line {line}", roles=roles, fallback=from_line_date(separator))
    yield from box.records()


def read_maildir(path: Path, me: MeConfig, stats: ParseStats, now: datetime) -> Iterator[Captured]:
    """The messages of a Maildir (module docstring). A file is a UsageError (exit 2: the
    wrong kind of argument); a folder with no Maildir in it is bad input (exit 65, as an
    mbox that is no mbox), naming the folder."""
    box = _Mailbox(str(path), me, stats, now)
    for raw, where, roles, flags, fallback in maildir_messages(path):
        box.add(raw, where, roles=roles, flags=flags, fallback=fallback)
    yield from box.records()
