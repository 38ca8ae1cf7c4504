"""`rave import mbox` and `rave import maildir` (issue 17, item 1): mailboxes as mutt,
Thunderbird and Gmail Takeout write them and Maildirs as mbsync and offlineimap keep
them (tests/fixtures/mail/, invented people, each file in its program's layout), through
the real CLI: who wrote to whom, threads and who owes a reply, the note without quotes
or signatures, what is left out and counted, idempotence by Message-ID, who you are,
and refusals with exit 65.

The mail is Sam Rivera's (sam@rivera.example) from March 2025: what the reply lane
shows is asked with ``rave today --as-of`` a few days later."""

from __future__ import annotations

import json
import shutil
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Rave, run_cron
from rave.formats import EXCERPT_CHARS
from rave.formats.mail_body import fresh_lines, html_text, note_of
from rave.formats.mail_headers import addresses

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
MUTT = FIXTURES / "mutt.mbox"  # Sam's inbox, as mutt keeps it
SENT = FIXTURES / "Sent"  # Sam's Sent folder, as Thunderbird keeps it
TAKEOUT = FIXTURES / "takeout.mbox"  # a Gmail Takeout, CRLF line ends
MAILDIR = FIXTURES / "maildir"  # mbsync's Maildir++ layout, flags in file names
ME = "sam@rivera.example"
AS_OF = "2025-03-11T12:00"

PEOPLE = (
    ("Ana Lima", "ana@lima.example.org"),
    ("Bo Chen", "bo.chen@example.net"),
    ("Dana Ruiz", "dana.ruiz@corp.example.com"),
    ("Cy Dee", "cy@example.com"),
    ("Femi Ade", "femi@ade.example.com"),
)


# --------------------------------------------------------------------------- helpers


def people(rave: Rave) -> None:
    """Sam's contacts; Élodie is known by name only (her address is learnt from mail)."""
    for name, address in PEOPLE:
        assert rave("add", name, "--email", address).exit_code == 0
    assert rave("add", "Élodie Martin").exit_code == 0


def imported(rave: Rave, fmt: str, path: Path | str, *args: str) -> dict[str, Any]:
    out = rave("import", fmt, str(path), "--json", *args)
    assert out.exit_code == 0, out
    report: dict[str, Any] = out.json()
    return report


def history(rave: Rave, name: str) -> list[dict[str, Any]]:
    """A contact's interactions, oldest first."""
    shown = rave("show", name, "--json")
    assert shown.exit_code == 0, shown
    return list(reversed(shown.json()["interactions"]))


def stored(rave: Rave) -> dict[str, dict[str, Any]]:
    """Every interaction as stored, by external key, with the names of its people."""
    out = rave("export", "json")
    assert out.exit_code == 0, out
    document = json.loads(out.stdout)
    names = {c["id"]: c["name"] for c in document["contacts"]}
    found = {}
    for item in document["interactions"]:
        item["with"] = sorted(names[cid] for cid in item["contact_ids"])
        found[item["external_key"]] = item
    return found


def handles(contact: dict[str, Any]) -> list[tuple[str, str]]:
    return [(h["channel"], h["value"]) for h in contact["handles"]]


def reply_lane(rave: Rave, as_of: str = AS_OF) -> list[str]:
    out = rave("today", "--as-of", as_of, "--json")
    assert out.exit_code == 0, out
    return sorted(row["name"] for row in out.json() if row["lane"] == "reply")


def maildir_copy(source: Path, target: Path) -> Path:
    """The fixture Maildir as mbsync leaves it: cur/, new/ and tmp/ in every folder (git
    keeps no empty folder)."""
    shutil.copytree(source, target)
    for folder in [target, *[p for p in target.iterdir() if p.name.startswith(".")]]:
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(exist_ok=True)
    return target


