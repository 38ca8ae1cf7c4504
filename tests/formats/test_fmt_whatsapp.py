"""WhatsApp's "Export chat" read directly (``formats.whatsapp.read_chat``): the marks
around names that are no part of them. The CLI's view of chats is in
tests/test_capture_whatsapp.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rave.config import MeConfig
from rave.formats import ParseStats
from rave.formats.whatsapp import read_chat

FSI, PDI, LRI = "\u2068", "\u2069", "\u2066"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("marked", [f"{FSI}Ana Lima{PDI}", f"{LRI}Ana Lima{PDI}"])
def test_isolate_marks_around_a_name_are_no_part_of_it(tmp_path: Path, marked: str) -> None:
    # WhatsApp wraps a name in Unicode isolates where its direction may differ from the
    # text around it: the same person with and without them is one author, and the
    # chat stays a chat with one person rather than a group of three
    path = tmp_path / "WhatsApp Chat with Ana Lima.txt"
    path.write_text(
        f"31/12/2023, 21:41 - {marked}: are you coming tonight?\n"
        "31/12/2023, 21:50 - Maya Haddad: yes, at nine\n"
        "01/01/2024, 10:00 - Ana Lima: happy new year\n",
        encoding="utf-8",
    )
    stats = ParseStats()
    records = list(read_chat(path, MeConfig(names=("Maya Haddad",)), stats, NOW))
    assert [(r.direction, [p.name for p in r.others]) for r in records] == [
        ("in", ["Ana Lima"]),
        ("out", ["Ana Lima"]),
        ("in", ["Ana Lima"]),
    ]
    assert [r.needs_reply for r in records] == [False, False, True]
    assert stats.warnings == []
