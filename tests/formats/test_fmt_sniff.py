"""Telling the exports apart: each fixture is recognised as what it is, and nothing
rave reads is mistaken for another format."""

from __future__ import annotations

from pathlib import Path

import pytest

from rave.formats import _text, sniff
from rave.services import imports

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("linkedin/Connections.csv", "linkedin"),
        ("linkedin/Connections_2020.csv", "linkedin"),
        ("linkedin/Connections_2022_excel.csv", "linkedin"),
        ("linkedin/messages.csv", "linkedin-messages"),
        ("linkedin/messages_legacy.csv", "linkedin-messages"),
        ("google/contacts.csv", "google"),
        ("google/legacy_utf16.csv", "google"),
        ("google/cp1252.csv", "google"),
        ("outlook/outlook_desktop.csv", "outlook"),
        ("outlook/google_outlook.csv", "outlook"),
        ("outlook/outlook_com.csv", "outlook"),
        ("vcard/contacts_3.0.vcf", "vcard"),
        ("vcard/ios_crcrlf.vcf", "vcard"),
    ],
)
def test_every_fixture_is_told_apart(name: str, kind: str) -> None:
    found = _text.file_kind(FIXTURES / name)
    assert found is not None and found[0] == kind


def test_rave_csv_json_and_thunderbird(tmp_path: Path) -> None:
    from rave.formats.ravecsv import HEADER

    assert sniff.csv_kind(list(HEADER)) == ("csv", ["name", "tier", "aliases"])
    assert sniff.text_kind('\ufeff{\n  "format": "rave"') == "json"
    thunderbird = "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email"
    assert sniff.csv_kind(thunderbird.split(",")) == ("thunderbird", ["Primary Email"])
    error = sniff.refuse("thunderbird", "google", "book.csv", 1, ["Primary Email"])
    assert error.hint is not None and "rave import vcard" in error.hint


def test_a_plain_spreadsheet_tells_nothing() -> None:
    assert sniff.csv_kind(["First Name", "Last Name", "Email"]) is None
    assert sniff.text_kind("First Name,Last Name") is None


def test_every_importable_kind_is_an_import_format() -> None:
    assert set(sniff.IMPORTABLE) <= set(imports.FORMATS)
