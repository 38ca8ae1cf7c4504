"""rave's own contacts CSV: formula-injection guard, separators, strict reading, and a
property-based round trip."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rave import choices, normalize
from rave.errors import BadInputError, UsageError
from rave.formats import ContactRecord, ParseStats
from rave.formats.ravecsv import (
    HEADER,
    guard,
    join_values,
    read_contacts,
    split_values,
    unguard,
    write_contacts,
)


def write(path: Path, contacts: list[ContactRecord]) -> str:
    buffer = io.StringIO()
    write_contacts(contacts, buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return buffer.getvalue()


def read(path: Path) -> list[ContactRecord]:
    return list(read_contacts(path))


def test_header_bom_and_crlf(tmp_path: Path) -> None:
    text = write(tmp_path / "c.csv", [ContactRecord(name="Ana", id=1, tier="A")])
    assert text.startswith("\ufeff" + ",".join(HEADER) + "\r\n")
    assert text.endswith("1,Ana,A,,,,,,,,,,,,,,,\r\n")


def test_given_and_family_names_have_their_columns_and_old_files_still_read(
    tmp_path: Path,
) -> None:
    mary = ContactRecord(
        name="Mary Ann van der Berg", given_name="Mary Ann", family_name="van der Berg"
    )
    text = write(tmp_path / "c.csv", [mary])
    assert text.endswith(",Mary Ann,van der Berg\r\n")
    (back,) = read(tmp_path / "c.csv")
    assert (back.given_name, back.family_name) == ("Mary Ann", "van der Berg")
    old = tmp_path / "old.csv"  # the header of rave CSV files before the name parts
    old.write_text(
        "\ufeffid,name,tier,aliases,emails,phones,handles,tags,company,title,location,why,"
        "offer,met,cadence_days,birthday\r\n7,Mary Ann van der Berg,B,,,,,,,,,,,,,\r\n",
        encoding="utf-8",
        newline="",
    )
    stats = ParseStats()
    (back,) = list(read_contacts(old, stats=stats))
    assert (back.id, back.name, back.tier) == (7, "Mary Ann van der Berg", "B")
    assert (back.given_name, back.family_name) == (None, None)
    assert stats.warnings == []


def test_formula_cells_are_prefixed_and_restored(tmp_path: Path) -> None:
    dangerous = ContactRecord(
        name='=HYPERLINK("http://evil","x")',
        id=3,
        phones=["+351912345678"],
        company="-2+3",
        title="@SUM(A1)",
        why="'=already quoted",
        offer="'plain apostrophe",
    )
    path = tmp_path / "c.csv"
    text = write(path, [dangerous])
    row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1]
    cells = dict(zip(HEADER, row, strict=True))
    assert cells["name"] == '\'=HYPERLINK("http://evil","x")'
    assert cells["phones"] == "'+351912345678"
    assert cells["company"] == "'-2+3"
    assert cells["title"] == "'@SUM(A1)"
    assert cells["why"] == "''=already quoted"
    assert cells["offer"] == "'plain apostrophe"
    (back,) = read(path)
    assert replace(back, line=None) == dangerous


@pytest.mark.parametrize(
    ("cell", "value"),
    [("'=1+1", "=1+1"), ("''=1", "'=1"), ("'hello", "'hello"), ("'", "'"), ("=1", "=1")],
)
def test_unguard_strips_exactly_the_guard(cell: str, value: str) -> None:
    assert unguard(cell) == value


@pytest.mark.parametrize("value", ["=1", "'=1", "''@x", "\tx", "\rx", "-", "+", "a=b", "'a"])
def test_guard_round_trips(value: str) -> None:
    assert unguard(guard(value)) == value


def test_separator_inside_values_survives() -> None:
    values = ["a;b", "c\\d", "e\\;f", "plain"]
    cell = join_values(values)
    assert cell == "a\\;b; c\\\\d; e\\\\\\;f; plain"
    assert split_values(cell) == values
    # what people type by hand: spaces optional, a lone backslash kept as typed
    assert split_values("x;y ;  z; C:\\path;") == ["x", "y", "z", "C:\\path"]


def test_hand_edited_file(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "name,tier,emails,handles,tags,cadence_days,extra\n"
        "Ana Lima,b,ANA@X.COM; ana2@x.com,x=@AnaL; linkedin=https://www.linkedin.com/in/ana/,"
        "friends; work,14,ignored\n",
        encoding="utf-8",
    )
    stats = ParseStats()
    (ana,) = read_contacts(path, stats=stats)
    assert ana.id is None
    assert ana.tier == "B"
    assert ana.emails == ["ana@x.com", "ana2@x.com"]
    assert ana.handles == [("twitter", "@anal"), ("linkedin", "https://linkedin.com/in/ana")]
    assert ana.tags == ["friends", "work"]
    assert ana.cadence_days == 14
    assert "extra" in stats.warnings[0]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1,Ana,Z,,", "unknown tier"),
        ("1,Ana,,not-an-email,", "not an email"),
        ("1,Ana,,,nochannel", "CHANNEL=VALUE"),
        ("x1,Ana,,,", "id 'x1'"),
        (",,A,,", "name is empty"),
    ],
)
def test_bad_rows_name_their_line(tmp_path: Path, row: str, reason: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"id,name,tier,emails,handles\n1,Ok,,,\n{row}\n", encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        read(path)
    assert info.value.line == 3
    assert reason in info.value.reason


def test_file_without_name_column(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        read(path)
    assert "'name'" in info.value.reason


# --------------------------------------------------------------------------- round trip


def _fixpoint(text: str) -> str:
    for _ in range(3):
        text = normalize.clean_text(text)
    return text


CHARS = st.characters(exclude_categories=("Cs",))
ONE_LINE = (
    st.text(CHARS, max_size=30)
    .map(lambda s: " ".join(_fixpoint(s).split()))
    .filter(lambda s: bool(s) and " ".join(normalize.clean_text(s).split()) == s)
)
MULTI_LINE = (
    st.text(CHARS, min_size=1, max_size=80)
    .map(_fixpoint)
    .filter(lambda s: bool(s) and normalize.clean_text(s) == s)
)
EMAIL = st.from_regex(r"[a-z0-9][a-z0-9._+;\\=-]{0,8}@[a-z0-9]{1,8}\.[a-z]{2,4}", fullmatch=True)
PHONE = st.from_regex(r"\+?[1-9][0-9]{5,11}", fullmatch=True).filter(
    lambda p: normalize.normalize_handle("phone", p) == p  # a stored form (E.164 or digits)
)
SLUG = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,15}", fullmatch=True)


def _handle_ok(pair: tuple[str, str]) -> bool:
    try:
        return normalize.normalize_handle(*pair) == pair[1]
    except UsageError:
        return False


HANDLE = st.one_of(
    SLUG.map(lambda s: ("linkedin", f"https://linkedin.com/in/{s}")),
    SLUG.map(lambda s: ("twitter", f"@{s}")),
    ONE_LINE.map(lambda s: ("other", s.lower())),
).filter(_handle_ok)
BIRTHDAY = st.one_of(
    st.dates(date(1900, 1, 1), date(2020, 12, 31)).map(date.isoformat),
    st.dates(date(2000, 1, 1), date(2000, 12, 31)).map(lambda d: f"--{d:%m-%d}"),
)

CONTACT = st.builds(
    ContactRecord,
    name=ONE_LINE,
    id=st.none() | st.integers(1, 10**9),
    tier=st.none() | st.sampled_from(choices.TIER_CHOICES),
    aliases=st.lists(ONE_LINE, max_size=3, unique=True),
    emails=st.lists(EMAIL, max_size=2, unique=True),
    phones=st.lists(PHONE, max_size=2, unique=True),
    handles=st.lists(HANDLE, max_size=3, unique=True),
    tags=st.lists(ONE_LINE, max_size=3, unique=True),
    company=st.none() | MULTI_LINE,
    title=st.none() | MULTI_LINE,
    location=st.none() | MULTI_LINE,
    why=st.none() | MULTI_LINE,
    offer=st.none() | MULTI_LINE,
    met=st.none() | MULTI_LINE,
    cadence_days=st.none() | st.integers(1, 3650),
    birthday=st.none() | BIRTHDAY,
    given_name=st.none() | ONE_LINE,
    family_name=st.none() | ONE_LINE,
)

FIELDS = [f for f in HEADER if f not in ("emails", "phones", "handles")] + [
    "emails",
    "phones",
    "handles",
]


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(contacts=st.lists(CONTACT, min_size=1, max_size=4))
def test_round_trip_is_lossless(
    tmp_path_factory: pytest.TempPathFactory, contacts: list[ContactRecord]
) -> None:
    path = tmp_path_factory.mktemp("roundtrip") / "contacts.csv"
    write(path, contacts)
    back = read(path)
    assert len(back) == len(contacts)
    for original, parsed in zip(contacts, back, strict=True):
        for field in FIELDS:
            assert getattr(parsed, field) == getattr(original, field), field
