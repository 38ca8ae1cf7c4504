"""Stable identity (issue 18, item 1): every contact, interaction, note, post and follow-up
has a global id (``gid``) whoever writes it; records made by hand get UUIDv7s that sort
like creation, records an import makes from a source key get the same UUIDv5 on every
machine; an upgrade gives every existing row one; `rave undo` leaves no trace of them;
ties of the per-contact fold and of the ranking go by gid, so replicas agree; rave JSON
carries them and an import keeps them."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Rave
from rave import contact_tally, db, gid, migrations, store, timeutil, undo_log
from test_capture_calendar import google_calendar, google_event, me_and
from test_undo import dump, tallies_are_a_fresh_fold

FIXTURES = Path(__file__).parent / "fixtures"
CONNECTIONS = FIXTURES / "linkedin" / "Connections.csv"
MESSAGES = FIXTURES / "linkedin" / "messages.csv"
VCARDS = FIXTURES / "vcard" / "contacts_3.0.vcf"
MUTT = FIXTURES / "mail" / "mutt.mbox"
MAILDIR = FIXTURES / "mail" / "maildir"
WHATSAPP = FIXTURES / "whatsapp" / "WhatsApp Chat with Ana Lima.txt"
WEEKLY = FIXTURES / "calendar" / "weekly_1on1.ics"
GIDS = ("contact", "interaction", "note", "post", "followup")
# rave's namespace, as documented: uuid5(NAMESPACE_URL, "https://rave.invalid/gid")
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://rave.invalid/gid")
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def name_based(*words: str) -> str:
    """The UUIDv5 the documentation promises for ``words`` (joined by U+001F)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(words)))


def rows(path: Path, table: str, columns: str = "id, gid") -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()


def all_gids(path: Path) -> dict[str, list[str]]:
    return {table: [row[1] for row in rows(path, table)] for table in GIDS}


def version(text: str) -> int:
    return uuid.UUID(text).version or 0


def assert_well_formed(path: Path) -> dict[str, list[str]]:
    """Every record of the store has a gid in canonical form, unique in its table."""
    found = all_gids(path)
    for table, gids in found.items():
        assert all(gid.valid(g) for g in gids), (table, gids)
        assert len(set(gids)) == len(gids), table
        assert all(uuid.UUID(g).variant == uuid.RFC_4122 for g in gids)
    return found


def millis_of(text: str) -> int:
    return uuid.UUID(text).int >> 80


# --------------------------------------------------------------------------- the ids


def test_the_namespace_and_the_names_are_the_documented_ones() -> None:
    assert str(NAMESPACE) == gid.NAMESPACE
    key = "mail:<4f2a@lima.example.org>"
    assert gid.interaction(key) == name_based("interaction", key)
    assert version(gid.interaction(key)) == 5
    ana = gid.contact("linkedin", "https://www.linkedin.com/in/ana")
    assert ana == name_based("contact", "linkedin", "https://www.linkedin.com/in/ana")
    event = "ics:uid@google.com|2026-12-01T09:00:00Z"
    assert gid.event_key(event + "|12") == event
    assert gid.event_key(event) == event  # no contact id to take off
    assert gid.followup(event, ana) == name_based("followup", event, ana)
    assert gid.note(ana, "likes jazz") == name_based("note", ana, "likes jazz")


def test_a_new_id_is_a_uuid7_of_now_and_they_rise_in_the_order_made() -> None:
    before = time.time_ns() // 1_000_000
    made = [gid.new() for _ in range(2000)]
    after = time.time_ns() // 1_000_000
    assert made == sorted(made) and len(set(made)) == len(made)
    for text in (made[0], made[-1]):
        assert gid.valid(text) and version(text) == 7
        assert before <= millis_of(text) <= after + 1


def test_a_sequence_stays_in_order_when_the_clock_steps_back() -> None:
    sequence = gid.Sequence()
    made = [sequence.at(ms) for ms in (5_000, 5_000, 4_000, 5_000, 6_000, 1)]
    assert made == sorted(made) and len(set(made)) == 6
    assert [millis_of(m) for m in made] == [5_000, 5_000, 5_000, 5_000, 6_000, 6_000]


@settings(max_examples=300, deadline=None)
@given(ms=st.integers(0, (1 << 48) - 1))
def test_the_sql_uuid7_is_well_formed_for_any_moment(ms: int) -> None:
    conn = sqlite3.connect(":memory:")
    (text,) = conn.execute("SELECT " + gid.sql_uuid7(str(ms))).fetchone()
    conn.close()
    parsed = uuid.UUID(text)
    assert text == str(parsed) and gid.valid(text)  # canonical, lowercase
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert millis_of(text) == ms


