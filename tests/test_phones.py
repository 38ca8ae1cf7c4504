"""Phone numbers read with numbering plans (issue 16): one number is one number however
it is written (``06 98 76 54 32`` in France, ``+33 6 98 76 54 32``, ``0033 6 98…``),
stored in E.164 with an extension kept apart and what the user typed beside it; service
codes are refused; the default region comes from ``[phone] region``, else the locale.
Every test sets its region itself (conftest clears the locale)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from conftest import Rave, probe
from rave import config, migrations, phones
from rave.errors import ConfigError, UsageError
from rave.normalize import guess_handle, normalize_handle, typed_handle
from test_identity import google_csv, imported, vcards


def set_region(home: Path, region: str | None, extra: str = "") -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text((f'[phone]\nregion = "{region}"\n' if region else "") + extra, "utf-8")
    return path


def shown(rave: Rave, ref: str) -> dict[str, object]:
    out = rave("show", ref, "--json")
    assert out.exit_code == 0, out
    detail: dict[str, object] = out.json()
    return detail


def phones_of(rave: Rave, ref: str) -> list[str]:
    handles = shown(rave, ref)["handles"]
    assert isinstance(handles, list)
    return [h["value"] for h in handles if h["channel"] in phones.CHANNELS]


def typed_in_store(home: Path) -> list[tuple[int, str, str, str | None]]:
    with sqlite3.connect(home / "rave.db") as conn:
        return conn.execute(
            "SELECT contact_id, channel, value, typed FROM handle"
            " WHERE channel IN ('phone', 'sms', 'whatsapp') ORDER BY contact_id, value"
        ).fetchall()


# --- the stored form ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("06 98 76 54 32", "FR", "+33698765432"),
        ("+33 6 98 76 54 32", "FR", "+33698765432"),
        ("+33 6 98 76 54 32", None, "+33698765432"),
        ("0033 6 98 76 54 32", "FR", "+33698765432"),
        ("0033 6 98 76 54 32", None, "+33698765432"),  # 00: how nearly everyone dials out
        ("06.98.76.54.32", "FR", "+33698765432"),
        ("(757) 555-0100", "US", "+17575550100"),
        ("+1 757 555 0100", "US", "+17575550100"),
        ("+1 757 555 0100", "FR", "+17575550100"),
        ("757.555.0100", "US", "+17575550100"),
        ("011 33 6 98 76 54 32", "US", "+33698765432"),
        ("+44 (0)20 7946 0000", None, "+442079460000"),
        ("tel:+1-757-555-0100", None, "+17575550100"),
        ("https://wa.me/33698765432", None, "+33698765432"),
        ("٠٦ ٩٨ ٧٦ ٥٤ ٣٢", "FR", "+33698765432"),  # Arabic-Indic digits
        # an extension is kept apart, never glued onto the number
        ("(757) 555-0100 ext. 12", "US", "+17575550100;ext=12"),
        ("+1 757 555 0100 x12", None, "+17575550100;ext=12"),
        ("+17575550100;ext=12", None, "+17575550100;ext=12"),
        ("+15551000;ext=12", None, "+15551000;ext=12"),  # too short to read: digits, ext apart
        # no region to read a national number: its digits, as rave always kept them
        ("06 98 76 54 32", None, "0698765432"),
        ("555-0101", None, "5550101"),
        ("555-0101", "US", "5550101"),  # local only: no area code, no E.164 form
        ("555 0101 extension 7", None, "5550101;ext=7"),
        ("1+555", None, "1555"),
    ],
)
def test_one_number_one_stored_form(typed: str, region: str | None, stored: str) -> None:
    assert phones.normalize(typed, region=region) == stored
    assert normalize_handle("phone", typed, region=region) == stored
    assert phones.normalize(stored, region=region) == stored  # normalising again: no change


@pytest.mark.parametrize("code", ["*123#", "#31#0698765432", "*#06#", "*21*0698765432#", "##002#"])
def test_service_codes_are_refused(code: str) -> None:
    for chan in phones.CHANNELS:
        with pytest.raises(UsageError) as info:
            normalize_handle(chan, code, region="FR")
        assert info.value.message == f"{code!r} is a service code, not a phone number"
        assert info.value.exit_code == 2


@pytest.mark.parametrize("text", ["12", "abc", "+", "+1", "ext 12", "x"])
def test_what_has_no_number_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="is not a phone number"):
        phones.normalize(text, region="FR")


def test_a_region_given_wins_over_the_default(rave_home: Path) -> None:
    phones.set_default_region("US")
    assert normalize_handle("phone", "06 98 76 54 32") == "0698765432"
    assert normalize_handle("phone", "06 98 76 54 32", region="FR") == "+33698765432"
    assert normalize_handle("phone", "(757) 555-0100") == "+17575550100"
    phones.set_default_region(None)
    assert normalize_handle("phone", "(757) 555-0100") == "7575550100"
    with pytest.raises(ConfigError, match="'ZZ' is not a region phonenumbers knows"):
        phones.set_default_region("ZZ")


def test_typed_text_is_kept_only_when_it_differs() -> None:
    phones.set_default_region("FR")
    assert typed_handle("phone", " 06 98  76 54 32 ") == ("phone", "+33698765432", "06 98 76 54 32")
    assert typed_handle("whatsapp", "+33698765432") == ("whatsapp", "+33698765432", None)
    assert typed_handle("email", "Ana@Example.com") == ("email", "ana@example.com", None)


def test_a_phone_reference_finds_its_number_in_any_spelling() -> None:
    phones.set_default_region("FR")
    for ref in ("06 98 76 54 32", "+33 6 98 76 54 32", "0033 6 98 76 54 32"):
        assert guess_handle(ref) == [(c, "+33698765432") for c in phones.CHANNELS]


# --- properties -------------------------------------------------------------------------

REGIONS = ("FR", "US", "GB", "DE", "BR", "JP", "IT", "IN")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet="0123456789 +-().*#xet;=/", max_size=30) | st.text(max_size=30))
@example(text="1-800-FLOWERS")
@example(text="+1 555 1000 x 12")
@example(text="0011 44 20 7946 0000")
def test_normalising_twice_is_normalising_once(text: str) -> None:
    for region in (None, "FR", "US"):
        try:
            once = phones.normalize(text, region=region)
        except UsageError:
            continue
        assert phones.normalize(once, region=region) == once, region
        assert "*" not in once and "#" not in once and " " not in once


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, phonenumbers.PhoneNumber]:
    """A valid number of one of REGIONS: its example mobile or fixed-line number with
    other last digits."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    sample = phonenumbers.example_number_for_type(region, kind)
    assert sample is not None
    national = str(sample.national_number)
    tail = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    number = phonenumbers.parse(national[:-4] + tail, region)
    assume(phonenumbers.is_valid_number(number))
    return region, number


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(found=valid_numbers())
def test_national_and_international_spellings_are_one_number(
    found: tuple[str, phonenumbers.PhoneNumber],
) -> None:
    region, number = found
    fmt = phonenumbers.PhoneNumberFormat
    e164 = phonenumbers.format_number(number, fmt.E164)
    national = phonenumbers.format_number(number, fmt.NATIONAL)
    international = phonenumbers.format_number(number, fmt.INTERNATIONAL)
    assert phones.normalize(national, region=region) == e164
    assert phones.normalize(international, region=region) == e164
    for elsewhere in (None, *REGIONS):
        assert phones.normalize(international, region=elsewhere) == e164
    dialled_from_france = phonenumbers.format_out_of_country_calling_number(number, "FR")
    assert phones.normalize(dialled_from_france, region="FR") == e164


