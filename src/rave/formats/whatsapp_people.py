"""Who is who in a WhatsApp chat: the first pass over an export (its authors, its
notices, its dates), then which author is you, whether the chat is a group, and its key.

**Who is who.** An author is a name as saved in the exporting phone, or a phone number
(``+33 6 12 34 56 78``) for someone not saved: a :class:`Party` with that name, or with
that number as a ``whatsapp`` handle (through ``normalize.normalize_handle``). You are
the author whose name or number is in ``[me]`` (``--me`` adds to it). Without one, in a
chat with one person, the file name (``WhatsApp Chat with Ana Lima.txt``, iOS's
``WhatsApp Chat - Ana Lima.zip`` or the folder it unpacks to) or the iOS notices name
the other person, so the other author is you (with a warning saying so); a chat where
only they wrote needs nobody's name. When nothing tells, the file is refused with a
hint to pass ``--me "Your Name"``: in a group, that is whenever none of its authors is
in ``[me]``/``--me`` and neither is set (when they are, you are taken to have written
nothing there, with a warning). A chat is a group when it has more than two authors, a
notice of a group (``created group``, ``added``, ``left``…) or, on iOS, notices under a
name that is none of its two authors (the group's). A notice cut at a colon inside a
group's name (``changed the subject from "Trip: May"``) is no author: an author never
leaves a quote open.

:func:`scan` reads the export once into an :class:`Evidence`; :func:`decide` makes of it
the :class:`Chat` by which :mod:`rave.formats.whatsapp` reads the records.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rave import normalize
from rave.config import MeConfig
from rave.errors import BadInputError, UsageError
from rave.formats import ParseStats
from rave.formats import _common as common
from rave.formats.whatsapp_layout import DateOrder
from rave.formats.whatsapp_messages import NOTICE, Message, Source, clean_author, read_messages
from rave.services.capture import Party

CHANNEL = "whatsapp"
_GROUP_NOTICE = re.compile(
    r"created (?:this )?group|\badded\b|\bremoved\b|\bleft\.?$|joined using|"
    r"changed the subject|changed (?:this )?group|changed the group|now an admin|"
    r"messages to this group",
    re.IGNORECASE,
)
_GROUP_NAME = re.compile(
    r"(?:created group|changed the subject (?:from .* )?to) [\"“](?P<name>.+?)[\"”]"
)
_PHONE = re.compile(r"\+?[\d\s().\-\u00a0\u202f]{6,}")


# --- pass 1: who, and which date order ------------------------------------------------


class Evidence:
    """What the first pass learns: the authors, the chat's names, the date order."""

    def __init__(self) -> None:
        self.authors: dict[str, int] = {}  # author → messages, in order of appearance
        self.noticed: Counter[str] = Counter()  # authors of iOS notices: the chat's name
        self.group_notice = False
        self.group_name: str | None = None
        self.dates = DateOrder()
        self.notices = 0

    def see(self, message: Message) -> None:
        self.dates.see(message.line, message.stamp)
        if message.kind == NOTICE:
            self.notices += 1
            if message.author is not None:
                self.noticed[message.author] += 1
            if _GROUP_NOTICE.search(message.notice):
                self.group_notice = True
            named = _GROUP_NAME.search(message.notice)
            if named and self.group_name is None:
                self.group_name = clean_author(named.group("name").replace('"', ""))
            return
        assert message.author is not None
        self.authors[message.author] = self.authors.get(message.author, 0) + 1

    def chat_name(self) -> str | None:
        """The name iOS writes its notices under: the chat's."""
        if not self.noticed:
            return None
        return self.noticed.most_common(1)[0][0]


def scan(source: Source) -> Evidence:
    evidence = Evidence()
    for message in read_messages(source):
        evidence.see(message)
    return evidence


# --- who you are ----------------------------------------------------------------------


def author_phone(value: str) -> str | None:
    """The normalised number of an author who is a number, else None."""
    if not _PHONE.fullmatch(value) or sum(ch.isdigit() for ch in value) < 6:
        return None
    try:
        return normalize.normalize_handle("phone", value)
    except UsageError:
        return None