def test_the_sql_uuid7_of_now_has_the_milliseconds_of_now() -> None:
    conn = sqlite3.connect(":memory:")
    before = time.time_ns() // 1_000_000
    (text,) = conn.execute("SELECT " + gid.sql_uuid7()).fetchone()
    after = time.time_ns() // 1_000_000
    conn.close()
    assert before <= millis_of(text) <= after


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**13), min_size=1, max_size=40))
def test_ids_of_a_sequence_sort_like_creation(moments: list[int]) -> None:
    sequence = gid.Sequence()
    made = [sequence.at(ms) for ms in moments]
    assert made == sorted(made) and len(set(made)) == len(made)


# --------------------------------------------------------------------------- write paths


def test_every_command_that_writes_gives_its_records_a_uuid7(rave: Rave, rave_home: Path) -> None:
    batch = (
        '{"contacts": ["Ana Lima"], "kind": "engage", "channel": "irl", "when": "2d"}\n'
        '{"contacts": ["Bo Chen", "New Person"], "create": true, "note": "intro"}\n'
    )
    for args in (
        ("add", "Ana Lima", "--email", "ana@lima.example.org", "--tier", "A"),
        ("add", "Bo Chen", "--tier", "B"),
        ("log", "Ana", "--in", "-c", "email", "-n", "asked", "--follow-up", "send the deck"),
        ("log", "Zed Newcomer", "--create", "-c", "linkedin"),
        ("log", "--batch", "-"),
        ("note", "Bo Chen", "two kids"),
        ("post", "Why small teams ship faster", "-c", "linkedin"),
    ):
        result = rave(*args, input=batch)
        assert result.exit_code == 0, (args, result)
    path = rave_home / "rave.db"
    found = assert_well_formed(path)
    assert {t: len(g) for t, g in found.items()} == {
        "contact": 4,
        "interaction": 4,
        "note": 1,
        "post": 1,
        "followup": 1,
    }
    everything = [g for gids in found.values() for g in gids]
    assert all(version(g) == 7 for g in everything)
    # made one after the other: in each table the ids sort like the rows were made
    for table, gids in found.items():
        assert gids == sorted(gids), table


def test_merge_keeps_the_kept_contacts_gid(rave: Rave, rave_home: Path) -> None:
    assert rave("add", "Sam Lee", "--email", "sam@example.com").exit_code == 0
    assert rave("add", "Samuel Lee").exit_code == 0
    assert rave("log", "Samuel Lee", "-n", "hi").exit_code == 0
    path = rave_home / "rave.db"
    (keep, drop) = rows(path, "contact")
    assert rave("merge", "Sam Lee", "Samuel Lee", "--yes").exit_code == 0
    assert rows(path, "contact") == [keep]
    shown = rave("show", "Sam Lee", "--json").json()
    assert shown["gid"] == keep[1] != drop[1]
    assert len(shown["interactions"]) == 1  # the interaction kept its own id too


def test_a_row_another_program_inserts_gets_an_id_and_keeps_it(rave: Rave, rave_home: Path) -> None:
    """The sqlite3 shell, a script: the schema's triggers give the id."""
    assert rave("add", "Ana").exit_code == 0
    path = rave_home / "rave.db"
    with sqlite3.connect(path) as conn:
        before = time.time_ns() // 1_000_000
        conn.execute(
            "INSERT INTO note (contact_id, text, created_at)"
            " VALUES (1, 'x', '2026-01-01T00:00:00Z')"
        )
        conn.execute(
            "INSERT INTO post (text, channel, posted_at, created_at)"
            " SELECT 'p' || value, 'linkedin', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'"
            "   FROM json_each('[1, 2, 3]')"
        )
        after = time.time_ns() // 1_000_000
        kept = conn.execute("SELECT gid FROM note").fetchone()[0]
        conn.execute("UPDATE note SET gid = NULL")  # a gid never goes back to NULL
        assert conn.execute("SELECT gid FROM note").fetchone()[0] == kept
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # one record per gid
            conn.execute(
                "INSERT INTO note (contact_id, text, created_at, gid)"
                " VALUES (1, 'y', '2026-01-01T00:00:00Z', ?)",
                (kept,),
            )
    found = assert_well_formed(path)
    assert version(kept) == 7 and before <= millis_of(kept) <= after
    assert len(found["post"]) == 3 and all(version(g) == 7 for g in found["post"])
    assert rave("doctor").exit_code == 0


