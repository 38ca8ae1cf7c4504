"""`rave import whatsapp` (issue 17, item 3): WhatsApp's "Export chat" text, in the
layouts the Android and iOS apps write (tests/fixtures/whatsapp/, invented people),
through the real CLI: who wrote what, one interaction per run of messages, who owes a
reply, calls, groups, idempotence across re-exports, and refusals with exit 65."""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import Rave

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
ANA = FIXTURES / "WhatsApp Chat with Ana Lima.txt"
BO = FIXTURES / "WhatsApp Chat with Bo Chen.txt"
CY = FIXTURES / "WhatsApp Chat mit Cy Dee.txt"
DEE = FIXTURES / "WhatsApp Chat - Dee Evans.zip"
ELI = FIXTURES / "WhatsApp Chat - Eli Park" / "_chat.txt"
CLUB = FIXTURES / "WhatsApp Chat with Climbing Club.txt"
ME = ("--me", "Maya Haddad")
NNBSP, LRM = "\u202f", "\u200e"
E2E = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more."
)


def utc(*parts: int) -> str:
    """A wall-clock time of the phone, as rave stores it: local time, in UTC."""
    return datetime(*parts).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def imported(rave: Rave, path: Path, *args: str) -> dict[str, Any]:
    out = rave("import", "whatsapp", str(path), "--json", *args)
    assert out.exit_code == 0, out
    report: dict[str, Any] = out.json()
    return report


def history(rave: Rave, who: str) -> list[tuple[str, str, str, str | None, bool]]:
    """``(when, direction, channel, note, waiting for your answer)``, oldest first."""
    shown = rave("show", who, "--json")
    assert shown.exit_code == 0, shown
    rows = shown.json()["interactions"]
    return [
        (i["when"], i["direction"], i["channel"], i["note"], i["needs_reply"])
        for i in reversed(rows)
    ]


def today(rave: Rave, as_of: str) -> list[tuple[str, str]]:
    out = rave("today", "--as-of", as_of, "--json")
    assert out.exit_code == 0, out
    return [(row["name"], row["lane"]) for row in out.json()]


def interactions(home: Path) -> int:
    with sqlite3.connect(home / "rave.db") as conn:
        (count,) = conn.execute("SELECT count(*) FROM interaction").fetchone()
    return int(count)


def add(rave: Rave, *people: str) -> None:
    for person in people:
        assert rave("add", person, "--tier", "B").exit_code == 0


def android_us(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment:%y}, {hour}:{moment:%M}{NNBSP}{half} - "


def android_uk(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y, %H:%M} - "


# --- each layout ------------------------------------------------------------------------


def test_android_us_12_hour_with_narrow_spaces(rave: Rave) -> None:
    add(rave, "Ana Lima")
    report = imported(rave, ANA, *ME)
    assert report["interactions_created"] == 3
    assert report["skipped_reasons"] == {"WhatsApp notices": 1, "deleted messages": 1}
    assert report["warnings"] == []
    assert history(rave, "Ana Lima") == [
        (
            utc(2023, 12, 28, 21, 2),
            "in",
            "whatsapp",
            # three messages within minutes are one interaction; a photo counts
            "Hi Maya! Are you around next week? I'd love to pick your brain about the "
            "pottery studio (media)",
            False,
        ),
        (
            utc(2023, 12, 28, 21, 30),
            "out",
            "whatsapp",
            # the next line of a message belongs to it; "edited" is WhatsApp's, not hers
            "Hey Ana! Sure, Tuesday works Let me check the address first and the time",
            False,
        ),
        (
            utc(2023, 12, 29, 10, 15),
            "in",
            "whatsapp",
            "(message not in the export) Here are the plans: 1. kiln 2. wheel Could you "
            "look at them before Tuesday?",
            True,  # the chat ends with her question
        ),
    ]
    assert today(rave, "2023-12-30T09:00") == [("Ana Lima", "reply")]


