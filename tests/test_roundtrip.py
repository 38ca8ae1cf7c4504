"""Hypothesis round trips through real stores: any store exported to JSON and imported
into an empty store exports identically; contacts survive CSV and vCard field by field."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rave import choices, db, normalize, store
from rave.services import exports, imports

pytestmark = pytest.mark.slow  # hypothesis over real stores: a few seconds each

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

# text as the CLI stores it: NFC, no control characters, single spaces (normalize.clean_text)
text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(normalize.clean_text(s).split()))
    .filter(bool)
)
maybe = st.one_of(st.none(), text)

contact_st = st.fixed_dictionaries(
    {
        "name": text,
        "tier": st.sampled_from(["A", "B", "C", "D", "none"]),
        "company": maybe,
        "title": maybe,
        "location": maybe,
        "why": maybe,
        "offer": maybe,
        "met": maybe,
        "cadence_days": st.one_of(st.none(), st.integers(1, 400)),
        "tags": st.lists(
            st.from_regex(r"[a-z][a-z0-9 ]{0,10}[a-z0-9]", fullmatch=True), max_size=3
        ),
        "aliases": st.lists(text, max_size=2),
        "email": st.booleans(),
        # the name's parts as a source split them, and the email as it was typed
        "given": maybe,
        "family": maybe,
        "typed": maybe,
    }
)
interaction_st = st.fixed_dictionaries(
    {
        "who": st.lists(st.integers(0, 5), min_size=1, max_size=3),
        "kind": st.sampled_from(choices.KINDS),
        "direction": st.sampled_from(choices.DIRECTIONS),
        "channel": st.sampled_from(choices.CHANNELS),
        "hours": st.integers(0, 24 * 500),
        "note": maybe,
        "needs_reply": st.booleans(),
        "started_by": st.sampled_from((None, "me", "them")),
    }
).filter(lambda i: (i["kind"], i["direction"]) != ("broadcast", "both"))  # the store refuses it


def _build(path: Path, contacts, interactions, notes, posts) -> list[int]:
    ids: list[int] = []
    db.connect(path, create=True).close()  # an empty store is a store (nothing to write)
    with store.writing(path) as session:
        for n, c in enumerate(contacts):
            fields = {
                k: c[k]
                for k in (
                    "tier",
                    "company",
                    "title",
                    "location",
                    "why",
                    "offer",
                    "met",
                    "cadence_days",
                )
            }
            handles = [("email", f"person{n}@example.com")] if c["email"] else []
            cid = store.add_contact(
                session=session,
                name=c["name"],
                now=NOW,
                fields=fields,
                handles=handles,
                tags=c["tags"],
                aliases=[a for a in c["aliases"] if normalize.fold(a) != normalize.fold(c["name"])],
            )
            ids.append(cid)
            conn = store.raw(session)  # what imports write: no command sets these
            conn.execute(
                "UPDATE contact SET given_name = ?, family_name = ? WHERE id = ?",
                (c["given"], c["family"], cid),
            )
            conn.execute("UPDATE handle SET typed = ? WHERE contact_id = ?", (c["typed"], cid))
        for i in interactions:
            people = [ids[w % len(ids)] for w in i["who"]] if ids else []
            if not people:
                continue
            when = NOW - timedelta(hours=i["hours"])
            iid = store.add_interaction(
                session=session,
                contact_ids=people,
                kind=i["kind"],
                direction=i["direction"],
                channel=i["channel"],
                when=when,
                now=when,
                note=i["note"],
                needs_reply=i["needs_reply"],
                started_by=i["started_by"] if i["direction"] == "both" else None,
            )
            if i["note"]:
                store.add_followup(
                    session=session,
                    contact_id=people[0],
                    text=i["note"],
                    due=(NOW + timedelta(days=3)).date(),
                    now=when,
                    interaction_id=iid,
                )
        for n, note in enumerate(notes):
            if ids:
                store.add_note(session=session, contact_id=ids[n % len(ids)], text=note, now=NOW)
        for post in posts:
            store.add_post(session=session, text=post, channel="linkedin", when=NOW, now=NOW)
    return ids


def _export(path: Path, fmt: str) -> str:
    buffer = io.StringIO(newline="")
    exports.write(path, fmt, buffer)
    return buffer.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contacts=st.lists(contact_st, max_size=5),
    interactions=st.lists(interaction_st, max_size=6),
    notes=st.lists(text, max_size=3),
    posts=st.lists(text, max_size=2),
)
@example(contacts=[], interactions=[], notes=[], posts=["0", "0"])  # two equal posts stay two
def test_json_export_import_export_is_identical(contacts, interactions, notes, posts) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "a.db", Path(folder) / "b.db"
        _build(first, contacts, interactions, notes, posts)
        document = _export(first, "json")
        source = Path(folder) / "export.json"
        source.write_text(document, encoding="utf-8")
        imports.import_file(second, "json", source)
        assert _export(second, "json") == document
        again = imports.import_file(second, "json", source)
        assert (again.contacts_created, again.interactions_created) == (0, 0)
        assert _export(second, "json") == document


def _contact_fields(path: Path, fmt: str) -> list[tuple[object, ...]]:
    """What each format must carry over, contact by contact: CSV the name's parts too;
    vCard what its ``N`` says of them (parts equal to the plain split of the name are
    rave's own guess in its vCards, so a card does not tell them apart from none)."""
    import json

    from rave.formats import vcard_write

    document = json.loads(_export(path, "json"))
    return sorted(
        (
            c["name"],
            c["company"],
            c["title"],
            tuple(sorted(c["tags"])),
            tuple(sorted((h["channel"], h["value"]) for h in c["handles"])),
            (c["given_name"], c["family_name"])
            if fmt == "csv"
            else vcard_write._name_parts(exports.contact_record(c)),
        )
        for c in document["contacts"]
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contacts=st.lists(
        contact_st, min_size=1, max_size=4, unique_by=lambda c: normalize.fold(c["name"])
    )
)
def test_contacts_survive_csv_and_vcard(contacts) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        _build(base / "a.db", contacts, [], [], [])
        for fmt, reader in (("csv", "csv"), ("vcard", "vcard")):
            exported = base / f"out.{fmt}"
            exported.write_text(_export(base / "a.db", fmt), encoding="utf-8", newline="")
            target = base / f"{fmt}.db"
            imports.import_file(target, reader, exported)
            assert _contact_fields(target, fmt) == _contact_fields(base / "a.db", fmt), fmt


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts=st.lists(contact_st, min_size=1, max_size=4), notes=st.lists(text, max_size=2))
def test_reimporting_an_export_into_its_own_store_changes_nothing(contacts, notes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        _build(base / "a.db", contacts, [], notes, [])
        before = _export(base / "a.db", "json")
        for fmt in ("vcard", "csv", "json"):
            exported = base / f"out.{fmt}"
            exported.write_text(_export(base / "a.db", fmt), encoding="utf-8", newline="")
            report = imports.import_file(base / "a.db", fmt, exported)
            assert (report.contacts_created, report.contacts_updated) == (0, 0), fmt
            assert report.notes_created == 0, fmt
            assert _export(base / "a.db", "json") == before, fmt
