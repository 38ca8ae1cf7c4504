"""LinkedIn messages.csv: current, fully quoted (2026), 2018-era and legacy shapes, and
who the owner of an export is."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import Rave
from rave.errors import BadInputError
from rave.formats import MessageRecord, ParseStats, Participant
from rave.formats.linkedin_messages import find_me, find_owner, parse_date, read_messages

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "linkedin"
MAYA = "https://linkedin.com/in/maya-haddad"
NORA = "https://linkedin.com/in/nora-moretti"


def read(name: str, me: str | None = None) -> tuple[list[MessageRecord], ParseStats]:
    stats = ParseStats()
    return list(read_messages(FIXTURES / name, me=me, stats=stats)), stats


def test_owner_is_the_one_in_every_conversation() -> None:
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
    assert stats.warnings == [
        f"you were given as Nora Moretti ({NORA}), in 1 of 7 conversations, but "
        f"Maya Haddad ({MAYA}) is in all of them: is --me (or [me]) right?"
    ]


def test_me_who_is_not_in_the_file_gives_way_to_the_one_in_every_conversation() -> None:
    records, stats = read("messages.csv", me="https://linkedin.com/in/nobody")
    assert stats.warnings == [
        "none of your names or profiles ([me], --me) is in this file; took "
        f"Maya Haddad ({MAYA}) as you: the one in every conversation"
    ]
    assert [r.direction for r in records] == ["in", "out", "out", "in", "out", "in"]


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
    (record,) = read_messages(path, me="https://linkedin.com/in/ana")
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
        # 2018-era exports: month first, two-digit year, 12-hour clock
        ("1/8/18, 6:14 PM", datetime(2018, 1, 8, 18, 14, tzinfo=UTC)),
        ("12/3/18, 12:05 AM", datetime(2018, 12, 3, 0, 5, tzinfo=UTC)),
        ("1/9/18, 12:30 PM", datetime(2018, 1, 9, 12, 30, tzinfo=UTC)),
        ("11/23/2018, 11:59 pm", datetime(2018, 11, 23, 23, 59, tzinfo=UTC)),
        ("1/8/18, 6:14\u202fPM", datetime(2018, 1, 8, 18, 14, tzinfo=UTC)),  # ICU's space
        ("1/8/18, 18:14", datetime(2018, 1, 8, 18, 14, tzinfo=UTC)),
        ("2018-01-08 18:14:00 UTC", datetime(2018, 1, 8, 18, 14, tzinfo=UTC)),
        ("2/30/18, 6:14 PM", None),
        ("1/8/18, 13:14 PM", None),
        ("1/8/18, 0:14 AM", None),
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


# --- who you are: the one in every conversation ---------------------------------------------

LENA = "https://linkedin.com/in/lena-okafor"
IVO = "https://linkedin.com/in/ivo-petrov"
HEADER = [
    "CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
    "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS",
    "IS MESSAGE DRAFT",
]  # fmt: skip


def linkedin_csv(path: Path, rows: list[list[str]]) -> Path:
    """A messages.csv as LinkedIn writes it: its header, quotes where needed, CRLF."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def message(
    conversation: str, sender: str, to: str, when: str, text: str, draft: str = "No"
) -> list[str]:
    """A row between Lena Okafor and Ivo Petrov (``sender`` and ``to``: "lena" or "ivo")."""
    people = {"lena": ("Lena Okafor", LENA), "ivo": ("Ivo Petrov", IVO)}
    return [
        conversation, "", *people[sender], *people[to], when, "", text, "INBOX", "", draft,
    ]  # fmt: skip


def contacts(rave: Rave) -> list[str]:
    return sorted(c["name"] for c in rave("list", "--json").json())


