"""Finding people: exact, prefix or word, fuzzy; accents and case; never a guess."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rave import db, store
from rave.errors import AmbiguousError, NotFoundError, RaveError
from rave.queries import people

PEOPLE = [
    (
        "Ana Pérez",
        {"handles": [("email", "ana@example.com"), ("twitter", "@anap")], "aliases": ["Anita"]},
    ),
    ("Anabel Ortiz", {}),
    ("Bob Stone", {"handles": [("linkedin", "https://linkedin.com/in/bobstone")]}),
    ("Zoë Müller", {}),
    ("John Smith", {}),
    ("John Smyth", {}),
    ("Émile Zola", {"handles": [("phone", "+33612345678")]}),
    ("Joan Smyth", {}),
    ("Greta Haddad 1", {}),
    ("Greta Haddad 12", {}),
    ("Paula Martin", {}),
]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("resolve") / "rave.db"
    now = datetime.now(UTC)
    with store.writing(path) as session:
        for name, extra in PEOPLE:
            store.add_contact(session=session, name=name, now=now, **extra)
    connection = db.connect(path)
    yield connection
    connection.close()


def name_of(conn: sqlite3.Connection, ref: str) -> str:
    return people.find_contact(conn, ref).name


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("Ana Pérez", "Ana Pérez"),  # exact
        ("ana perez", "Ana Pérez"),  # case and accents
        ("ANITA", "Ana Pérez"),  # alias
        ("ana@EXAMPLE.com", "Ana Pérez"),  # email handle
        ("@AnaP", "Ana Pérez"),  # twitter handle
        ("https://www.linkedin.com/in/BobStone/", "Bob Stone"),  # profile URL
        ("+33 6 12 34 56 78", "Émile Zola"),  # phone
        ("#2", "Anabel Ortiz"),  # id
        ("anab", "Anabel Ortiz"),  # unique prefix
        ("stone", "Bob Stone"),  # word
        ("zoe", "Zoë Müller"),  # prefix, accent-insensitive
        ("muller", "Zoë Müller"),  # word, accent-insensitive
        ("emile", "Émile Zola"),
        ("Bbo Stone", "Bob Stone"),  # fuzzy: transposition
        ("Stoen", "Bob Stone"),  # fuzzy word
        ("Zoe Muler", "Zoë Müller"),  # fuzzy full name
    ],
)
def test_resolves(conn: sqlite3.Connection, ref: str, expected: str) -> None:
    assert name_of(conn, ref) == expected


def test_exact_beats_prefix(conn: sqlite3.Connection) -> None:
    # "Ana Pérez" is also a prefix of nothing else, but "ana" alone is a prefix of two
    with pytest.raises(AmbiguousError) as info:
        name_of(conn, "ana")
    assert [name for _, name in info.value.candidates] == ["Ana Pérez", "Anabel Ortiz"]
    assert info.value.exit_code == 4


def test_close_fuzzy_matches_are_ambiguous_not_guessed(conn: sqlite3.Connection) -> None:
    # one typo from John Smith and from John Smyth: a tie is listed, never guessed; the
    # candidates come best first (fewest typos), Joan Smyth (two typos) last
    with pytest.raises(AmbiguousError) as info:
        name_of(conn, "John Smoth")
    assert [name for _, name in info.value.candidates] == ["John Smith", "John Smyth", "Joan Smyth"]
    assert info.value.exit_code == 4


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("Jhon Smith", "John Smith"),  # one swap; John Smyth and Joan Smyth are two away
        ("Greta Hadad 1", "Greta Haddad 1"),  # one letter; Greta Haddad 12 is two away
        ("Greta Hadad 12", "Greta Haddad 12"),
        ("Jaon Smyth", "Joan Smyth"),
    ],
)
def test_a_typo_clearly_ahead_is_taken(conn: sqlite3.Connection, ref: str, expected: str) -> None:
    """Clearly ahead: fewer typos than every other candidate."""
    assert name_of(conn, ref) == expected


@pytest.mark.parametrize(
    ("typos", "ahead"),
    [([1], True), ([1, 2], True), ([1, 2, 2], True), ([1, 1], False), ([2, 2, 2], False)],
)
def test_clearly_ahead(typos: list[int], ahead: bool) -> None:
    assert people.clearly_ahead(typos) is ahead


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("Ana Pérez", "Ana Pérez"),  # exact
        ("anita", "Ana Pérez"),  # alias
        ("ana@example.com", "Ana Pérez"),  # handle
        ("zola", "Émile Zola"),  # a whole word of one name
        ("#2", "Anabel Ortiz"),
    ],
)
def test_create_attaches_to_what_is_named(
    conn: sqlite3.Connection, ref: str, expected: str
) -> None:
    found = people.find_for_create(conn, ref)
    assert found is not None and found.name == expected


@pytest.mark.parametrize(
    ("ref", "close_to"),
    [
        ("Paul Martin", "Paula Martin"),  # a typo of someone else's name
        ("Jhon Smith", "John Smith"),
        ("anab", "Anabel Ortiz"),  # only the beginning of a name
    ],
)
def test_create_refuses_a_near_match(conn: sqlite3.Connection, ref: str, close_to: str) -> None:
    with pytest.raises(AmbiguousError) as info:
        people.find_for_create(conn, ref)
    assert info.value.exit_code == 4
    assert info.value.candidates[0][1] == close_to
    assert "is not a contact, but is close to" in info.value.message
    assert "rave add" in (info.value.hint or "")


def test_create_makes_someone_nobody_resembles(conn: sqlite3.Connection) -> None:
    assert people.find_for_create(conn, "Wilhelmina Quarry") is None
    with pytest.raises(AmbiguousError):  # several exact matches stay ambiguous
        people.find_for_create(conn, "ana")
    with pytest.raises(NotFoundError):  # an id that is not one never becomes a name
        people.find_for_create(conn, "#12a")


@pytest.mark.parametrize("ref", ["Nobody", "#999", "x", "", "   ", "@", "Zq"])
def test_not_found(conn: sqlite3.Connection, ref: str) -> None:
    with pytest.raises(NotFoundError) as info:
        name_of(conn, ref)
    assert info.value.exit_code == 3


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_resolves_or_raises_a_contract_error(conn: sqlite3.Connection, ref: str) -> None:
    try:
        found = people.find_contact(conn, ref)
    except (NotFoundError, AmbiguousError):
        return
    except RaveError as exc:  # pragma: no cover - would be a contract breach
        pytest.fail(f"unexpected {type(exc).__name__}: {exc}")
    assert found.name in {name for name, _ in PEOPLE}


@given(st.sampled_from([name for name, _ in PEOPLE]))
def test_every_full_name_finds_exactly_that_person(conn: sqlite3.Connection, name: str) -> None:
    assert name_of(conn, name) == name
    assert name_of(conn, name.upper()) == name


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ("priya p.", "priya patel", True),
        ("j smith", "john smith", True),
        ("john smith", "john smith", True),
        ("jean dupont", "marie dupont", False),
        ("paul martin", "paula martin", False),
        ("priya", "priya patel", False),
        ("", "", False),
    ],
)
def test_names_agree(a: str, b: str, agree: bool) -> None:
    assert people.names_agree(a, b) is agree
    assert people.names_agree(b, a) is agree
