"""Outlook CSV: Outlook for Windows (cp1252, every cell quoted), Outlook.com (UTF-8 with
a BOM) and the "Outlook CSV" Google Contacts exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from rave.errors import BadInputError
from rave.formats import ContactRecord, ParseStats
from rave.formats.outlook import categories_to_tags, parse_birthday, read_outlook

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "outlook"


def read(path: Path) -> tuple[list[ContactRecord], ParseStats]:
    stats = ParseStats()
    return list(read_outlook(path, stats=stats)), stats


def test_fixtures_are_written_as_each_exporter_writes_them() -> None:
    desktop = (FIXTURES / "outlook_desktop.csv").read_bytes()
    assert desktop.startswith(b'"Title","First Name","Middle Name","Last Name"')
    assert b"Jos\xe9 Pe\xf1a" in desktop  # the Windows code page, not UTF-8
    assert b'"0/0/00"' in desktop and b"\r\n" in desktop
    assert (FIXTURES / "outlook_com.csv").read_bytes().startswith(b"\xef\xbb\xbfFirst Name,")
    assert (FIXTURES / "google_outlook.csv").read_bytes().startswith(b"First Name,Middle Name,")


def test_outlook_for_windows() -> None:
    records, stats = read(FIXTURES / "outlook_desktop.csv")
    ana, jose, fabrikam = records
    assert (ana.name, ana.given_name, ana.family_name) == ("Ana Lima", "Ana", "Lima")
    assert ana.emails == ["ana.lima@souza.example"]
    assert ana.phones == ["+5511987654321", "+551134567890"]  # mobile first; no switchboard
    assert ana.company == "Lima, Souza & Filhos" and ana.title == "CTO"
    assert ana.birthday == "1980-04-15"
    assert ana.note == 'Met at Web Summit.\nWants the "pricing" deck, in Portuguese.'
    assert ana.tags == ["Clients", "Conference 2024"]
    assert ana.location == "São Paulo, Brazil"
    assert ana.handles == [("linkedin", "https://linkedin.com/in/ana-lima-sp")]
    assert ana.refs == [("email", "ana.lima@souza.example")]
    assert jose.name == "José Peña" and jose.birthday is None  # 0/0/00 is no date
    assert jose.emails == ["jose.pena@contoso.example"]  # from the Exchange display name
    assert jose.location == "Sevilla, Spain"
    assert (fabrikam.name, fabrikam.emails) == ("Fabrikam", ["info@fabrikam.example"])
    assert stats.skipped == {"no name, company or email": 1}  # a phone number alone
    assert stats.encoding == "cp1252"
    assert stats.dropped == {}


def test_unused_columns_are_named_once_and_outlook_defaults_are_not_values() -> None:
    _, stats = read(FIXTURES / "outlook_desktop.csv")
    assert stats.warnings[0] == (
        f"{FIXTURES / 'outlook_desktop.csv'}: not imported (rave has no place for these "
        "columns): Title, Business Street, Company Main Phone, Initials, Spouse"
    )  # not Priority "Normal", Private "False", Gender "Unspecified", Anniversary "0/0/00"
    assert "cp1252" in stats.warnings[1]


def test_google_outlook_csv_export() -> None:
    (nora, michael), stats = read(FIXTURES / "google_outlook.csv")
    assert nora.emails == ["nora@moretti.example", "nora.m@gmail.example"]
    assert nora.phones == ["+393331234567"]
    assert (nora.company, nora.title) == ("Moretti, Rossi & Partners", "Head of Design")
    assert nora.birthday == "1985-11-02"
    assert nora.tags == ["coworkers"]  # without myContacts
    assert nora.handles == [("other", "https://moretti.example")]
    assert nora.location == "Milano, Italy"
    assert michael.name == "Michael Kreuzer PhD"
    assert (michael.given_name, michael.family_name) == ("Michael", "Kreuzer")
    assert stats.warnings == []


def test_outlook_com_export() -> None:
    (priya,), stats = read(FIXTURES / "outlook_com.csv")
    assert priya.name == "Priya Patel" and priya.aliases == ["Pri"]
    assert (priya.company, priya.title) == ("Figma", "Product Lead")
    assert priya.birthday == "1990-05-03"
    assert priya.location == "San Francisco, United States"
    assert stats.encoding == "utf-8" and stats.warnings == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4/15/1980", "1980-04-15"),
        ("15/4/1980", "1980-04-15"),  # the first number cannot be a month
        ("15.04.1980", "1980-04-15"),  # dotted: day first (German Windows)
        ("4/15/80", "1980-04-15"),
        ("1980-04-15", "1980-04-15"),
        ("--04-15", "--04-15"),
        ("0/0/00", None),
        ("1/1/4501", None),  # Outlook's "no date"
        ("2/30/1980", None),
        ("someday", None),
    ],
)
def test_birthdays(text: str, expected: str | None) -> None:
    assert parse_birthday(text) == expected


@pytest.mark.parametrize(
    ("cell", "tags"),
    [
        ("Clients;Conference 2024", ["Clients", "Conference 2024"]),
        ("* friends ::: * myContacts", ["friends"]),
        ("My Contacts; Clients ;Clients", ["Clients"]),
        ("", []),
    ],
)
def test_categories(cell: str, tags: list[str]) -> None:
    assert categories_to_tags(cell) == tags


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (FIXTURES.parent / "google" / "contacts.csv", "a Google Contacts CSV"),
        (FIXTURES.parent / "linkedin" / "Connections.csv", "a LinkedIn Connections.csv"),
        (FIXTURES.parent / "vcard" / "contacts_3.0.vcf", "a vCard file"),
    ],
)
def test_another_export_given_as_outlook_is_refused_naming_it(path: Path, found: str) -> None:
    with pytest.raises(BadInputError) as info:
        read(path)
    assert f"looks like {found}, not an Outlook CSV" in info.value.reason


def test_a_file_without_name_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Company,Notes\nAcme,hello\n", encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        read(path)
    assert info.value.line == 1 and "no Outlook CSV header" in info.value.reason