def test_an_owner_without_profile_url_is_not_taken_for_a_busy_recruiter() -> None:
    """Lena's own rows carry no URL; Tomas, a recruiter, wrote more than she did."""
    records, stats = read("messages_owner_without_url.csv")
    summary = [(r.line, r.direction, [p.name for p in r.others]) for r in records]
    assert summary == [
        (2, "in", ["Tomas Reyes"]),
        (3, "in", ["Tomas Reyes"]),
        (4, "in", ["Tomas Reyes"]),
        (5, "out", ["Tomas Reyes"]),
        (6, "in", ["Tomas Reyes"]),
        (7, "in", ["Tomas Reyes"]),
        (8, "in", ["Ivo Petrov"]),
        (10, "out", ["Ivo Petrov"]),
        (11, "out", ["Sara Lind"]),
    ]
    assert stats.warnings == []
    owner, warning = find_owner(FIXTURES / "messages_owner_without_url.csv")
    assert owner is not None and owner.names == {"lena okafor"} and not owner.urls
    assert warning is None


def test_importing_it_makes_no_contact_of_you(rave: Rave) -> None:
    path = FIXTURES / "messages_owner_without_url.csv"
    report = rave("import", "linkedin-messages", str(path), "--json").json()
    assert report["warnings"] == []
    assert report["contacts_created"] == 3 and report["interactions_created"] == 9
    assert contacts(rave) == ["Ivo Petrov", "Sara Lind", "Tomas Reyes"]
    tomas = rave("show", "Tomas Reyes", "--json").json()["interactions"]
    assert [i["direction"] for i in tomas] == ["in", "in", "out", "in", "in", "in"]
    assert tomas[2]["note"] == "Thanks Tomas, I'm not looking right now."


def test_a_2018_export_with_month_first_dates(rave: Rave) -> None:
    records, _ = read("messages_2018.csv")
    assert [(r.when, r.direction, [p.name for p in r.others]) for r in records] == [
        (datetime(2018, 1, 8, 18, 14, tzinfo=UTC), "in", ["Ivo Petrov"]),
        (datetime(2018, 1, 9, 8, 2, tzinfo=UTC), "out", ["Ivo Petrov"]),
        (datetime(2018, 1, 9, 12, 30, tzinfo=UTC), "in", ["Ivo Petrov"]),
        (datetime(2018, 11, 23, 23, 59, tzinfo=UTC), "in", ["Sara Lind"]),
        (datetime(2018, 12, 3, 0, 5, tzinfo=UTC), "out", ["Tomas Reyes"]),
    ]
    assert records[3].excerpt == "Loved your talk on streaming joins, do you share the slides?"
    out = rave("import", "linkedin-messages", str(FIXTURES / "messages_2018.csv"), "--json")
    assert out.exit_code == 0, out
    assert out.json()["interactions_created"] == 5
    assert contacts(rave) == ["Ivo Petrov", "Sara Lind", "Tomas Reyes"]


def test_one_conversation_is_refused_rather_than_guessed(rave: Rave, rave_home: Path) -> None:
    path = FIXTURES / "messages_one_conversation.csv"
    out = rave("import", "linkedin-messages", str(path))
    assert out.exit_code == 65, out
    assert out.stderr.splitlines() == [
        f"rave: {path}: cannot tell which participant is you: it holds one conversation, "
        f"between Ivo Petrov ({IVO}) and Lena Okafor ({LENA})",
        "hint: pass --me with your profile URL or your name (or set them in [me] in "
        "config.toml); nothing was written",
    ]
    assert not (rave_home / "rave.db").exists()


@pytest.mark.parametrize(
    "me", [["--me", "Lena Okafor"], ["--me", "lena-okafor"], ["--me", LENA + "/"]]
)
def test_me_says_whose_conversation_it_is(rave: Rave, me: list[str]) -> None:
    path = FIXTURES / "messages_one_conversation.csv"
    report = rave("import", "linkedin-messages", str(path), *me, "--json").json()
    assert report["warnings"] == [] and report["contacts_created"] == 1
    assert contacts(rave) == ["Ivo Petrov"]
    ivo = rave("show", "Ivo", "--json").json()["interactions"]
    assert [(i["direction"], i["needs_reply"]) for i in ivo] == [
        ("in", True),
        ("out", False),
        ("in", False),
    ]


