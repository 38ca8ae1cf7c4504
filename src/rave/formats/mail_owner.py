"""Who you are in a mailbox, so that each message's direction is right.

Your addresses are the ``[me]`` emails and ``--me``, plus the sender of whatever sits in
a Sent folder (or under Gmail's ``Sent`` label): you sent it, whichever alias it left
from (named in a warning). With no address of yours in the mailbox, the owner is
guessed, with a warning: the address in (nearly) every message (all but one in twenty);
else, among those (or among all when none is), the one address that the name in
``[me]``, the address your mail was delivered to (``Delivered-To``, ``X-Original-To``)
or the sender of your Sent mail picks out. When nothing tells, the import is refused
(exit 65) with a hint to pass ``--me``: a wrong guess would reverse a whole history.

:mod:`rave.formats.mail` fills an :class:`Evidence` while it reads the messages and asks
:func:`your_addresses` once the last one is read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rave import normalize
from rave.config import MeConfig
from rave.errors import BadInputError
from rave.formats import ParseStats
from rave.formats import _common as common


@dataclass
class Evidence:
    """Who is in the messages read, to tell who you are."""

    messages: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)
    sent_from: Counter[str] = field(default_factory=Counter)
    names: dict[str, Counter[str]] = field(default_factory=dict)


def your_addresses(
    file: str, me: MeConfig, stats: ParseStats, evidence: Evidence
) -> frozenset[str]:
    """Your addresses (module docstring): ``[me]``/``--me`` and your Sent mail's senders,
    else the guess, with a warning; a BadInputError when nothing tells."""
    return _Owner(file, me, stats, evidence).mine()


class _Owner:
    """The evidence of one mailbox weighed against ``[me]``."""

    def __init__(self, file: str, me: MeConfig, stats: ParseStats, evidence: Evidence) -> None:
        self.file = file
        self.me = me
        self.stats = stats
        self.evidence = evidence

    def mine(self) -> frozenset[str]:
        """Your addresses: ``[me]``/``--me``, else the guess."""
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
            reason = f"{common.listed([self._shown(a) for a in everywhere])} are in every message"
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


def _unsure(file: str, reason: str) -> BadInputError:
    return common.cannot_tell_you(
        file, reason, give="you@example.com with your address", keys="emails"
    )