def test_android_24_hour_day_first_crlf_ending_with_thanks(rave: Rave) -> None:
    add(rave, "Bo Chen")
    report = imported(rave, BO, *ME)
    assert report["interactions_created"] == 3
    assert history(rave, "Bo Chen") == [
        (
            utc(2023, 12, 29, 8, 15),
            "in",
            "whatsapp",
            "Morning! Did you get the invite for Friday?",
            False,
        ),
        (utc(2023, 12, 29, 8, 40), "out", "whatsapp", "Yes, I'll be there", False),
        # his last message only thanks: nothing is owed
        (
            utc(2024, 1, 2, 19, 5),
            "in",
            "whatsapp",
            "Great to see you on Friday Thanks a lot 🙏",
            False,
        ),
    ]
    assert today(rave, "2024-01-03T09:00") == []


def test_german_layout(rave: Rave) -> None:
    add(rave, "Cy Dee")
    report = imported(rave, CY, *ME)
    assert report["skipped_reasons"] == {"WhatsApp notices": 1, "deleted messages": 1}
    assert history(rave, "Cy Dee") == [
        (utc(2024, 1, 15, 18, 20), "in", "whatsapp", "Hallo Maya, hast du am Samstag Zeit?", False),
        (utc(2024, 1, 15, 18, 22), "out", "whatsapp", "Ja! Um 10?", False),
        (utc(2024, 1, 15, 18, 23), "in", "whatsapp", "(media)", False),
        (utc(2024, 1, 16, 9, 5), "out", "whatsapp", "Bis Samstag dann", False),
    ]


def test_ios_zip_with_media_and_a_missed_call(rave: Rave) -> None:
    add(rave, "Dee Evans")
    report = imported(rave, DEE, *ME)
    assert report["interactions_created"] == 4
    assert report["warnings"] == []
    assert history(rave, "Dee Evans") == [
        (
            utc(2024, 2, 13, 14, 3, 11),
            "in",
            "whatsapp",
            "Hey, it's Dee from the workshop Do you still have the slides? (photo)",
            False,
        ),
        (utc(2024, 2, 13, 16, 10, 45), "out", "whatsapp", "Hi Dee! Sending them tonight", False),
        (utc(2024, 2, 13, 21, 12, 9), "out", "whatsapp", "(document)", False),
        # a missed call from her, the last thing in the chat, wants a call back
        (utc(2024, 2, 14, 9, 30), "in", "whatsapp", "(missed voice call)", True),
    ]
    assert today(rave, "2024-02-14T12:00") == [("Dee Evans", "reply")]


def test_ios_us_12_hour_calls(rave: Rave) -> None:
    add(rave, "Eli Park")
    imported(rave, ELI, *ME)
    assert history(rave, "Eli Park") == [
        (
            utc(2024, 1, 15, 19, 58, 30),
            "in",
            "whatsapp",
            "Are we still on for the climbing gym?",
            False,
        ),
        (utc(2024, 1, 15, 20, 5, 12), "out", "whatsapp", "Yes! 7pm works", False),
        # your call he did not pick up: an unanswered message of yours
        (utc(2024, 1, 16, 18, 55, 2), "out", "whatsapp", "(voice call, no answer)", False),
        # calls that took place: you talked
        (utc(2024, 1, 16, 19, 1, 44), "both", "phone", "WhatsApp voice call, 4 min", False),
        (utc(2024, 1, 20, 11, 20), "both", "video", "WhatsApp video call, 1 hr", False),
        (utc(2024, 1, 20, 12, 30, 5), "in", "whatsapp", "Thanks a lot! 🙌", False),
    ]


def test_someone_you_have_no_contact_for_is_left_out_and_named(rave: Rave, rave_home: Path) -> None:
    report = imported(rave, ELI, *ME)
    assert report["skipped_reasons"] == {"WhatsApp notices": 1, "nobody you know": 6}
    assert any("Eli Park (6)" in warning for warning in report["warnings"])
    assert interactions(rave_home) == 0
    created = imported(rave, ELI, *ME, "--create")
    assert (created["contacts_created"], created["interactions_created"]) == (1, 6)


def test_an_unsaved_number_is_found_by_its_phone(rave: Rave, tmp_path: Path) -> None:
    assert rave("add", "Fay Girard", "--phone", "+33 6 12 34 56 78").exit_code == 0
    number = "\u202a+33 6 12 34 56 78\u202c"  # as Android writes a number it has no name for
    path = tmp_path / "WhatsApp Chat with +33 6 12 34 56 78.txt"
    path.write_text(
        f"02/03/2024, 10:00 - {E2E}\n"
        f"02/03/2024, 10:00 - {number}: Hello! We met at the fair, it's Fay\n"
        "02/03/2024, 10:30 - Maya Haddad: Hi Fay, of course!\n",
        encoding="utf-8",
    )
    assert imported(rave, path, *ME)["interactions_created"] == 2
    assert [row[1] for row in history(rave, "Fay Girard")] == ["in", "out"]


