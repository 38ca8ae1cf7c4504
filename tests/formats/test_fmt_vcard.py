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
from rave.formats.vcard import read_vcards
from rave.formats.vcard_write import fold, split_name, write_vcards

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


def test_card_with_neither_fn_nor_n_is_named_like_google_names_it() -> None:
    (ok, nameless), stats = read(FIXTURES / "no_name.vcf")
    assert ok.name == "Ok Person"
    assert (nameless.name, nameless.line) == ("Nameless Inc.", 6)  # ORG, as Google CSV does
    assert nameless.emails == ["nobody@example.com"]
    assert stats.skipped_total == 0


def test_a_nameless_android_card_is_skipped_and_counted_not_the_whole_file() -> None:
    records, stats = read(FIXTURES / "android_nameless.vcf")
    assert [r.name for r in records] == ["Kenji Tanaka", "Jörg Müller"]
    assert stats.rows == 3 and stats.records == 2
    assert stats.skipped == {"card without a name": 1}
    assert stats.warnings == [
        f"{FIXTURES / 'android_nameless.vcf'}:8: skipped a card: "
        "no name: neither FN, N, NICKNAME, ORG nor EMAIL"
    ]


def test_a_malformed_card_is_skipped_with_its_line() -> None:
    (good,), stats = read(FIXTURES / "malformed.vcf")
    assert good.name == "Good Person"
    assert stats.skipped == {"unreadable card": 1}
    assert stats.warnings[0].startswith(f"{FIXTURES / 'malformed.vcf'}:8: skipped a card: ")
    assert "malformed vCard" in stats.warnings[0]


def test_an_unclosed_card_is_skipped_and_the_next_one_read(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\n"  # no END:VCARD
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nFN:Cy\r\n"  # the file is cut short
    )
    (bo,), stats = read(path)
    assert (bo.name, bo.line) == ("Bo", 4)
    assert stats.skipped == {"unreadable card": 2}
    assert [w.split(": ", 1)[0] for w in stats.warnings] == [f"{path}:1", f"{path}:8"]
    assert "no END:VCARD" in stats.warnings[1]