# --------------------------------------------------------------------------- imports


def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import at the same moment: what two machines record differs in ids only."""
    monkeypatch.setattr(timeutil, "utcnow", lambda: NOW)


def calendar_with_a_future_meeting(folder: Path) -> Path:
    """Maya's Google Calendar: a meeting last week and a weekly one ahead of NOW."""
    return google_calendar(
        folder / "maya.ics",
        google_event(
            "past@google.com",
            NOW - timedelta(days=6),
            "Quarterly review",
            me_and(("Ana Lima", "ana.lima@example.org"), ("Ben Okafor", "ben@okafor.example")),
        ),
        google_event(
            "weekly@google.com",
            NOW + timedelta(days=2),
            "Ben / Maya",
            me_and(("Ben Okafor", "ben@okafor.example")),
            extra=("RRULE:FREQ=WEEKLY;COUNT=3",),
        ),
    )


def imports(folder: Path) -> list[tuple[str, ...]]:
    """Every format that makes records from a source key, as a user imports them."""
    maya = ("--me", "maya.haddad@example.com")
    return [
        ("import", "linkedin", str(CONNECTIONS)),
        ("import", "linkedin-messages", str(MESSAGES)),
        ("import", "vcard", str(VCARDS)),
        ("import", "mbox", str(MUTT), "--me", "sam@rivera.example", "--create"),
        ("import", "ics", str(calendar_with_a_future_meeting(folder)), *maya, "--create"),
        ("import", "whatsapp", str(WHATSAPP), "--me", "Maya Haddad", "--create"),
    ]