# --- groups -------------------------------------------------------------------------------


def test_group_chat_logs_what_contacts_wrote_and_whom_you_answered(rave: Rave) -> None:
    add(rave, "Ana Lima", "Bo Chen")
    assert rave("add", "Fay Girard", "--phone", "+33612345678").exit_code == 0
    report = imported(rave, CLUB, *ME)
    assert report["interactions_created"] == 5
    assert report["skipped_reasons"] == {"WhatsApp notices": 4, "nobody you know": 1}
    assert any("Gus Hale" in w for w in report["warnings"])  # left out, named
    assert history(rave, "Ana Lima") == [
        (utc(2024, 1, 20, 10, 5), "in", "whatsapp", "Welcome all! Saturday 9am at the wall", False)
    ]
    # an unsaved member, shown by number, is found by it; your answer went to her
    assert history(rave, "Fay Girard") == [
        (utc(2024, 1, 20, 10, 7), "in", "whatsapp", "Count me in", False),
        (utc(2024, 1, 20, 10, 20), "out", "whatsapp", "Me too, I'll bring the rope", False),
    ]
    # you mentioned Bo; his question to you (@Maya), the last of the chat, wants an answer
    assert history(rave, "Bo Chen") == [
        (utc(2024, 1, 21, 18, 30), "out", "whatsapp", "@Bo Chen are you coming?", False),
        (utc(2024, 1, 21, 18, 45), "in", "whatsapp", "Yes! @Maya can you give me a lift?", True),
    ]
    assert today(rave, "2024-01-22T08:00")[0] == ("Bo Chen", "reply")


def test_group_messages_not_to_you_owe_nothing_and_create_makes_members(
    rave: Rave, tmp_path: Path
) -> None:
    path = tmp_path / "WhatsApp Chat with Book Club.txt"
    path.write_text(
        '05/03/2024, 19:00 - Ana Lima created group "Book Club"\n'
        "05/03/2024, 19:01 - Ana Lima: Next book?\n"
        "05/03/2024, 19:30 - Bo Chen: Dune!\n"
        "06/03/2024, 08:00 - Gus Hale: Anyone reading tonight?\n",
        encoding="utf-8",
    )
    report = imported(rave, path, *ME, "--create")
    assert (report["contacts_created"], report["interactions_created"]) == (3, 3)
    gus = rave("show", "Gus Hale", "--json").json()
    assert gus["tier"] == "none"
    assert [i["needs_reply"] for i in gus["interactions"]] == [False]  # not addressed to you


def test_an_ios_group_of_two_authors_is_a_group(rave: Rave, tmp_path: Path) -> None:
    """iOS writes a group's notices under the group's name: with only Ana and you
    writing, it is still no chat with Ana alone, and her last message owes nothing."""
    add(rave, "Ana Lima")
    path = tmp_path / "_chat.txt"
    path.write_text(
        f"[04/03/2024, 09:00:00] Trail Runners: {LRM}Ana Lima created group “Trail Runners”\n"
        f"[04/03/2024, 09:00:00] Trail Runners: {LRM}Ana Lima added you\n"
        "[04/03/2024, 09:10:12] Ana Lima: Sunday 8am at the lake?\n",
        encoding="utf-8",
    )
    assert imported(rave, path, *ME)["interactions_created"] == 1
    assert history(rave, "Ana Lima")[0][1:] == (
        "in",
        "whatsapp",
        "Sunday 8am at the lake?",
        False,
    )


