"""Use cases: each joins the read door (``queries``), the write door (``store``) and the
pure modules, and returns plain data. Commands call exactly one of these. One module
per area (contacts, recording, ranking, stats); everything is re-exported here.

The write door (SQLModel) is imported inside the functions that write, so read commands
never pay for it.
"""

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
