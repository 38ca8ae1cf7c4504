"""SQLModel tables: the write door's view of the schema.

The same schema exists as SQL in ``migrations.py`` (so readers never import the ORM);
``tests/test_store.py`` checks the two stay identical. Datetimes are stored as
fixed-width UTC text (see ``models.columns``), so every datetime is timezone-aware on the
way in and on the way out.

Defining a table costs SQLAlchemy and pydantic several milliseconds, and a write pays
that on every run, so the tables live in a few modules, imported on first use: `rave
log` defines the three it writes (``contact``, ``interaction``, ``interaction_contact``),
not all ten. A module imports the modules of the tables its foreign keys point to,
which SQLAlchemy needs to order a flush.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rave import lazy

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from rave.models.contact import Contact
    from rave.models.details import Alias, ContactRef, Handle, Note, Tag
    from rave.models.followup import FollowUp
    from rave.models.interaction import Interaction, InteractionContact
    from rave.models.post import Post

_WHERE = {
    "Contact": "rave.models.contact",
    "Alias": "rave.models.details",
    "ContactRef": "rave.models.details",
    "Handle": "rave.models.details",
    "Note": "rave.models.details",
    "Tag": "rave.models.details",
    "FollowUp": "rave.models.followup",
    "Interaction": "rave.models.interaction",
    "InteractionContact": "rave.models.interaction",
    "Post": "rave.models.post",
}

__getattr__ = lazy.exports(__name__, _WHERE)


def load_all() -> MetaData:
    """Define every table; their metadata (for the schema test and ``create_all``)."""
    from sqlmodel import SQLModel

    for module in sorted(set(_WHERE.values())):
        importlib.import_module(module)
    return SQLModel.metadata


__all__ = [
    "Alias",
    "Contact",
    "ContactRef",
    "FollowUp",
    "Handle",
    "Interaction",
    "InteractionContact",
    "Note",
    "Post",
    "Tag",
    "load_all",
]