def mbox(path: Path, *messages: str, newline: str = "\n") -> Path:
    """An mbox of ``messages`` (each a From_ line and the message), as mutt writes it."""
    text = "".join(m.strip("\n") + "\n\n" for m in messages)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def message(
    sender: str,
    to: str,
    subject: str,
    when: str,
    body: str,
    *,
    mid: str | None = None,
    extra: str = "",
    separator: str = "From someone@example.org Tue Mar 11 10:00:00 2025",
) -> str:
    head = [separator, f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {when}"]
    if mid:
        head.append(f"Message-ID: <{mid}>")
    if extra:
        head.append(extra)
    head += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="UTF-8"']
    return "\n".join(head) + "\n\n" + body


def interactions_count(rave: Rave) -> int:
    return len(stored(rave))


# --------------------------------------------------------------------------- mbox


def test_a_mutt_inbox_logs_each_conversation_once_and_counts_the_rest(rave: Rave) -> None:
    people(rave)
    report = imported(rave, "mbox", MUTT, "--me", ME)
    assert report["interactions_created"] == 5  # Ana ×2, Bo, Élodie, Femi
    assert report["skipped_reasons"] == {
        "mailing list": 1,
        "auto-reply": 1,
        "calendar notification": 1,
        "bulk mail or newsletter": 1,
        "no-reply sender": 1,
        "nobody you know": 1,  # Gus, a stranger
    }
    assert any("Gus Unknown (1)" in w and "--create" in w for w in report["warnings"])
    ana = history(rave, "Ana Lima")
    assert [(i["direction"], i["channel"], i["kind"]) for i in ana] == [("in", "email", "chat")] * 2
    # quoted-printable decoded; the sign-off, the name and the "-- " signature left out
    assert ana[0]["note"] == (
        "Coffee next week? — Hi Sam, Are you free for a coffee next week? "
        "I’d love to hear about the new job."
    )
    # Re: dropped; "On … wrote:" (wrapped over two lines), the quote, the signature gone
    assert ana[1]["note"] == (
        "Coffee next week? — Thursday works. Shall we say 10:00 at the Lomi on rue Marcadet?"
    )
    # base64 text/plain of a multipart/alternative
    assert history(rave, "Bo Chen")[0]["note"].startswith(
        "Intro: Sam <> Dana — Hi Sam, As promised, meet Dana: she runs the data team"
    )
    # Dana was copied on Bo's mail: she did not write to Sam, so nothing is logged with her
    assert history(rave, "Dana Ruiz") == []
    # ISO-8859-1 body, RFC 2047 name and subject; her address learnt from the mail
    elodie = rave("show", "Élodie Martin", "--json").json()
    assert handles(elodie) == [("email", "elodie@example.fr")]
    assert elodie["interactions"][0]["note"] == (
        "Déjeuner à Paris? — Bonjour Sam, Tu es libre pour déjeuner à Paris le 12 ? "
        "Je serai près de l'Opéra."
    )
    # HTML only: text without Gmail's quoted block
    assert history(rave, "Femi Ade")[0]["note"] == (
        "Deck — Hi Sam, Could you review my deck by Friday? It's the one for the seed round."
    )


def test_your_mail_to_several_people_is_one_interaction_with_all_of_them(rave: Rave) -> None:
    people(rave)
    report = imported(rave, "mbox", SENT, "--me", ME)
    assert report["interactions_created"] == 3
    found = stored(rave)
    # To and Cc of a reply-all
    intro = found["mail:9e8d7c6b-intro@rivera.example"]
    assert (intro["direction"], intro["with"]) == ("out", ["Bo Chen", "Dana Ruiz"])
    # Bcc of your own sent mail counts as a recipient
    lunch = found["mail:a1b2c3d4-lunch@rivera.example"]
    assert (lunch["direction"], lunch["with"]) == ("out", ["Ana Lima", "Cy Dee"])
    assert lunch["note"] == "Lunch? — Lunch next week, the three of us?"
    assert all(not i["needs_reply"] for i in found.values())


def test_unanswered_mail_puts_them_in_the_reply_lane_until_you_answer(
    rave: Rave, tmp_path: Path
) -> None:
    people(rave)
    imported(rave, "mbox", MUTT, "--me", ME)
    assert reply_lane(rave) == ["Ana Lima", "Bo Chen", "Femi Ade", "Élodie Martin"]
    # Sam's Sent folder: the reply-all to Bo's introduction answers Bo, the lunch mail
    # Ana was Bcc'd on (7 March) answers her
    imported(rave, "mbox", SENT, "--me", ME)
    assert reply_lane(rave) == ["Femi Ade", "Élodie Martin"]
    # before that lunch mail Ana waited: Sam's first answer came before her last message
    assert reply_lane(rave, "2025-03-06T18:00") == ["Ana Lima", "Élodie Martin"]
    answer = message(
        f"Sam Rivera <{ME}>",
        "Ana Lima <ana@lima.example.org>",
        "Re: Coffee next week?",
        "Tue, 4 Mar 2025 11:00:00 +0100",
        "Perfect, see you there!\n",
        mid="sam-coffee-3@rivera.example",
        extra="In-Reply-To: <CAH7abc002@mail.lima.example.org>",
    )
    imported(rave, "mbox", mbox(tmp_path / "later", answer), "--me", ME)
    assert reply_lane(rave, "2025-03-06T18:00") == ["Élodie Martin"]
    # a replay of the day Ana asked shows her waiting, as she was then
    assert "Ana Lima" in reply_lane(rave, "2025-03-04T09:00")


def test_a_closing_thanks_owes_nothing_and_an_auto_reply_is_not_an_answer(
    rave: Rave, tmp_path: Path
) -> None:
    people(rave)
    question = message(
        "Ana Lima <ana@lima.example.org>",
        f"Sam <{ME}>",
        "Deck",
        "Mon, 10 Mar 2025 09:00:00 +0000",
        "Could you send me the deck?\n",
        mid="q1@lima.example.org",
    )
    answer = message(
        f"Sam <{ME}>",
        "Ana Lima <ana@lima.example.org>",
        "Re: Deck",
        "Mon, 10 Mar 2025 10:00:00 +0000",
        "Here it is.\n",
        mid="a1@rivera.example",
        extra="In-Reply-To: <q1@lima.example.org>",
    )
    thanks = message(
        "Ana Lima <ana@lima.example.org>",
        f"Sam <{ME}>",
        "Re: Deck",
        "Mon, 10 Mar 2025 11:00:00 +0000",
        "Thanks a lot!\n\nAna\n\nOn Mon, 10 Mar 2025, Sam wrote:\n> Here it is.\n",
        mid="t1@lima.example.org",
        extra="References: <q1@lima.example.org> <a1@rivera.example>",
    )
    away = message(
        "Cy Dee <cy@example.com>",
        f"Sam <{ME}>",
        "Out of Office: Re: Lunch",
        "Mon, 10 Mar 2025 12:00:00 +0000",
        "Back on Monday.\n",
        mid="oof@example.com",
    )
    box = mbox(tmp_path / "box", question, answer, thanks, away)
    report = imported(rave, "mbox", box, "--me", ME)
    assert report["skipped_reasons"] == {"auto-reply": 1}
    found = stored(rave)
    assert found["mail:t1@lima.example.org"]["note"] == "Deck — Thanks a lot!"
    assert [
        found[k]["needs_reply"] for k in ("mail:q1@lima.example.org", "mail:t1@lima.example.org")
    ] == [False, False]
    assert reply_lane(rave) == []


def test_threads_without_headers_follow_the_subject_among_the_same_people(
    rave: Rave, tmp_path: Path
) -> None:
    """A client that writes no In-Reply-To: "Re: Dinner" between Ana and Sam continues
    "Dinner", so only its last message waits for an answer; the same subject with
    someone else is another conversation."""
    people(rave)
    ana = "Ana Lima <ana@lima.example.org>"
    first = message(ana, f"Sam <{ME}>", "Dinner", "Mon, 10 Mar 2025 09:00:00 +0000",
                    "Dinner on Friday?\n", mid="d1@lima.example.org")  # fmt: skip
    second = message(ana, f"Sam <{ME}>", "RE: dinner", "Mon, 10 Mar 2025 10:00:00 +0000",
                     "Also: bring the wine?\n", mid="d2@lima.example.org")  # fmt: skip
    bo = message("Bo Chen <bo.chen@example.net>", f"Sam <{ME}>", "Re: Dinner",
                 "Mon, 10 Mar 2025 11:00:00 +0000", "Me too?\n", mid="d3@example.net")  # fmt: skip
    notice = message(
        ana,
        f"Sam <{ME}>",
        "Accepted: Dinner @ Fri Mar 14, 2025 8pm - 10pm (CET) (sam@rivera.example)",
        "Mon, 10 Mar 2025 12:00:00 +0000",
        "Ana Lima has accepted this invitation.\n",
        mid="cal@google.com",
        extra="Sender: Google Calendar <calendar-notification@google.com>",
    )
    report = imported(rave, "mbox", mbox(tmp_path / "box", first, second, bo, notice), "--me", ME)
    assert report["skipped_reasons"] == {"calendar notification": 1}
    found = stored(rave)
    assert [found[f"mail:{k}"]["needs_reply"] for k in ("d1@lima.example.org",
            "d2@lima.example.org", "d3@example.net")] == [False, True, True]  # fmt: skip


def test_a_gmail_takeout_reads_labels_threads_and_copies(rave: Rave) -> None:
    people(rave)
    report = imported(rave, "mbox", TAKEOUT, "--me", ME)
    assert report["interactions_created"] == 4
    assert report["skipped_reasons"] == {
        "another copy of the same message": 1,  # the same Message-ID under another label
        "spam or trash": 2,
        "draft": 1,
        "bulk mail or newsletter": 1,  # Category Promotions
        "chat transcript (Gmail label Chat)": 1,
    }
    found = stored(rave)
    # the thread (X-GM-THRID, no In-Reply-To) ends with Ana's "Thanks a lot!": nobody owes
    slides = [found[f"mail:{k}"] for k in ("cah7slides01@mail.lima.example.org",
                                           "casam-slides02@mail.gmail.com",
                                           "cah7slides03@mail.lima.example.org")]  # fmt: skip
    assert [(s["direction"], s["needs_reply"]) for s in slides] == [
        ("in", False),
        ("out", False),
        ("in", False),
    ]
    # a message without Message-ID gets a key from its sender, date and subject
    (hashed,) = [k for k in found if k.startswith("mail:sha256:")]
    assert found[hashed]["with"] == ["Bo Chen"] and found[hashed]["needs_reply"] is True
    again = imported(rave, "mbox", TAKEOUT, "--me", ME)
    assert again["interactions_created"] == 0 and again["already_present"] == 4
    assert set(stored(rave)) == set(found)
    assert reply_lane(rave, "2025-03-13") == ["Bo Chen"]


def test_separators_crlf_and_escaped_from_lines(rave: Rave, tmp_path: Path) -> None:
    """A "From " line inside a body (not a separator: no date after it, no header after
    it) does not cut the message; mboxrd's ">From " loses one ">"; CRLF line ends."""
    people(rave)
    first = message(
        "Ana Lima <ana@lima.example.org>",
        f"Sam <{ME}>",
        "Plan",
        "Mon, 10 Mar 2025 09:00:00 +0000",
        ">From the top: shall we?\n\nFrom what I hear it works.\nYes.\n",
        mid="p1@lima.example.org",
    )
    second = message(
        "Bo Chen <bo.chen@example.net>",
        f"Sam <{ME}>",
        "Other",
        "Mon, 10 Mar 2025 10:00:00 +0000",
        "Hello?\n",
        mid="p2@example.net",
        separator="From bo.chen@example.net  Mon Mar 10 10:00:00 2025",
    )
    path = mbox(tmp_path / "crlf.mbox", first, second, newline="\r\n")
    report = imported(rave, "mbox", path, "--me", ME)
    assert report["interactions_created"] == 2 and report["skipped"] == 0
    assert stored(rave)["mail:p1@lima.example.org"]["note"] == (
        "Plan — From the top: shall we? From what I hear it works. Yes."
    )


# --------------------------------------------------------------------------- Maildir


def test_a_maildir_with_sent_drafts_junk_and_trash(rave: Rave, tmp_path: Path) -> None:
    people(rave)
    folder = maildir_copy(MAILDIR, tmp_path / "Mail")
    report = imported(rave, "maildir", folder, "--me", ME)
    assert report["interactions_created"] == 4
    assert report["skipped_reasons"] == {"draft": 1, "spam or trash": 2}
    found = stored(rave)
    # .Sent/ holds Sam's answer
    answer = found["mail:sam-quick02@rivera.example"]
    assert (answer["direction"], answer["with"]) == ("out", ["Ana Lima"])
    assert (
        answer["note"] == "Quick question — Yes, I'll forward it tonight."
    )  # mutt's "* Ana … [date]:"
    # Outlook: "Ruiz, Dana" is Dana Ruiz; the "From: … Sent: …" block is not the note
    dana = found["mail:am6pr05mb1234abcd@am6pr05mb1234.eurprd05.prod.outlook.com"]
    assert (
        dana["with"] == ["Dana Ruiz"]
        and dana["note"] == "Intro: Sam <> Dana — Perfect, thanks a lot!"
    )
    assert dana["needs_reply"] is False  # a closing thanks
    # new/ (unseen), quoted-printable, "Sent from my iPhone" left out
    cy = found["mail:cacy-book01@mail.example.com"]
    assert cy["needs_reply"] is True and "iPhone" not in cy["note"]
    assert reply_lane(rave) == ["Cy Dee"]
    again = imported(rave, "maildir", folder, "--me", ME)
    assert again["interactions_created"] == 0 and again["already_present"] == 4


def test_a_message_marked_answered_owes_nothing(rave: Rave, tmp_path: Path) -> None:
    """Maildir's R flag: answered from another program or account, even when the answer
    is not in this Maildir."""
    people(rave)
    folder = maildir_copy(MAILDIR, tmp_path / "Mail")
    shutil.rmtree(folder / ".Sent")
    imported(rave, "maildir", folder, "--me", ME)
    quick = stored(rave)["mail:cah7quick01@mail.lima.example.org"]
    assert quick["needs_reply"] is False
    assert reply_lane(rave) == ["Cy Dee"]


def test_only_mail_addressed_to_you_owes_a_reply(rave: Rave, tmp_path: Path) -> None:
    """Copied (Cc), or sent to a list or an alias you are on: logged, but nobody waits for
    your answer; the same question in To does wait."""
    people(rave)
    path = mbox(
        tmp_path / "inbox",
        message(
            "Ana Lima <ana@lima.example.org>",
            "all@corp.example.com",
            "Office closed Friday",
            "Mon, 10 Mar 2025 09:00:00 +0000",
            "Could everyone confirm they saw this?",
            mid="alias@lima",
        ),
        message(
            "Bo Chen <bo.chen@example.net>",
            "Dana Ruiz <dana.ruiz@corp.example.com>",
            "Budget",
            "Mon, 10 Mar 2025 10:00:00 +0000",
            "Dana, can you send the figures?",
            mid="cc@chen",
            extra=f"Cc: Sam Rivera <{ME}>",
        ),
        message(
            "Cy Dee <cy@example.com>",
            f"Sam Rivera <{ME}>",
            "Lunch?",
            "Mon, 10 Mar 2025 11:00:00 +0000",
            "Are you free on Thursday?",
            mid="to@dee",
        ),
    )
    report = imported(rave, "mbox", path, "--me", ME)
    assert report["interactions_created"] == 3
    owed = {key: item["needs_reply"] for key, item in stored(rave).items()}
    assert owed == {"mail:alias@lima": False, "mail:cc@chen": False, "mail:to@dee": True}
    assert reply_lane(rave) == ["Cy Dee"]


def test_a_folder_of_maildirs_as_offlineimap_keeps_them(rave: Rave, tmp_path: Path) -> None:
    """~/Mail/account/INBOX and ~/Mail/account/[Gmail].Sent Mail: one import of the
    account folder reads both, the sent mail is Sam's."""
    people(rave)
    account = tmp_path / "Mail" / "rivera"
    inbox = account / "INBOX"
    sent = account / "[Gmail].Sent Mail"
    for folder in (inbox, sent):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
    for name in ("1741340000.31338_2.laptop,U=102:2,RS", "1741338000.31337_1.laptop,U=101:2,S"):
        shutil.copy(MAILDIR / "cur" / name, inbox / "cur" / name.replace(":2,RS", ":2,S"))
    shutil.copy(
        MAILDIR / ".Sent" / "cur" / "1741341000.31339_3.laptop,U=12:2,S",
        sent / "cur" / "1741341000_0.4242.laptop,U=12,FMD5=0f1e2d3c:2,S",
    )
    # no --me: Sam is the address in every message
    report = imported(rave, "maildir", tmp_path / "Mail")
    assert report["interactions_created"] == 3
    assert any("took Sam Rivera <sam@rivera.example> as you" in w for w in report["warnings"])
    found = stored(rave)
    assert found["mail:sam-quick02@rivera.example"]["direction"] == "out"
    assert found["mail:cah7quick01@mail.lima.example.org"]["needs_reply"] is False  # answered


def test_the_same_message_in_an_mbox_and_a_maildir_is_one_interaction(
    rave: Rave, tmp_path: Path
) -> None:
    people(rave)
    imported(rave, "mbox", MUTT, "--me", ME)
    raw = MUTT.read_bytes().split(b"\nFrom ana@lima.example.org Tue")[0]
    folder = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    # the same message as a Maildir keeps it: no From_ line
    (folder / "cur" / "1740989564.1_1.laptop:2,S").write_bytes(raw.split(b"\n", 1)[1])
    report = imported(rave, "maildir", folder, "--me", ME)
    assert report["interactions_created"] == 0 and report["already_present"] == 1


def test_the_installed_script_imports_a_maildir_as_cron_runs_it(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    people(rave)
    folder = maildir_copy(MAILDIR, tmp_path / "Mail")
    (rave_home / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n', encoding="utf-8")
    done = run_cron(rave_home, "import", "maildir", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["interactions_created"] == 4 and report["warnings"] == []
    assert done.stderr == ""


# --------------------------------------------------------------------------- options


def test_since_dry_run_and_create(rave: Rave, rave_home: Path) -> None:
    people(rave)
    before = rave("export", "json").stdout
    dry = imported(rave, "mbox", MUTT, "--me", ME, "--dry-run")
    assert dry["dry_run"] is True and dry["interactions_created"] == 5
    assert rave("export", "json").stdout == before
    report = imported(rave, "mbox", MUTT, "--me", ME, "--since", "2025-03-06")
    assert report["skipped_reasons"]["before --since"] == 3  # Ana ×2, Bo
    assert report["interactions_created"] == 2  # Élodie, Femi (Gus is nobody Sam knows)
    created = imported(rave, "mbox", MUTT, "--me", ME, "--create")
    assert created["contacts_created"] == 1 and created["already_present"] == 2
    gus = rave("show", "Gus Unknown", "--json").json()
    assert gus["tier"] == "none"
    assert handles(gus) == [("email", "gus@example.org")]
    # nobody of the mail nobody answers became a contact, nor Sam
    assert rave("show", "Example Bank").exit_code != 0
    assert rave("show", "Sam Rivera").exit_code != 0


# --------------------------------------------------------------------------- who you are


def test_who_you_are_is_guessed_with_a_warning_or_refused(rave: Rave, tmp_path: Path) -> None:
    people(rave)
    report = imported(rave, "mbox", MUTT)
    assert report["warnings"][0].startswith("took sam@rivera.example as you: the address in")
    one = message(
        "Ana Lima <ana@lima.example.org>",
        f"Sam <{ME}>",
        "Hello",
        "Mon, 10 Mar 2025 09:00:00 +0000",
        "Hi!\n",
        mid="one@lima.example.org",
    )
    path = mbox(tmp_path / "one.mbox", one)
    out = rave("import", "mbox", str(path))
    assert out.exit_code == 65
    assert "cannot tell which address is you" in out.stderr
    assert "--me you@example.com" in out.stderr and "nothing was written" in out.stderr
    assert "mail:one@lima.example.org" not in stored(rave)
    # --me settles it; so does [me] in config.toml
    assert imported(rave, "mbox", path, "--me", ME)["interactions_created"] == 1
    assert stored(rave)["mail:one@lima.example.org"]["direction"] == "in"


def test_me_from_config_and_your_other_address_in_a_sent_folder(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    people(rave)
    (rave_home / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n', encoding="utf-8")
    alias = message(
        "Sam Rivera <sam.rivera@old.example>",
        "Ana Lima <ana@lima.example.org>",
        "From my old address",
        "Mon, 10 Mar 2025 09:00:00 +0000",
        "Hi Ana!\n",
        mid="alias@old.example",
    )
    folder = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"):
        (folder / sub).mkdir(parents=True)
    raw = alias.split("\n", 1)[1].encode()
    (folder / ".Sent" / "cur" / "1741597200.1_1.laptop:2,S").write_bytes(raw)
    inbound = message(
        "Bo Chen <bo.chen@example.net>",
        f"Sam <{ME}>",
        "Hi",
        "Mon, 10 Mar 2025 10:00:00 +0000",
        "Are you around?\n",
        mid="hi@example.net",
    )
    (folder / "new" / "1741600800.2_2.laptop").write_bytes(inbound.split("\n", 1)[1].encode())
    report = imported(rave, "maildir", folder)
    assert report["interactions_created"] == 2
    assert any("sam.rivera@old.example" in w and "[me]" in w for w in report["warnings"])
    found = stored(rave)
    assert found["mail:alias@old.example"]["direction"] == "out"
    assert found["mail:hi@example.net"]["direction"] == "in"


# --------------------------------------------------------------------------- bad data


@pytest.mark.parametrize(
    ("content", "line", "says"),
    [
        (b"", None, "the file is empty"),
        (b"BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEND:VCARD\n", 1, "looks like a vCard file"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", 1, "rave import ics FILE"),
        (b"Return-Path: <a@b.c>\nFrom: a@b.c\n\nhi\n", 1, "this is one message"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", 1, "gzip"),
        (b"\n\nhello there\n", 3, 'starts with a "From " line'),
        (
            b"From a@b.c Mon Mar 10 09:00:00 2025\nFrom: a@b.c\nDate: Mon, 10 Mar 2025\n\nhi\n\n"
            b"From x@y.z Mon Mar 10 10:00:00 2025\nFrom: x@y\x00\x01.z\n\nbody\n",
            8,
            "binary data",
        ),
        (
            b"From a@b.c Mon Mar 10 09:00:00 2025\nthis is not a header\n\nhi\n",
            2,
            "no mail headers",
        ),
    ],
    ids=["empty", "vcard", "ics", "one-message", "gzip", "no-separator", "binary", "no-headers"],
)
def test_a_file_that_is_no_mbox_is_exit_65_with_file_and_line(
    rave: Rave, tmp_path: Path, content: bytes, line: int | None, says: str
) -> None:
    people(rave)
    path = tmp_path / "box.mbox"
    # a good message first where the case allows it: nothing of it may be written
    path.write_bytes(content)
    out = rave("import", "mbox", str(path), "--me", ME)
    assert out.exit_code == 65, out
    where = f"{path}:{line}:" if line is not None else f"{path}:"
    assert where in out.stderr and says in out.stderr
    assert "nothing was written" in out.stderr
    assert stored(rave) == {}


def test_a_folder_that_is_no_maildir_is_refused(rave: Rave, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    (folder / "2025").mkdir(parents=True)
    (folder / "2025" / "todo.txt").write_text("buy milk\n", encoding="utf-8")
    out = rave("import", "maildir", str(folder), "--me", ME)
    assert out.exit_code == 65, out
    assert f"{folder}: not a Maildir" in out.stderr and "cur/" in out.stderr
    # an mbox file given as a Maildir: the wrong kind of argument (exit 2), and which to use
    out = rave("import", "maildir", str(MUTT), "--me", ME)
    assert out.exit_code == 2, out
    assert f"{MUTT} is a file" in out.stderr and "rave import mbox FILE" in out.stderr


def test_a_damaged_maildir_message_names_its_file(rave: Rave, tmp_path: Path) -> None:
    folder = maildir_copy(MAILDIR, tmp_path / "Mail")
    bad = folder / "cur" / "1741400000.9_9.laptop:2,S"
    bad.write_bytes(b"\x00\x01\x02 garbage \xff\xfe\n\nrest")
    out = rave("import", "maildir", str(folder), "--me", ME)
    assert out.exit_code == 65, out
    assert f"{bad}:1:" in out.stderr


def test_a_message_without_a_usable_date_is_skipped_not_fatal(rave: Rave, tmp_path: Path) -> None:
    people(rave)
    folder = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    undated = message(
        "Ana Lima <ana@lima.example.org>",
        f"Sam <{ME}>",
        "When?",
        "the day after tomorrow",
        "Hi\n",
        mid="undated@lima.example.org",
    )
    (folder / "cur" / "undated-message:2,S").write_bytes(undated.split("\n", 1)[1].encode())
    dated = message(
        "Ana Lima <ana@lima.example.org>",
        f"Sam <{ME}>",
        "Old style",
        "10 Mar 25 09:00 EST",  # RFC 822's two-digit year and zone name
        "Hi\n",
        mid="dated@lima.example.org",
    )
    (folder / "cur" / "dated-message:2,S").write_bytes(dated.split("\n", 1)[1].encode())
    received = message(
        "Ana Lima <ana@lima.example.org>",
        f"Sam <{ME}>",
        "No date header",
        "",
        "Hi\n",
        mid="received@lima.example.org",
        extra="Received: from mail.lima.example.org by mx.rivera.example\n"
        "\tfor <sam@rivera.example>; Tue, 11 Mar 2025 08:00:05 +0100 (CET)",
    ).replace("Date: \n", "")
    (folder / "cur" / "received-message:2,S").write_bytes(received.split("\n", 1)[1].encode())
    report = imported(rave, "maildir", folder, "--me", ME)
    assert report["skipped_reasons"] == {"no usable date": 1}
    found = stored(rave)
    assert found["mail:dated@lima.example.org"]["when"] == "2025-03-10T14:00:00Z"
    assert found["mail:received@lima.example.org"]["when"] == "2025-03-11T07:00:05Z"
    # in an mbox, a message without Date is dated by its From_ line
    undated_mbox = message(
        "Bo Chen <bo.chen@example.net>",
        f"Sam <{ME}>",
        "Hi",
        "",
        "Hi\n",
        mid="fromline@example.net",
        separator="From bo.chen@example.net Wed Mar 12 16:30:00 2025",
    ).replace("Date: \n", "")
    imported(rave, "mbox", mbox(tmp_path / "box", undated_mbox), "--me", ME)
    assert stored(rave)["mail:fromline@example.net"]["when"] == "2025-03-12T16:30:00Z"


# --------------------------------------------------------------------------- the note


@pytest.mark.parametrize(
    ("text", "fresh"),
    [
        (
            "Sounds good.\n\n-----Original Message-----\nFrom: Sam\nSent: Monday\n\nOld text",
            ["Sounds good."],
        ),
        (
            "Sure.\n\nFrom: Sam Rivera <sam@rivera.example>\nSent: Monday, March 3, 2025\n"
            "To: Ana\nSubject: Re: x\n\nOld text",
            ["Sure."],
        ),
        (
            "Ja, gerne.\n\nAm Mo., 3. März 2025 um 09:00 Uhr schrieb Sam Rivera <\n"
            "sam@rivera.example>:\n> Kaffee?\n",
            ["Ja, gerne."],
        ),
        ("Inline:\n> question one?\nAnswer one.\n> question two?\nAnswer two.", None),
        ("Deal.\n\nCheers,\nAna\nProduct lead\n", ["Deal."]),
        ("Call me.\n--\nAna Lima\n+33 6 12\n", ["Call me."]),
        ("On it.\n\nSent from my iPhone\n", ["On it."]),
        ("Thanks,\nAna\n", ["Thanks,"]),
    ],
)
def test_fresh_lines_leave_out_quotes_and_signatures(text: str, fresh: list[str] | None) -> None:
    lines = [line for line in fresh_lines(text, ["Ana Lima"]) if line]
    if fresh is None:
        assert lines == ["Inline:", "Answer one.", "Answer two."]
    else:
        assert lines == fresh


def test_html_text_cuts_outlook_and_thunderbird_quotes() -> None:
    outlook = (
        "<html><head><style>p{margin:0}</style></head><body><p>See you then.</p>"
        '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Sam</div>'
        "</body></html>"
    )
    assert [x for x in fresh_lines(html_text(outlook)) if x.strip()] == ["See you then."]
    thunderbird = (
        '<p>Yes &amp; no.</p><div class="moz-cite-prefix">On 3/3/25 Ana wrote:<br></div>'
        "<blockquote>Question?</blockquote>"
    )
    assert [x for x in fresh_lines(html_text(thunderbird)) if x.strip()] == ["Yes & no."]


_words = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
    min_size=0,
    max_size=400,
)


@settings(max_examples=200, deadline=None)
@given(subject=_words, body=st.lists(_words, max_size=30), quoted=st.lists(_words, max_size=5))
def test_a_note_is_short_and_never_holds_a_quoted_line(
    subject: str, body: list[str], quoted: list[str]
) -> None:
    marked = [f"> QUOTED{i} {q}" for i, q in enumerate(quoted)]
    text = "\n".join([*body, *marked])
    lines = fresh_lines(text)
    assert not any(line.lstrip().startswith(">") for line in lines)
    note = note_of(subject, " ".join(lines))
    assert note is None or len(note) <= EXCERPT_CHARS
    assert note is None or "QUOTED" not in note or any("QUOTED" in b for b in [*body, subject])


_local = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,12}", fullmatch=True)
_domain = st.from_regex(r"[a-z0-9]{1,10}\.(org|net|example)", fullmatch=True)
_name = st.one_of(
    st.just(""),
    st.from_regex(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .'-]{0,20}", fullmatch=True),
    st.from_regex(r"\"[A-Za-z ,.]{1,20}\"", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_name, _local, _domain), min_size=1, max_size=5))
def test_address_lists_read_as_the_email_package_reads_them(
    items: list[tuple[str, str, str]],
) -> None:
    parts = [f"{n} <{u}@{d}>" if n else f"{u}@{d}" for n, u, d in items]
    header = ", ".join(parts)
    expected = [(" ".join(n.split()), a) for n, a in getaddresses([header]) if (n, a) != ("", "")]
    assert addresses(header) == expected  # names compared with whitespace collapsed


def test_a_maildir_folder_that_cannot_be_read_is_named_not_skipped(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, whom permissions do not stop: the refusal is made by the OS
    call itself. A cur/ that cannot be listed stops the import (exit 1, nothing
    written) rather than leaving its mail out while the report says all went well."""
    import os

    from rave.formats import mail_files

    people(rave)
    folder = maildir_copy(MAILDIR, tmp_path / "Mail")
    real = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith(os.sep + ".Sent" + os.sep + "cur"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[call-overload]

    monkeypatch.setattr(mail_files.os, "scandir", scandir)
    out = rave("import", "maildir", str(folder), "--me", ME)
    assert out.exit_code == 1, out
    assert f"cannot read {folder / '.Sent' / 'cur'}: Permission denied" in out.stderr
    assert interactions_count(rave) == 0