# --- the default region: config, then locale --------------------------------------------


@pytest.mark.parametrize(
    ("env", "region"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "FR"),
        ({"LANG": "de_AT@euro"}, "AT"),
        ({"LANG": "en_US"}, "US"),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "C"}, None),  # LC_ALL first, as POSIX says
        ({"LANG": "C", "LC_MESSAGES": "pt_BR.UTF-8"}, "BR"),
        ({"LANG": "en_GB.UTF-8", "LC_TELEPHONE": "de_DE.UTF-8"}, "DE"),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "POSIX"}, None),
        ({"LANG": "fr"}, None),
        ({}, None),
    ],
)
def test_the_locale_names_a_region(env: dict[str, str], region: str | None) -> None:
    assert phones.locale_region(env) == region


def test_region_from_config_else_locale(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # no [phone] region: the locale's
    assert rave("add", "Ana", "--phone", "06 98 76 54 32").exit_code == 0
    set_region(rave_home, "US")  # the config wins over the locale
    assert rave("add", "Bob", "--phone", "(757) 555-0100").exit_code == 0
    assert rave("add", "Cleo", "--phone", "06 11 22 33 44").exit_code == 0
    set_region(rave_home, "fr")  # any case
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert rave("add", "Dee", "--phone", "06 11 22 33 55").exit_code == 0
    set_region(rave_home, None)  # neither: the digits
    assert rave("add", "Eve", "--phone", "07 55 66 77 88").exit_code == 0
    assert [phones_of(rave, n) for n in ("Ana", "Bob", "Cleo", "Dee", "Eve")] == [
        ["+33698765432"],
        ["+17575550100"],
        ["0611223344"],  # not a US number: kept as typed, digits only
        ["+33611223355"],
        ["0755667788"],
    ]


def test_each_command_reads_the_region_anew(
    rave: Rave, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_region(rave_home, "FR")
    assert rave("add", "Ana", "--phone", "06 98 76 54 32").exit_code == 0
    assert rave("show", "06 98 76 54 32").exit_code == 0
    other = rave_home.parent / "other.toml"
    other.write_text('[phone]\nregion = "US"\n', "utf-8")
    monkeypatch.setenv("RAVE_CONFIG", str(other))  # the next command, another config
    assert rave("show", "06 98 76 54 32").exit_code == 3  # read in the US now: nobody
    assert rave("show", "+33 6 98 76 54 32").exit_code == 0


def test_an_unknown_region_is_a_config_error(rave: Rave, rave_home: Path) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    set_region(rave_home, "ZZ")
    out = rave("add", "Bob", "--phone", "06 98 76 54 32")
    assert out.exit_code == 1, out
    assert "config [phone] region: 'ZZ' is not a region phonenumbers knows" in out.stderr
    assert 'region = "FR"' in out.stderr  # the hint
    assert rave("today").exit_code == 0  # reads no number: the rest works on
    doctor = rave("doctor", "--json")
    assert doctor.exit_code == 1
    checks = {c["name"]: c for c in doctor.json()["checks"]}
    assert checks["config"]["detail"].startswith("config [phone] region: 'ZZ' is not a region")


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ({"region": "ZZ"}, "[phone] region: 'ZZ' is not a region phonenumbers knows"),
        ({"region": "France"}, "[phone] region: 'France' is not a region"),
        ({"region": 33}, "[phone] region: expected a country code, got 33"),
        ({"region": " "}, "[phone] region: expected a country code"),
        ({"regoin": "FR"}, "[phone] regoin: unknown key (known: region)"),
    ],
)
def test_bad_phone_settings_name_the_key(table: dict[str, object], said: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.phone_from_table(table)
    assert said in info.value.message
    assert info.value.exit_code == 1


def test_phone_settings_are_read(tmp_path: Path) -> None:
    assert config.load_phone(tmp_path / "nope.toml") == config.PhoneConfig(None)
    path = set_region(tmp_path, " gb ")
    assert config.load_phone(path) == config.PhoneConfig("GB")
    config.validate(path)


def test_me_phones_are_read_in_the_region(rave_home: Path) -> None:
    path = set_region(rave_home, "FR", '[me]\nphones = ["06 98 76 54 32"]\n')
    phones.configure(lambda: config.load_phone(path).region)
    assert config.load_me(path).phones == ("+33698765432",)


# --- what the user typed is kept beside -------------------------------------------------


def test_add_and_edit_keep_what_was_typed(rave: Rave, rave_home: Path) -> None:
    set_region(rave_home, "FR")
    assert rave("add", "Ana", "--phone", "06 98 76 54 32").exit_code == 0
    assert rave("edit", "Ana", "--handle", "whatsapp=+33 6 11 22 33 44").exit_code == 0
    assert rave("edit", "Ana", "--handle", "sms=+33611223344").exit_code == 0
    assert typed_in_store(rave_home) == [
        (1, "sms", "+33611223344", None),  # typed as stored: nothing more to keep
        (1, "whatsapp", "+33611223344", "+33 6 11 22 33 44"),
        (1, "phone", "+33698765432", "06 98 76 54 32"),
    ]
    profile = rave("show", "Ana").stdout
    assert "06 98 76 54 32 (+33698765432)" in profile
    assert "+33 6 11 22 33 44 (+33611223344)" in profile
    # the same number in another spelling is the same handle: no second one, no error
    assert rave("edit", "Ana", "--phone", "+33 6 98 76 54 32").exit_code == 0
    assert phones_of(rave, "Ana") == ["+33698765432", "+33611223344", "+33611223344"]
    dropped = rave("edit", "Ana", "--drop-handle", "phone=0033698765432")
    assert dropped.exit_code == 0, dropped
    assert "+33698765432" not in phones_of(rave, "Ana")


def test_another_persons_number_in_another_spelling_is_refused(rave: Rave, rave_home: Path) -> None:
    set_region(rave_home, "US")
    assert rave("add", "Ana", "--phone", "+1 757 555 0100").exit_code == 0
    out = rave("add", "Bob", "--phone", "(757) 555-0100")
    assert out.exit_code == 1
    assert "phone +17575550100 already belongs to #1 Ana" in out.stderr


def test_a_service_code_is_a_usage_error_at_the_cli(rave: Rave, rave_home: Path) -> None:
    set_region(rave_home, "FR")
    assert rave("add", "Ana").exit_code == 0
    out = rave("edit", "Ana", "--phone", "*123#")
    assert out.exit_code == 2
    assert "'*123#' is a service code, not a phone number" in out.stderr
    out = rave("edit", "Ana", "--handle", "phone=#31#0698765432")
    assert out.exit_code == 2 and "is a service code" in out.stderr
    assert phones_of(rave, "Ana") == []  # nothing was written


# --- imports ----------------------------------------------------------------------------


def test_imports_match_national_and_international_spellings(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    set_region(rave_home, "FR")
    assert rave("add", "Jean Dupont", "--phone", "+33 6 98 76 54 32").exit_code == 0
    file = google_csv(
        tmp_path / "contacts.csv",
        [
            {"First Name": "Jean", "Last Name": "Dupont", "Phone 1 - Value": "06 98 76 54 32"},
            # the same number, someone else: a family's line, kept apart
            {"First Name": "Marie", "Last Name": "Dupont", "Phone 1 - Value": "0033698765432"},
        ],
    )
    report = imported(rave, "google", file)
    assert report["contacts_created"] == 1  # Marie; Jean was found by name and phone
    (pair,) = rave("dupes", "--json").json()
    assert (pair["keep_name"], pair["drop_name"]) == ("Jean Dupont", "Marie Dupont")
    assert pair["reasons"] == ["same phone number +33698765432"]
    assert imported(rave, "google", file)["contacts_created"] == 0  # found again
    assert imported(rave, "google", file)["contacts_updated"] == 0


def test_a_vcard_in_another_spelling_is_the_same_person(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    set_region(rave_home, "US")
    assert rave("add", "John Smith", "--phone", "+1 757 555 0100").exit_code == 0
    cards = vcards(
        tmp_path / "cards.vcf",
        [
            [
                "N:Smith;John;;;",
                "FN:John Smith",
                "TEL;type=CELL;type=VOICE;type=pref:(757) 555-0100",
            ],
            ["N:Roe;Jane;;;", "FN:Jane Roe", "TEL;type=WORK:757.555.0199 ext. 3"],
        ],
    )
    report = imported(rave, "vcard", cards)
    assert report["contacts_created"] == 1  # Jane
    assert phones_of(rave, "John Smith") == ["+17575550100"]
    assert typed_in_store(rave_home)[1] == (2, "phone", "+17575550199;ext=3", "757.555.0199 ext. 3")
    assert "757.555.0199 ext. 3 (+17575550199;ext=3)" in rave("show", "Jane Roe").stdout


OUTLOOK_HEADER = (
    "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,"
    "E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,"
    "Business Phone,Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,"
    "Pager,Business Fax,Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,"
    "Telex,TTY/TDD Phone,IMAddress,Job Title,Department,Company,Office Location,"
    "Manager's Name,Assistant's Name,Assistant's Phone,Company Yomi,Business Street,"
    "Business City,Business State,Business Postal Code,Business Country/Region,"
    "Home Street,Home City,Home State,Home Postal Code,Home Country/Region,Other Street,"
    "Other City,Other State,Other Postal Code,Other Country/Region,Personal Web Page,"
    "Spouse,Schools,Hobby,Location,Web Page,Birthday,Anniversary,Notes"
)


def test_outlook_phone_columns_keep_their_spelling(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    set_region(rave_home, "GB")
    columns = OUTLOOK_HEADER.split(",")
    row = dict.fromkeys(columns, "")
    row.update(
        {
            "First Name": "Priya",
            "Last Name": "Patel",
            "Mobile Phone": "07400 123456",
            "Business Phone": "+44 20 7946 0958",
        }
    )
    path = tmp_path / "outlook.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:  # as Outlook writes it
        writer = csv.DictWriter(stream, columns, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(row)
    assert imported(rave, "outlook", path)["contacts_created"] == 1
    assert typed_in_store(rave_home) == [
        (1, "phone", "+442079460958", "+44 20 7946 0958"),
        (1, "phone", "+447400123456", "07400 123456"),
    ]


# --- the vCard export writes what was typed, and reads back as it was --------------------


def test_vcard_export_writes_numbers_that_read_the_same_anywhere(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    set_region(rave_home, "FR")
    assert (
        rave("add", "Ana", "--phone", "06 98 76 54 32", "--phone", "+1 757 555 0100").exit_code == 0
    )
    assert rave("add", "Bob", "--phone", "+33611223344").exit_code == 0
    assert rave("add", "Cleo", "--phone", "+1 555 1000 ext. 12").exit_code == 0
    text = rave("export", "vcard").stdout
    lines = text.splitlines()
    # a national spelling would mean another number (or none) in another region's store
    assert "TEL:+33 6 98 76 54 32" in lines
    assert "TEL:+1 757 555 0100" in lines  # typed with its country code: as typed
    assert "TEL:+33 6 11 22 33 44" in lines  # stored as typed: written readable
    assert "TEL:+1 555 1000 ext. 12" in lines  # read back: +15551000;ext=12
    target = tmp_path / "mine.vcf"
    target.write_text(text, "utf-8", newline="")
    before = typed_in_store(rave_home)
    report = imported(rave, "vcard", target)
    assert (report["contacts_created"], report["contacts_updated"]) == (0, 0)
    assert typed_in_store(rave_home) == before


def test_an_exported_vcard_finds_the_same_number_in_a_store_of_another_region(
    rave: Rave, rave_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_region(rave_home, "FR")
    assert rave("add", "Ana", "--phone", "06 98 76 54 32").exit_code == 0
    card = tmp_path / "ana.vcf"
    assert rave("export", "vcard", "-o", str(card)).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("RAVE_HOME", str(elsewhere))
    set_region(elsewhere, "US")  # "06 98 76 54 32" means nothing in the US
    imported(rave, "vcard", card)
    assert [row[2] for row in typed_in_store(elsewhere)] == ["+33698765432"]


# --- start-up: phonenumbers only where a number is read ---------------------------------


def test_phonenumbers_is_imported_only_to_read_a_number(rave: Rave, rave_home: Path) -> None:
    set_region(rave_home, "FR")
    assert rave("add", "Ana Lima", "--phone", "06 98 76 54 32", "--tier", "A").exit_code == 0
    for args in (("--help",), ("today",), ("log", "Ana Lima", "-n", "hi"), ("show", "Ana")):
        found = probe(rave_home, *args)
        assert found.exit_code == 0, (args, found)
        assert "phonenumbers" not in found.modules, args
    found = probe(rave_home, "show", "06 98 76 54 32")
    assert found.exit_code == 0 and found.stdout.startswith("#1 Ana Lima")
    assert "phonenumbers" in found.modules


# --- the upgrade of a schema-4 store ----------------------------------------------------


def schema_4_store(home: Path, handles: list[tuple[str, str, str]], refs=()) -> Path:
    """A store as rave wrote it at schema 4 (phones as digits), with ``handles``
    (contact name, channel, value): contacts created in the order first named."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "rave.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script, _fill in migrations.MIGRATIONS[:4]:
        for statement in migrations._statements(script):
            conn.execute(statement)
    ids: dict[str, int] = {}
    for n, (name, channel, value) in enumerate(handles):
        if name not in ids:
            when = f"2026-01-{n + 1:02d}T00:00:00Z"
            ids[name] = conn.execute(
                "INSERT INTO contact (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (name, name.lower(), when, when),
            ).lastrowid
        conn.execute(
            "INSERT INTO handle (contact_id, channel, value) VALUES (?, ?, ?)",
            (ids[name], channel, value),
        )
    for source, key, name in refs:
        conn.execute(
            "INSERT INTO contact_ref (source, key, contact_id) VALUES (?, ?, ?)",
            (source, key, ids[name]),
        )
    conn.execute("PRAGMA user_version = 4")
    conn.close()
    return path


def test_the_upgrade_renormalises_phones_and_keeps_what_was_stored(
    rave: Rave, rave_home: Path
) -> None:
    set_region(rave_home, "FR")
    path = schema_4_store(
        rave_home,
        [
            ("Jean Dupont", "phone", "0698765432"),
            ("Jean Dupont", "whatsapp", "33698765432"),
            ("Ana", "phone", "+15550109999"),  # already E.164: unchanged, nothing typed
            ("Ana", "sms", "5550101"),  # no region reads it: kept
            ("Ana", "email", "ana@example.com"),
            ("Bob", "phone", "*123#"),  # cannot be read any more: kept as it was
        ],
        refs=[("shared-phone", "0611223344 bob", "Bob")],
    )
    assert rave("list").exit_code == 0  # any command upgrades
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
        assert conn.execute("SELECT key FROM contact_ref").fetchall() == [("+33611223344 bob",)]
    assert typed_in_store(rave_home) == [
        (1, "phone", "+33698765432", "0698765432"),
        (1, "whatsapp", "+33698765432", "33698765432"),  # no +, so read in France
        (2, "phone", "+15550109999", None),
        (2, "sms", "5550101", None),
        (3, "phone", "*123#", None),
    ]
    assert list(rave_home.glob("rave.db.v4-*.bak"))  # the copy taken before the upgrade
    # the national spelling finds them now
    assert rave("show", "+33 6 98 76 54 32").stdout.startswith("#1 Jean Dupont")


def test_the_upgrade_keeps_one_of_two_spellings_on_one_contact(rave: Rave, rave_home: Path) -> None:
    set_region(rave_home, "FR")
    schema_4_store(
        rave_home,
        [
            ("Jean Dupont", "phone", "0698765432"),
            ("Jean Dupont", "phone", "+33698765432"),
            ("Jean Dupont", "phone", "0033698765432"),
        ],
    )
    assert rave("list").exit_code == 0
    assert typed_in_store(rave_home) == [(1, "phone", "+33698765432", None)]


def test_the_upgrade_gives_a_number_of_two_contacts_to_the_older_and_keeps_the_pair(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    set_region(rave_home, "FR")
    schema_4_store(
        rave_home,
        [
            ("Jean Dupont", "phone", "0698765432"),  # the older contact
            ("Marie Dupont", "phone", "+33698765432"),  # already E.164, but newer
        ],
    )
    assert rave("list").exit_code == 0
    assert typed_in_store(rave_home) == [(1, "phone", "+33698765432", "0698765432")]
    (pair,) = rave("dupes", "--json").json()
    assert (pair["keep_name"], pair["drop_name"]) == ("Jean Dupont", "Marie Dupont")
    assert pair["reasons"] == ["same phone number +33698765432"]
    # the next import of Marie's number finds Marie, not Jean
    file = google_csv(
        tmp_path / "c.csv",
        [{"First Name": "Marie", "Last Name": "Dupont", "Phone 1 - Value": "06 98 76 54 32"}],
    )
    before = typed_in_store(rave_home)
    assert imported(rave, "google", file)["contacts_created"] == 0
    assert typed_in_store(rave_home) == before  # nothing of Marie's went to Jean


def test_the_upgrade_of_a_store_without_phones_does_not_read_numbers(rave_home: Path) -> None:
    schema_4_store(rave_home, [("Ana", "email", "ana@example.com")])
    set_region(rave_home, "FR")
    found = probe(rave_home, "list")
    assert found.exit_code == 0 and "phonenumbers" not in found.modules


def test_a_bad_region_stops_the_upgrade_and_leaves_the_store(rave: Rave, rave_home: Path) -> None:
    path = schema_4_store(rave_home, [("Ana", "phone", "0698765432")])
    set_region(rave_home, "ZZ")
    out = rave("list")
    assert out.exit_code == 1 and "config [phone] region: 'ZZ'" in out.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        assert conn.execute("SELECT value FROM handle").fetchall() == [("0698765432",)]
    set_region(rave_home, "FR")
    assert rave("list").exit_code == 0
    assert typed_in_store(rave_home) == [(1, "phone", "+33698765432", "0698765432")]


def test_numbers_kept_as_digits_are_read_once_a_region_is_set(rave: Rave, rave_home: Path) -> None:
    """A store upgraded, or numbers added, while no region was known (cron has no LANG):
    `rave doctor` says so once a region is set, and `--rebuild` stores them in E.164."""
    assert rave("add", "Jean Dupont", "--phone", "06 98 76 54 32").exit_code == 0
    assert [row[2] for row in typed_in_store(rave_home)] == ["0698765432"]
    assert rave("show", "+33 6 98 76 54 32").exit_code == 3  # not found as it is kept
    set_region(rave_home, "FR")
    checked = rave("doctor", "--json")
    assert checked.exit_code == 1
    (phones_check,) = [c for c in checked.json()["checks"] if c["name"] == "phones"]
    assert "1 phone number kept as digits" in phones_check["detail"]
    rebuilt = rave("doctor", "--rebuild", "--json")
    assert rebuilt.exit_code == 0, rebuilt
    assert rebuilt.json()["rebuilt"]["phones"] == 1
    assert typed_in_store(rave_home) == [(1, "phone", "+33698765432", "06 98 76 54 32")]
    assert rave("show", "+33 6 98 76 54 32").stdout.startswith("#1 Jean Dupont")


def test_numbers_read_anew_by_doctor_can_be_undone_and_older_commands_still_can(
    rave: Rave, rave_home: Path
) -> None:
    """Bob's number kept as digits and Carl's in E.164 turn out to be one: the rebuild
    gives it to Bob, the older, and keeps it for Carl as a shared number. That change is
    a command of the undo log like any other, so the ones before it stay undoable."""
    assert rave("add", "Bob", "--phone", "0612345678").exit_code == 0
    assert rave("add", "Carl Plus", "--phone", "+33612345678").exit_code == 0
    set_region(rave_home, "FR")
    (check,) = [c for c in rave("doctor", "--json").json()["checks"] if c["name"] == "phones"]
    assert "1 phone number kept as digits" in check["detail"]
    rebuilt = rave("doctor", "--rebuild", "--json")
    assert rebuilt.json()["rebuilt"]["phones"] == 1  # what the check counted
    assert [row[:3] for row in typed_in_store(rave_home)] == [(1, "phone", "+33612345678")]
    for expected in ("rave doctor --rebuild", "removed 1 contact and 1 handle"):
        undone = rave("undo", "--yes")
        assert undone.exit_code == 0, undone
        assert expected in undone.stdout
    assert [row[:3] for row in typed_in_store(rave_home)] == [(1, "phone", "0612345678")]
    assert rave("list", "--json").json()[0]["name"] == "Bob"
