"""The source's given and family names (issue 16): kept in the store beside the name,
exported as such (vCard ``N``, rave CSV, rave JSON), cleared by a rename they no longer
describe, carried by a merge; rave JSON version 3 also carries a handle's text as typed,
and older documents still import."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from conftest import Rave

# Google Contacts "Google CSV" export: this header, one row per contact, LF line ends
GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value"
)


def google_row(
    first: str, middle: str, last: str, suffix: str, email: str, prefix: str = ""
) -> str:
    # First, Middle, Last, 3 phonetic, Prefix, Suffix, Nickname, File As, Org, Title, Dept,
    # Birthday, Notes, Photo, Labels, E-mail 1 - Label/Value, Phone 1 - Label/Value
    return f"{first},{middle},{last},,,,{prefix},{suffix},,,,,,,,,* myContacts,* Home,{email},,"


def google_file(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([GOOGLE_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def vcard_file(path: Path, *cards: tuple[str, str, str]) -> Path:
    """Cards the way macOS Contacts writes them: CRLF, N before FN."""
    lines: list[str] = []
    for n, fn, email in cards:
        lines += [
            "BEGIN:VCARD",
            "VERSION:3.0",
            "PRODID:-//Apple Inc.//macOS 14.4//EN",
            f"N:{n}",
            f"FN:{fn}",
            f"EMAIL;type=INTERNET;type=HOME;type=pref:{email}",
            "END:VCARD",
        ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def linkedin_file(path: Path, *rows: str) -> Path:
    """A Connections.csv as LinkedIn writes it: the notes preamble, then the table."""
    path.write_text(
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email '
        'addresses are missing."\n'
        "\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        + "".join(row + "\n" for row in rows),
        encoding="utf-8",
    )
    return path


def n_lines(rave: Rave) -> dict[str, str]:
    """Each card's FN (unescaped) → its N line, from `rave export vcard`."""
    out = rave("export", "vcard")
    assert out.exit_code == 0, out
    found: dict[str, str] = {}
    fn = ""
    for line in out.stdout.splitlines():
        if line.startswith("FN:"):
            fn = line[3:].replace("\\,", ",")
        elif line.startswith("N:"):
            found[fn] = line
    return found


def parts(rave: Rave) -> dict[str, tuple[str | None, str | None]]:
    document = json.loads(rave("export", "json").stdout)
    return {c["name"]: (c["given_name"], c["family_name"]) for c in document["contacts"]}


def test_google_names_are_exported_as_the_source_split_them(rave: Rave, tmp_path: Path) -> None:
    path = google_file(
        tmp_path / "contacts.csv",
        google_row("Mary", "Ann", "van der Berg", "", "mary@berg.example"),
        google_row("Michael", "", "Kreuzer", "PhD", "m.kreuzer@uni.example"),
        google_row("María José", "", "García López", "", "mj@garcia.example", prefix="Dr."),
    )
    assert rave("import", "google", str(path)).exit_code == 0
    lines = n_lines(rave)
    assert lines["Mary Ann van der Berg"] == "N:van der Berg;Mary Ann;;;"
    assert lines["Michael Kreuzer PhD"] == "N:Kreuzer;Michael;;;PhD"
    # a plain split would make López the family name and García a middle name
    assert lines["María José García López"] == "N:García López;María José;;;"
    assert parts(rave)["María José García López"] == ("María José", "García López")


def test_vcard_n_is_kept_and_written_back(rave: Rave, tmp_path: Path) -> None:
    path = vcard_file(
        tmp_path / "contacts.vcf",
        ("Kreuzer;Michael;;;PhD", "Michael Kreuzer\\, PhD", "m.kreuzer@uni.example"),
        ("García López;María José;;;", "María José García López", "mj@garcia.example"),
        ("Sato;Hana;;;", "佐藤 花", "hana@sato.example"),  # FN in another script
    )
    assert rave("import", "vcard", str(path)).exit_code == 0
    lines = n_lines(rave)
    assert lines["Michael Kreuzer, PhD"] == "N:Kreuzer;Michael;;;PhD"  # was N:PhD;Michael...
    assert lines["María José García López"] == "N:García López;María José;;;"
    assert lines["佐藤 花"] == "N:Sato;Hana;;;"


def test_linkedin_first_and_last_names_are_kept(rave: Rave, tmp_path: Path) -> None:
    path = linkedin_file(
        tmp_path / "Connections.csv",
        "María José,García López,https://www.linkedin.com/in/mjgl,,Acme,CTO,02 Apr 2021",
    )
    assert rave("import", "linkedin", str(path)).exit_code == 0
    assert n_lines(rave)["María José García López"] == "N:García López;María José;;;"
    csv_text = rave("export", "csv").stdout
    header, row = csv_text.removeprefix("\ufeff").splitlines()
    assert header.endswith(",given_name,family_name")
    assert row.endswith(",María José,García López")


