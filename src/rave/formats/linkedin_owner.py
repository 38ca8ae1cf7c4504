"""Who owns a LinkedIn ``messages.csv``, and so which messages are yours.

The owner of the export is the one participant of every conversation, a person being
their profile URL, or their name where a row gives no URL (2018-2023 exports name
recipients only, and some give the owner no URL at all). The names and profiles of
``[me]`` and ``--me`` pick the owner when given. When the file cannot tell (one
conversation, or the same two people in every one) rows only an owner has decide, with a
warning (their drafts; spam, sponsored messages and hidden senders' messages to them
alone); else the file is refused (exit 65) with a hint to pass ``--me``: never a guess
such as "the most frequent sender", which took a busy recruiter for the user. A message
from the owner is ``out`` and its ``others`` are the recipients; any other message is
``in`` and its ``others`` is the sender; the owner is never one of the ``others``.

``rave.formats.linkedin_messages`` reads the file (its first pass fills an
:class:`_Evidence`, its second yields the messages); this module decides from that
evidence (:func:`_decide`) and sets each message's direction (:func:`resolve`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from rave import normalize
from rave.errors import BadInputError
from rave.formats import MessageRecord, Participant
from rave.formats import _common as common

_PLACEHOLDER = "linkedin member"


@dataclass(frozen=True)
class Owner:
    """You, in one export: your profile URLs and your names (folded). A participant is
    you when its URL is one of yours, or when it has no URL and one of your names (a
    namesake with another profile is someone else)."""

    urls: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    shown: str = ""

    def is_me(self, person: Participant) -> bool:
        if person.url is not None:
            return person.url in self.urls
        return person.name is not None and normalize.fold(person.name) in self.names


class _Evidence:
    """What a first pass over the file gathers to tell who its owner is."""

    def __init__(self) -> None:
        self.conversations: dict[str, set[Participant]] = {}
        self.unnamed: set[frozenset[Participant]] = set()  # rows without CONVERSATION ID
        self.name_urls: dict[str, set[str]] = {}  # a folded name → the URLs it came with
        self.hints: dict[Participant, set[str]] = {}  # rows only the owner has
        self.known: set[Participant] = set()
        self.file = ""

    def add(
        self, conversation: str, people: list[Participant], owner: Participant | None, why: str
    ) -> None:
        """The participants of one row; ``owner`` is one of them when the row is of a kind
        only the export's owner has, ``why`` saying which ("its drafts are theirs")."""
        people = [p for p in people if p.url or (p.name or "").casefold() not in ("", _PLACEHOLDER)]
        for person in people:
            if person.url and person.name and person not in self.known:
                self.known.add(person)
                self.name_urls.setdefault(normalize.fold(person.name), set()).add(person.url)
        if conversation:
            self.conversations.setdefault(conversation, set()).update(people)
        elif people:
            self.unnamed.add(frozenset(people))
        if owner is not None and owner in people:
            self.hints.setdefault(owner, set()).add(why)

    def key(self, person: Participant) -> str:
        """One person however a row names them: the profile URL, else the one URL their
        name came with elsewhere in the file, else the folded name."""
        if person.url:
            return person.url
        folded = normalize.fold(person.name or "")
        urls = self.name_urls.get(folded, set())
        return next(iter(urls)) if len(urls) == 1 else "name:" + folded


