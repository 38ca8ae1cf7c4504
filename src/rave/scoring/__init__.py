"""PURE ranking model of spec/scoring.md. Imports nothing from the database or the CLI.

``derive_state`` turns one contact's interactions (``Event``) into its ``ContactState`` as
of a moment; ``assess`` turns a state into nine terms, a score, a lane, an action and a
one-line reason (one code path for the ranking and its explanation); ``rank`` orders
many contacts and applies the volume rules. Nothing here reads a clock: ``as_of`` is
always an argument, and every datetime is timezone-aware UTC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rave import lazy

if TYPE_CHECKING:
    from rave.scoring.model import (
        ADVICE,
        Assessment,
        Ranking,
        Suggestion,
        Term,
        assess,
        backoff_until,
        exact_sum,
        local_day_start,
        rank,
        recent_out_window,
        retry_channel,
        shorten,
        since_last,
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
        decayed,
        derive_state,
        effective_cadence,
        warmth_weight,
    )

# each name and the module it lives in, imported on first use (the write door needs
# the state's Event and Tally, not the model)
_WHERE = {
    "ADVICE": "rave.scoring.model",
    "Assessment": "rave.scoring.model",
    "Ranking": "rave.scoring.model",
    "Suggestion": "rave.scoring.model",
    "Term": "rave.scoring.model",
    "assess": "rave.scoring.model",
    "exact_sum": "rave.scoring.model",
    "rank": "rave.scoring.model",
    "recent_out_window": "rave.scoring.model",
    "backoff_until": "rave.scoring.model",
    "local_day_start": "rave.scoring.model",
    "retry_channel": "rave.scoring.model",
    "shorten": "rave.scoring.model",
    "since_last": "rave.scoring.model",
    "sort_key": "rave.scoring.model",
    "ACTIONS": "rave.scoring.state",
    "DECIMALS": "rave.scoring.state",
    "HIDDEN": "rave.scoring.state",
    "LANES": "rave.scoring.state",
    "SKIPPED": "rave.scoring.state",
    "TERMS": "rave.scoring.state",
    "WARMTH_CHANNEL": "rave.scoring.state",
    "WARMTH_HALF_LIFE_DAYS": "rave.scoring.state",
    "WARMTH_KIND": "rave.scoring.state",
    "ContactState": "rave.scoring.state",
    "Event": "rave.scoring.state",
    "Tally": "rave.scoring.state",
    "decayed": "rave.scoring.state",
    "derive_state": "rave.scoring.state",
    "effective_cadence": "rave.scoring.state",
    "warmth_weight": "rave.scoring.state",
}

__getattr__ = lazy.exports(__name__, _WHERE)


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
    "backoff_until",
    "decayed",
    "derive_state",
    "effective_cadence",
    "exact_sum",
    "local_day_start",
    "rank",
    "recent_out_window",
    "retry_channel",
    "shorten",
    "since_last",
    "sort_key",
    "warmth_weight",
]
