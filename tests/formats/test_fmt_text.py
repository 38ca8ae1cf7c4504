"""Opening files: encodings, archives, binaries, malformed CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from rave.errors import BadInputError
from rave.formats import ParseStats
from rave.formats._text import csv_rows, open_text
from rave.formats.linkedin import read_connections

HEADER = "First Name,Last Name,Company\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ((HEADER + "Zoë,Müller,Acme\r\n").encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + (HEADER + "Zoë,Müller,Acme\r\n").encode("utf-8"), "utf-8"),
        (b"\xff\xfe" + (HEADER + "Zoë,Müller,Acme\r\n").encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + (HEADER + "Zoë,Müller,Acme\r\n").encode("utf-16-be"), "utf-16-be"),
        ((HEADER + "Zoë,Müller,Acme\r\n").encode("utf-16-le"), "utf-16-le"),  # no BOM
    ],
)
def test_encodings_are_sniffed(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    stats = ParseStats()
    (record,) = read_connections(path, stats=stats)
    assert record.name == "Zoë Müller"
    assert stats.encoding == encoding
    assert stats.warnings == []


def test_utf8_check_covers_the_whole_file(tmp_path: Path) -> None:
    # a cp1252 byte far beyond the first chunk still switches the decoding
    rows = "".join(f"Person,{i},Acme\r\n" for i in range(60_000))
    path = tmp_path / "c.csv"
    path.write_bytes((HEADER + rows).encode("ascii") + "Zoë,Müller,Acme\r\n".encode("cp1252"))
    stats = ParseStats()
    last = list(read_connections(path, stats=stats))[-1]
    assert last.name == "Zoë Müller"
    assert stats.encoding == "cp1252"
    assert "not valid UTF-8" in stats.warnings[0]


def test_zip_archive_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "Basic_LinkedInDataExport.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(BadInputError) as info:
        list(read_connections(path))
    assert "unzip" in info.value.reason


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(BadInputError) as info:
        list(read_connections(path))
    assert "binary" in info.value.reason


def test_stray_quote_is_an_error_at_its_record(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('a,b\n1,2\n"x"y,3\n', encoding="utf-8")
    with open_text(path) as source:
        rows = csv_rows(source)
        assert next(rows) == (1, ["a", "b"])
        assert next(rows) == (2, ["1", "2"])
        with pytest.raises(BadInputError) as info:
            next(rows)
    assert info.value.line == 3
    assert "malformed CSV" in info.value.reason


def test_unclosed_quote_is_an_error_not_a_swallowed_file(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('a,b\n1,"open\n2,3\n4,5\n', encoding="utf-8")
    with open_text(path) as source, pytest.raises(BadInputError) as info:
        list(csv_rows(source))
    assert info.value.line == 2


def test_blank_lines_are_ignored_and_lines_stay_physical(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('a,b\n\n"1\n1",2\n\n3,4', encoding="utf-8")
    with open_text(path) as source:
        assert list(csv_rows(source)) == [(1, ["a", "b"]), (3, ["1\n1", "2"]), (6, ["3", "4"])]


def test_format_modules_do_not_import_vobject_or_icalendar_at_import_time() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from rave.formats import google, ics, linkedin, linkedin_messages\n"
        "from rave.formats import ravecsv, ravejson, vcard, vcard_write\n"
        "from rave.formats import calendar, calendar_events, calendar_recurrence\n"
        "from rave.formats import mail, mail_body, mail_files, mail_headers, mail_owner\n"
        "from rave.formats import whatsapp, whatsapp_layout, whatsapp_messages, whatsapp_people\n"
        "heavy = ('vobject', 'icalendar', 'dateutil', 'sqlalchemy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