def test_a_name_with_quotes_is_an_author_and_a_subject_with_a_colon_a_notice(
    rave: Rave, tmp_path: Path
) -> None:
    assert rave("add", 'Ana "Nana" Lima').exit_code == 0
    path = tmp_path / "WhatsApp Chat with Trip.txt"
    path.write_text(
        '10/03/2024, 09:00 - Bo Chen created group "Trip: May"\n'
        + '10/03/2024, 09:01 - Bo Chen changed the subject from "Trip: May" to "Trip"\n'
        + '10/03/2024, 09:02 - Ana "Nana" Lima: I\'m in!\n'
        + "10/03/2024, 09:03 - Bo Chen: Great\n",
        encoding="utf-8",
    )
    report = imported(rave, path, *ME)
    assert report["skipped_reasons"]["WhatsApp notices"] == 2
    assert [row[3] for row in history(rave, 'Ana "Nana" Lima')] == ["I'm in!"]


# --- who you are --------------------------------------------------------------------------


def test_you_are_found_from_me_in_config(rave: Rave, rave_home: Path) -> None:
    add(rave, "Ana Lima")
    (rave_home / "config.toml").write_text('[me]\nnames = ["Maya Haddad"]\n', encoding="utf-8")
    report = imported(rave, ANA)
    assert report["warnings"] == [] and report["interactions_created"] == 3
    assert [row[1] for row in history(rave, "Ana Lima")] == ["in", "out", "in"]


def test_without_me_the_file_name_tells_who_you_are_with_a_warning(rave: Rave) -> None:
    add(rave, "Ana Lima")
    out = rave("import", "whatsapp", str(ANA))
    assert out.exit_code == 0, out
    assert "took 'Maya Haddad' as you: the file is named after Ana Lima" in out.stderr
    assert [row[1] for row in history(rave, "Ana Lima")] == ["in", "out", "in"]
    # and iOS's notices name the chat too, when the file name does not
    add(rave, "Dee Evans")
    with zipfile.ZipFile(DEE) as archive:
        text = archive.read("_chat.txt")
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "chat.txt"
        bare.write_bytes(text)
        out = rave("import", "whatsapp", str(bare))
        assert out.exit_code == 0, out
        assert "WhatsApp's notices are under Dee Evans" in out.stderr


def test_cannot_tell_who_you_are_is_refused_with_a_hint(rave: Rave, rave_home: Path) -> None:
    add(rave, "Ana Lima")
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "chat.txt"
        bare.write_bytes(ANA.read_bytes())
        out = rave("import", "whatsapp", str(bare))
    assert out.exit_code == 65
    assert "cannot tell which of 'Ana Lima' and 'Maya Haddad' is you" in out.stderr
    assert '--me "Your Name"' in out.stderr
    group = rave("import", "whatsapp", str(CLUB))
    assert group.exit_code == 65 and "is you in this group" in group.stderr
    assert interactions(rave_home) == 0


# --- once, since, dry run --------------------------------------------------------------


def test_importing_again_adds_nothing(rave: Rave) -> None:
    add(rave, "Ana Lima")
    first = imported(rave, ANA, *ME)
    again = imported(rave, ANA, *ME)
    assert (again["interactions_created"], again["already_present"]) == (
        0,
        first["interactions_created"],
    )
    human = rave("import", "whatsapp", str(ANA), *ME)
    assert "already" in human.stdout + human.stderr


def test_a_later_export_adds_only_the_new_messages_and_your_reply_clears_the_wait(
    rave: Rave, tmp_path: Path
) -> None:
    add(rave, "Dee Evans")
    imported(rave, DEE, *ME)
    assert today(rave, "2024-02-14T12:00") == [("Dee Evans", "reply")]
    with zipfile.ZipFile(DEE) as archive:
        text = archive.read("_chat.txt").decode("utf-8")
    text += (
        "[14/02/2024, 09:31:05] Dee Evans: Call me when you can\n"
        "[14/02/2024, 12:15:40] Maya Haddad: Sorry, calling you now!\n"
    )
    later = tmp_path / "WhatsApp Chat - Dee Evans.zip"
    with zipfile.ZipFile(later, "w") as archive:
        archive.writestr("_chat.txt", text)
    report = imported(rave, later, *ME)
    # her message a minute after the call is a new one (a call stands alone); your answer
    assert (report["interactions_created"], report["already_present"]) == (2, 4)
    assert today(rave, "2024-02-15T09:00") == []


