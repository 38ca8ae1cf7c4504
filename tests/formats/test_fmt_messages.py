"""LinkedIn messages.csv: current, fully quoted (2026) and legacy shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rave.errors import BadInputError
from rave.formats import MessageRecord, ParseStats, Participant
from rave.formats.linkedin_messages import find_me, parse_date, read_messages

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "linkedin"
MAYA = "https://linkedin.com/in/maya-haddad"
NORA = "https://linkedin.com/in/nora-moretti"


def read(name: str, me: str | None = None) -> tuple[list[MessageRecord], ParseStats]:
    stats = ParseStats()
    return list(read_messages(FIXTURES / name, me=me, stats=stats)), stats


def test_owner_is_the_most_frequent_sender() -> None:
    assert find_me(FIXTURES / "messages.csv") == MAYA


def test_directions_and_counterparts_from_the_owner() -> None:
    records, _ = read("messages.csv")
    summary = [(r.line, r.direction, [p.name for p in r.others]) for r in records]
    assert summary == [
        (2, "in", ["Nora Moretti"]),
        (4, "out", ["Nora Moretti"]),
        (5, "out", ["Ana Lima", "Bo Chen", "Jane Doe, Ph.D."]),
        (6, "in", ["Bo Chen"]),
        (11, "out", ["Carl Berg"]),
        (12, "in", ["Ana Lima"]),
    ]


@pytest.mark.parametrize("me", ["https://www.linkedin.com/in/Nora-Moretti/", "nora-moretti"])
def test_explicit_me_overrides_the_guess(me: str) -> None:
    records, stats = read("messages.csv", me=me)
    by_line = {r.line: r for r in records}
    assert by_line[2].direction == "out"
    assert by_line[2].others == (Participant("Maya Haddad", MAYA),)
    assert by_line[4].direction == "in"
    assert by_line[4].others == (Participant("Maya Haddad", MAYA),)
    assert stats.warnings == []


def test_me_who_sent_nothing_is_warned_about() -> None:
    _, stats = read("messages.csv", me="https://linkedin.com/in/nobody")
    assert any("sent none" in w for w in stats.warnings)


def test_multiline_content_with_commas_and_quotes() -> None:
    records, _ = read("messages.csv")
    first = records[0]
    assert first.excerpt == 'Thanks Maya, that helps! Let\'s talk "next week", ok?'
    assert first.when == datetime(2024, 5, 2, 9, 15, tzinfo=UTC)
    assert records[1].line == 4  # the quoted newline moved the next record down a line


def test_html_content_becomes_plain_text() -> None:
    records, _ = read("messages.csv")
    bo = next(r for r in records if r.line == 6)
    assert bo.excerpt == "Hi Maya, Would you like to grab a coffee & talk about the role?"
    assert bo.subject == "Coffee?"


def test_group_conversation_lists_every_recipient() -> None:
    records, _ = read("messages.csv")
    group = next(r for r in records if r.line == 5)
    assert group.conversation_title == "Launch crew"
    assert [p.url for p in group.recipients] == [
        "https://linkedin.com/in/ana-lima",
        "https://linkedin.com/in/bo-chen",
        "https://linkedin.com/in/jane-doe",
    ]
    # the reply in the same chat lists its URLs without spaces
    reply = next(r for r in records if r.line == 12)
    assert [p.name for p in reply.recipients] == ["Maya Haddad", "Bo Chen", "Jane Doe, Ph.D."]


def test_drafts_spam_sponsored_and_hidden_senders_are_skipped() -> None:
    records, stats = read("messages.csv")
    assert stats.rows == 10
    assert stats.records == len(records) == 6
    assert stats.skipped == {
        "draft": 1,
        "spam folder": 1,
        "sponsored message": 1,
        "LinkedIn Member (hidden or closed profile)": 1,
    }
    assert all("Draft reply" not in r.excerpt for r in records)


def test_external_key_is_conversation_date_sender_and_stable() -> None:
    first, _ = read("messages.csv")
    again, _ = read("messages.csv")
    keys = [r.external_key for r in first]
    assert keys == [r.external_key for r in again]
    assert len(set(keys)) == len(keys)
    assert keys[0] == f"linkedin:2-YWFhYQ==|2024-05-02T09:15:00Z|{NORA}"


def test_fully_quoted_2026_export_with_crlf_in_content() -> None:
    records, stats = read("messages_2026.csv")
    assert [(r.line, r.direction) for r in records] == [(2, "out"), (5, "in")]
    assert records[0].excerpt == "Hallo Zoë, first line second line"
    assert records[0].others == (
        Participant("Zoë Brandt", "https://linkedin.com/in/zo%c3%ab-brandt"),
    )
    assert stats.skipped == {"draft": 1}  # IS CONVERSATION DRAFT = Yes


def test_legacy_format_uses_its_direction_column() -> None:
    records, _ = read("messages_legacy.csv")
    assert [(r.direction, r.when, [p.name for p in r.others]) for r in records] == [
        ("in", datetime(2019, 11, 6, 2, 8, 20, tzinfo=UTC), ["Nora Moretti"]),
        ("out", datetime(2019, 11, 7, 10, 0, tzinfo=UTC), ["Nora Moretti"]),
    ]
    assert records[0].excerpt == "Hi Maya, long time!"
    assert records[0].external_key == "linkedin:|2019-11-06T02:08:20Z|Nora Moretti"


def test_long_content_is_cut_to_an_excerpt(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    words = " ".join(["word"] * 200)
    path.write_text(
        "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,DATE,CONTENT\n"
        f'c1,Ana,https://linkedin.com/in/ana,Bo,2024-01-01 10:00:00 UTC,"{words}"\n',
        encoding="utf-8",
    )
    (record,) = read_messages(path)
    assert len(record.excerpt) <= 280
    assert record.excerpt.endswith("…")


def test_unreadable_date_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    path.write_text(
        "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,DATE,CONTENT\n"
        'c1,Ana,https://linkedin.com/in/ana,Bo,2024-01-01 10:00:00 UTC,"two\nlines"\n'
        "c1,Ana,https://linkedin.com/in/ana,Bo,yesterday,hi\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInputError) as info:
        list(read_messages(path))
    assert info.value.line == 4
    assert "yesterday" in info.value.reason


def test_not_a_messages_file() -> None:
    with pytest.raises(BadInputError) as info:
        list(read_messages(FIXTURES / "Connections.csv"))
    assert "no LinkedIn messages header" in info.value.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-02 09:15:00 UTC", datetime(2024, 5, 2, 9, 15, tzinfo=UTC)),
        ("2019-11-06T02:08:20", datetime(2019, 11, 6, 2, 8, 20, tzinfo=UTC)),
        ("2024-05-02 11:15:00 +02:00", datetime(2024, 5, 2, 9, 15, tzinfo=UTC)),
        ("2024-02-30 09:15:00 UTC", None),
        ("May 2, 2024", None),
    ],
)
def test_message_dates(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "closes"),
    [
        ("Thanks!", True),
        ("Thank you so much!", True),
        ("thx", True),
        ("Merci beaucoup !", True),
        ("Vielen Dank!", True),
        ("Great, thanks", True),
        ("Got it, thanks 👍", True),
        ("👍", True),
        ("Sounds good!", True),
        ("Thanks for the intro!", True),
        ("Thank you for your help", True),
        ("Thanks, send me the file", False),
        ("Thank you. Please review the contract", False),
        ("Thanks! When are you free", False),
        ("thanks, call me tomorrow", False),
        ("Thanks for sending, can you call me", False),
        ("Thanks! When can we meet?", False),
        ("Thanks for the intro, could you also send me the deck and the pricing", False),
        ("Can you send the deck", False),
        ("See you Monday", False),
        ("Hi Ana, thanks for reaching out. I would love to talk next week.", False),
        ("", False),
        (None, False),
    ],
)
def test_a_message_that_only_thanks_closes_the_conversation(text: str | None, closes: bool) -> None:
    from rave.formats._common import closes_conversation

    assert closes_conversation(text) is closes
