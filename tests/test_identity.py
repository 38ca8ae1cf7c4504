"""Identity rules (issue 16, docs/decisions.md "Identity rules"): imports merge two
records only on a strong key; people who share an email or phone, or a name, are kept
apart, named in the import's warnings, and listed by `rave dupes` until `rave merge`
settles them. `rave log --create` never attaches to a near match."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import Rave, probe

FIXTURES = Path(__file__).parent / "fixtures"
GOOGLE_HEADER = (
    (FIXTURES / "google" / "contacts.csv").read_text(encoding="utf-8-sig").splitlines()[0]
)
LINKEDIN_PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email '
    'addresses are missing."\n\n'
)


def google_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """A Google Contacts export (its full header, as contacts.google.com writes it)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, GOOGLE_HEADER.split(","))
        writer.writeheader()
        for row in rows:
            writer.writerow({"Labels": "* myContacts", **row})
    return path


def connections_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    """A LinkedIn Connections.csv (its notes preamble, then the table)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        stream.write(LINKEDIN_PREAMBLE)
        writer = csv.writer(stream, lineterminator="\n")  # as LinkedIn writes it
        stream.write("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n")
        writer.writerows(rows)
    return path


def vcards(path: Path, cards: list[list[str]]) -> Path:
    """vCard 3.0 as Apple Contacts writes it (CRLF line ends, no UID asked for here)."""
    text = ""
    for lines in cards:
        body = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Apple Inc.//macOS 14.4//EN", *lines]
        text += "\r\n".join([*body, "END:VCARD"]) + "\r\n"
    path.write_bytes(text.encode("utf-8"))
    return path


def contacts(rave: Rave) -> list[tuple[int, str]]:
    return sorted((c["id"], c["name"]) for c in rave("list", "--json").json())


def imported(rave: Rave, fmt: str, file: Path) -> dict[str, object]:
    out = rave("import", fmt, str(file), "--json")
    assert out.exit_code == 0, out
    report: dict[str, object] = out.json()
    return report


FAMILY = [
    {"First Name": "Jean", "Last Name": "Dupont", "E-mail 1 - Value": "famille@dupont.example"},
    {"First Name": "Marie", "Last Name": "Dupont", "E-mail 1 - Value": "famille@dupont.example"},
]


def test_a_shared_family_email_is_two_people(rave: Rave, tmp_path: Path) -> None:
    file = google_csv(tmp_path / "contacts.csv", FAMILY)
    report = imported(rave, "google", file)
    assert report["contacts_created"] == 2
    assert contacts(rave) == [(1, "Jean Dupont"), (2, "Marie Dupont")]
    (warning,) = report["warnings"]  # type: ignore[misc]
    assert "Marie Dupont (#2) shares famille@dupont.example with #1 Jean Dupont" in warning
    assert "kept apart; `rave merge '#1' '#2'` if they are one" in warning
    human = rave("import", "google", str(file))  # the person sees it too (stderr)
    assert human.exit_code == 0 and "0 contacts created, 0 updated" in human.stdout

    (pair,) = rave("dupes", "--json").json()
    assert pair == {
        "keep_id": 1,
        "keep_name": "Jean Dupont",
        "drop_id": 2,
        "drop_name": "Marie Dupont",
        "reasons": ["same email famille@dupont.example"],
        "merge": "rave merge '#1' '#2'",
        "apart": "rave apart '#1' '#2'",
        "marked_apart": False,
    }
    shown = rave("dupes")
    assert shown.exit_code == 0
    assert "#1 Jean Dupont" in shown.stdout and "rave merge '#1' '#2'" in shown.stdout


def test_merging_settles_a_pair_for_good(rave: Rave, tmp_path: Path) -> None:
    file = google_csv(tmp_path / "contacts.csv", FAMILY)
    imported(rave, "google", file)
    assert rave("merge", "#1", "#2", "--yes").exit_code == 0
    assert rave("dupes", "--json").json() == []
    again = imported(rave, "google", file)  # Marie is Jean's alias now: found again
    assert (again["contacts_created"], again["contacts_updated"]) == (0, 0)
    assert contacts(rave) == [(1, "Jean Dupont")]


def test_the_same_name_with_the_same_email_is_one_person(rave: Rave, tmp_path: Path) -> None:
    rave("add", "Jean Dupont", "--email", "famille@dupont.example", "--tier", "B")
    report = imported(rave, "google", google_csv(tmp_path / "c.csv", FAMILY[:1]))
    assert (report["contacts_created"], report["contacts_updated"]) == (0, 1)
    assert rave("dupes", "--json").json() == []


def test_two_profiles_and_one_email_are_two_people(rave: Rave, tmp_path: Path) -> None:
    file = connections_csv(
        tmp_path / "Connections.csv",
        [
            ("Alex", "Morgan", "https://www.linkedin.com/in/alex-morgan-1", "team@morgan.example",
             "Morgan & Co", "Founder", "02 Apr 2021"),
            ("Alex", "Morgan", "https://www.linkedin.com/in/alex-morgan-2", "team@morgan.example",
             "Morgan & Co", "Designer", "15 Jan 2024"),
            ("Sasha", "Morgan", "https://www.linkedin.com/in/sasha-morgan", "team@morgan.example",
             "Morgan & Co", "Engineer", "16 Jan 2024"),
            ("Alex", "Morgan", "https://www.linkedin.com/in/alex-morgan-3", "team@morgan.example",
             "Morgan & Co", "Intern", "17 Jan 2025"),
        ],
    )  # fmt: skip
    report = imported(rave, "linkedin", file)
    assert report["contacts_created"] == 4
    titles = {c["id"]: c["title"] for c in rave("list", "--json").json()}
    assert titles == {1: "Founder", 2: "Designer", 3: "Engineer", 4: "Intern"}
    warnings = "\n".join(report["warnings"])  # type: ignore[arg-type]
    assert (
        "Alex Morgan (#2) has the name of #1 Alex Morgan but another LinkedIn profile" in warnings
    )
    assert "Sasha Morgan (#3) shares team@morgan.example with #1 Alex Morgan" in warnings
    pairs = {(p["keep_id"], p["drop_id"]): p["reasons"] for p in rave("dupes", "--json").json()}
    assert pairs == {
        (1, 2): ["same email team@morgan.example", "same name"],
        (1, 3): ["same email team@morgan.example"],
        (1, 4): ["same name"],
    }
    again = imported(rave, "linkedin", file)
    assert (again["contacts_created"], again["contacts_updated"], again["warnings"]) == (0, 0, [])


def test_namesakes_with_other_phones_or_companies_are_two_people(
    rave: Rave, tmp_path: Path
) -> None:
    file = vcards(
        tmp_path / "contacts.vcf",
        [
            ["N:Smith;John;;;", "FN:John Smith", "ORG:Acme;", "TEL;type=CELL:+1 415 555 0101"],
            ["N:Smith;John;;;", "FN:John Smith", "ORG:Globex;", "TEL;type=CELL:+1 212 555 0199"],
            ["N:Roe;Jane;;;", "FN:Jane Roe", "ORG:Acme;"],
            ["N:Roe;Jane;;;", "FN:Jane Roe", "ORG:Initech;"],
            ["N:Roe;Jane;;;", "FN:Jane Roe", "ORG:Acme;", "TITLE:CEO"],  # the first Jane
        ],
    )
    report = imported(rave, "vcard", file)
    assert report["contacts_created"] == 4
    companies = sorted((c["name"], c["company"]) for c in rave("list", "--json").json())
    assert companies == [
        ("Jane Roe", "Acme"),
        ("Jane Roe", "Initech"),
        ("John Smith", "Acme"),
        ("John Smith", "Globex"),
    ]
    warnings = "\n".join(report["warnings"])  # type: ignore[arg-type]
    assert "John Smith (#2) has the name of #1 John Smith but another phone number" in warnings
    assert "Jane Roe (#4) has the name of #3 Jane Roe but another company" in warnings
    pairs = [(p["keep_id"], p["drop_id"], p["reasons"]) for p in rave("dupes", "--json").json()]
    assert pairs == [(1, 2, ["same name"]), (3, 4, ["same name"])]
    again = imported(rave, "vcard", file)
    assert (again["contacts_created"], again["contacts_updated"]) == (0, 0)


def test_dupes_finds_an_alias_that_is_another_contacts_name(rave: Rave) -> None:
    rave("add", "Samuel Lee", "--alias", "Sam Lee")
    rave("add", "Sam Lee", "--phone", "+44 20 7946 0000")
    (pair,) = rave("dupes", "--json").json()
    assert (pair["keep_name"], pair["drop_name"]) == ("Samuel Lee", "Sam Lee")
    assert pair["reasons"] == ["Sam Lee is an alias of #1"]


def test_dupes_with_nothing_to_settle(rave: Rave, empty_store: Path) -> None:
    assert rave("dupes", "--json").json() == []
    rave("add", "Paul Martin")
    rave("add", "Paula Martin")  # a letter apart: two people, not a possible duplicate
    out = rave("dupes")
    assert out.exit_code == 0 and out.stdout == ""
    assert "No possible duplicates." in out.stderr


# --- `rave log --create` ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "typed"), [("Paul Martin", "Paula Martin"), ("Jean Dupont", "Jeanne Dupont")]
)
def test_create_never_logs_onto_a_near_name(rave: Rave, existing: str, typed: str) -> None:
    rave("add", existing)
    out = rave("log", typed, "--create")
    assert out.exit_code == 4, out
    assert f"'{typed}' is not a contact, but is close to:\n  #1  {existing}" in out.stderr
    assert f"rave add '{typed}' --tier none" in out.stderr
    assert rave("show", "#1", "--json").json()["interactions"] == []
    assert [c["name"] for c in rave("list", "--json").json()] == [existing]


def test_create_logs_onto_the_named_and_creates_the_new(rave: Rave) -> None:
    rave("add", "Paul Martin")
    logged = rave("log", "paul martin", "martin", "Zed Newcomer", "--create", "--json")
    assert logged.exit_code == 0, logged
    assert [c["name"] for c in logged.json()["contacts"]] == ["Paul Martin", "Zed Newcomer"]
    assert logged.json()["created_contacts"] == [2]
    # the same line in a batch: a near name stops it, naming the line
    batch = '{"contacts": ["Paula Martin"], "create": true}\n'
    out = rave("log", "--batch", "-", input=batch)
    assert out.exit_code == 65 and "<stdin>:1" in out.stderr and "#1  Paul Martin" in out.stderr


# --- rapidfuzz only where a typo is looked up -------------------------------------------


def _loads_rapidfuzz(home: Path, *args: str) -> tuple[bool, str]:
    found = probe(home, *args)
    assert found.exit_code == 0, found
    return "rapidfuzz" in found.modules, found.stdout


def test_only_a_typo_loads_rapidfuzz(rave: Rave, rave_home: Path) -> None:
    rave("add", "Ana Pérez", "--tier", "A")
    loaded, shown = _loads_rapidfuzz(rave_home, "today")  # never resolves a name
    assert not loaded and "Ana Pérez" in shown
    loaded, shown = _loads_rapidfuzz(rave_home, "show", "Ana Prez")
    assert loaded and shown.startswith("#1 Ana Pérez")
