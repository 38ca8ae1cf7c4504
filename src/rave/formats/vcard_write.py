"""vCard files written: rave's contacts as vCard 3.0 (:mod:`rave.formats.vcard` reads
them, and any other vCard, back), and a whole name split into the parts of ``N``.

Writing (:func:`write_vcards`): vCard 3.0, UTF-8, CRLF line ends, lines folded at 75
octets without splitting a UTF-8 sequence (serialised here: vobject's folder measures
short lines in characters, not octets). ``N`` comes from the record's given and family
names when the source gave them (``N:van der Berg;Mary Ann;;;``), a title or suffix of
the name they leave out added, else from :func:`split_name` (``Michael Kreuzer, PhD``
is ``N:Kreuzer;Michael;;;PhD``, not ``N:PhD;Michael Kreuzer,;;;``). ``TEL`` is a phone
number that reads the same in any region: as typed when typed with its country code,
else in its international form (``+33 6 98 76 54 32``), a number rave could not read
as its digits. ``UID`` is the contact's ``vcard-uid`` ref if it has one, else
``rave-contact-<id>@rave``, so exporting twice gives the same UIDs. Every card carries
:data:`PRODID`, by which :mod:`rave.formats.vcard` knows rave's own cards again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TextIO

from rave.formats import ContactRecord

FOLD_OCTETS = 75
PRODID = "-//rave//rave//EN"
"""The PRODID of rave's own vCards: a re-import of them is matched by rave's ids."""


def escape(value: str) -> str:
    """A vCard 3.0 TEXT value: backslash, comma, semicolon and newline escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def fold(line: str, limit: int = FOLD_OCTETS) -> str:
    """One content line folded so that no physical line is over ``limit`` octets of
    UTF-8 (the leading space of a continuation counts), each ended by CRLF. A character
    is never split across lines."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8", "surrogatepass"))
        if size + width > limit and current:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return "\r\n".join(pieces) + "\r\n"


def card_uid(contact: ContactRecord) -> str:
    """The UID written for a contact: its ``vcard-uid`` ref, else one derived from the
    rave id (or, for a record without id, from its name and emails)."""
    for source, key in contact.refs:
        if source == "vcard-uid" and key:
            return key
    if contact.id is not None:
        return f"rave-contact-{contact.id}@rave"
    seed = "\n".join([contact.name, *contact.emails])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'rave:' + seed)}"


def _handle_lines(channel: str, value: str) -> list[str]:
    if channel == "twitter" and value.startswith("@"):
        url = "https://x.com/" + value[1:]
        return [f"URL:{escape(url)}", f"X-SOCIALPROFILE;TYPE=twitter:{escape(url)}"]
    is_url = value.startswith(("https://", "http://"))
    out = [f"URL:{escape(value)}"] if is_url else []
    if channel != "other" or not is_url:
        out.append(f"X-SOCIALPROFILE;TYPE={channel}:{escape(value)}")
    return out


# --- names ----------------------------------------------------------------------------


_PREFIXES = frozenset("dr prof mr mrs ms mx miss sir dame rev hon".split())  # noqa: SIM905
_SUFFIXES = frozenset(
    "jr sr ii iii iv phd md mba esq dds dvm cpa cfa pmp jd llm msc bsc mphil dphil rn "  # noqa: SIM905
    "obe mbe cbe kbe frcs facs".split()
)
_PARTICLES = frozenset(
    "van von de da das do dos di del della der den du la le ter ten zu bin ibn al el".split()  # noqa: SIM905
)


def _word(token: str) -> str:
    return token.replace(".", "").casefold()


def split_name(name: str) -> tuple[str, str, str, str, str]:
    """vCard ``N`` parts ``(family, given, additional, prefix, suffix)`` guessed from a
    whole name, for a contact whose source did not give them: an honorific suffix after
    a comma or at the end is a suffix (``Michael Kreuzer, PhD``, ``Martin King Jr.``),
    ``Dr.``/``Prof.``... in front a prefix, a family name starts at its particle
    (``Ludwig van Beethoven``), ``Berg, Carl`` is family first; otherwise the last word
    is the family name (``Mary Ann Smith``) and a single word a given name."""
    text = " ".join(name.split())
    suffix = prefix = ""
    head, comma, tail = text.rpartition(",")
    tail_words = tail.split()
    if comma and head.strip() and tail_words:
        if all(_word(t) in _SUFFIXES or (t.isupper() and len(t) <= 5) for t in tail_words):
            text, suffix = head.strip(), tail.strip()
        elif len(head.split()) == 1 and len(tail_words) == 1:
            return head.strip(), tail.strip(), "", "", ""
    tokens = [t.strip(",") for t in text.split()]
    tokens = [t for t in tokens if t]
    if len(tokens) > 1 and not suffix and _word(tokens[-1]) in _SUFFIXES:
        suffix = tokens.pop()
    if len(tokens) > 1 and _word(tokens[0]) in _PREFIXES:
        prefix = tokens.pop(0)
    if len(tokens) < 2:
        return "", " ".join(tokens), "", prefix, suffix
    cut = next(
        (i for i in range(1, len(tokens) - 1) if tokens[i].casefold() in _PARTICLES),
        len(tokens) - 1,
    )
    return " ".join(tokens[cut:]), " ".join(tokens[:cut]), "", prefix, suffix


def _name_parts(contact: ContactRecord) -> tuple[str, str, str, str, str]:
    """The ``N`` parts of a contact: the source's given and family names when it had
    them, else :func:`split_name`. A title or suffix that the name has and the parts
    leave out is kept (``Dr. Mary Ann van der Berg, PhD`` with ``Mary Ann`` and ``van der
    Berg`` is ``N:van der Berg;Mary Ann;;Dr.;PhD``)."""
    guess = split_name(contact.name)
    if not (contact.given_name or contact.family_name):
        return guess
    given, family = contact.given_name or "", contact.family_name or ""
    words = set(f"{given} {family}".casefold().split())

    def outside(part: str) -> str:
        return part if part and not words & set(part.casefold().split()) else ""

    return family, given, "", outside(guess[3]), outside(guess[4])


# --- cards ----------------------------------------------------------------------------


def _tel(value: str, contact: ContactRecord) -> str:
    """A ``TEL``'s text, the same number wherever the card goes (another phone, a store
    in another region): the number as the user or its source wrote it when written
    with its country code (``+33 6 98 76 54 32``); else, for a number rave could read,
    its international form (``06 98 76 54 32`` typed in France is written
    ``+33 6 98 76 54 32``); else the stored digits. Importing the card again, anywhere,
    finds the same number."""
    from rave import normalize, phones
    from rave.errors import UsageError

    typed = contact.typed.get(value)
    if typed and typed.lstrip().startswith("+"):
        try:
            if normalize.normalize_handle("phone", typed, region=None) == value:
                return typed
        except UsageError:
            pass
    return phones.international(value) or typed or value


def _card_lines(contact: ContactRecord) -> list[str]:
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"PRODID:{PRODID}",
        f"UID:{escape(card_uid(contact))}",
        f"FN:{escape(contact.name)}",
        "N:" + ";".join(escape(part) for part in _name_parts(contact)),
    ]
    if contact.aliases:
        lines.append("NICKNAME:" + ",".join(escape(a) for a in contact.aliases))
    lines += [f"EMAIL;TYPE=INTERNET:{escape(e)}" for e in contact.emails]
    lines += [f"TEL:{escape(_tel(p, contact))}" for p in contact.phones]
    for channel, value in contact.handles:
        if channel == "email" and value not in contact.emails:
            lines.append(f"EMAIL;TYPE=INTERNET:{escape(value)}")
        elif channel in ("phone", "sms") and value not in contact.phones:
            lines.append(f"TEL:{escape(_tel(value, contact))}")
        elif channel not in ("email", "phone", "sms"):
            lines += _handle_lines(channel, value)
    if contact.company:
        lines.append(f"ORG:{escape(contact.company)}")
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    if contact.location:
        lines.append(f"ADR:;;;{escape(contact.location)};;;")
    if contact.birthday:
        lines.append(f"BDAY:{contact.birthday}")
    if contact.note:
        lines.append(f"NOTE:{escape(contact.note)}")
    if contact.tags:
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in contact.tags))
    lines.append("END:VCARD")
    return lines


def write_vcards(contacts: Iterable[ContactRecord], stream: TextIO) -> int:
    """Write ``contacts`` as vCard 3.0 to ``stream`` (open it with ``newline=""`` and
    UTF-8). Returns the number of cards written."""
    count = 0
    for contact in contacts:
        stream.write("".join(fold(line) for line in _card_lines(contact)))
        count += 1
    return count
