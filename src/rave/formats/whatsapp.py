"""WhatsApp's "Export chat" (without media): one chat as text, or the ``.zip`` that iOS
and recent Android versions share (its ``_chat.txt`` or ``WhatsApp Chat with NAME.txt``
is read, the media beside it are not).

The export is read by :mod:`rave.formats.whatsapp_messages` (the file, its lines, each
message classified as text, media, a call, a notice or deleted) in the layouts of
:mod:`rave.formats.whatsapp_layout` (Android's and iOS's, and whether dates put the day
or the month first); :mod:`rave.formats.whatsapp_people` tells who is who (which author
is you, whether the chat is a group). This module holds what is recorded.

**What is recorded** (channel ``whatsapp``, kind ``chat``):

- Consecutive messages by the same author, each within :data:`BLOCK_MINUTES` minutes of
  the one before, are one interaction, dated by the first; its note is their first lines
  joined (an excerpt). A message of media only counts as a message: ``(photo)``,
  ``(video)``, ``(voice message)``, ``(sticker)``, ``(document)``, ``(media)`` when the
  export does not say which; ``null`` (a message the export left out) is ``(message not
  in the export)``. Deleted messages are skipped and counted; ``<This message was
  edited>`` is dropped from the text.
- In a chat with one person: yours ``out``, theirs ``in``. Of the messages and missed
  calls of theirs after your last message or call (when the chat ends with them), the
  last one owes a reply, and so does every missed call among them, unless the last one
  only thanks or acknowledges (``_common.closes_conversation``; stickers and GIFs alone
  count as acknowledging, a photo does not) — spec/scoring.md v2.
- Calls (the iOS export lists them): one that took place (``Voice call, 12 min``, or
  ``Voice call`` alone) is a ``both`` on ``phone`` (``video`` for a video call): you
  talked, which answers everything before it; ``started_by`` whoever called. A
  missed call from them (``Missed voice call``, or their ``Voice call, No answer``) is an
  ``in`` on whatsapp that wants a reply; yours that they did not answer is an ``out``.
- In a group, what a contact wrote is an ``in`` from that author alone; it owes a reply
  only when it is the last of the chat (theirs), mentions you (``@Your Name``, ``@`` and your
  number, or your first name when no other author shares it) and does not only thank.
  What you wrote is an ``out`` to the people it mentions, else to the author of the
  message just before it when that came within :data:`ANSWER_HOURS` hours (whom you
  answered); a message of yours to nobody in particular is skipped and counted, and so
  are group calls. People you have no contact for are left out by ``services.capture``
  (``--create`` makes them).

**Once.** Every interaction's key is ``whatsapp:<chat>|<first message's time>|<author>``:
the chat is the other person's folded name or number (a group: ``group:`` and its name
as the export gives it), the time the phone's wall clock as written, the author ``me``
or theirs. Re-exporting the same chat later, even from the same phone months on, gives
the same keys to what was already there, so only the new messages are added; a renamed
contact, a chat exported from the other phone (iOS writes seconds, Android does not) or
an export that starts in the middle of a run of messages gives new keys.

Messages dated more than a day after ``now`` (a wrong phone clock) are skipped and
counted. The file is read three times (who and which date order; where the chat ends;
the records), never held in memory whole.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rave import normalize, timeutil
from rave.config import MeConfig
from rave.errors import BadInputError
from rave.formats import ParseStats
from rave.formats import _common as common
from rave.formats.whatsapp_messages import (
    CALL_DONE,
    CALL_MISSED,
    CALL_UNANSWERED,
    CALLS,
    GONE,
    KEPT_CHARS,
    MEDIA,
    NOTICE,
    TEXT,
    Message,
    Source,
    read_messages,
    source_of,
)
from rave.formats.whatsapp_people import (
    CHANNEL,
    Chat,
    author_phone,
    decide,
    party,
    person_key,
    scan,
)
from rave.services.capture import Captured, Party

BLOCK_MINUTES = 5
"""Messages by the same author this close together are one interaction."""
ANSWER_HOURS = 24
"""Your group message answers the message before it when that came this recently."""
FUTURE_SLACK = timedelta(days=1)
"""A message dated later than this after ``now`` is skipped (the phone's clock was wrong;
less than a day may only be another time zone)."""
NOTICES = "WhatsApp notices"
DELETED = "deleted messages"
FUTURE = "dated in the future"
GROUP_CALLS = "group calls"
TO_NOBODY = "your group messages to nobody in particular"
TO_YOURSELF = "messages to yourself"
_ACKNOWLEDGING = frozenset({"(sticker)", "(GIF)"})


# --- passes 2 and 3: interactions -----------------------------------------------------


@dataclass(slots=True)
class _Block:
    """One interaction: consecutive messages of one author (or one call)."""

    index: int
    line: int
    author: str
    mine: bool
    kind: str
    when: datetime  # UTC, the first message's
    last: datetime
    stamp: str  # the first message's local time as written, for the key
    call: str | None = None
    detail: str = ""
    parts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    kept: int = 0
    last_words: str = ""  # the last message's text
    last_labels: tuple[str, ...] = ()  # and its media

    def take(self, message: Message) -> None:
        if message.label is not None and message.kind == MEDIA:
            self.labels.append(message.label)
            self._keep(message.label)
        for line in message.text:
            self._keep(line)
        self.last_words = " ".join(message.text)
        self.last_labels = (message.label,) if message.kind == MEDIA and message.label else ()

    def _keep(self, text: str) -> None:
        if self.kept < KEPT_CHARS:
            self.parts.append(text)
            self.kept += len(text) + 1

    def words(self) -> str:
        """What was written, without the media labels."""
        labels = set(self.labels)
        return " ".join(p for p in self.parts if p not in labels)

    def closes(self) -> bool:
        """Its last message only thanks or acknowledges: a closing "thanks", an emoji, a
        sticker (a photo or a call never does)."""
        if self.kind in CALLS:
            return False
        if not self.last_words:
            labels = self.last_labels
            return bool(labels) and all(label in _ACKNOWLEDGING for label in labels)
        return common.closes_conversation(self.last_words)


def _blocks(
    source: Source, chat: Chat, stats: ParseStats | None, now: datetime
) -> Iterator[_Block]:
    """The chat's interactions in file order. ``stats`` counts what is left out (given
    on one pass only, so that nothing is counted twice)."""
    block: _Block | None = None
    index = 0
    window = timedelta(minutes=BLOCK_MINUTES)
    for message in read_messages(source):
        if message.author is None or message.kind == NOTICE:
            if stats is not None:
                stats.skip(NOTICES)
            continue
        local = message.stamp.local(chat.day_first)
        if local is None:
            raise BadInputError(
                source.shown, message.line, f"no such date or time: {message.stamp.text}"
            )
        if message.kind == GONE:
            if stats is not None:
                stats.skip(DELETED)
            continue
        when = timeutil.to_utc(local[0])
        if when > now + FUTURE_SLACK:
            if stats is not None:
                stats.skip(FUTURE)
            continue
        call = message.kind in CALLS
        joins = (
            block is not None
            and not call
            and block.kind not in CALLS
            and block.author == message.author
            and when - block.last <= window
        )
        if block is not None and joins:
            block.last = max(block.last, when)
            block.take(message)
            continue
        if block is not None:
            yield block
        mine = message.author in chat.mine
        block = _Block(
            index, message.line, message.author, mine, message.kind, when, when, local[1]
        )
        index += 1
        if call:
            block.call, block.detail = message.call, message.detail
            block.parts.append(message.label or "")
        else:
            block.kind = TEXT
            block.take(message)
    if block is not None:
        yield block


def _owed(source: Source, chat: Chat, me: MeConfig, now: datetime) -> set[int]:
    """Pass 2 (module docstring, "What is recorded"): the interactions that owe a reply,
    by index. Only the missed calls since your last message are remembered, and the
    last interaction."""
    missed: list[int] = []  # their missed calls since your last message or call
    last: _Block | None = None
    for block in _blocks(source, chat, None, now):
        last = block
        if block.mine or block.kind == CALL_DONE:
            missed = []
        elif block.kind in (CALL_MISSED, CALL_UNANSWERED):
            missed.append(block.index)
    if last is None or last.mine or last.kind == CALL_DONE or last.closes():
        return set()
    if chat.group:
        mentioned = last.kind == TEXT and _mentions_me(last.words(), me, chat)
        return {last.index} if mentioned else set()
    return {*missed, last.index}


# --- mentions in groups ---------------------------------------------------------------


_MENTION = re.compile(r"@\u2068?([^\u2069@\n]{1,80})")


def _mentioned(text: str) -> list[str]:
    """What follows each ``@`` in ``text``, folded."""
    return [normalize.fold(m.group(1)) for m in _MENTION.finditer(text)]


def _first(name: str) -> str:
    return normalize.fold(name).split(" ", 1)[0]


def _names(after: str, name: str, *, by_first: bool) -> bool:
    """``@<after>`` (folded) names ``name``: in full, or by its first name when
    ``by_first``; a number by its digits."""
    if author_phone(name) is not None:
        said = re.match(r"\+?\d[\d ]{5,}", after)
        return said is not None and re.sub(r"\D", "", said.group(0)) == re.sub(r"\D", "", name)
    for word in (normalize.fold(name), _first(name) if by_first else ""):
        if word and after.startswith(word) and not after[len(word) : len(word) + 1].isalnum():
            return True
    return False


def _mentions_me(text: str, me: MeConfig, chat: Chat) -> bool:
    """``text`` mentions you: by a name of yours in full, by your first name when no
    other author of the chat has it, or by your number."""
    if "@" not in text:
        return False
    taken = {_first(a) for a in chat.authors if a not in chat.mine}
    yours = [*chat.mine, *me.names, *me.phones]
    return any(
        _names(after, name, by_first=_first(name) not in taken)
        for after in _mentioned(text)
        for name in yours
    )


def _addressed(text: str, chat: Chat) -> list[str]:
    """The group's authors (not you) that ``text`` mentions."""
    if "@" not in text:
        return []
    theirs = [a for a in chat.authors if a not in chat.mine]
    firsts = Counter(_first(a) for a in theirs)
    found: list[str] = []
    for after in _mentioned(text):
        for author in theirs:
            if author not in found and _names(after, author, by_first=firsts[_first(author)] == 1):
                found.append(author)
    return found


