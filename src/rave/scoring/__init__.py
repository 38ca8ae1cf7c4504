"""PURE ranking model of spec/scoring.md. Imports nothing from the database or the CLI.

``derive_state`` turns one contact's interactions (``Event``) into its ``ContactState`` as
of a moment; ``assess`` turns a state into nine terms, a score, a lane, an action and a
one-line reason (one code path for the ranking and its explanation); ``rank`` orders
many contacts and applies the volume rules. Nothing here reads a clock: ``as_of`` is
always an argument, and every datetime is timezone-aware UTC.
"""

from rave.scoring.model import (
    ADVICE,
    Assessment,
    Ranking,
    Suggestion,
    Term,
    assess,
    exact_sum,
    rank,
    recent_out_window,
    sort_key,
)
from rave.scoring.state import (
    ACTIONS,
    DECIMALS,
    HIDDEN,
    LANES,
    SKIPPED,
    TERMS,
    WARMTH_CHANNEL,
    WARMTH_HALF_LIFE_DAYS,
    WARMTH_KIND,
    ContactState,
    Event,
    Tally,
    derive_state,
    effective_cadence,
    warmth_weight,
)

__all__ = [
    "ACTIONS",
    "ADVICE",
    "DECIMALS",
    "HIDDEN",
    "LANES",
    "SKIPPED",
    "TERMS",
    "WARMTH_CHANNEL",
    "WARMTH_HALF_LIFE_DAYS",
    "WARMTH_KIND",
    "Assessment",
    "ContactState",
    "Event",
    "Ranking",
    "Suggestion",
    "Tally",
    "Term",
    "assess",
    "derive_state",
    "effective_cadence",
    "exact_sum",
    "rank",
    "recent_out_window",
    "sort_key",
    "warmth_weight",
]
