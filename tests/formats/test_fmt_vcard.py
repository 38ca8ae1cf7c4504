"""vCard 2.1 / 3.0 / 4.0 reading, and the vCard 3.0 writer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rave import normalize
from rave.errors import BadInputError
from rave.formats import ContactRecord, ParseStats
from rave.formats.vcard import fold, read_vcards, write_vcards

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vcard"


def read(path: Path) -> tuple[list[ContactRecord], ParseStats]:
    stats = ParseStats()
    return list(read_vcards(path, stats=stats)), stats


def test_google_style_card_with_property_groups() -> None:
    records, _ = read(FIXTURES / "contacts_3.0.vcf")
    nora = records[0]
    assert nora.name == "Nora Moretti"
    assert nora.line == 1
    assert nora.emails == ["nora@moretti.example", "nora.m@gmail.example"]  # item1.EMAIL too
    assert nora.phones == ["+393331234567"]
    assert nora.handles == [
        ("linkedin", "https://linkedin.com/in/nora-moretti"),
        ("other", "https://moretti.example"),
    ]
    assert nora.company == "Moretti, Rossi & Partners"
    assert nora.title == "Head of Design, EMEA"
    assert nora.note == "Met at Config 2023, Lisbon.\nLoves espresso; hates meetings."
    assert nora.tags == ["friends", "design"]  # myContacts is Google's, not a tag
    assert nora.birthday == "--04-15"
    assert nora.aliases == ["Nono"]


def test_apple_card_social_profiles_omit_year_uid_and_dropped_photo() -> None:
    records, stats = read(FIXTURES / "contacts_3.0.vcf")
    bo = records[1]
    assert bo.name == "Bo Chen"
    assert bo.line == 21
    assert bo.aliases == ["Bobo", "B."]
    assert bo.handles == [("linkedin", "https://linkedin.com/in/bo-chen"), ("twitter", "@bochen")]
    assert bo.birthday == "--11-02"  # X-APPLE-OMIT-YEAR=1604
    assert bo.location == "San Francisco, United States"
    assert bo.refs[0] == ("vcard-uid", "4F3B1C2A-7E6D-4C1B-9A8F-1234567890AB")
    assert stats.dropped["photo"] == 2
    assert "/9j/" not in repr(records)  # no picture data kept anywhere


def test_card_without_fn_uses_n() -> None:
    records, _ = read(FIXTURES / "contacts_3.0.vcf")
    carl = records[2]
    assert (carl.name, carl.emails) == ("Carl Berg", ["carl@berg.example"])
    assert carl.line > 100  # after the Apple photo, counted in physical lines


def test_vcard_4() -> None:
    (dee,), _ = read(FIXTURES / "contact_4.0.vcf")
    assert dee.name == "Dee Ng"
    assert dee.phones == ["+15555550199"]  # tel: URI
    assert dee.handles == [("other", "https://mastodon.social/@dee"), ("twitter", "@deeng")]
    assert dee.birthday == "--04-15"  # --0415
    assert dee.tags == ["climbing", "book club"]
    assert dee.refs[0] == ("vcard-uid", "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6")


def test_vcard_21_quoted_printable_from_a_phone() -> None:
    records, stats = read(FIXTURES / "phone_2.1.vcf")
    zoe, jan = records
    assert zoe.name == "Zoë Müller"
    assert zoe.phones == ["+491701234567", "0301234567"]
    assert zoe.note == "Kennengelernt in Köln, 2019. Sehr nett; spricht Französisch."
    assert zoe.birthday == "1980-04-15"
    assert (jan.name, jan.line) == ("Jan", 45)
    assert stats.dropped["photo"] == 1
    assert stats.records == 2


def test_card_with_neither_fn_nor_n_names_its_first_line() -> None:
    with pytest.raises(BadInputError) as info:
        read(FIXTURES / "no_name.vcf")
    assert info.value.line == 6
    assert "FN" in info.value.reason


def test_malformed_line_is_reported_with_its_line() -> None:
    with pytest.raises(BadInputError) as info:
        read(FIXTURES / "malformed.vcf")
    assert info.value.line == 8
    assert "malformed vCard" in info.value.reason


def test_unclosed_card_and_junk_outside_cards(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Bo\r\n"
    )
    with pytest.raises(BadInputError) as info:
        read(path)
    assert info.value.line == 5
    assert "END:VCARD" in info.value.reason
    path.write_bytes(b"hello\r\nBEGIN:VCARD\r\nFN:Ana\r\nEND:VCARD\r\n")
    with pytest.raises(BadInputError) as info:
        read(path)
    assert info.value.line == 1


def test_url_host_wins_over_a_wrong_label(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\n"
        b"item1.URL:https://github.com/ana\r\nitem1.X-ABLabel:Twitter\r\n"
        b"X-SOCIALPROFILE;TYPE=instagram:ana.lima\r\nEND:VCARD\r\n"
    )
    (ana,), _ = read(path)
    assert ana.handles == [
        ("other", "https://github.com/ana"),
        ("instagram", "https://instagram.com/ana.lima"),
    ]


def test_invalid_email_is_dropped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEMAIL:not-an-email\r\nEND:VCARD\r\n")
    (ana,), stats = read(path)
    assert ana.emails == []
    assert stats.dropped["email"] == 1
    assert "a.vcf:4" in stats.warnings[0]


# --------------------------------------------------------------------------- writer

ZOE = ContactRecord(
    name="Zoë Müller",
    id=7,
    aliases=["Zo", "Z, the great"],
    emails=["zoe@mueller.example"],
    phones=["+491701234567"],
    handles=[
        ("linkedin", "https://linkedin.com/in/zoe-mueller"),
        ("twitter", "@zoemueller"),
        ("other", "https://zoe.example"),
    ],
    tags=["köln crew", "design, research"],
    company="Müller & Söhne; Köln",
    title="Geschäftsführerin",
    location="Köln, Germany",
    birthday="--04-15",
    note="Ünïcödé " * 30 + "\nsecond line, with; punctuation \\ and 🎉 " * 3,
)


def written(*contacts: ContactRecord) -> str:
    buffer = io.StringIO()
    assert write_vcards(contacts, buffer) == len(contacts)
    return buffer.getvalue()


def test_writer_uses_crlf_and_folds_at_75_octets() -> None:
    text = written(ZOE)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert max(len(line.encode("utf-8")) for line in lines) <= 75
    assert any(line.startswith(" ") for line in lines)  # the note was folded
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")


def test_fold_never_splits_a_multibyte_character() -> None:
    line = "NOTE:" + "é🎉x" * 40
    folded = fold(line)
    for physical in folded.split("\r\n")[:-1]:
        physical.encode("utf-8")  # each piece is whole characters
        assert len(physical.encode("utf-8")) <= 75
    assert folded.replace("\r\n ", "") == line + "\r\n"


def test_written_cards_parse_back(tmp_path: Path) -> None:
    path = tmp_path / "out.vcf"
    path.write_bytes(written(ZOE, ContactRecord(name="Ana", id=8)).encode("utf-8"))
    (zoe, ana), stats = read(path)
    assert stats.warnings == []
    assert zoe.name == ZOE.name
    assert zoe.aliases == ZOE.aliases
    assert zoe.emails == ZOE.emails
    assert zoe.phones == ZOE.phones
    assert zoe.handles == ZOE.handles
    assert zoe.tags == ZOE.tags
    assert zoe.company == ZOE.company
    assert zoe.title == ZOE.title
    assert zoe.location == ZOE.location
    assert zoe.birthday == ZOE.birthday
    assert zoe.note == ZOE.note.strip()
    assert zoe.refs[0] == ("vcard-uid", "rave-contact-7@rave")
    assert ana.name == "Ana"


def test_written_cards_parse_with_vobject() -> None:
    import vobject

    cards = list(vobject.readComponents(written(ZOE)))
    assert cards[0].fn.value == "Zoë Müller"
    assert cards[0].n.value.family == "Müller"
    assert cards[0].uid.value == "rave-contact-7@rave"


def test_uid_is_stable_and_keeps_an_imported_uid() -> None:
    assert written(ZOE) == written(ZOE)
    imported = ContactRecord(name="Bo", id=3, refs=[("vcard-uid", "ABC-123")])
    assert "UID:ABC-123\r\n" in written(imported)
    assert "UID:rave-contact-3@rave\r\n" in written(ContactRecord(name="Bo", id=3))


def _fixpoint(text: str) -> str:
    for _ in range(3):
        text = normalize.clean_text(text)
    return text


CHARS = st.characters(exclude_categories=("Cs",))
ONE_LINE = (
    st.text(CHARS, max_size=40)
    .map(lambda s: " ".join(_fixpoint(s).split()))
    .filter(lambda s: bool(s) and " ".join(normalize.clean_text(s).split()) == s)
)
MULTI_LINE = (
    st.text(CHARS, min_size=1, max_size=200)
    .map(_fixpoint)
    .filter(lambda s: bool(s) and normalize.clean_text(s) == s)
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    name=ONE_LINE,
    aliases=st.lists(ONE_LINE, max_size=3, unique=True),
    tags=st.lists(ONE_LINE, max_size=3, unique=True),
    company=st.none() | ONE_LINE,
    note=st.none() | MULTI_LINE,
)
def test_any_text_survives_write_and_read(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    aliases: list[str],
    tags: list[str],
    company: str | None,
    note: str | None,
) -> None:
    contact = ContactRecord(name=name, id=1, aliases=aliases, tags=tags, company=company, note=note)
    text = written(contact)
    assert max(len(line.encode("utf-8")) for line in text.split("\r\n")) <= 75
    path = tmp_path_factory.mktemp("vcard") / "one.vcf"
    path.write_bytes(text.encode("utf-8"))
    (back,), _ = read(path)
    assert (back.name, back.aliases, back.company, back.note) == (name, aliases, company, note)
    assert back.tags == [
        t for t in tags if t.casefold() not in ("mycontacts", "starred", "my contacts")
    ]
