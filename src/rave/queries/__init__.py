"""The read door: plain SQL on the stdlib ``sqlite3`` connection → frozen dataclasses.

Nothing here imports SQLAlchemy or SQLModel: ``list``, ``show``, ``today``, ``why``,
``stats``, ``digest`` and shell completion read through this package only.

Each name is imported from its module on first use, so a command loads only the
queries it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rave import lazy

if TYPE_CHECKING:
    from rave.queries.broadcast import BroadcastFacts, PostRow, broadcast_facts
    from rave.queries.channels import last_channel, latest_between
    from rave.queries.contacts import (
        SORTS,
        contact_detail,
        followup,
        followups,
        list_contacts,
        snoozed,
    )
    from rave.queries.people import (
        contact_names,
        edit_distance,
        find_contact,
        same_name,
    )
    from rave.queries.ranking import contact_states, intros_today
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
        Opening,
        PeriodCounts,
        ReplyEpisode,
        RungMove,
        activity,
        openings,
        reply_episodes,
        rung_moves,
        warmth_at,
    )

# each name and the module it lives in, imported on first use
_WHERE = {
    "SORTS": "rave.queries.contacts",
    "contact_detail": "rave.queries.contacts",
    "followup": "rave.queries.contacts",
    "followups": "rave.queries.contacts",
    "last_channel": "rave.queries.channels",
    "latest_between": "rave.queries.channels",
    "list_contacts": "rave.queries.contacts",
    "snoozed": "rave.queries.contacts",
    "contact_names": "rave.queries.people",
    "edit_distance": "rave.queries.people",
    "find_contact": "rave.queries.people",
    "same_name": "rave.queries.people",
    "contact_states": "rave.queries.ranking",
    "intros_today": "rave.queries.ranking",
    "ContactDetail": "rave.queries.records",
    "ContactRef": "rave.queries.refs",
    "ContactSummary": "rave.queries.records",
    "FollowUpRow": "rave.queries.records",
    "InteractionRow": "rave.queries.records",
    "NoteRow": "rave.queries.records",
    "Activity": "rave.queries.stats",
    "BroadcastFacts": "rave.queries.broadcast",
    "Opening": "rave.queries.stats",
    "PeriodCounts": "rave.queries.stats",
    "PostRow": "rave.queries.broadcast",
    "ReplyEpisode": "rave.queries.stats",
    "RungMove": "rave.queries.stats",
    "activity": "rave.queries.stats",
    "broadcast_facts": "rave.queries.broadcast",
    "openings": "rave.queries.stats",
    "reply_episodes": "rave.queries.stats",
    "rung_moves": "rave.queries.stats",
    "warmth_at": "rave.queries.stats",
}

__getattr__ = lazy.exports(__name__, _WHERE)


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
    "broadcast_facts",
    "contact_detail",
    "contact_names",
    "contact_states",
    "edit_distance",
    "find_contact",
    "followup",
    "followups",
    "intros_today",
    "last_channel",
    "latest_between",
    "list_contacts",
    "openings",
    "reply_episodes",
    "rung_moves",
    "same_name",
    "snoozed",
    "warmth_at",
]
