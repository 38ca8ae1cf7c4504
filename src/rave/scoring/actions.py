"""What the ranking tells you to do about a contact: the action (the first rule of
spec/scoring.md's action list that matches), where (the channel), about what (the talking
point), and the one-line advice and reason that say it. PURE, like the rest of
``scoring``."""

from __future__ import annotations

from datetime import datetime

from rave.config import RankConfig
from rave.scoring.state import (
    ENGAGE_AFTER_CHATS,
    MIX_HIGH,
    OFFLINE_MIN_INBOUND,
    OFFLINE_MIN_MEANINGFUL,
    OFFLINE_QUIET_CADENCES,
    OFFLINE_TIERS,
    ContactState,
    _days,
)
from rave.scoring.terms import _ago, _Note, _reply_note, _via

REPLY, OUTREACH, LIGHT = 0, 1, 2  # lanes, in LANES order
# channels a retry can go to: a message, not a meeting
_NOT_FOR_MESSAGES = ("in_person", "video", "other")
TALKING_POINT_CHARS = 90


def shorten(text: str | None, width: int = TALKING_POINT_CHARS) -> str | None:
    """The first line of ``text``, cut at a word boundary to at most ``width``
    characters (with an ellipsis when cut); None for no text."""
    if not text or not text.strip():
        return None
    first = " ".join(text.strip().splitlines()[0].split())
    if len(first) <= width:
        return first
    cut = first[: width - 1]
    if " " in cut and first[width - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def _offline_due(s: ContactState, as_of: datetime, config: RankConfig) -> bool:
    """Tier A or B, ≥ 3 meaningful events in the last 3 cadences with ≥ 2 of them theirs
    or live, and no live exchange within max(offline_min_days, 4 cadences)."""
    quiet = max(config.offline_min_days, OFFLINE_QUIET_CADENCES * s.cadence)
    return (
        s.tier in OFFLINE_TIERS
        and s.recent_meaningful >= OFFLINE_MIN_MEANINGFUL
        and s.recent_in_meaningful >= OFFLINE_MIN_INBOUND
        and (s.last_offline is None or _days(s.last_offline, as_of) > quiet)
    )


def _action(s: ContactState, lane: int, r: float | None, config: RankConfig) -> str:
    """The first rule of the spec's action list that matches; an answer to someone you
    owe a favour carries the favour back (one message, not a thanks then a repayment)."""
    if lane == REPLY:
        return "repay" if s.debt else "reply"
    if s.pending_in is not None:
        return "reply_late"
    if s.unanswered >= config.backoff_unanswered:
        return "retry"
    if s.debt:
        return "repay"
    if s.last_meaningful is None:
        return "intro"
    if r is not None and r >= config.rekindle_ratio:
        return "rekindle"
    if _offline_due(s, s.as_of, config):
        return "offline"
    if s.chats_since_engage >= ENGAGE_AFTER_CHATS:
        return "engage"
    if s.unanswered == 1 and not s.last_out_answer:
        return "follow_up"
    return "chat"


def retry_channel(s: ContactState) -> str | None:
    """Where a retry goes: a channel other than your last message's, for a message (not
    a meeting): where they talk first, else the latest other channel of the history,
    else another channel they have a handle for; None when none is known."""
    candidates = (s.answer_channel, *s.channels)
    for channel in candidates:
        if channel and channel != s.last_out_channel and channel not in _NOT_FOR_MESSAGES:
            return channel
    return None


def _channel(s: ContactState, action: str, lane: int) -> str | None:
    if action in ("reply", "reply_late") or lane == REPLY:
        return s.pending_channel
    if action == "retry":
        return retry_channel(s)
    if action == "comment":
        return s.last_their_post_channel
    # a message goes where they write, else to a channel for messages you have with them
    # (a meeting is no channel to write on), else wherever you last met
    if s.answer_channel and s.answer_channel not in _NOT_FOR_MESSAGES:
        return s.answer_channel
    messages = (c for c in s.channels if c not in _NOT_FOR_MESSAGES)
    return next(messages, s.answer_channel or next(iter(s.channels), None))


def _talking_point(
    s: ContactState, action: str, lane: int, as_of: datetime, config: RankConfig
) -> str | None:
    """For a reply, the message being answered; else their recent post, the latest note,
    or the last conversation's note; one line, shortened."""
    if action in ("reply", "reply_late") or lane == REPLY:
        return shorten(s.pending_note) or shorten(s.talking_point)
    post = s.last_their_post
    if (
        post is not None
        and s.last_their_post_note
        and _days(post, as_of) <= config.post_window_days
    ):
        return shorten(f"their post: {s.last_their_post_note}")
    return shorten(s.talking_point)


def _advice(action: str, s: ContactState, channel: str | None, lane: int) -> str:
    if lane == REPLY and action == "repay":
        offer = f": {s.offer}" if s.offer else ""
        return f"say thanks and return the favour {_via(channel)}, in one message{offer}"
    if action in ("reply", "reply_late"):
        verb = "say thanks" if s.pending_kind == "engage" else "answer"
        late = ": sorry for the slow answer" if action == "reply_late" else ""
        return f"{verb} {_via(channel)}{late}"
    if action == "retry":
        where = _via(channel) if channel else "on another channel"
        return f"one light touch {where}, not {_via(s.last_out_channel)} again"
    if action == "follow_up":
        return f"one short nudge {_via(channel)} about your last message"
    if action == "comment":
        return f"comment on their post {_via(channel)} (or like it); no direct message"
    extra = ""
    if action == "intro" and s.why:
        extra += f"; why: {s.why}"
    if action in ("repay", "intro") and s.offer:
        extra += f"; you offer: {s.offer}"
    if action == "chat" and s.bcast_since_meaningful >= MIX_HIGH:
        return "you've only liked their posts lately: write to them"
    return ADVICE[action] + extra


ADVICE = {
    "repay": "repay: one-to-one help, an introduction, something specific to them",
    "intro": "a first personal message",
    "rekindle": "a personal message with context, not a like",
    "offline": "propose a call or a coffee",
    "engage": "from small talk to something one-to-one and substantive",
    "chat": "a personal message about what they are doing",
}


def _retry_reason(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    since = "" if s.last_out is None else f", the last {_ago(s.last_out, as_of)}"
    text = f"{s.unanswered} unanswered {_via(s.last_out_channel)}{since}"
    if s.answer_channel and s.answer_channel != s.last_out_channel and s.n_in_meaningful:
        text += f"; they last wrote {_via(s.answer_channel)}"
    return text


def _late_reason(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    return _reply_note(s, as_of, config) + f" (over {config.reply_horizon_days:g} days)"


def _comment_reason(s: ContactState, as_of: datetime, config: RankConfig) -> str:
    assert s.last_their_post is not None
    why = "waiting for an answer" if s.unanswered else "you wrote recently"
    return f"posted {_ago(s.last_their_post, as_of)}; {why}, so a comment, not a message"


_REASONS: dict[str, _Note] = {
    "retry": _retry_reason,
    "reply_late": _late_reason,
    "comment": _comment_reason,
}
