"""Who a captured message or meeting is with (services.capture, issue 17, with issue
16's identity rules): an ambiguous name is never guessed nor a reason to make one more
namesake; an address two people share goes to the one the sender names; a contact given
an address by an import is counted as updated; a meeting's follow-up stays the person's
through a merge."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Rave
from test_capture_calendar import ANA, google_calendar, google_event, me_and, people

WHATSAPP = Path(__file__).parent / "fixtures" / "whatsapp"
ME_MAIL = "sam@rivera.example"


def names(rave: Rave) -> list[str]:
    return sorted(c["name"] for c in rave("list", "--json").json())


def imported(rave: Rave, *args: str) -> dict:  # type: ignore[type-arg]
    out = rave("import", *args, "--json")
    assert out.exit_code == 0, out
    report: dict = out.json()  # type: ignore[type-arg]
    return report


def with_whom(rave: Rave) -> list[tuple[str, list[int]]]:
    document = json.loads(rave("export", "json").stdout)
    return sorted((i["external_key"], sorted(i["contact_ids"])) for i in document["interactions"])


def test_a_name_two_contacts_have_is_left_out_even_with_create(rave: Rave, tmp_path: Path) -> None:
    assert rave("add", "Ana Lima", "--email", "ana@old.example").exit_code == 0
    assert rave("add", "Ana Lima", "--email", "ana@new.example", "--force").exit_code == 0
    chat = tmp_path / "WhatsApp Chat with Ana Lima.txt"
    shutil.copy(WHATSAPP / "WhatsApp Chat with Ana Lima.txt", chat)
    for _ in range(2):  # the nightly import: never one more Ana Lima
        report = imported(rave, "whatsapp", str(chat), "--me", "Maya Haddad", "--create")
        assert report["contacts_created"] == 0
        assert report["interactions_created"] == 0
        assert any("Ana Lima is the name of 2 contacts (#1, #2)" in w for w in report["warnings"])
        with chat.open("a", encoding="utf-8") as more:
            more.write("1/5/24, 9:00\u202fAM - Ana Lima: Any news?\n")
    assert names(rave) == ["Ana Lima", "Ana Lima"]


def test_a_shared_address_goes_to_the_person_who_signs(rave: Rave, tmp_path: Path) -> None:
    """Jean holds the family address; Marie writes from it under her own name."""
    assert rave("add", "Jean Dupont", "--email", "fam@dupont.example").exit_code == 0
    assert rave("add", "Marie Dupont").exit_code == 0
    mails = []
    for n, (sender, subject) in enumerate(
        [("Marie Dupont", "Dinner Saturday?"), ("Jean Dupont", "Re: Dinner"), ("Marie", "Wine")]
    ):
        mails.append(
            f"From fam@dupont.example Mon Mar 10 0{n}:00:00 2025\n"
            f"From: {sender} <fam@dupont.example>\nTo: Sam Rivera <{ME_MAIL}>\n"
            f"Subject: {subject}\nDate: Mon, 10 Mar 2025 0{n}:00:00 +0000\n"
            f"Message-ID: <m{n}@dupont.example>\n\nA line.\n\n"
        )
    box = tmp_path / "inbox"
    box.write_text("".join(mails), encoding="utf-8")
    imported(rave, "mbox", str(box), "--me", ME_MAIL)
    # Marie's own mail is hers; Jean's is his; a name nobody has stays with the address
    assert with_whom(rave) == [
        ("mail:m0@dupont.example", [2]),
        ("mail:m1@dupont.example", [1]),
        ("mail:m2@dupont.example", [1]),
    ]


def test_a_contact_given_an_address_counts_as_updated(rave: Rave, tmp_path: Path) -> None:
    assert rave("add", "Élodie Martin").exit_code == 0
    box = tmp_path / "inbox"
    box.write_text(
        "From elodie@example.fr Mon Mar 10 09:00:00 2025\n"
        f"From: Élodie Martin <elodie@example.fr>\nTo: {ME_MAIL}\nSubject: Hello\n"
        "Date: Mon, 10 Mar 2025 09:00:00 +0000\nMessage-ID: <e1@example.fr>\n\nHi!\n",
        encoding="utf-8",
    )
    report = imported(rave, "mbox", str(box), "--me", ME_MAIL)
    assert (report["contacts_updated"], report["interactions_created"]) == (1, 1)


def test_a_meeting_follow_up_stays_the_persons_through_a_merge(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rave import timeutil

    people(rave)  # Ana Lima, Ben Okafor, Carla Dias
    assert rave("add", "Ana L.", "--email", "ana.work@example.org").exit_code == 0
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0)
    path = google_calendar(
        tmp_path / "maya.ics",
        google_event(
            "lunch@google.com",
            soon,
            "Lunch",
            me_and(("Ana Lima", ANA), ("Ana L.", "ana.work@example.org")),
        ),
    )
    assert imported(rave, "ics", str(path))["followups_created"] == 2
    assert rave("merge", "Ana Lima", "Ana L.", "--yes").exit_code == 0
    again = imported(rave, "ics", str(path))  # still ahead: nothing new, nothing moved
    assert (again["followups_created"], again["followups_moved"]) == (0, 0)
    real = timeutil.utcnow
    monkeypatch.setattr(timeutil, "utcnow", lambda: real() + timedelta(days=3))
    after = imported(rave, "ics", str(path))
    assert after["interactions_created"] == 1
    assert rave("followups", "--json").json() == []  # both closed: the lunch took place


@pytest.mark.parametrize("last", ["them", "me"])
def test_messages_of_one_minute_fold_in_the_order_the_chat_shows(
    rave: Rave, tmp_path: Path, last: str
) -> None:
    """Android exports give minutes: a question and its answer often share one. Who
    wrote last decides who owes a reply, whatever the records' ids hash to (six chats,
    six people: hash order would get some of them wrong)."""
    names = ["Ana Lima", "Bo Chen", "Cy Dee", "Dee Evans", "Eli Park", "Fay Gold"]
    for name in names:
        assert rave("add", name, "--tier", "B").exit_code == 0
        lines = [
            f"14/03/2026, 09:01 - {name}: Are you coming on Friday?",
            "14/03/2026, 09:02 - Maya Haddad: Yes! Shall I bring the slides?",
            f"14/03/2026, 09:02 - {name}: Which ones do you have?",
        ]
        if last == "me":
            lines.append("14/03/2026, 09:02 - Maya Haddad: The ones from Lyon, see you then")
        chat = tmp_path / f"WhatsApp Chat with {name}.txt"
        chat.write_text("\n".join(lines) + "\n", encoding="utf-8")
        imported(rave, "whatsapp", str(chat), "--me", "Maya Haddad")
    today = rave("today", "--as-of", "2026-03-15", "--json")
    assert today.exit_code == 0, today
    waiting = sorted(row["name"] for row in today.json() if row["lane"] == "reply")
    assert waiting == (names if last == "them" else [])


def test_a_shortened_name_stays_with_the_addresss_owner(rave: Rave, tmp_path: Path) -> None:
    """Ana Lima signs "Ana"; a climbing friend is called just "Ana": Ana Lima's address
    is still Ana Lima's, and nothing is recorded that would send her mail elsewhere."""
    assert rave("add", "Ana Lima", "--email", "ana@lima.example.org").exit_code == 0
    assert rave("add", "Ana").exit_code == 0
    box = tmp_path / "inbox"
    box.write_text(
        "From ana@lima.example.org Mon Mar 10 09:00:00 2025\n"
        f"From: Ana <ana@lima.example.org>\nTo: {ME_MAIL}\nSubject: Hello\n"
        "Date: Mon, 10 Mar 2025 09:00:00 +0000\nMessage-ID: <a1@lima>\n\nHi!\n",
        encoding="utf-8",
    )
    imported(rave, "mbox", str(box), "--me", ME_MAIL)
    assert with_whom(rave) == [("mail:a1@lima", [1])]
    refs = json.loads(rave("export", "json").stdout)["contacts"][1]["refs"]
    assert refs == []
