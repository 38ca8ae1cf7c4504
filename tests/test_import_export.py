"""`rave import` and `rave export` end to end: real files the way each service writes
them, one transaction per import, idempotence, dry runs, atomic private exports."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import Rave

FIXTURES = Path(__file__).parent / "fixtures"


def names(rave: Rave) -> list[str]:
    return sorted(c["name"] for c in rave("list", "--json").json())


def snapshot(rave: Rave) -> str:
    out = rave("export", "json")
    assert out.exit_code == 0, out
    return out.stdout


def handles(shown: dict[str, Any]) -> list[tuple[str, str]]:
    """A `rave show --json` contact's handles as (channel, value) pairs."""
    return [(h["channel"], h["value"]) for h in shown["handles"]]


def test_linkedin_connections(rave: Rave) -> None:
    out = rave("import", "linkedin", str(FIXTURES / "linkedin" / "Connections.csv"), "--json")
    assert out.exit_code == 0, out
    report = out.json()
    assert set(report) >= {
        "format",
        "file",
        "contacts_created",
        "contacts_updated",
        "interactions_created",
        "skipped",
        "dry_run",
    }
    assert (report["contacts_created"], report["skipped"], report["dry_run"]) == (4, 2, False)
    assert names(rave) == ["Nora Moretti", "Priya Patel", "Sam O'Neil", "Zoë Brandt"]
    nora = rave("show", "Nora", "--json").json()
    assert nora["tier"] == "none"  # imports are not targets until you say so
    assert nora["company"] == "Moretti, Rossi & Partners"
    assert nora["title"] == "Head of Design, EMEA"
    assert nora["met"] == "connected on LinkedIn 2021-04-02"
    assert ("linkedin", "https://linkedin.com/in/nora-moretti") in handles(nora)
    priya = rave("show", "Priya", "--json").json()
    assert ("email", "priya@example.com") in handles(priya)
    assert ("linkedin", "https://linkedin.com/in/priya-patel-42") in handles(priya)
    # the profile URL finds them now
    assert rave("show", "https://www.linkedin.com/in/sam-oneil/").exit_code == 0


def test_reimport_changes_nothing(rave: Rave) -> None:
    files = [
        ("linkedin", FIXTURES / "linkedin" / "Connections.csv"),
        ("linkedin-messages", FIXTURES / "linkedin" / "messages.csv"),
        ("vcard", FIXTURES / "vcard" / "contacts_3.0.vcf"),
        ("vcard", FIXTURES / "vcard" / "phone_2.1.vcf"),
        ("google", FIXTURES / "google" / "contacts.csv"),
        ("google", FIXTURES / "google" / "legacy_utf16.csv"),
        ("outlook", FIXTURES / "outlook" / "outlook_desktop.csv"),
        ("outlook", FIXTURES / "outlook" / "google_outlook.csv"),
        ("vcard", FIXTURES / "vcard" / "android_nameless.vcf"),
        ("vcard", FIXTURES / "vcard" / "ios_crcrlf.vcf"),
    ]
    for fmt, path in files:
        assert rave("import", fmt, str(path)).exit_code == 0
    before = snapshot(rave)
    for fmt, path in files:
        again = rave("import", fmt, str(path), "--json").json()
        assert again["contacts_created"] == 0, (fmt, path)
        assert again["contacts_updated"] == 0, (fmt, path)
        assert again["interactions_created"] == 0, (fmt, path)
    assert snapshot(rave) == before