def _decide(evidence: _Evidence, given: Owner) -> tuple[Owner | None, str | None]:
    key = evidence.key
    conversations = [{key(p) for p in people} for people in evidence.conversations.values()]
    conversations += [set(s) for s in {frozenset(key(p) for p in row) for row in evidence.unnamed}]
    conversations = [c for c in conversations if c]
    if not conversations:
        return None, None
    total = len(conversations)
    seen: Counter[str] = Counter(k for c in conversations for k in c)
    names: dict[str, Counter[str]] = {}
    hints: dict[str, set[str]] = {}
    for people in (*evidence.conversations.values(), *evidence.unnamed):
        for person in people:
            if person.name:
                names.setdefault(key(person), Counter())[person.name] += 1
    for person, reasons in evidence.hints.items():
        hints.setdefault(key(person), set()).update(reasons)

    def owner(keys: list[str]) -> Owner:
        urls = frozenset(k for k in keys if not k.startswith("name:"))
        folded = {normalize.fold(n) for k in keys for n in names.get(k, ())}
        folded |= {k.removeprefix("name:") for k in keys if k.startswith("name:")}
        return Owner(urls, frozenset(f for f in folded if f), shown(keys[0]))

    def shown(k: str) -> str:
        name = names[k].most_common(1)[0][0] if names.get(k) else None
        if k.startswith("name:"):
            return name or k.removeprefix("name:")
        return f"{name} ({k})" if name else k

    def listed(keys: list[str]) -> str:
        return common.listed([shown(k) for k in keys])

    everywhere = sorted(k for k in seen if seen[k] == total)
    note = ""
    if given.urls or given.names:
        by_url = [k for k in seen if k in given.urls]
        by_name = [
            k for k in seen if any(normalize.fold(n) in given.names for n in names.get(k, ()))
        ]
        by_name += [k for k in seen if k.startswith("name:") and k[5:] in given.names]
        if by_url or by_name:
            # your profile, and names only when no profile of yours is in the file (a
            # namesake with a profile of their own is someone else)
            mine = by_url + [k for k in by_name if k.startswith("name:")] if by_url else by_name
            most = max(seen[k] for k in mine)
            mine = sorted({k for k in mine if seen[k] == most or k in by_url})
            warning = None
            others = [k for k in everywhere if k not in mine]
            if most < total and others:
                verb = "is" if len(others) == 1 else "are"
                warning = (
                    f"you were given as {shown(mine[0])}, in {most} of {total} "
                    f"conversations, but {listed(others)} {verb} in all of them: "
                    "is --me (or [me]) right?"
                )
            return owner(mine), warning
        note = "none of your names or profiles ([me], --me) is in this file; "
    if len(everywhere) == 1 and total > 1:
        chosen = everywhere[0]
        if not note:
            return owner([chosen]), None
        return owner([chosen]), f"{note}took {shown(chosen)} as you: the one in every conversation"
    pool = everywhere or [k for k in seen if seen[k] == max(seen.values())]
    marked = [k for k in pool if hints.get(k)]
    if len(marked) == 1:
        chosen = marked[0]
        return owner([chosen]), (
            f"{note}took {shown(chosen)} as you: {'; '.join(sorted(hints[chosen]))} "
            "(if that is not you, pass --me with your profile URL or name)"
        )
    ranked = sorted(seen, key=lambda k: (-seen[k], k))
    if not everywhere and seen[ranked[0]] >= 2 * seen[ranked[1]] and seen[ranked[0]] >= 2:
        chosen = ranked[0]
        return owner([chosen]), (
            f"{note}nobody is in every conversation; took {shown(chosen)}, in "
            f"{seen[chosen]} of {total}, as you (if that is not you, pass --me)"
        )
    if total == 1:
        inside = f"between {listed(pool)}" if len(pool) > 1 else f"with only {listed(pool)} in it"
        why = f"it holds one conversation, {inside}"
    elif everywhere:
        why = f"{listed(everywhere)} are in every conversation"
    else:
        why = f"nobody is in every conversation ({listed(ranked[:2])} are in the most)"
    raise _unsure(evidence.file, f"{note}cannot tell which participant is you: {why}")


def _unsure(file: str, reason: str) -> BadInputError:
    return common.cannot_tell_you(
        file, reason, give="with your profile URL or your name", keys="them"
    )


def resolve(record: MessageRecord, owner: Owner | None) -> MessageRecord:
    """Set ``direction`` and ``others`` from the export's ``owner``. A record whose
    direction the file already gave (legacy ``DIRECTION``) keeps it. You are never one
    of the ``others``."""
    mine = owner is not None and owner.is_me(record.sender)
    direction = record.direction or ("out" if mine else "in")
    if direction == "out":
        others = tuple(p for p in record.recipients if owner is None or not owner.is_me(p))
    else:
        others = () if mine else (record.sender,)
    return replace(record, direction=direction, others=others)
