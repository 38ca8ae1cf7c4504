"""The values a field can take (kinds, directions, channels, tiers), as spec/cli.md names
them, and the words a person may type for each (``x`` for twitter, ``b`` for tier B).
The normal forms of free text (names, tags, handles) are in ``rave.normalize``."""

from __future__ import annotations

from rave.errors import UsageError

KINDS = ("broadcast", "chat", "engage")
MEANINGFUL = ("chat", "engage")
DIRECTIONS = ("out", "in", "both")  # both: you talked together (a call, a meeting)

# A contact's own fields beside its name (what `rave add`/`edit` set and exports carry).
CONTACT_FIELDS = (
    "tier",
    "cadence_days",
    "why",
    "offer",
    "met",
    "company",
    "title",
    "location",
    "birthday",
)

CHANNELS = (
    "linkedin",
    "twitter",
    "facebook",
    "instagram",
    "email",
    "phone",
    "sms",
    "whatsapp",
    "video",
    "in_person",
    "other",
)
CHANNEL_ALIASES = {
    "x": "twitter",
    "irl": "in_person",
    "meet": "in_person",
    "in-person": "in_person",
    "inperson": "in_person",
    "mail": "email",
    "call": "phone",
    "text": "sms",
    "zoom": "video",
}
LIVE_CHANNELS = ("in_person", "phone", "video")  # where `rave log` records `both`
TIER_CHOICES = ("A", "B", "C", "D", "none")


def channel(value: str) -> str:
    """The canonical channel name for what a person typed (``x`` → ``twitter``)."""
    word = value.strip().lower().replace(" ", "_")
    word = CHANNEL_ALIASES.get(word, word)
    if word not in CHANNELS:
        raise UsageError(
            f"unknown channel {value!r}",
            hint=f"use one of: {', '.join(CHANNELS)} (aliases: x, irl, meet)",
        )
    return word


def kind(value: str) -> str:
    word = value.strip().lower()
    matches = [k for k in KINDS if k.startswith(word)] if word else []
    if len(matches) != 1:
        raise UsageError(f"unknown kind {value!r}", hint=f"use one of: {', '.join(KINDS)}")
    return matches[0]


def tier(value: str) -> str:
    word = value.strip()
    if word.upper() in ("A", "B", "C", "D"):
        return word.upper()
    if word.lower() in ("none", "-", ""):
        return "none"
    raise UsageError(f"unknown tier {value!r}", hint="use A, B, C, D or none")


# What you record, and the letter of its references (``i12``, ``n3``, ``p4``, ``f2``:
# `rave history`, `change`, `delete`; ``#12`` stays a contact).
RECORD_LETTERS = {"interaction": "i", "note": "n", "post": "p", "followup": "f"}


def ref(record_type: str, record_id: int) -> str:
    """The reference of a record: ``ref("followup", 2)`` → ``f2``."""
    return f"{RECORD_LETTERS[record_type]}{record_id}"
