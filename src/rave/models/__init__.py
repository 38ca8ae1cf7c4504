"""SQLModel tables: the write door's view of the schema.

The same schema exists as SQL in ``migrations.py`` (so readers never import the ORM);
``tests/test_store.py`` checks the two stay identical. Datetimes are stored as
fixed-width UTC text (see ``models.columns``), so every datetime is timezone-aware on the
way in and on the way out.

One module per concern: ``contact``; ``details`` (aliases, handles, tags, external keys,
notes); ``followup``; ``interaction`` (with its links to people); ``post``; ``columns``
(the shared column types). Import a table from its module where it is written: `rave log`
then defines the three tables it writes, not all ten (15 ms saved on each log). A module
imports the modules of the tables its foreign keys point to, which SQLAlchemy needs to
order a flush.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import MetaData

# every table module, in the order their foreign keys need
TABLE_MODULES = (
    "rave.models.contact",
    "rave.models.details",
    "rave.models.followup",
    "rave.models.interaction",
    "rave.models.post",
)


def load_all() -> MetaData:
    """Define every table; their metadata (for the schema test and ``create_all``)."""
    from sqlmodel import SQLModel

    for module in TABLE_MODULES:
        importlib.import_module(module)
    return SQLModel.metadata
