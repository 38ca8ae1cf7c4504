"""PURE ranking model of spec/scoring.md. Imports nothing from the database or the CLI.

(The rest of the model is being written; warmth is used by `list` and `show`.)
"""

from __future__ import annotations

WARMTH_KIND = {"broadcast": 0.1, "chat": 0.5, "engage": 1.0}
WARMTH_CHANNEL = {"in_person": 2.0, "phone": 1.5, "video": 1.5}
WARMTH_HALF_LIFE_DAYS = 90.0


def warmth_weight(kind: str, channel: str, age_days: float) -> float:
    """One interaction's share of warmth: w_kind · w_channel · 2^(−age_days/90).

    Interactions in the future of ``as_of`` (negative age) count nothing."""
    if age_days < 0:
        return 0.0
    return (
        WARMTH_KIND.get(kind, 0.0)
        * WARMTH_CHANNEL.get(channel, 1.0)
        * 2.0 ** (-age_days / WARMTH_HALF_LIFE_DAYS)
    )
