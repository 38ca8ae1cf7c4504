"""The read door: plain SQL on the stdlib ``sqlite3`` connection → frozen dataclasses.

Nothing here imports SQLAlchemy or SQLModel: ``list``, ``show``, ``today``, ``why``,
``stats``, ``digest`` and shell completion read through this package only.
"""

from rave.queries.contacts import (
    SORTS,
    contact_detail,
    followup,
    followups,
    last_channel,
    list_contacts,
    snoozed,
)
from rave.queries.people import (
    contact_names,
    edit_distance,
    find_contact,
    same_name,
)
from rave.queries.ranking import aggregated_states, contact_states
from rave.queries.records import (
    ContactDetail,
    ContactRef,
    ContactSummary,
    FollowUpRow,
    InteractionRow,
    NoteRow,
)
from rave.queries.stats import (
    Activity,
    BroadcastFacts,
    Opening,
    PeriodCounts,
    PostRow,
    ReplyEpisode,
    RungMove,
    activity,
    broadcast_facts,
    openings,
    reply_episodes,
    rung_moves,
    warmth_at,
)

__all__ = [
    "SORTS",
    "Activity",
    "BroadcastFacts",
    "ContactDetail",
    "ContactRef",
    "ContactSummary",
    "FollowUpRow",
    "InteractionRow",
    "NoteRow",
    "Opening",
    "PeriodCounts",
    "PostRow",
    "ReplyEpisode",
    "RungMove",
    "activity",
    "aggregated_states",
    "broadcast_facts",
    "contact_detail",
    "contact_names",
    "contact_states",
    "edit_distance",
    "find_contact",
    "followup",
    "followups",
    "last_channel",
    "list_contacts",
    "openings",
    "reply_episodes",
    "rung_moves",
    "same_name",
    "snoozed",
    "warmth_at",
]