def test_every_import_gives_every_record_an_id_from_its_source_key(
    rave: Rave, rave_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinned(monkeypatch)
    for args in (
        *imports(tmp_path),
        ("import", "maildir", str(MAILDIR), "--me", "sam@rivera.example", "--create"),
        ("import", "google", str(FIXTURES / "google" / "contacts.csv")),
        ("import", "outlook", str(FIXTURES / "outlook" / "outlook_com.csv")),
    ):
        result = rave(*args)
        assert result.exit_code == 0, (args, result)
    path = rave_home / "rave.db"
    found = assert_well_formed(path)
    assert min(len(gids) for table, gids in found.items() if table != "post") > 0
    for iid, key, made in rows(path, "interaction", "id, external_key, gid"):
        assert made == name_based("interaction", key), iid
    ids = dict(rows(path, "contact"))
    for key, cid, made in rows(path, "followup", "external_key, contact_id, gid"):
        event = key.rsplit("|", 1)[0]
        assert made == name_based("followup", event, ids[cid])
    # a contact is named by a key that names one person (LinkedIn's profile URL, a vCard
    # UID, a profile); one known only by an address, a number or a name gets a UUIDv7:
    # a family shares an address, two people a name
    with sqlite3.connect(path) as conn:
        one_person = {
            cid
            for (cid,) in conn.execute(
                "SELECT contact_id FROM contact_ref WHERE source IN ('linkedin', 'vcard-uid')"
                " UNION SELECT contact_id FROM handle"
                " WHERE channel NOT IN ('email', 'phone', 'sms', 'whatsapp')"
            )
        }
    assert one_person and len(one_person) < len(ids)
    assert all(version(g) == (5 if cid in one_person else 7) for cid, g in ids.items())
    with sqlite3.connect(path) as conn:
        (nora,) = conn.execute("SELECT gid FROM contact WHERE name = 'Nora Moretti'").fetchone()
        notes = conn.execute(
            "SELECT n.gid, c.gid, n.text FROM note n JOIN contact c ON c.id = n.contact_id"
        ).fetchall()
    assert nora == name_based("contact", "linkedin", "https://linkedin.com/in/nora-moretti")
    assert notes and all(made == name_based("note", owner, text) for made, owner, text in notes)


def test_csv_and_json_imports_give_ids_too(rave: Rave, rave_home: Path, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("name,emails,tier\nAna Lima,ana@lima.example.org,A\nBo Chen,,B\n")
    assert rave("import", "csv", str(csv)).exit_code == 0
    old = {
        "format": "rave",
        "version": 2,
        "contacts": [{"id": 7, "name": "Cy Dee", "created_at": "2026-01-02T03:04:05Z"}],
        "interactions": [
            {
                "id": 1,
                "kind": "chat",
                "direction": "in",
                "channel": "email",
                "when": "2026-01-03T00:00:00Z",
                "external_key": "mail:<1@cy.example>",
                "contact_ids": [7],
            },
            {
                "id": 2,
                "kind": "chat",
                "direction": "out",
                "channel": "email",
                "when": "2026-01-04T00:00:00Z",
                "created_at": "2026-01-04T10:00:00Z",
                "contact_ids": [7],
            },
        ],
        "notes": [{"id": 1, "contact_id": 7, "text": "jazz", "created_at": "2026-01-05T00:00:00Z"}],
        "posts": [{"id": 1, "text": "hello", "channel": "twitter", "when": "2026-01-06T00:00:00Z"}],
    }
    document = tmp_path / "old.json"
    document.write_text(json.dumps(old))
    assert rave("import", "json", str(document)).exit_code == 0
    path = rave_home / "rave.db"
    found = assert_well_formed(path)
    by_name = dict(rows(path, "contact", "name, gid"))
    # an address or a name names no one person: UUIDv7s, of when the import ran (CSV)
    # or of the document's created_at (JSON)
    assert {version(g) for g in by_name.values()} == {7}
    assert millis_of(by_name["Cy Dee"]) == int(
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp() * 1000
    )
    first, second = found["interaction"]
    assert first == name_based("interaction", "mail:<1@cy.example>")
    # no source key: a UUIDv7 of when the record was made
    assert version(second) == 7
    assert millis_of(second) == int(datetime(2026, 1, 4, 10, tzinfo=UTC).timestamp() * 1000)
    (note,) = found["note"]
    assert millis_of(note) == int(datetime(2026, 1, 5, tzinfo=UTC).timestamp() * 1000)


# --------------------------------------------------------------------------- two machines


def portable(document: dict[str, Any]) -> dict[str, Any]:
    """An export with every per-machine id replaced by the gid it stands for (ids, the
    references between records, the contact id in a follow-up's source key), each list
    in gid order: what two machines holding the same records must agree on. A contact no
    key names (known by an address or a name: a UUIDv7, made on each machine) stands for
    itself by its name, and so do the notes and follow-ups whose ids derive from it."""

    def who(record: dict[str, Any]) -> str:
        return str(record["gid"]) if version(record["gid"]) == 5 else f"name:{record['name']}"

    contact = {c["id"]: who(c) for c in document["contacts"]}
    interaction = {i["id"]: i["gid"] for i in document["interactions"]}
    out: dict[str, Any] = {"format": document["format"], "version": document["version"]}
    for kind in ("contacts", "interactions", "posts", "notes", "followups"):
        records = []
        for record in document[kind]:
            record = {k: v for k, v in record.items() if k != "id"}
            if kind == "contacts":
                record["gid"] = who(record)
            if "contact_id" in record:
                record["contact_id"] = contact[record["contact_id"]]
                if record["contact_id"].startswith("name:"):  # its gid derives from theirs
                    record["gid"] = f"of {record['contact_id']}: {record.get('text')}"
            if "contact_ids" in record:
                record["contact_ids"] = sorted(contact[c] for c in record["contact_ids"])
            if record.get("interaction_id") is not None:
                record["interaction_id"] = interaction[record["interaction_id"]]
            if kind == "followups" and record.get("external_key"):
                record["external_key"] = gid.event_key(record["external_key"])
            records.append(record)
        out[kind] = sorted(records, key=lambda r: r["gid"])
    out["apart"] = sorted(
        sorted((contact[p["contact_id"]], contact[p["other_id"]])) for p in document["apart"]
    )
    return out


def exported(rave: Rave, db_path: Path, target: Path) -> dict[str, Any]:
    assert rave("--db", str(db_path), "export", "json", "-o", str(target)).exit_code == 0
    document: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return document


def test_two_machines_importing_the_same_files_make_the_same_ids(
    rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A laptop and a server import the same exports. The server had a contact and an
    interaction of its own first, so its numbers differ: the gids do not."""
    pinned(monkeypatch)
    laptop, server = tmp_path / "laptop.db", tmp_path / "server.db"
    for args in (("add", "Zed Hand", "--tier", "B"), ("log", "Zed", "-n", "hello")):
        assert rave("--db", str(server), *args).exit_code == 0
    for machine in (laptop, server):
        for args in imports(tmp_path):
            result = rave("--db", str(machine), *args)
            assert result.exit_code == 0, (machine, args, result)
    mine = exported(rave, laptop, tmp_path / "a.json")
    theirs = exported(rave, server, tmp_path / "b.json")
    keyed = {c["gid"]: c["id"] for c in mine["contacts"] if version(c["gid"]) == 5}
    numbers = {c["gid"]: c["id"] for c in theirs["contacts"]}
    assert keyed and all(numbers[g] == n + 1 for g, n in keyed.items())  # other numbers
    theirs["contacts"] = [c for c in theirs["contacts"] if c["name"] != "Zed Hand"]
    own = {i["gid"] for i in theirs["interactions"]} - {i["gid"] for i in mine["interactions"]}
    assert len(own) == 1  # the hello: made by hand on the server only
    theirs["interactions"] = [i for i in theirs["interactions"] if i["gid"] not in own]
    assert all(len(mine[kind]) > 0 for kind in ("contacts", "interactions", "notes", "followups"))
    assert portable(mine) == portable(theirs)
    # and each export brings nothing new to the other machine: the same records
    report = rave("--db", str(server), "import", "json", str(tmp_path / "a.json"), "--json")
    assert report.exit_code == 0, report
    counts = report.json()
    created = [k for k, v in counts.items() if k.endswith("_created") and v]
    assert created == []
    assert counts["already_present"] == sum(
        len(mine[kind]) for kind in ("interactions", "posts", "notes", "followups")
    )


def test_an_export_imported_elsewhere_keeps_its_ids_and_meets_them_again(
    rave: Rave, tmp_path: Path
) -> None:
    laptop, server = tmp_path / "laptop.db", tmp_path / "server.db"
    for args in (
        ("add", "Ana Lima", "--email", "ana@lima.example.org"),
        ("log", "Ana", "--in", "-n", "asked", "--follow-up", "answer"),
        ("note", "Ana", "jazz"),
        ("post", "hello", "-c", "linkedin"),
    ):
        assert rave("--db", str(laptop), *args).exit_code == 0
    document = exported(rave, laptop, tmp_path / "laptop.json")
    assert rave("--db", str(server), "add", "Bo Chen").exit_code == 0  # other numbers
    assert rave("--db", str(server), "import", "json", str(tmp_path / "laptop.json")).exit_code == 0
    copy = exported(rave, server, tmp_path / "server.json")
    assert all_gids(server)["contact"][1:] == all_gids(laptop)["contact"]
    for kind in ("interactions", "notes", "posts", "followups"):
        assert [r["gid"] for r in copy[kind]] == [r["gid"] for r in document[kind]], kind
    # the server's own export, back on the laptop: everything there already
    again = rave("--db", str(laptop), "import", "json", str(tmp_path / "server.json"), "--json")
    assert again.exit_code == 0, again
    assert (again.json()["contacts_created"], again.json()["already_present"]) == (1, 4)


def test_a_record_whose_gid_the_store_has_is_that_record(rave: Rave, tmp_path: Path) -> None:
    """Changed on the other machine since (a note reworded): still the same note."""
    laptop, server = tmp_path / "laptop.db", tmp_path / "server.db"
    assert rave("--db", str(laptop), "add", "Ana").exit_code == 0
    assert rave("--db", str(laptop), "note", "Ana", "jazz").exit_code == 0
    document = exported(rave, laptop, tmp_path / "a.json")
    assert rave("--db", str(server), "import", "json", str(tmp_path / "a.json")).exit_code == 0
    document["notes"][0]["text"] = "likes jazz and blues"
    document["contacts"][0]["name"] = "Ana Lima"
    (tmp_path / "b.json").write_text(json.dumps(document))
    report = rave("--db", str(server), "import", "json", str(tmp_path / "b.json"), "--json")
    assert report.exit_code == 0, report
    assert (report.json()["notes_created"], report.json()["contacts_created"]) == (0, 0)
    assert len(rows(server, "note")) == 1 and len(rows(server, "contact")) == 1


@pytest.mark.parametrize(
    ("gid_value", "said"),
    [
        ("not-a-uuid", "'gid' must be a UUID"),
        ("0195F0C2-3C4E-7A12-9B3E-5F0E6D2C1A7B", "'gid' must be a UUID"),  # not canonical
        (42, "'gid' must be a UUID"),
    ],
)
def test_a_bad_gid_in_a_document_is_refused(
    rave: Rave, tmp_path: Path, gid_value: object, said: str
) -> None:
    document = {
        "format": "rave",
        "version": 3,
        "contacts": [{"id": 1, "name": "Ana", "gid": gid_value}],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    refused = rave("import", "json", str(path))
    assert refused.exit_code == 65, refused
    assert "contacts[0]" in refused.stderr and said in refused.stderr


def test_a_gid_twice_in_a_document_is_refused(rave: Rave, tmp_path: Path) -> None:
    same = gid.new()
    document = {
        "format": "rave",
        "version": 3,
        "contacts": [{"id": 1, "name": "Ana", "gid": same}, {"id": 2, "name": "Bo", "gid": same}],
    }
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(document))
    refused = rave("import", "json", str(path))
    assert refused.exit_code == 65, refused
    assert f"contacts[1]: gid {same} also belongs to contacts[0]" in refused.stderr


# --------------------------------------------------------------------------- reads


def test_show_history_and_list_name_each_record_by_its_gid(rave: Rave, rave_home: Path) -> None:
    for args in (
        ("add", "Ana Lima"),
        ("log", "Ana", "--in", "-n", "asked", "--follow-up", "answer"),
        ("note", "Ana", "jazz"),
        ("post", "hello", "-c", "linkedin"),
    ):
        assert rave(*args).exit_code == 0
    found = all_gids(rave_home / "rave.db")
    shown = rave("show", "Ana", "--json").json()
    assert shown["gid"] == found["contact"][0]
    assert shown["interactions"][0]["gid"] == found["interaction"][0]
    assert shown["notes"][0]["gid"] == found["note"][0]
    assert shown["followups"][0]["gid"] == found["followup"][0]
    assert [row["gid"] for row in rave("list", "--json").json()] == found["contact"]
    history = {row["ref"]: row["gid"] for row in rave("history", "--json").json()}
    assert history == {
        "i1": found["interaction"][0],
        "n1": found["note"][0],
        "p1": found["post"][0],
        "f1": found["followup"][0],
    }


# --------------------------------------------------------------------------- upgrades


def schema_5_store(path: Path) -> None:
    """A store as rave wrote it before issue 18 (schema 5), with some of everything."""
    conn = sqlite3.connect(path, isolation_level=None)
    for script, _fill in migrations.MIGRATIONS[:5]:
        for statement in migrations._statements(script):
            conn.execute(statement)
    conn.executescript(
        """
        INSERT INTO contact (id, name, name_key, tier, created_at, updated_at) VALUES
            (1, 'Ana Lima', 'ana lima', 'A', '2026-01-01T10:00:00Z', '2026-01-01T10:00:00Z'),
            (2, 'Bo Chen', 'bo chen', 'B', '2026-01-02T09:00:00Z', '2026-01-02T09:00:00Z'),
            (3, 'Cy Dee', 'cy dee', 'C', '2026-01-02T09:00:00Z', '2026-01-02T09:00:00Z');
        INSERT INTO contact_ref (source, key, contact_id) VALUES
            ('linkedin', 'https://www.linkedin.com/in/ana-lima', 1),
            ('email', 'ana@lima.example.org', 1);
        INSERT INTO handle (contact_id, channel, value) VALUES
            (1, 'linkedin', 'https://www.linkedin.com/in/ana-lima'),
            (1, 'email', 'ana@lima.example.org'),
            (2, 'email', 'bo@chen.example');
        INSERT INTO interaction (id, kind, direction, channel, happened_at, note, needs_reply,
                                 source, external_key, created_at) VALUES
            (1, 'chat', 'in', 'email', '2026-01-05T08:00:00Z', 'hi', 1, 'mbox',
             'mail:<1@lima.example.org>', '2026-01-06T00:00:00Z'),
            (2, 'chat', 'out', 'email', '2026-01-05T09:00:00Z', 'hello', 0, 'cli', NULL,
             '2026-01-05T09:00:00Z'),
            (3, 'chat', 'in', 'email', '2026-01-05T09:00:00Z', 'and?', 1, 'cli', NULL,
             '2026-01-05T09:00:00Z');
        INSERT INTO interaction_contact (interaction_id, contact_id) VALUES (1, 1), (2, 2), (3, 2);
        INSERT INTO followup (id, contact_id, text, due, created_at, external_key) VALUES
            (1, 1, 'meeting', '2026-02-01', '2026-01-06T00:00:00Z',
             'ics:uid@google.com|2026-02-01T09:00:00Z|1'),
            (2, 2, 'send the deck', NULL, '2026-01-05T09:00:00Z', NULL);
        INSERT INTO note (contact_id, text, created_at)
            VALUES (2, 'two kids', '2026-01-07T00:00:00Z');
        INSERT INTO post (text, channel, posted_at, created_at)
            VALUES ('hello', 'linkedin', '2026-01-08T00:00:00Z', '2026-01-08T00:00:00Z');
        PRAGMA user_version = 5;
        """
    )
    conn.close()
    path.chmod(0o600)


def at(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def test_an_upgrade_gives_every_row_its_gid(rave: Rave, rave_home: Path) -> None:
    rave_home.mkdir(mode=0o700)
    path = rave_home / "rave.db"
    schema_5_store(path)
    db.connect(path, create=True).close()
    assert (
        sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
        == migrations.SCHEMA_VERSION
    )
    found = assert_well_formed(path)
    ana, bo, cy = found["contact"]
    # made by an import (it has external keys): its strongest source key
    assert ana == name_based("contact", "linkedin", "https://www.linkedin.com/in/ana-lima")
    # made by hand: a UUIDv7 of when, in creation order (Bo and Cy in the same second)
    assert version(bo) == version(cy) == 7 and bo < cy
    assert millis_of(bo) == millis_of(cy) == at("2026-01-02T09:00:00Z")
    mail, out, asked = found["interaction"]
    assert mail == name_based("interaction", "mail:<1@lima.example.org>")
    assert millis_of(out) == millis_of(asked) == at("2026-01-05T09:00:00Z") and out < asked
    meeting, deck = found["followup"]
    assert meeting == name_based("followup", "ics:uid@google.com|2026-02-01T09:00:00Z", ana)
    assert millis_of(deck) == at("2026-01-05T09:00:00Z")
    assert millis_of(found["note"][0]) == at("2026-01-07T00:00:00Z")
    assert millis_of(found["post"][0]) == at("2026-01-08T00:00:00Z")
    # the tallies were folded anew, ties in gid order: Bo's "and?" came after "hello"
    assert tallies_are_a_fresh_fold(rave_home)
    assert rave("why", "Bo", "--json", "--as-of", "2026-01-06").json()["state"]["pending_in"] == (
        "2026-01-05T09:00:00Z"
    )
    (backup,) = rave_home.glob("rave.db.v5-*.bak")
    with sqlite3.connect(backup) as old:
        assert "gid" not in {r[1] for r in old.execute("PRAGMA table_info(contact)")}


# --------------------------------------------------------------------------- undo


def test_undo_of_imports_logs_and_notes_leaves_no_trace(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    assert rave("add", "Ana Lima", "--email", "ana@lima.example.org").exit_code == 0
    before = dump(rave_home)
    for args in (
        ("import", "mbox", str(MUTT), "--me", "sam@rivera.example", "--create"),
        (
            "import",
            "ics",
            str(calendar_with_a_future_meeting(tmp_path)),
            "--me",
            "maya.haddad@example.com",
            "--create",
        ),
        ("import", "vcard", str(VCARDS)),
        ("log", "Ana", "--in", "-n", "asked", "--follow-up", "answer"),
        ("note", "Ana", "jazz"),
        ("post", "hello", "-c", "twitter"),
    ):
        assert rave(*args).exit_code == 0, args
        assert rave("undo", "--yes").exit_code == 0, args
        assert dump(rave_home) == before, args
        assert tallies_are_a_fresh_fold(rave_home)


def test_undo_takes_back_a_row_the_trigger_gave_an_id(rave: Rave, rave_home: Path) -> None:
    """A write path that gave no gid (the trigger filled it): undo still removes the row
    whole, whichever trigger SQLite ran first."""
    assert rave("add", "Ana").exit_code == 0
    path = rave_home / "rave.db"
    before = dump(rave_home)
    with store.writing(path, command="rave note Ana x") as session:
        conn = store.raw(session)
        conn.execute(
            "INSERT INTO note (contact_id, text, created_at)"
            " VALUES (1, 'x', '2026-01-01T00:00:00Z')"
        )
        conn.execute(
            "INSERT INTO interaction (kind, direction, channel, happened_at, created_at)"
            " VALUES ('chat', 'out', 'email', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
    assert all(len(g) == 1 and gid.valid(g[0]) for g in (all_gids(path)["note"],))
    with sqlite3.connect(path) as conn:
        ops = conn.execute(
            "SELECT table_name, op FROM undo_step WHERE id >= (SELECT first_step"
            " FROM undo_command ORDER BY id DESC LIMIT 1) ORDER BY id"
        ).fetchall()
    assert ops == [("note", "insert"), ("interaction", "insert")]  # the fills are not steps
    undone = rave("undo", "--yes")
    assert undone.exit_code == 0, undone
    assert dump(rave_home) == before


def test_every_table_with_gids_is_recorded_for_undo() -> None:
    assert set(GIDS) <= set(undo_log.TABLES)


# --------------------------------------------------------------------------- ties


def tie_store(path: Path, order: list[int], gids: dict[int, str]) -> None:
    """Ana (#1) with two messages in the same second, inserted in ``order``: her question
    (1) and your answer (2), each with the given gid."""
    conn = db.connect(path, create=True)
    rows_ = {
        1: ("in", 1, "can you help?"),
        2: ("out", 0, "sure"),
    }
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO contact (name, name_key, tier, created_at, updated_at, gid)"
        " VALUES ('Ana', 'ana', 'A', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?)",
        (gid.contact("test", "ana"),),
    )
    for which in order:
        direction, needs_reply, note = rows_[which]
        cursor = conn.execute(
            "INSERT INTO interaction (kind, direction, channel, happened_at, note, needs_reply,"
            " created_at, gid) VALUES ('chat', ?, 'email', '2026-01-05T09:00:00Z', ?, ?,"
            " '2026-01-05T09:00:00Z', ?)",
            (direction, note, needs_reply, gids[which]),
        )
        conn.execute(
            "INSERT INTO interaction_contact (interaction_id, contact_id) VALUES (?, 1)",
            (cursor.lastrowid,),
        )
    contact_tally.rebuild(conn)
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.parametrize("answer_first", [True, False])
def test_ties_of_a_second_fold_in_gid_order_whatever_the_ids(
    rave: Rave, tmp_path: Path, answer_first: bool
) -> None:
    """Two replicas that wrote the same two events in opposite orders fold them alike:
    by gid, not by their own numbers."""
    low, high = "00000000-0000-7000-8000-000000000001", "00000000-0000-7000-8000-000000000002"
    gids = {2: low, 1: high} if answer_first else {1: low, 2: high}
    replicas = []
    for n, order in enumerate(([1, 2], [2, 1])):
        path = tmp_path / f"replica{n}.db"
        tie_store(path, order, gids)
        why = rave("--db", str(path), "why", "Ana", "--json", "--as-of", "2026-01-06")
        assert why.exit_code == 0, why
        replicas.append(why.json())
        shown = rave("--db", str(path), "show", "Ana", "--json")  # newest first
        assert [i["note"] for i in shown.json()["interactions"]] == (
            ["can you help?", "sure"] if answer_first else ["sure", "can you help?"]
        )
    assert replicas[0] == replicas[1]
    # the answer folded first leaves the question waiting; folded last, it answers it
    assert (replicas[0]["state"]["pending_in"] is not None) == answer_first


def test_ranking_ties_end_with_the_contacts_gid(rave: Rave, rave_home: Path) -> None:
    """Two namesakes in every way alike: the one with the lower gid comes first, not the
    lower number."""
    for n in (1, 2):
        assert rave("add", "Sam Lee", "--tier", "A", "--force").exit_code == 0
        assert rave("log", f"#{n}", "-c", "email", "-w", "2026-09-01T10:00").exit_code == 0
    path = rave_home / "rave.db"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE contact SET gid = ? WHERE id = 1", (gid.contact("test", "high"),))
        conn.execute(
            "UPDATE contact SET gid = ? WHERE id = 2", ("00000000-0000-7000-8000-000000000000",)
        )
    listed = rave("today", "--json").json()
    assert [row["contact_id"] for row in listed] == [2, 1]
    assert rave("why", "#1", "--json").json()["state"]["contact_gid"] == gid.contact("test", "high")


def test_a_follow_ups_event_key_drops_the_contact_whichever_way_it_was_named() -> None:
    event = "ics:weekly@google.com|20261203T090000Z"
    assert gid.event_key(f"{event}|{gid.new()}") == event  # this rave: the contact's gid
    assert gid.event_key(f"{event}|12") == event  # older stores: this machine's id
    assert gid.event_key(event) == event  # nothing after the occurrence