def test_text_before_the_first_card_is_no_vcard_and_between_cards_is_passed_over(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.vcf"
    path.write_bytes(b"hello\r\nBEGIN:VCARD\r\nFN:Ana\r\nEND:VCARD\r\n")
    with pytest.raises(BadInputError) as info:
        read(path)
    assert info.value.line == 1
    path.write_bytes(
        b"BEGIN:VCARD\r\nFN:Ana\r\nEND:VCARD\r\n\x1a\r\nBEGIN:VCARD\r\nFN:Bo\r\nEND:VCARD\r\n"
    )
    records, stats = read(path)
    assert [r.name for r in records] == ["Ana", "Bo"]
    assert stats.warnings == [f"{path}:4: text outside any card, passed over"]


def test_a_google_csv_given_as_vcard_is_refused_naming_google() -> None:
    with pytest.raises(BadInputError) as info:
        read(FIXTURES.parent / "google" / "contacts.csv")
    assert "Google Contacts CSV, not a vCard" in info.value.reason
    assert info.value.hint is not None and "rave import google" in info.value.hint


# --------------------------------------------------------------------------- real exports


def test_ios_cr_cr_lf_line_ends_keep_the_birthday_and_the_note() -> None:
    raw = (FIXTURES / "ios_crcrlf.vcf").read_bytes()
    assert raw.count(b"\r\r\n") == raw.count(b"\n")  # every line ends CR CR LF
    (ada, ben), stats = read(FIXTURES / "ios_crcrlf.vcf")
    assert ada.birthday == "1986-04-15"  # the photo after it is not glued onto it
    assert ada.handles == [("linkedin", "https://linkedin.com/in/ada-okafor")]
    assert ben.note == "Met at the Lisbon meetup. Wants an intro to a designer."
    second = raw.split(b"\r\r\n").index(b"BEGIN:VCARD", 1) + 1
    assert (ada.line, ben.line) == (1, second)  # CR CR LF is one line end, not two
    assert stats.dropped == {"photo": 2} and stats.warnings == []


@pytest.mark.parametrize("end", [b"\r\n", b"\n", b"\r", b"\r\r\n"], ids=repr)
def test_every_kind_of_line_end(tmp_path: Path, end: bytes) -> None:
    lines = (FIXTURES / "ios_crcrlf.vcf").read_bytes().split(b"\r\r\n")
    path = tmp_path / "a.vcf"
    path.write_bytes(end.join(lines))
    (ada, ben), stats = read(path)
    assert (ada.name, ada.birthday, ada.company) == ("Ada Okafor", "1986-04-15", "Lumen Labs")
    assert ben.note == "Met at the Lisbon meetup. Wants an intro to a designer."
    assert "/9j/" not in repr([ada, ben]) and stats.warnings == []


def test_escapes_are_decoded_including_gmail_quotes() -> None:
    (ines, michael), _ = read(FIXTURES / "gmail_escapes.vcf")
    assert ines.note == (
        'She said "let\'s talk in June"; prefers Signal.\nKids: Rui, Ana.\n'
        "Backups in C:\\Users\\ines"
    )
    assert ines.company == "Duarte, Costa & Filhos"
    assert ines.tags == ["Clients"]
    assert michael.name == "Michael Kreuzer, PhD"


def test_n_gives_the_given_and_family_names_and_the_writer_keeps_them() -> None:
    (ines, michael), _ = read(FIXTURES / "gmail_escapes.vcf")
    assert (ines.given_name, ines.family_name) == ("Ines", "Duarte")
    assert (michael.given_name, michael.family_name) == ("Michael", "Kreuzer")
    assert "N:Kreuzer;Michael;;;PhD\r\n" in written(michael)  # as the card had it
    garcia = ContactRecord(
        name="Gabriel García Márquez", given_name="Gabriel", family_name="García Márquez"
    )
    assert "N:García Márquez;Gabriel;;;\r\n" in written(garcia)
    mary = ContactRecord(
        name="Mary Ann van der Berg", given_name="Mary Ann", family_name="van der Berg"
    )
    assert "N:van der Berg;Mary Ann;;;\r\n" in written(mary)
    maria = ContactRecord(
        name="María José García López", given_name="María José", family_name="García López"
    )
    assert "N:García López;María José;;;\r\n" in written(maria)  # the guess: López
    dr = ContactRecord(
        name="Dr. Mary Ann van der Berg, PhD", given_name="Mary Ann", family_name="van der Berg"
    )
    assert "N:van der Berg;Mary Ann;;Dr.;PhD\r\n" in written(dr)
    titled = ContactRecord(name="Sir Elton John", given_name="Sir Elton", family_name="John")
    assert "N:John;Sir Elton;;;\r\n" in written(titled)  # the title is in the parts already


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Michael Kreuzer, PhD", ("Kreuzer", "Michael", "", "", "PhD")),
        ("Martin Luther King Jr.", ("King", "Martin Luther", "", "", "Jr.")),
        ("Dr. Ana Lima", ("Lima", "Ana", "", "Dr.", "")),
        ("Ludwig van Beethoven", ("van Beethoven", "Ludwig", "", "", "")),
        ("Maria de la Cruz", ("de la Cruz", "Maria", "", "", "")),
        ("Berg, Carl", ("Berg", "Carl", "", "", "")),
        ("Mary Ann Smith", ("Smith", "Mary Ann", "", "", "")),
        ("Cher", ("", "Cher", "", "", "")),
        ("Van Morrison", ("Morrison", "Van", "", "", "")),
    ],
)
def test_a_name_without_parts_is_split_where_people_split_it(
    name: str, parts: tuple[str, ...]
) -> None:
    assert split_name(name) == parts


def test_rave_s_own_cards_carry_the_contact_id_not_new_keys(tmp_path: Path) -> None:
    path = tmp_path / "own.vcf"
    bo = ContactRecord(name="Bo", id=3, emails=["bo@example.com"])
    apple = ContactRecord(name="Cy", id=4, refs=[("vcard-uid", "ABC-123")])
    path.write_bytes(written(bo, apple).encode("utf-8"))
    (bo_back, cy_back), _ = read(path)
    assert (bo_back.id, bo_back.refs) == (3, [])  # matched by id: no key to add
    assert (cy_back.id, cy_back.refs) == (None, [("vcard-uid", "ABC-123")])
    path.write_bytes(path.read_bytes().replace(b"PRODID:-//rave//rave//EN", b"PRODID:-//Apple"))
    (bo_elsewhere, _), _ = read(path)  # the same card re-exported by another app
    assert bo_elsewhere.id is None
    assert bo_elsewhere.refs == [("vcard-uid", "rave-contact-3@rave"), ("email", "bo@example.com")]


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
    assert (zoe.id, zoe.refs) == (7, [])  # rave's own card: the id, no new keys
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
