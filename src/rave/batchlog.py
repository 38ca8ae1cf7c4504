"""`rave log --batch`: one interaction per JSON Lines line, with the same fields as
`rave log`'s options.

    {"contacts": ["Ana", "Bob"], "kind": "engage", "channel": "irl", "in": false,
     "when": "2026-11-20T14:30", "note": "dinner", "closed": false,
     "follow_up": "send the deck", "due": "friday", "create": false}

Only ``contacts`` (or ``contact``, a single name) is required; ``direction`` ("in",
"out" or "both") may replace ``in``; ``"missed": true`` is a call that did not connect,
as `--missed`. Unknown keys are refused, so a typo never passes silently.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rave import timeutil, vocab
from rave.errors import UsageError
from rave.services import LogRequest

KEYS = {
    "contacts",
    "contact",
    "kind",
    "channel",
    "in",
    "direction",
    "when",
    "note",
    "closed",
    "follow_up",
    "due",
    "create",
    "missed",
}


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{key!r} must be text, not {type(value).__name__}")
    return value


def _flag(record: dict[str, Any], key: str, default: bool = False) -> bool:
    value = record.get(key, default)
    if not isinstance(value, bool):
        raise UsageError(f"{key!r} must be true or false")
    return value


def _contacts(record: dict[str, Any]) -> tuple[str, ...]:
    if "contacts" in record and "contact" in record:
        raise UsageError("give 'contacts' or 'contact', not both")
    value = record.get("contacts", record.get("contact"))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise UsageError("'contacts' must be a name or a non-empty list of names")
    return tuple(value)


def parse_line(text: str, *, now: datetime, create: bool = False) -> LogRequest:
    """One line → a LogRequest; UsageError says what is wrong with it."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise UsageError("not a log line: arrays or objects nested too deep") from None
    except ValueError as exc:  # a number past Python's digit limit
        raise UsageError(f"not a log line: {exc}") from None
    if not isinstance(record, dict):
        raise UsageError("each line must be a JSON object")
    unknown = sorted(set(record) - KEYS)
    if unknown:
        raise UsageError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    if "direction" in record and "in" in record:
        raise UsageError("give 'direction' or 'in', not both")
    direction = _text(record, "direction")
    if direction is not None and direction not in vocab.DIRECTIONS:
        raise UsageError("'direction' must be 'in', 'out' or 'both'")
    if direction is None:
        direction = "in" if _flag(record, "in") else "out"
    channel = _text(record, "channel")
    when = _text(record, "when")
    due = _text(record, "due")
    return LogRequest(
        refs=_contacts(record),
        kind=vocab.kind(_text(record, "kind") or "chat"),
        direction=direction,
        channel=None if channel is None else vocab.channel(channel),
        when=now if when is None else timeutil.parse_past(when, now=now, what="'when'"),
        note=_text(record, "note"),
        closed=_flag(record, "closed"),
        follow_up=_text(record, "follow_up"),
        due=None if due is None else timeutil.parse_future_date(due, now=now, what="'due'"),
        create=_flag(record, "create", create),
        missed=_flag(record, "missed"),
        day_only=when is not None and timeutil.names_a_day(when),
    )