def _same(author: str, name: str) -> bool:
    phone = author_phone(author)
    if phone is not None:
        return phone == author_phone(name)
    return normalize.fold(author) == normalize.fold(name)


def _is_me(author: str, me: MeConfig) -> bool:
    phone = author_phone(author)
    if phone is not None and phone in me.phones:
        return True
    return normalize.fold(author) in {normalize.fold(n) for n in me.names}


def _listed(names: list[str]) -> str:
    return common.listed([f"'{n}'" for n in names])


def _unsure(shown: str, reason: str) -> BadInputError:
    return common.cannot_tell_you(
        shown, reason, give='"Your Name" as the chat writes it', keys="names"
    )


@dataclass(frozen=True, slots=True)
class Chat:
    """What the first pass decided about the chat."""

    key: str
    group: bool
    mine: frozenset[str]
    other: Party | None  # the other person of a chat with one person
    authors: tuple[str, ...]
    day_first: bool


def party(author: str) -> Party:
    phone = author_phone(author)
    if phone is not None:
        return Party(None, ((CHANNEL, phone),))
    return Party(author)


def person_key(author: str) -> str:
    return author_phone(author) or normalize.fold(author)


def decide(evidence: Evidence, source: Source, me: MeConfig, stats: ParseStats) -> Chat | None:
    """Whose messages are whose, whether it is a group, the chat's key (module
    docstring, "Who is who"); None for a chat without a message."""
    shown = source.shown
    day_first = evidence.dates.day_first(shown, stats)
    authors = list(evidence.authors)
    if not authors:
        return None
    noticed = evidence.chat_name()
    name = source.title or noticed
    given = bool(me.names or me.phones)
    group = (
        len(authors) > 2
        or evidence.group_notice
        or (
            noticed is not None
            and len(authors) == 2
            and not any(_same(a, noticed) for a in authors)
        )
    )
    mine = {a for a in authors if _is_me(a, me)}
    if group:
        if not mine and not given:
            raise _unsure(shown, f"cannot tell which of {_listed(authors)} is you in this group")
        if not mine:
            stats.warn(
                f"{shown}: none of your names or numbers ([me], --me) wrote in this group; "
                f"if one of {_listed(authors)} is you, pass --me with that name"
            )
        title = source.title or noticed or evidence.group_name or ""
        key = "group:" + normalize.fold(title) if title else "group"
        return Chat(key, True, frozenset(mine), None, tuple(authors), day_first)
    if not mine:
        mine = _infer_me(authors, name, bool(source.title), given, shown, stats)
    theirs = [a for a in authors if a not in mine]
    other_name = theirs[0] if theirs else (name if name and not _is_me(name, me) else None)
    other = party(other_name) if other_name else None
    key = person_key(other_name) if other_name else "you"
    return Chat(key, False, frozenset(mine), other, tuple(authors), day_first)


def _infer_me(
    authors: list[str], name: str | None, titled: bool, given: bool, shown: str, stats: ParseStats
) -> set[str]:
    """You, in a chat with one person where none of your names or numbers wrote: the
    author the chat is not named after (with a warning); nobody when the only author is
    the one it is named after, or when you were described and the only author is not
    you. Else a refusal with a hint to pass --me."""
    named = [a for a in authors if name is not None and _same(a, name)]
    whence = f"the file is named after {name}" if titled else f"WhatsApp's notices are under {name}"
    lead = "none of your names or numbers ([me], --me) wrote here; " if given else ""
    advice = "set names in [me] or pass --me to say who you are"
    if len(authors) == 2 and len(named) == 1:
        you = next(a for a in authors if a != named[0])
        stats.warn(f"{shown}: {lead}took '{you}' as you: {whence}; {advice}")
        return {you}
    if len(authors) == 1 and (named or given):
        return set()  # only they wrote
    if len(authors) == 1 and name is not None:
        stats.warn(f"{shown}: took '{authors[0]}', the only one who wrote, as you: {whence}")
        return set(authors)
    if len(authors) == 1:
        raise _unsure(
            shown,
            f"only '{authors[0]}' wrote in this chat and nothing in it says whether that is you",
        )
    raise _unsure(shown, f"{lead}cannot tell which of {_listed(authors)} is you")