def test_a_rename_clears_the_parts_unless_they_spell_the_new_name(
    rave: Rave, tmp_path: Path
) -> None:
    path = vcard_file(
        tmp_path / "contacts.vcf",
        ("García López;María José;;;", "María José García López", "mj@garcia.example"),
        ("Kreuzer;Michael;;;PhD", "Michael Kreuzer\\, PhD", "m.kreuzer@uni.example"),
    )
    assert rave("import", "vcard", str(path)).exit_code == 0
    assert rave("edit", "María José", "--name", "Majo García").exit_code == 0
    assert rave("edit", "Michael", "--name", "Michael Kreuzer").exit_code == 0
    assert parts(rave) == {
        "Majo García": (None, None),  # they described the old name
        "Michael Kreuzer": ("Michael", "Kreuzer"),  # given + " " + family: still true
    }
    assert n_lines(rave)["Majo García"] == "N:García;Majo;;;"
    # an edit that keeps the name keeps them too
    assert rave("edit", "Michael Kreuzer", "--name", "Michael Kreuzer").exit_code == 0
    assert parts(rave)["Michael Kreuzer"] == ("Michael", "Kreuzer")


def test_an_import_fills_missing_parts_but_never_replaces_them(rave: Rave, tmp_path: Path) -> None:
    rave("add", "María José García López", "--email", "mj@garcia.example")
    rave("add", "Majo", "--alias", "Mary Ann van der Berg", "--email", "mary@berg.example")
    assert parts(rave) == {"María José García López": (None, None), "Majo": (None, None)}
    first = google_file(
        tmp_path / "contacts.csv",
        google_row("María José", "", "García López", "", "mj@garcia.example"),
        google_row("Mary", "Ann", "van der Berg", "", "mary@berg.example"),
    )
    assert rave("import", "google", str(first), "--json").json()["contacts_created"] == 0
    # matched on an alias: the parts of "Mary Ann van der Berg" do not describe "Majo"
    assert parts(rave) == {
        "María José García López": ("María José", "García López"),
        "Majo": (None, None),
    }
    other = google_file(
        tmp_path / "other.csv",
        google_row("María", "José García", "López", "", "mj@garcia.example"),
    )
    report = rave("import", "google", str(other), "--json").json()
    assert report["contacts_updated"] == 0
    assert parts(rave)["María José García López"] == ("María José", "García López")


def test_merge_keeps_the_kept_contacts_parts_else_takes_the_dropped_ones(
    rave: Rave, tmp_path: Path
) -> None:
    rave("add", "María José García López", "--email", "work@garcia.example")
    path = vcard_file(
        tmp_path / "contacts.vcf",
        ("García López;María José;;;", "María José García López", "home@garcia.example"),
    )
    assert rave("import", "vcard", str(path)).exit_code == 0  # a namesake: kept apart
    assert rave("merge", "#1", "#2", "--yes").exit_code == 0
    assert parts(rave) == {"María José García López": ("María José", "García López")}

    keep = rave("add", "Hana Sato", "--email", "a@sato.example", "--json").json()["id"]
    drop = rave("add", "Hana Sato", "--email", "b@sato.example", "--force", "--json").json()["id"]
    db = sqlite3.connect(rave_db())
    with db:
        sql = "UPDATE contact SET given_name = ?, family_name = ? WHERE id = ?"
        db.execute(sql, ("Hana", "Sato", keep))
        db.execute(sql, ("H.", "Satō", drop))
    db.close()
    assert rave("merge", f"#{keep}", f"#{drop}", "--yes").exit_code == 0
    assert parts(rave)["Hana Sato"] == ("Hana", "Sato")  # KEEP's stay

    keep = rave("add", "Bob Stone", "--json").json()["id"]
    drop = rave("add", "Robert Stone", "--json").json()["id"]
    db = sqlite3.connect(rave_db())
    with db:
        sql = "UPDATE contact SET given_name = ?, family_name = ? WHERE id = ?"
        db.execute(sql, ("Robert", "Stone", drop))
    db.close()
    assert rave("merge", f"#{keep}", f"#{drop}", "--yes").exit_code == 0
    assert parts(rave)["Bob Stone"] == (None, None)  # DROP's describe another name


def rave_db() -> Path:
    """The store the ``rave`` fixture writes (RAVE_HOME is set per test)."""
    return Path(os.environ["RAVE_HOME"]) / "rave.db"


def test_reimporting_your_own_vcard_export_changes_nothing(rave: Rave, tmp_path: Path) -> None:
    path = vcard_file(
        tmp_path / "contacts.vcf",
        ("García López;María José;;;", "María José García López", "mj@garcia.example"),
        ("Kreuzer;Michael;;;PhD", "Michael Kreuzer\\, PhD", "m.kreuzer@uni.example"),
    )
    assert rave("import", "vcard", str(path)).exit_code == 0
    rave("add", "Mary Ann Smith-Jones")  # no parts: the export writes a guess
    rave("add", "Ludwig van Beethoven", "--email", "lvb@bonn.example")
    before = rave("export", "json").stdout
    exported = tmp_path / "mine.vcf"
    assert rave("export", "vcard", "-o", str(exported)).exit_code == 0
    report = rave("import", "vcard", str(exported), "--json").json()
    assert (report["contacts_created"], report["contacts_updated"]) == (0, 0)
    assert rave("export", "json").stdout == before
    # nor does the guess become the source's parts in a new store
    other = tmp_path / "other"
    other.mkdir()
    assert rave("--db", str(other / "rave.db"), "import", "vcard", str(exported)).exit_code == 0
    document = json.loads(rave("--db", str(other / "rave.db"), "export", "json").stdout)
    found = {c["name"]: (c["given_name"], c["family_name"]) for c in document["contacts"]}
    assert found["Ludwig van Beethoven"] == (None, None)
    assert found["María José García López"] == ("María José", "García López")


