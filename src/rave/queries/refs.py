"""A contact as a reference names it: the one record that finding people needs (kept apart
from the others so that resolving a name loads nothing more)."""

from __future__ import annotations

from typing import NamedTuple


class ContactRef(NamedTuple):
    id: int
    name: str