def test_since_leaves_out_what_came_before(rave: Rave) -> None:
    add(rave, "Ana Lima")
    report = imported(rave, ANA, *ME, "--since", "2023-12-29")
    assert report["interactions_created"] == 1
    assert report["skipped_reasons"]["before --since"] == 2
    assert [row[0] for row in history(rave, "Ana Lima")] == [utc(2023, 12, 29, 10, 15)]


def test_dry_run_writes_nothing(rave: Rave, rave_home: Path) -> None:
    add(rave, "Ana Lima")
    report = imported(rave, ANA, *ME, "--dry-run")
    assert (report["dry_run"], report["interactions_created"]) == (True, 3)
    assert interactions(rave_home) == 0


def test_times_are_this_machines_local_time(rave: Rave, tz: None) -> None:
    add(rave, "Ana Lima")
    imported(rave, ANA, *ME)
    # 10:15 AM on the phone, taken as Tokyo time (UTC+9)
    assert history(rave, "Ana Lima")[-1][0] == "2023-12-29T01:15:00Z"


@pytest.fixture
def tz() -> Iterator[None]:
    """This process in Tokyo time for the test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_recent_chat_puts_them_in_the_reply_lane_today(rave: Rave, tmp_path: Path) -> None:
    add(rave, "Ana Lima")
    start = (datetime.now() - timedelta(days=2)).replace(second=0, microsecond=0)  # noqa: DTZ005
    path = tmp_path / "WhatsApp Chat with Ana Lima.txt"
    path.write_text(
        f"{android_uk(start)}Maya Haddad: Are you free for a coffee this week?\n"
        f"{android_uk(start + timedelta(hours=3))}Ana Lima: Yes! Thursday?\n",
        encoding="utf-8",
    )
    imported(rave, path, *ME)
    rows = rave("today", "--json").json()
    assert [(r["name"], r["lane"], r["channel"]) for r in rows] == [
        ("Ana Lima", "reply", "whatsapp")
    ]


# --- bad data ---------------------------------------------------------------------------


def test_a_file_that_is_no_chat_export_is_refused(rave: Rave, rave_home: Path) -> None:
    out = rave("import", "whatsapp", str(FIXTURES / "notes.txt"))
    assert out.exit_code == 65
    assert "notes.txt:1: not a WhatsApp chat export" in out.stderr
    assert "nothing was written" in out.stderr


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEND:VCARD\n", 1, "this looks like a vCard file"),
        ("\n\n", None, "the file is empty"),
        (
            "29/12/2023, 08:15 - Bo Chen: hi\n30/02/2024, 08:16 - Bo Chen: hi again\n",
            2,
            "no such date or time: 30/02/2024, 08:16",
        ),
        (
            "29/12/2023, 08:15 - Bo Chen: hi\n12/31/2023, 08:16 - Bo Chen: hi again\n",
            2,
            "the dates read neither day first (29/12/2023, 08:15) nor month first "
            "(12/31/2023, 08:16)",
        ),
        (b"29/12/2023, 08:15 - Bo Chen: caf\xe9\n", 1, "not UTF-8 text"),
    ],
)
def test_bad_data_names_the_file_and_line_and_writes_nothing(
    rave: Rave, rave_home: Path, tmp_path: Path, text: str | bytes, line: int | None, reason: str
) -> None:
    add(rave, "Bo Chen")
    path = tmp_path / "WhatsApp Chat with Bo Chen.txt"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    out = rave("import", "whatsapp", str(path), *ME)
    assert out.exit_code == 65, out
    where = f"{path}:{line}: " if line else f"{path}: "
    assert where + reason in out.stderr
    assert interactions(rave_home) == 0


def test_a_zip_without_a_chat_is_refused(rave: Rave, tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("00000003-PHOTO-2024-02-13-14-04-02.jpg", b"\xff\xd8")
    out = rave("import", "whatsapp", str(path), *ME)
    assert out.exit_code == 65
    assert "no WhatsApp chat in this zip: expected _chat.txt" in out.stderr


@pytest.mark.parametrize("damage", ["deflate", "checksum"])
def test_a_damaged_zip_is_bad_input_naming_the_file(
    rave: Rave, tmp_path: Path, damage: str
) -> None:
    """The zip's directory reads, its chat does not: damaged compressed data, or data that
    no longer matches its checksum. Exit 65 naming the file, nothing written."""
    add(rave, "Dee Evans")
    chat = "[13/02/2024, 14:02:11] Dee Evans: Are we still on for Friday?\n" * 40
    path = tmp_path / "WhatsApp Chat - Dee Evans.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_chat.txt", chat.encode())
    data = bytearray(path.read_bytes())
    start = 30 + len("_chat.txt")  # the member's data, after its local header
    if damage == "deflate":
        data[start : start + 8] = b"\xff" * 8
    else:  # a changed byte inside the data: it inflates, its CRC-32 differs
        with zipfile.ZipFile(path) as archive:
            size = archive.getinfo("_chat.txt").compress_size
        data[start + size // 2] ^= 0x01
    path.write_bytes(bytes(data))
    out = rave("import", "whatsapp", str(path), *ME)
    assert out.exit_code == 65, out
    assert str(path) in out.stderr and "Traceback" not in out.stderr
    assert rave("history", "--json").json() == []


# --- which date order -----------------------------------------------------------------


def test_dates_running_forward_tell_the_order(rave: Rave, tmp_path: Path) -> None:
    add(rave, "Bo Chen")
    path = tmp_path / "WhatsApp Chat with Bo Chen.txt"
    # 1/2 then 2/1: only month first runs forward (2 January, then 1 February)
    path.write_text(
        "1/2/24, 9:00 - Bo Chen: Happy new year!\n2/1/24, 9:00 - Maya Haddad: Same to you\n",
        encoding="utf-8",
    )
    report = imported(rave, path, *ME)
    assert report["warnings"] == []
    assert [row[0] for row in history(rave, "Bo Chen")] == [
        utc(2024, 1, 2, 9, 0),
        utc(2024, 2, 1, 9, 0),
    ]


@pytest.mark.parametrize(
    ("stamp", "day_first", "expected"),
    [
        ("03/04/2024, 18:00 - ", True, utc(2024, 4, 3, 18, 0)),
        (f"3/4/24, 6:00{NNBSP}PM - ", False, utc(2024, 3, 4, 18, 0)),  # the US layout
    ],
)
def test_dates_that_read_both_ways_follow_the_layout_with_a_warning(
    rave: Rave, tmp_path: Path, stamp: str, day_first: bool, expected: str
) -> None:
    add(rave, "Bo Chen")
    path = tmp_path / "WhatsApp Chat with Bo Chen.txt"
    path.write_text(f"{stamp}Bo Chen: Are you coming?\n", encoding="utf-8")
    report = imported(rave, path, *ME)
    (warning,) = report["warnings"]
    assert "every date reads both ways" in warning
    assert ("day first" if day_first else "month first") in warning
    assert history(rave, "Bo Chen")[0][0] == expected


# --- any chat, any layout -----------------------------------------------------------------


def _us_ios(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"[{moment.month}/{moment.day}/{moment:%y}, {hour}:{moment:%M:%S}{NNBSP}{half}] "


def _india(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{moment:%d/%m/%y}, {hour}:{moment:%M}{NNBSP}{'am' if moment.hour < 12 else 'pm'} - "


def _ios_2016(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment:%y}, {hour}:{moment:%M:%S} {half}: "


LAYOUTS = {  # stamp writer, and whether it writes seconds
    "android india": (_india, False),
    "ios 2016": (_ios_2016, True),
    "android us": (android_us, False),
    "android us, before 2023": (lambda m: android_us(m).replace(NNBSP, " "), False),
    "android uk": (android_uk, False),
    "android de": (lambda m: f"{m:%d.%m.%y, %H:%M} - ", False),
    "android iso": (lambda m: f"{m:%Y-%m-%d, %H:%M} - ", False),
    "ios uk": (lambda m: f"[{m:%d/%m/%Y, %H:%M:%S}] ", True),
    "ios us": (_us_ios, True),
    "ios de": (lambda m: f"[{m:%d.%m.%y, %H:%M:%S}] ", True),
}
THEM = ("Ana Lima", "Zoë Brandt", "\u202a+33 6 12 34 56 78\u202c")
_WORDS = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 ,!?'éü🙂🙏"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")
_SPECIAL = re.compile(r"omitted|null|call|deleted|encrypted|\bthanks?\b|\bok\b", re.IGNORECASE)


@st.composite
def chats(draw: st.DrawFn) -> tuple[str, str, bool, bool, list[tuple[datetime, bool, list[str]]]]:
    """A layout, the other person, BOM, CRLF, and messages ``(local time, mine, lines)``
    in time order, each its own interaction (another author, or minutes later)."""
    layout = draw(st.sampled_from(sorted(LAYOUTS)))
    them = draw(st.sampled_from(THEM))
    moment = draw(st.datetimes(datetime(2015, 1, 1), datetime(2024, 12, 1)))  # noqa: DTZ001
    seconds = LAYOUTS[layout][1]
    messages = []
    for _ in range(draw(st.integers(1, 8))):
        mine = draw(st.booleans())
        if messages and messages[-1][1] == mine:
            moment += timedelta(minutes=draw(st.integers(6, 60 * 24 * 60)))
        else:
            moment += timedelta(seconds=draw(st.integers(0, 60 * 60 * 24 * 30)))
        moment = moment.replace(microsecond=0, second=moment.second if seconds else 0)
        lines = draw(st.lists(_WORDS, min_size=1, max_size=3))
        assume(not any(_SPECIAL.search(line) for line in lines))
        messages.append((moment, mine, [line.strip() for line in lines]))
    return layout, them, draw(st.booleans()), draw(st.booleans()), messages


def _render(layout: str, them: str, messages: list[tuple[datetime, bool, list[str]]]) -> list[str]:
    stamp = LAYOUTS[layout][0]
    lines = []
    for moment, mine, text in messages:
        author = "Maya Haddad" if mine else them
        lines.append(f"{stamp(moment)}{author}: {text[0]}")
        lines.extend(text[1:])
    return lines


def _read(folder: Path, name: str, lines: list[str], bom: bool, crlf: bool) -> list[Any]:
    from rave.config import MeConfig
    from rave.formats import ParseStats
    from rave.formats.whatsapp import read_chat

    path = folder / name
    ending = "\r\n" if crlf else "\n"
    path.write_bytes((("\ufeff" if bom else "") + ending.join(lines) + ending).encode("utf-8"))
    me = MeConfig(names=("Maya Haddad",))
    return list(read_chat(path, me, ParseStats(), datetime.now(UTC)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chats())
def test_any_chat_in_any_layout_reads_back_as_written(
    chat: tuple[str, str, bool, bool, list[tuple[datetime, bool, list[str]]]],
) -> None:
    from rave.formats._common import closes_conversation, excerpt

    layout, them, bom, crlf, messages = chat
    name = f"WhatsApp Chat with {them}.txt"  # the chat of one of yours only needs it
    with tempfile.TemporaryDirectory() as folder:
        records = _read(Path(folder), name, _render(layout, them, messages), bom, crlf)
    assert [(r.when, r.direction, r.channel, r.note) for r in records] == [
        (moment.astimezone(UTC), "out" if mine else "in", "whatsapp", excerpt(" ".join(text)))
        for moment, mine, text in messages
    ]
    _, last_mine, last_text = messages[-1]
    owed = not last_mine and not closes_conversation(" ".join(last_text))
    assert [r.needs_reply for r in records] == [False] * (len(messages) - 1) + [owed]
    assert all(len(r.others) == 1 for r in records)
    assert all(r.others[0].name != "Maya Haddad" for r in records)  # never you


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chats(), st.data())
def test_a_later_export_keeps_every_earlier_key(
    chat: tuple[str, str, bool, bool, list[tuple[datetime, bool, list[str]]]], data: st.DataObject
) -> None:
    """Re-exporting a chat that grew (more messages, some within minutes of the last)
    gives the same keys to what was there: only the new messages are new."""
    layout, them, bom, crlf, messages = chat
    more = list(messages)
    moment = messages[-1][0]
    for _ in range(data.draw(st.integers(1, 4))):
        moment += timedelta(minutes=data.draw(st.integers(0, 9)))
        more.append((moment, data.draw(st.booleans()), ["and more"]))
    name = f"WhatsApp Chat with {them}.txt"
    with tempfile.TemporaryDirectory() as folder:
        before = _read(Path(folder), name, _render(layout, them, messages), bom, crlf)
        after = _read(Path(folder), name, _render(layout, them, more), bom, crlf)
    assert {r.external_key for r in before} <= {r.external_key for r in after}
