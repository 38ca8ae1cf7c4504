"""Use cases: each joins the read door (``queries``), the write door (``store``) and the
pure modules, and returns plain data. Commands call exactly one of these. One module
per area (contacts, recording, ranking, stats); everything is re-exported here.

The write door (SQLModel) is imported inside the functions that write, so read commands
never pay for it.

Each name is imported from its module on first use, so a command loads only the
use cases it calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rave import lazy

if TYPE_CHECKING:
    from rave.services.contacts import (
        ContactInput,
        add_contact,
        add_note,
        contact_names,
        edit_contact,
        list_contacts,
        merge_contacts,
        remove_contact,
        resolve,
        show_contact,
    )
    from rave.services.ranking import (
        Digest,
        TodayView,
        WhyResult,
        digest,
        rank_config,
        snooze,
        today_view,
        why,
    )
    from rave.services.recording import (
        LogRequest,
        LogResult,
        PostResult,
        add_post,
        complete_followup,
        list_followups,
        log_batch,
        log_interaction,
    )
    from rave.services.stats import StatsReport, stats

# each name and the module it lives in, imported on first use
_WHERE = {
    "ContactInput": "rave.services.contacts",
    "add_contact": "rave.services.contacts",
    "add_note": "rave.services.contacts",
    "contact_names": "rave.services.contacts",
    "edit_contact": "rave.services.contacts",
    "list_contacts": "rave.services.contacts",
    "merge_contacts": "rave.services.contacts",
    "remove_contact": "rave.services.contacts",
    "resolve": "rave.services.contacts",
    "show_contact": "rave.services.contacts",
    "Digest": "rave.services.ranking",
    "TodayView": "rave.services.ranking",
    "WhyResult": "rave.services.ranking",
    "digest": "rave.services.ranking",
    "rank_config": "rave.services.ranking",
    "snooze": "rave.services.ranking",
    "today_view": "rave.services.ranking",
    "why": "rave.services.ranking",
    "LogRequest": "rave.services.recording",
    "LogResult": "rave.services.recording",
    "PostResult": "rave.services.recording",
    "add_post": "rave.services.recording",
    "complete_followup": "rave.services.recording",
    "list_followups": "rave.services.recording",
    "log_batch": "rave.services.recording",
    "log_interaction": "rave.services.recording",
    "StatsReport": "rave.services.stats",
    "stats": "rave.services.stats",
}

__getattr__ = lazy.exports(__name__, _WHERE)


__all__ = [
    "ContactInput",
    "Digest",
    "LogRequest",
    "LogResult",
    "PostResult",
    "StatsReport",
    "TodayView",
    "WhyResult",
    "add_contact",
    "add_note",
    "add_post",
    "complete_followup",
    "contact_names",
    "digest",
    "edit_contact",
    "list_contacts",
    "list_followups",
    "log_batch",
    "log_interaction",
    "merge_contacts",
    "rank_config",
    "remove_contact",
    "resolve",
    "show_contact",
    "snooze",
    "stats",
    "today_view",
    "why",
]
