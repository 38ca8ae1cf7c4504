"""A contact as a reference names it: the one record that finding people needs (kept apart
from the others so that resolving a name loads nothing more)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContactRef:
    id: int
    name: str
