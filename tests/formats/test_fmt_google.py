"""Google Contacts CSV: current (UTF-8 BOM), legacy (UTF-16), and a cp1252 file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rave.errors import BadInputError
from rave.formats import ContactRecord, ParseStats
from rave.formats.google import labels_to_tags, read_google

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "google"


def read(name: str) -> tuple[list[ContactRecord], ParseStats]:
    stats = ParseStats()
    return list(read_google(FIXTURES / name, stats=stats)), stats


def test_fixtures_are_encoded_as_google_writes_them() -> None:
    assert (FIXTURES / "contacts.csv").read_bytes().startswith(b"\xef\xbb\xbfFirst Name,")
    assert (FIXTURES / "legacy_utf16.csv").read_bytes().startswith(b"\xff\xfeN\x00a\x00")


def test_current_export_with_bom_and_multi_values() -> None:
    records, stats = read("contacts.csv")
    nora = records[0]
    assert nora.name == "Nora Moretti"
    assert nora.line == 2
    assert nora.emails == ["nora@moretti.example", "nora.m@gmail.example"]
    assert nora.tags == ["coworkers", "design"]
    assert nora.aliases == ["Nono"]
    assert nora.company == "Moretti, Rossi & Partners"
    assert nora.title == "Head of Design"
    assert nora.birthday == "--04-15"
    assert nora.note == "Met at Config.\nLoves espresso."
    assert nora.location == "Milano, Italy"
    assert ("linkedin", "https://linkedin.com/in/nora-moretti") in nora.handles
    assert not any("googleusercontent" in value for _, value in nora.handles)  # Photo ignored
    assert stats.encoding == "utf-8"


def test_rows_without_a_person_name_fall_back_or_are_skipped() -> None:
    records, stats = read("contacts.csv")
    assert [r.name for r in records] == [
        "Nora Moretti",
        "Globex Corporation",
        "someone@nowhere.example",
        "Bo Chen",
    ]
    assert records[2].tags == []  # "* starred ::: * myContacts" are markers, not tags
    assert stats.skipped == {"no name, organisation or email": 1}


def test_bad_phone_is_dropped_with_a_warning_naming_the_line() -> None:
    records, stats = read("contacts.csv")
    bo = records[-1]
    assert bo.phones == ["4155550100"]
    assert bo.tags == ["climbing"]
    assert stats.dropped == {"phone": 1}
    assert stats.warnings[1:] == [
        f"{FIXTURES / 'contacts.csv'}:9: dropped phone 'n/a': 'n/a' is not a phone number"
    ]


def test_columns_rave_does_not_use_are_named_in_one_warning_first() -> None:
    _, stats = read("contacts.csv")
    assert stats.warnings[0] == (
        f"{FIXTURES / 'contacts.csv'}: not imported (rave has no place for these columns): "
        "Photo, Address 1 - Formatted, Address 1 - Street"  # labels and empty columns: no
    )


def test_legacy_utf16_export() -> None:
    records, stats = read("legacy_utf16.csv")
    assert stats.encoding == "utf-16-le"
    zoe, jose = records
    assert zoe.name == "Zoë Müller"
    assert zoe.tags == ["Friends", "Köln crew"]
    assert zoe.company == "Müller & Söhne"
    assert zoe.title == "Geschäftsführerin"
    assert zoe.location == "Köln"
    assert zoe.handles == [("twitter", "@zoemueller")]
    assert zoe.aliases == ["Zo"]
    assert jose.name == "José Álvarez"
    assert jose.tags == []
    assert stats.warnings == []


def test_cp1252_file_falls_back_with_a_warning() -> None:
    records, stats = read("cp1252.csv")
    assert [r.name for r in records] == ["Zoë Müller", "José Peña"]
    assert stats.encoding == "cp1252"
    assert len(stats.warnings) == 1
    assert "not valid UTF-8" in stats.warnings[0]


@pytest.mark.parametrize(
    ("cell", "tags"),
    [
        ("* coworkers ::: * myContacts", ["coworkers"]),
        ("* starred ::: friends ::: friends", ["friends"]),
        ("* My Contacts ::: Book club", ["Book club"]),
        ("", []),
    ],
)
def test_labels(cell: str, tags: list[str]) -> None:
    assert labels_to_tags(cell) == tags


def test_not_a_google_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        list(read_google(path))
    assert info.value.line == 1
    assert "Google Contacts header" in info.value.reason


@pytest.mark.parametrize(
    ("path", "found", "hint"),
    [
        # an export from before 2023: no preamble, no URL, and First/Last Name as Google
        (FIXTURES.parent / "linkedin" / "Connections_2020.csv", "LinkedIn Connections.csv",
         "rave import linkedin"),
        # Google's own "Outlook CSV" export: names would be all that was read
        (FIXTURES.parent / "outlook" / "google_outlook.csv", "Outlook CSV", "rave import outlook"),
        (FIXTURES.parent / "outlook" / "outlook_desktop.csv", "Outlook CSV", "rave import outlook"),
    ],
)  # fmt: skip
def test_another_csv_given_as_google_is_refused_naming_it(
    path: Path, found: str, hint: str
) -> None:
    with pytest.raises(BadInputError) as info:
        list(read_google(path))
    assert found in info.value.reason and "not a Google Contacts CSV" in info.value.reason
    assert info.value.line == 1
    assert info.value.hint is not None and hint in info.value.hint


def test_first_middle_and_last_name_are_kept_as_given_and_family_names() -> None:
    records, _ = read("contacts.csv")
    assert (records[0].given_name, records[0].family_name) == ("Nora", "Moretti")
    assert (records[1].given_name, records[1].family_name) == (None, None)  # an organisation
    (zoe, _), _ = read("legacy_utf16.csv")
    assert (zoe.given_name, zoe.family_name) == ("Zoë", "Müller")