def test_a_name_of_combining_marks_only_survives_export_and_reimport(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # U+0657 alone: a name that folds to nothing (found by the fuzz test)
    connections = tmp_path / "Connections.csv"
    connections.write_bytes(
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\xd9\x97"
    )
    assert rave("import", "linkedin", str(connections)).exit_code == 0
    assert rave("import", "linkedin", str(connections), "--json").json()["contacts_created"] == 0
    document = tmp_path / "all.json"
    assert rave("export", "json", "-o", str(document)).exit_code == 0
    monkeypatch.setenv("RAVE_HOME", str(tmp_path / "elsewhere"))
    again = rave("import", "json", str(document))
    assert again.exit_code == 0, again.output
    assert names(rave) == ["\u0657"]


def test_matching_updates_instead_of_duplicating(rave: Rave) -> None:
    rave("add", "Priya P.", "--email", "priya@example.com", "--tier", "A")
    report = rave(
        "import", "linkedin", str(FIXTURES / "linkedin" / "Connections.csv"), "--json"
    ).json()
    assert (report["contacts_created"], report["contacts_updated"]) == (3, 1)
    priya = rave("show", "priya", "--json").json()
    assert priya["name"] == "Priya P." and priya["tier"] == "A"  # your choices stay
    assert priya["company"] == "Figma, Inc."


def test_bad_row_at_the_end_leaves_the_store_as_it_was(rave: Rave, tmp_path: Path) -> None:
    rave("add", "Existing Person", "--tier", "B")
    before = snapshot(rave)
    out = rave("import", "linkedin", str(FIXTURES / "linkedin" / "Connections_bad_date.csv"))
    assert out.exit_code == 65
    assert "Connections_bad_date.csv:6" in out.stderr and "nothing was written" in out.stderr
    assert snapshot(rave) == before


def test_dry_run_writes_nothing(rave: Rave, rave_home: Path) -> None:
    out = rave(
        "import", "linkedin", str(FIXTURES / "linkedin" / "Connections.csv"), "--dry-run", "--json"
    )
    assert out.json()["contacts_created"] == 4 and out.json()["dry_run"] is True
    assert not (rave_home / "rave.db").exists()
    rave("add", "Someone")
    before = snapshot(rave)
    human = rave("import", "vcard", str(FIXTURES / "vcard" / "contacts_3.0.vcf"), "--dry-run")
    assert human.exit_code == 0 and "Would import" in human.stdout
    assert snapshot(rave) == before


def test_tier_and_tag_options(rave: Rave) -> None:
    rave(
        "import",
        "linkedin",
        str(FIXTURES / "linkedin" / "Connections.csv"),
        "--tier",
        "C",
        "--tag",
        "LinkedIn 2024",
    )
    rows = rave("list", "--json").json()
    assert {r["tier"] for r in rows} == {"C"}
    assert all(r["tags"] == ["linkedin 2024"] for r in rows)


def _messages_file(path: Path, now: datetime) -> Path:
    fresh = (now - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S UTC")
    older = (now - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S UTC")
    ancient = (now - timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S UTC")
    me = "https://www.linkedin.com/in/me-myself"
    rows = [
        [
            "c1",
            "",
            "Ana Lima",
            "https://www.linkedin.com/in/ana-lima",
            "Me Myself",
            me,
            fresh,
            "",
            'Hi! Could you look at my deck,\nthe one with "numbers"?',
            "INBOX",
            "",
        ],
        [
            "c1",
            "",
            "Me Myself",
            me,
            "Ana Lima",
            "https://www.linkedin.com/in/ana-lima",
            older,
            "",
            "Congrats on the launch!",
            "INBOX",
            "",
        ],
        [
            "c2",
            "",
            "Bo Chen",
            "https://www.linkedin.com/in/bo-chen",
            "Me Myself",
            me,
            ancient,
            "",
            "<p>Old question</p>",
            "INBOX",
            "",
        ],
        [
            "c3",
            "",
            "Me Myself",
            me,
            "Bo Chen, Cy Dee",
            "https://www.linkedin.com/in/bo-chen, https://www.linkedin.com/in/cy-dee",
            older,
            "",
            "Group hello",
            "INBOX",
            "",
        ],
        [
            "c4",
            "",
            "Me Myself",
            me,
            "Ana Lima",
            "https://www.linkedin.com/in/ana-lima",
            ancient,
            "",
            "First hello",
            "INBOX",
            "",
        ],
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "CONVERSATION ID",
            "CONVERSATION TITLE",
            "FROM",
            "SENDER PROFILE URL",
            "TO",
            "RECIPIENT PROFILE URLS",
            "DATE",
            "SUBJECT",
            "CONTENT",
            "FOLDER",
            "ATTACHMENTS",
        ]
    )
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_linkedin_messages_show_who_is_waiting(rave: Rave, tmp_path: Path) -> None:
    rave("import", "linkedin", str(FIXTURES / "linkedin" / "Connections.csv"))
    now = datetime.now(UTC)
    path = _messages_file(tmp_path / "messages.csv", now)
    report = rave("import", "linkedin-messages", str(path), "--json").json()
    assert report["interactions_created"] == 5
    assert report["contacts_created"] == 3  # Ana, Bo, Cy (the owner is not a contact)
    ana = rave("show", "Ana Lima", "--json").json()
    kinds = [(i["direction"], i["channel"], i["kind"]) for i in ana["interactions"]]
    assert kinds[0] == ("in", "linkedin", "chat") and ana["interactions"][0]["needs_reply"] is True
    assert 'the one with "numbers"' in ana["interactions"][0]["note"]
    bo = rave("show", "Bo Chen", "--json").json()
    old = [i for i in bo["interactions"] if i["direction"] == "in"]
    assert old and old[0]["needs_reply"] is False  # your group hello answered it since
    assert old[0]["note"] == "Old question"  # HTML removed
    group = next(i for i in bo["interactions"] if i["direction"] == "out")
    assert group["with"] == ["Cy Dee"]
    today = rave("today", "--json").json()
    assert [(i["name"], i["lane"]) for i in today] == [("Ana Lima", "reply")]
    again = rave("import", "linkedin-messages", str(path), "--json").json()
    assert again["interactions_created"] == 0 and again["already_present"] == 5
    # what is owed comes from the conversation, never from the clock at import time: a
    # replay of the day after Bo's question shows it waiting, as it did then
    then = (now - timedelta(days=399)).strftime("%Y-%m-%dT%H:%M")
    replay = rave("today", "--as-of", then, "--json").json()
    assert [(i["name"], i["lane"], i["talking_point"]) for i in replay] == [
        ("Bo Chen", "reply", "Old question")
    ]


def test_imported_messages_that_only_thank_owe_nothing(rave: Rave, tmp_path: Path) -> None:
    me = "https://www.linkedin.com/in/me-myself"
    ana = "https://www.linkedin.com/in/ana-lima"
    day = datetime.now(UTC) - timedelta(days=5)

    def row(n: int, sender: str, text: str) -> list[str]:
        mine = sender == "me"
        when = (day + timedelta(hours=n)).strftime("%Y-%m-%d %H:%M:%S UTC")
        return [
            "c1", "", "Me Myself" if mine else "Ana Lima", me if mine else ana,
            "Ana Lima" if mine else "Me Myself", ana if mine else me, when, "", text, "INBOX",
        ]  # fmt: skip

    header = "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
    header += "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER"
    rows = [
        row(0, "ana", "Could you send me the deck?"),
        row(1, "me", "Here it is!"),
        row(2, "ana", "Thanks a lot 🙏"),
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path / "messages.csv"
    path.write_text(header + "\n" + buffer.getvalue(), encoding="utf-8")
    assert rave("import", "linkedin-messages", str(path), "--me", me).exit_code == 0
    notes = [
        (i["note"], i["needs_reply"]) for i in rave("show", "Ana", "--json").json()["interactions"]
    ]
    assert notes == [
        ("Thanks a lot 🙏", False),  # the thread ends with their thanks: nothing owed
        ("Here it is!", False),
        ("Could you send me the deck?", False),  # answered
    ]
    assert rave("today", "--json").json() == []


def test_vcard_and_google_imports(rave: Rave) -> None:
    assert rave("import", "vcard", str(FIXTURES / "vcard" / "phone_2.1.vcf")).exit_code == 0
    assert "Zoë Müller" in names(rave)
    out = rave("import", "google", str(FIXTURES / "google" / "legacy_utf16.csv"), "--json")
    assert out.exit_code == 0 and out.json()["encoding"].startswith("utf-16")
    cp = rave("import", "google", str(FIXTURES / "google" / "cp1252.csv"))
    assert cp.exit_code == 0 and "cp1252" in cp.stderr


@pytest.mark.parametrize(
    ("fmt", "path"),
    [
        ("vcard", FIXTURES / "google" / "contacts.csv"),
        ("json", FIXTURES / "vcard" / "contacts_3.0.vcf"),
        ("csv", FIXTURES / "linkedin" / "Connections.csv"),
        ("google", FIXTURES / "linkedin" / "Connections_2020.csv"),
    ],
)
def test_bad_files_are_exit_65_and_change_nothing(rave: Rave, fmt: str, path: Path) -> None:
    rave("add", "Keep Me")
    before = snapshot(rave)
    out = rave("import", fmt, str(path))
    assert out.exit_code == 65, out
    assert path.name in out.stderr
    assert snapshot(rave) == before


def test_usage_errors(rave: Rave, tmp_path: Path) -> None:
    assert rave("import", "myspace", str(FIXTURES / "linkedin" / "Connections.csv")).exit_code == 2
    assert rave("import", "linkedin", str(tmp_path / "missing.csv")).exit_code == 2
    assert rave("export", "pdf").exit_code == 2


def _store(rave: Rave) -> None:
    rave(
        "add",
        "Ana Pérez",
        "--tier",
        "B",
        "--email",
        "ana@example.com",
        "--alias",
        "Anita",
        "--tag",
        "client",
        "--why",
        "=SUM(A1)",
        "--company",
        "+Acme",
        "--cadence",
        "21",
    )
    rave("add", "Bob", "--tier", "A", "--handle", "linkedin=linkedin.com/in/bob")
    rave(
        "log", "Ana", "Bob", "-k", "engage", "-c", "irl", "-w", "2026-01-05T10:00Z", "-n", "dinner"
    )
    rave("log", "Ana", "--in", "-w", "3d", "--follow-up", "send deck", "--due", "2030-01-01")
    rave("note", "Ana", "likes jazz")
    rave("post", "Our pricing lessons", "--url", "https://example.com/p")
    rave("snooze", "Bob", "2030-02-01")


def test_json_round_trip_is_identical(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(rave)
    first = tmp_path / "first.json"
    assert rave("export", "json", "-o", str(first)).exit_code == 0
    document = json.loads(first.read_text())
    assert document["format"] == "rave" and document["version"] == 3
    monkeypatch.setenv("RAVE_HOME", str(tmp_path / "elsewhere"))
    assert rave("import", "json", str(first)).exit_code == 0
    assert rave("export", "json").stdout == first.read_text()
    again = rave("import", "json", str(first), "--json").json()
    assert again["contacts_created"] == again["interactions_created"] == 0


def test_csv_export_guards_formulas_and_round_trips(
    rave: Rave, tmp_path: Path, monkeypatch
) -> None:
    _store(rave)
    out = tmp_path / "contacts.csv"
    assert rave("export", "csv", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "'=SUM(A1)" in text and "'+Acme" in text
    monkeypatch.setenv("RAVE_HOME", str(tmp_path / "other"))
    assert rave("import", "csv", str(out)).exit_code == 0
    ana = rave("show", "Ana", "--json").json()
    assert (ana["why"], ana["company"], ana["cadence_days"], ana["tier"]) == (
        "=SUM(A1)",
        "+Acme",
        21,
        "B",
    )
    assert ana["aliases"] == ["Anita"] and ana["tags"] == ["client"]


def test_vcard_export_round_trips_contacts(rave: Rave, tmp_path: Path, monkeypatch) -> None:
    _store(rave)
    out = tmp_path / "contacts.vcf"
    assert rave("export", "vcard", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    monkeypatch.setenv("RAVE_HOME", str(tmp_path / "other"))
    assert rave("import", "vcard", str(out)).exit_code == 0
    ana = rave("show", "Ana", "--json").json()
    assert ana["name"] == "Ana Pérez" and ana["company"] == "+Acme"
    assert ("email", "ana@example.com") in handles(ana)


def test_ics_export_has_followups_and_snooze_ends(rave: Rave, tmp_path: Path) -> None:
    _store(rave)
    text = rave("export", "ics").stdout
    assert "BEGIN:VCALENDAR" in text
    assert "DTSTART;VALUE=DATE:20300101" in text and "send deck" in text
    assert "DTSTART;VALUE=DATE:20300201" in text and "Bob" in text
    target = tmp_path / "rave.ics"
    assert rave("export", "ics", "-o", str(target)).exit_code == 0
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_exports_are_private_and_atomic(rave: Rave, tmp_path: Path) -> None:
    _store(rave)
    old = os.umask(0o022)
    try:
        target = tmp_path / "out.json"
        assert rave("export", "json", "-o", str(target)).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_text("previous export\n")
    bad = rave("export", "json", "-o", str(tmp_path / "no-such-dir" / "x.json"))
    assert bad.exit_code == 1 and "no such folder" in bad.stderr
    assert target.read_text() == "previous export\n"


def test_failed_export_keeps_the_old_file_and_leaves_no_temp(
    rave: Rave, tmp_path: Path, monkeypatch
) -> None:
    _store(rave)
    target = tmp_path / "out.vcf"
    target.write_text("old\n")
    from rave.formats import vcard_write

    def explode(contacts, stream):  # a failure half way through writing
        stream.write("BEGIN:VCARD\r\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vcard_write, "write_vcards", explode)
    out = rave("export", "vcard", "-o", str(target))
    assert out.exit_code == 1 and "No space left" in out.stderr
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.vcf", "rave-home"]


def test_reimport_without_urls_or_emails_changes_nothing(rave: Rave) -> None:
    for fmt, path in (
        ("linkedin", FIXTURES / "linkedin" / "Connections_2020.csv"),
        ("linkedin", FIXTURES / "linkedin" / "Connections_2022_excel.csv"),
        ("vcard", FIXTURES / "vcard" / "phone_2.1.vcf"),
    ):
        first = rave("import", fmt, str(path), "--json").json()
        again = rave("import", fmt, str(path), "--json").json()
        assert first["contacts_created"] > 0
        assert again["contacts_created"] == 0, path.name


def test_reimporting_rave_csv_and_vcard_into_the_same_store(rave: Rave, tmp_path: Path) -> None:
    rave("add", "Ana Pérez", "--company", "Acme")
    rave("add", "Bob")
    for fmt, name in (("csv", "a.csv"), ("vcard", "a.vcf")):
        target = tmp_path / name
        assert rave("export", fmt, "-o", str(target)).exit_code == 0
        report = rave("import", fmt, str(target), "--json").json()
        assert report["contacts_created"] == 0, fmt
    assert names(rave) == ["Ana Pérez", "Bob"]


def test_messages_do_not_attach_to_a_namesake_with_another_profile(
    rave: Rave, tmp_path: Path
) -> None:
    rave("add", "Ana Lima", "--handle", "linkedin=https://linkedin.com/in/ana-lima-nyc")
    path = _messages_file(tmp_path / "messages.csv", datetime.now(UTC))
    rave("import", "linkedin-messages", str(path))
    people = [c for c in rave("list", "--json").json() if c["name"] == "Ana Lima"]
    assert len(people) == 2  # the NYC Ana keeps only her own history
    nyc = rave("show", "#1", "--json").json()
    assert nyc["interactions"] == []


def test_messages_teach_a_namesake_without_profile_its_url(rave: Rave, tmp_path: Path) -> None:
    rave("add", "Ana Lima")
    path = _messages_file(tmp_path / "messages.csv", datetime.now(UTC))
    rave("import", "linkedin-messages", str(path))
    ana = rave("show", "Ana Lima", "--json").json()
    assert ("linkedin", "https://linkedin.com/in/ana-lima") in handles(ana)
    assert len(ana["interactions"]) == 3


def test_json_import_cleans_control_characters(rave: Rave, tmp_path: Path) -> None:
    rave("add", "Ana")
    rave("log", "Ana", "--in", "-n", "hello")
    out = tmp_path / "doc.json"
    rave("export", "json", "-o", str(out))
    document = json.loads(out.read_text())
    document["interactions"][0]["note"] = "\u001b[5mblink\u001b]0;pwned\u0007"
    document["contacts"][0]["company"] = "Acme\u001b[31m"
    out.write_text(json.dumps(document))
    other = tmp_path / "other"
    assert rave("--db", str(other / "rave.db"), "import", "json", str(out)).exit_code == 0
    for args in (("today",), ("digest",), ("show", "Ana"), ("list",)):
        text = rave("--db", str(other / "rave.db"), *args).stdout
        assert "\u001b" not in text and "\u0007" not in text, args


def test_a_failed_first_import_leaves_no_store(rave: Rave, rave_home: Path) -> None:
    out = rave("import", "linkedin", str(FIXTURES / "linkedin" / "Connections_bad_date.csv"))
    assert out.exit_code == 65
    assert not (rave_home / "rave.db").exists()


def test_an_unreadable_first_import_leaves_no_store(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "not.vcf"
    bad.write_bytes(b"\x00\x01garbage")
    assert rave("import", "vcard", str(bad)).exit_code == 65
    assert not rave_home.exists() or not (rave_home / "rave.db").exists()


# --------------------------------------------------------------------------- real files


@pytest.mark.parametrize(
    ("fmt", "path", "right"),
    [
        # a LinkedIn export from before 2023 read as Google kept names, lost company/title
        ("google", FIXTURES / "linkedin" / "Connections_2020.csv", "linkedin"),
        ("linkedin", FIXTURES / "google" / "contacts.csv", "google"),
        # Google's "Outlook CSV" read as Google kept only the names, and said nothing
        ("google", FIXTURES / "outlook" / "google_outlook.csv", "outlook"),
        ("google", FIXTURES / "outlook" / "outlook_desktop.csv", "outlook"),
        ("outlook", FIXTURES / "linkedin" / "Connections.csv", "linkedin"),
        ("csv", FIXTURES / "google" / "legacy_utf16.csv", "google"),
        ("json", FIXTURES / "outlook" / "outlook_com.csv", "outlook"),
    ],
)
def test_a_file_given_as_another_format_is_refused_naming_the_right_one(
    rave: Rave, fmt: str, path: Path, right: str
) -> None:
    rave("add", "Keep Me")
    before = snapshot(rave)
    out = rave("import", fmt, str(path))
    assert out.exit_code == 65, out
    assert f"hint: import it as {right}: rave import {right} FILE" in out.stderr
    assert snapshot(rave) == before
    assert rave("import", right, str(path)).exit_code == 0  # and the hint is right


def test_outlook_import(rave: Rave) -> None:
    out = rave("import", "outlook", str(FIXTURES / "outlook" / "outlook_desktop.csv"), "--json")
    assert out.exit_code == 0, out
    report = out.json()
    assert (report["contacts_created"], report["skipped"]) == (3, 1)
    assert report["encoding"] == "cp1252"
    assert names(rave) == ["Ana Lima", "Fabrikam", "José Peña"]
    ana = rave("show", "Ana Lima", "--json").json()
    assert (ana["company"], ana["title"], ana["location"]) == (
        "Lima, Souza & Filhos",
        "CTO",
        "São Paulo, Brazil",
    )
    assert sorted(ana["tags"]) == ["clients", "conference 2024"]
    assert ("phone", "+5511987654321") in handles(ana)
    jose = rave("show", "José", "--json").json()
    assert ("email", "jose.pena@contoso.example") in handles(jose)


def test_unused_columns_are_named_in_one_warning(rave: Rave) -> None:
    out = rave("import", "google", str(FIXTURES / "google" / "contacts.csv"))
    assert out.exit_code == 0, out
    warnings = [line for line in out.stderr.splitlines() if "no place for" in line]
    assert len(warnings) == 1
    assert warnings[0].endswith(": Photo, Address 1 - Formatted, Address 1 - Street")


def test_one_nameless_card_does_not_stop_an_android_file(rave: Rave) -> None:
    out = rave("import", "vcard", str(FIXTURES / "vcard" / "android_nameless.vcf"))
    assert out.exit_code == 0, out
    assert (
        "2 contacts created" in out.stdout
        and "1 rows skipped (1 card without a name)" in out.stdout
    )
    assert "android_nameless.vcf:8: skipped a card" in out.stderr
    assert names(rave) == ["Jörg Müller", "Kenji Tanaka"]


def test_ios_cards_keep_birthday_and_note(rave: Rave) -> None:
    assert rave("import", "vcard", str(FIXTURES / "vcard" / "ios_crcrlf.vcf")).exit_code == 0
    document = json.loads(snapshot(rave))
    ada = next(c for c in document["contacts"] if c["name"] == "Ada Okafor")
    assert ada["birthday"] == "1986-04-15"
    assert [n["text"] for n in document["notes"]] == [
        "Met at the Lisbon meetup. Wants an intro to a designer."
    ]


def test_a_long_profile_url_is_kept(rave: Rave) -> None:
    path = FIXTURES / "linkedin" / "Connections_long_url.csv"
    assert rave("import", "linkedin", str(path)).exit_code == 0
    (person,) = rave("list", "--json").json()
    handles = rave("show", f"#{person['id']}", "--json").json()["handles"]
    assert [len(h["value"]) > 300 for h in handles if h["channel"] == "linkedin"] == [True]


def test_vcard_export_writes_n_from_the_name_not_split_at_the_last_space(rave: Rave) -> None:
    rave("add", "Michael Kreuzer, PhD")
    rave("add", "Ludwig van Beethoven")
    lines = rave("export", "vcard").stdout.splitlines()
    assert "N:Kreuzer;Michael;;;PhD" in lines  # was N:PhD;Michael Kreuzer\,;;;
    assert "N:van Beethoven;Ludwig;;;" in lines


def test_reimporting_your_own_export_changes_nothing(
    rave: Rave, tmp_path: Path, rave_home: Path
) -> None:
    rave_home.mkdir(parents=True)  # national numbers are read in France
    (rave_home / "config.toml").write_text('[phone]\nregion = "FR"\n', encoding="utf-8")
    for fmt, path in (
        ("linkedin", FIXTURES / "linkedin" / "Connections.csv"),
        ("vcard", FIXTURES / "vcard" / "contacts_3.0.vcf"),
        ("google", FIXTURES / "google" / "contacts.csv"),
        ("outlook", FIXTURES / "outlook" / "outlook_desktop.csv"),
    ):
        assert rave("import", fmt, str(path)).exit_code == 0
    _store(rave)  # people added by hand: with and without an email or a profile
    # phone numbers in national and international spellings, one with an extension
    jean = ("--phone", "06 98 76 54 32", "--phone", "+1 757 555 0100 ext. 12")
    assert rave("add", "Jean Dupont", *jean).exit_code == 0
    marie = ("--phone", "+33 6 11 22 33 44", "--handle", "whatsapp=0033 6 55 44 33 22")
    assert rave("add", "Marie Dupont", *marie).exit_code == 0
    before = snapshot(rave)
    for fmt in ("vcard", "csv", "json"):
        target = tmp_path / f"mine.{fmt}"
        assert rave("export", fmt, "-o", str(target)).exit_code == 0
        if fmt == "vcard":  # the numbers as typed, read back as the numbers stored
            lines = target.read_text(encoding="utf-8").splitlines()
            assert {"TEL:+33 6 98 76 54 32", "TEL:+33 6 11 22 33 44"} <= set(lines)
        report = rave("import", fmt, str(target), "--json").json()
        assert (report["contacts_created"], report["contacts_updated"]) == (0, 0), fmt
        assert report["interactions_created"] == report["notes_created"] == 0, fmt
        assert snapshot(rave) == before, fmt


def test_two_contacts_of_a_json_export_stay_two_when_one_holds_the_others_shared_key(
    rave: Rave, tmp_path: Path
) -> None:
    """Found by tests/test_fuzz_cli.py: a card named Ana but carrying Nora's profile URL
    joins Nora, and since the address it brings is Ana's, Nora keeps it as a
    `shared-email` key named "ana". Restored from the JSON export into an empty store,
    Ana must not be found again through that key: every record of a document is a
    contact of its own, so the export comes back the same."""
    assert rave("add", "Nora Moretti", "--handle", "linkedin=linkedin.com/in/nora").exit_code == 0
    card = tmp_path / "cards.vcf"
    card.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEMAIL:ana@example.com\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEMAIL:ana@example.com\r\n"
        b"URL:https://www.linkedin.com/in/nora\r\nEND:VCARD\r\n"
    )
    assert rave("import", "vcard", str(card)).exit_code == 0
    first = tmp_path / "a.json"
    assert rave("export", "json", "-o", str(first)).exit_code == 0
    assert len(json.loads(first.read_text(encoding="utf-8"))["contacts"]) == 2
    copy = tmp_path / "copy.db"
    assert rave("--db", str(copy), "import", "json", str(first)).exit_code == 0
    second = tmp_path / "b.json"
    assert rave("--db", str(copy), "export", "json", "-o", str(second)).exit_code == 0
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