def _set_typed(db: Path, value: str, typed: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE handle SET typed = ? WHERE value = ?", (typed, value))
    conn.close()


def test_json_carries_the_parts_and_the_typed_text_and_round_trips(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = vcard_file(
        tmp_path / "contacts.vcf",
        ("García López;María José;;;", "María José García López", "mj@garcia.example"),
    )
    assert rave("import", "vcard", str(path)).exit_code == 0
    rave("add", "Bob", "--handle", "linkedin=linkedin.com/in/bob")
    _set_typed(rave_db(), "mj@garcia.example", "MJ@Garcia.example")
    first = tmp_path / "first.json"
    assert rave("export", "json", "-o", str(first)).exit_code == 0
    document = json.loads(first.read_text(encoding="utf-8"))
    assert document["version"] == 3
    maria, bob = document["contacts"]
    assert (maria["given_name"], maria["family_name"]) == ("María José", "García López")
    assert maria["handles"] == [
        {"channel": "email", "value": "mj@garcia.example", "typed": "MJ@Garcia.example"}
    ]
    assert (bob["given_name"], bob["family_name"]) == (None, None)
    assert bob["handles"][0]["typed"] is None
    monkeypatch.setenv("RAVE_HOME", str(tmp_path / "elsewhere"))
    assert rave("import", "json", str(first)).exit_code == 0
    assert rave("export", "json").stdout == first.read_text(encoding="utf-8")
    again = rave("import", "json", str(first), "--json").json()
    assert (again["contacts_created"], again["contacts_updated"]) == (0, 0)
    assert rave("export", "json").stdout == first.read_text(encoding="utf-8")


def test_json_import_fills_missing_parts_and_typed_text(rave: Rave, tmp_path: Path) -> None:
    rave("add", "María José García López", "--email", "mj@garcia.example")
    document = json.loads(rave("export", "json").stdout)
    contact = document["contacts"][0]
    contact["given_name"], contact["family_name"] = "María José", "García López"
    contact["handles"][0]["typed"] = "MJ@Garcia.example"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = rave("import", "json", str(path), "--json").json()
    assert (report["contacts_created"], report["contacts_updated"]) == (0, 1)
    assert json.loads(rave("export", "json").stdout)["contacts"] == [contact]


# rave 0.x's export: format version 2, no name parts and no typed text
VERSION_2 = {
    "format": "rave",
    "version": 2,
    "contacts": [
        {
            "id": 4,
            "name": "Ana Lima",
            "tier": "B",
            "cadence_days": None,
            "why": None,
            "offer": None,
            "met": None,
            "company": "Acme",
            "title": None,
            "location": None,
            "birthday": None,
            "snoozed_until": None,
            "created_at": "2026-01-02T10:00:00Z",
            "updated_at": "2026-01-02T10:00:00Z",
            "aliases": [],
            "handles": [{"channel": "email", "value": "ana@lima.example"}],
            "tags": [],
            "refs": [],
        }
    ],
    "interactions": [
        {
            "id": 1,
            "kind": "chat",
            "direction": "both",
            "channel": "phone",
            "when": "2026-01-05T10:00:00Z",
            "note": None,
            "needs_reply": False,
            "source": "cli",
            "external_key": None,
            "created_at": "2026-01-05T10:00:00Z",
            "started_by": "me",
            "contact_ids": [4],
        }
    ],
    "posts": [],
    "notes": [],
    "followups": [],
}


def test_a_version_2_document_still_imports(rave: Rave, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(VERSION_2, indent=2), encoding="utf-8")
    out = rave("import", "json", str(path), "--json")
    assert out.exit_code == 0, out
    assert (out.json()["contacts_created"], out.json()["interactions_created"]) == (1, 1)
    document = json.loads(rave("export", "json").stdout)
    assert document["version"] == 3
    (ana,) = document["contacts"]
    assert (ana["id"], ana["name"], ana["company"]) == (4, "Ana Lima", "Acme")
    assert (ana["given_name"], ana["family_name"]) == (None, None)
    assert ana["handles"] == [{"channel": "email", "value": "ana@lima.example", "typed": None}]


def test_a_newer_json_version_is_refused(rave: Rave, tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    path.write_text(json.dumps({**VERSION_2, "version": 4}), encoding="utf-8")
    out = rave("import", "json", str(path))
    assert out.exit_code == 65
    assert "format version 4" in out.stderr and "this rave reads version 3" in out.stderr