def test_me_in_the_config_says_it_too(rave: Rave, rave_home: Path) -> None:
    rave_home.mkdir(parents=True, exist_ok=True)
    (rave_home / "config.toml").write_text('[me]\nnames = ["Lena Okafor"]\n', encoding="utf-8")
    path = FIXTURES / "messages_one_conversation.csv"
    assert rave("import", "linkedin-messages", str(path)).exit_code == 0
    assert contacts(rave) == ["Ivo Petrov"]


def test_the_same_two_people_in_every_conversation_is_refused(rave: Rave, tmp_path: Path) -> None:
    path = linkedin_csv(
        tmp_path / "messages.csv",
        [
            message("2-a", "ivo", "lena", "2025-01-10 10:00:00 UTC", "Lunch?"),
            message("2-a", "lena", "ivo", "2025-01-10 11:00:00 UTC", "Sure, 12:30"),
            message("2-b", "ivo", "lena", "2025-03-02 09:00:00 UTC", "About the invoice, again"),
        ],
    )
    out = rave("import", "linkedin-messages", str(path))
    assert out.exit_code == 65, out
    assert (
        f"cannot tell which participant is you: Ivo Petrov ({IVO}) and Lena Okafor ({LENA}) "
        "are in every conversation"
    ) in out.stderr
    assert "hint: pass --me" in out.stderr
    assert rave("import", "linkedin-messages", str(path), "--me", "Ivo Petrov").exit_code == 0
    assert contacts(rave) == ["Lena Okafor"]


def test_your_draft_tells_who_you_are_with_a_warning(rave: Rave, tmp_path: Path) -> None:
    path = linkedin_csv(
        tmp_path / "messages.csv",
        [
            message("2-a", "ivo", "lena", "2025-01-10 10:00:00 UTC", "Lunch?"),
            message("2-a", "ivo", "lena", "2025-01-10 10:05:00 UTC", "Or coffee?"),
            message("2-a", "lena", "ivo", "2025-01-10 11:00:00 UTC", "Sure, 12:30"),
            message("2-a", "lena", "ivo", "2025-01-11 08:00:00 UTC", "About the bill", "Yes"),
        ],
    )
    out = rave("import", "linkedin-messages", str(path), "--json")
    assert out.exit_code == 0, out
    report = out.json()
    assert report["warnings"] == [
        f"took Lena Okafor ({LENA}) as you: its drafts are theirs (if that is not you, "
        "pass --me with your profile URL or name)"
    ]
    assert report["skipped_reasons"] == {"draft": 1}
    assert contacts(rave) == ["Ivo Petrov"]
    human = rave("import", "linkedin-messages", str(path), "--dry-run")
    assert "warning: took Lena Okafor" in human.stderr


def test_a_refusal_on_stdin_keeps_its_hint(rave: Rave) -> None:
    text = (FIXTURES / "messages_one_conversation.csv").read_text(encoding="utf-8")
    out = rave("import", "linkedin-messages", "-", input=text)
    assert out.exit_code == 65, out
    assert out.stderr.startswith("rave: <stdin>: cannot tell which participant is you")
    assert "hint: pass --me with your profile URL or your name" in out.stderr


def test_a_bad_row_is_reported_before_the_owner_question(tmp_path: Path) -> None:
    """The first pass checks every row as the import does: FILE:LINE comes first."""
    path = linkedin_csv(
        tmp_path / "messages.csv",
        [message("2-a", "ivo", "lena", "someday", "Lunch?")],
    )
    with pytest.raises(BadInputError) as info:
        list(read_messages(path))
    assert info.value.line == 2 and "cannot read DATE 'someday'" in info.value.reason
