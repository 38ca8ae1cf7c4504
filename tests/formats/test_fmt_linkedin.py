"""LinkedIn Connections.csv, as the exports of different years write it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from rave.errors import BadInputError
from rave.formats import ContactRecord, ParseStats
from rave.formats.linkedin import parse_connected_on, read_connections

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "linkedin"


def read(name: str) -> tuple[list[ContactRecord], ParseStats]:
    stats = ParseStats()
    return list(read_connections(FIXTURES / name, stats=stats)), stats


def test_current_export_with_notes_preamble() -> None:
    records, _ = read("Connections.csv")
    assert [r.name for r in records] == ["Nora Moretti", "Zoë Brandt", "Sam O'Neil", "Priya Patel"]
    assert [r.line for r in records] == [5, 6, 9, 10]
    nora = records[0]
    assert nora.company == "Moretti, Rossi & Partners"
    assert nora.title == "Head of Design, EMEA"
    assert nora.connected_on == datetime(2021, 4, 2, 12, tzinfo=UTC)
    assert records[1].title == 'CTO "the fixer"'
    assert records[3].company == "Figma, Inc."


def test_comma_rows_and_linkedin_member_are_skipped_and_counted() -> None:
    records, stats = read("Connections.csv")
    assert stats.rows == 6
    assert stats.records == 4
    assert stats.skipped == {"empty row": 1, "LinkedIn Member placeholder": 1}
    assert all("Member" not in r.name for r in records)


def test_profile_urls_are_normalised_external_keys() -> None:
    records, _ = read("Connections.csv")
    by_name = {r.name: r for r in records}
    assert by_name["Nora Moretti"].refs == [("linkedin", "https://linkedin.com/in/nora-moretti")]
    # query string, trailing slash, www. and upper case are gone
    assert by_name["Sam O'Neil"].handles == [("linkedin", "https://linkedin.com/in/sam-oneil")]
    priya = by_name["Priya Patel"]
    assert priya.refs == [
        ("linkedin", "https://linkedin.com/in/priya-patel-42"),
        ("email", "priya@example.com"),
    ]
    assert priya.emails == ["priya@example.com"]
    assert by_name["Zoë Brandt"].handles == [
        ("linkedin", "https://linkedin.com/in/zo%c3%ab-brandt")
    ]


def test_excel_resaved_2022_export_crlf_bom_longer_preamble_no_url() -> None:
    records, stats = read("Connections_2022_excel.csv")
    assert [(r.name, r.line) for r in records] == [
        ("Ana Lima", 7),
        ("Bo Chen", 8),
        ("Carl Berg", 9),
        ("Dee Ng", 11),
    ]
    assert stats.skipped == {"no name (hidden or closed profile)": 1}
    assert records[0].company == "Lima, Souza e Filhos"
    assert records[0].refs == [("email", "ana.lima@example.com")]
    assert records[1].handles == [] and records[1].refs == []
    assert records[1].title == "VP, Engineering"
    assert [r.connected_on.date() for r in records if r.connected_on] == [
        date(2021, 3, 29),  # 29-Mar-21
        date(2024, 3, 15),  # 03/15/2024
        date(2021, 4, 4),  # 4-Apr-21
        date(2024, 3, 15),  # ISO
    ]


def test_export_without_preamble() -> None:
    records, _ = read("Connections_2020.csv")
    assert [(r.name, r.line, r.company) for r in records] == [("Eve Stone", 2, "Globex")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02 Apr 2021", date(2021, 4, 2)),
        ("29-Mar-21", date(2021, 3, 29)),
        ("4-Apr-21", date(2021, 4, 4)),
        ("03/15/2024", date(2024, 3, 15)),
        ("15/03/2024", date(2024, 3, 15)),
        ("2024-03-15", date(2024, 3, 15)),
        ("31 Feb 2021", None),
        ("Apr 2021", None),
        ("02 Foo 2021", None),
    ],
)
def test_connected_on_formats(text: str, expected: date | None) -> None:
    assert parse_connected_on(text) == expected


def test_bad_date_names_the_line_where_the_record_starts() -> None:
    with pytest.raises(BadInputError) as info:
        read("Connections_bad_date.csv")
    assert info.value.line == 6
    assert "sometime in May" in info.value.reason
    assert info.value.exit_code == 65


def test_file_without_header(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("Name,Email\nAna,ana@example.com\n", encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        list(read_connections(path))
    assert "no LinkedIn header row found" in info.value.reason
    assert "First Name,Last Name" in info.value.reason


def test_unquoted_comma_is_reported_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ana,Lima,,,Acme, Inc.,CEO,02 Apr 2021\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInputError) as info:
        list(read_connections(path))
    assert info.value.line == 2
    assert "8 fields" in info.value.reason


def test_name_over_limit_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,Connected On\n" + "A" * 150 + "," + "B" * 60 + ",02 Apr 2021\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInputError) as info:
        list(read_connections(path))
    assert info.value.line == 2
    assert "200" in info.value.reason


def test_long_company_is_truncated_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,Company\nAna,Lima," + "x" * 12_000 + "\n", encoding="utf-8"
    )
    stats = ParseStats()
    (record,) = read_connections(path, stats=stats)
    assert record.company is not None and len(record.company) == 10_000
    assert stats.truncated == 1
    assert "Company" in stats.warnings[0]


def test_a_long_profile_url_is_kept(tmp_path: Path) -> None:
    # a percent-encoded Cyrillic profile: over 300 characters, as LinkedIn writes it
    (alexandra,), stats = read("Connections_long_url.csv")
    (url,) = [value for channel, value in alexandra.handles if channel == "linkedin"]
    assert len(url) > 300 and url.startswith("https://linkedin.com/in/%d0%b0%d0%bb")
    assert alexandra.refs[0] == ("linkedin", url)
    assert stats.dropped == {} and stats.warnings == []


def test_first_and_last_name_are_kept_as_given_and_family_names() -> None:
    records, _ = read("Connections.csv")
    assert (records[2].given_name, records[2].family_name) == ("Sam", "O'Neil")


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (FIXTURES.parent / "google" / "contacts.csv", "Google Contacts CSV"),
        (FIXTURES.parent / "outlook" / "outlook_desktop.csv", "Outlook CSV"),
        (FIXTURES / "messages.csv", "LinkedIn messages.csv"),
        (FIXTURES.parent / "vcard" / "contact_4.0.vcf", "vCard file"),
    ],
)
def test_another_export_given_as_linkedin_is_refused_naming_it(path: Path, kind: str) -> None:
    with pytest.raises(BadInputError) as info:
        list(read_connections(path))
    assert (
        f"looks like a {kind}" in info.value.reason or f"looks like an {kind}" in info.value.reason
    )
    assert "not a LinkedIn Connections.csv" in info.value.reason
    assert info.value.hint is not None and "rave import" in info.value.hint