# --- the reader -----------------------------------------------------------------------


def read_chat(path: Path, me: MeConfig, stats: ParseStats, now: datetime) -> Iterator[Captured]:
    """The interactions of one WhatsApp chat export (a ``.txt``, or the ``.zip`` holding
    it), as the module docstring says. Raises BadInputError (exit 65) for a file that is
    no chat export, naming the file and the line, and when it cannot tell which author
    you are."""
    source = source_of(path)
    evidence = scan(source)
    chat = decide(evidence, source, me, stats)
    if chat is None:  # notices only
        for _ in range(evidence.notices):
            stats.skip(NOTICES)
        return
    owed = _owed(source, chat, me, now)
    previous: _Block | None = None
    for block in _blocks(source, chat, stats, now):
        record = _record(block, chat, previous, block.index in owed, stats)
        previous = block
        if record is not None:
            stats.records += 1
            yield record


def _answered(block: _Block, previous: _Block | None) -> list[str]:
    """Whom your group message answers: the author of the message just before it, when
    that is someone else and came within ANSWER_HOURS."""
    if previous is None or previous.mine:
        return []
    return [previous.author] if block.when - previous.when <= timedelta(hours=ANSWER_HOURS) else []


def _record(
    block: _Block, chat: Chat, previous: _Block | None, owed: bool, stats: ParseStats
) -> Captured | None:
    """One interaction from a block; None for one left out (counted)."""
    author_key = "me" if block.mine else person_key(block.author)
    key = f"whatsapp:{chat.key}|{block.stamp}|{author_key}"
    note = common.excerpt(" ".join(block.parts)) or None
    where = f"line {block.line}"
    if chat.group:
        if block.kind in CALLS:
            stats.skip(GROUP_CALLS)
            return None
        if not block.mine:
            others: tuple[Party, ...] = (party(block.author),)
            return Captured(
                key, block.when, CHANNEL, "in", others, note, needs_reply=owed, where=where
            )
        named = _addressed(block.words(), chat) or _answered(block, previous)
        if not named:
            stats.skip(TO_NOBODY)
            return None
        others = tuple(party(a) for a in named)
        return Captured(key, block.when, CHANNEL, "out", others, note, where=where)
    if chat.other is None:
        stats.skip(TO_YOURSELF)
        return None
    others = (chat.other,)
    if block.kind == CALL_DONE:
        channel = "video" if block.call == "video" else "phone"
        return Captured(
            key,
            block.when,
            channel,
            "both",
            others,
            note,
            started_by="me" if block.mine else "them",
            where=where,
        )
    direction = "out" if block.mine else "in"
    return Captured(
        key,
        block.when,
        CHANNEL,
        direction,
        others,
        note,
        needs_reply=owed and not block.mine,
        where=where,
    )
