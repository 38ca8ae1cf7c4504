"""The operation log (issue 18): what write commands record, and applying it on another
machine: idempotent, order-independent, later clock wins a field, add-wins sets, merges
redirect, tombstones final; conflicts get a deterministic winner that `rave doctor`
lists. Machines here are separate stores exchanging operations in-process (the git
transport is tested in test_sync.py)."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rave import contact_tally, db, oplog
from rave.cli import app


class Machine:
    """One replica: its own store, driven through the real CLI."""

    def __init__(self, root: Path, name: str, *, syncing: bool = True) -> None:
        self.path = root / name / "rave.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.runner = CliRunner()
        if not self.path.exists():
            db.connect(self.path, create=True).close()
            if syncing:
                self.start_syncing()

    def start_syncing(self, remote: str = "in-process") -> None:
        """What `rave sync --remote` does first: the store records operations from now
        on, its history so far as a snapshot."""
        conn = self.conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            oplog.start_syncing(conn)
            conn.execute(
                "INSERT INTO sync_state (id, remote) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET remote = excluded.remote",
                (remote,),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()

    def __call__(self, *args: str, ok: bool = True) -> Any:
        result = self.runner.invoke(app, ["--db", str(self.path), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result

    def conn(self) -> sqlite3.Connection:
        return db.connect(self.path, create=True)

    def device(self) -> str:
        conn = self.conn()
        try:
            return oplog.replica(conn)[0]
        finally:
            conn.close()

    def exported(self) -> dict[str, Any]:
        """`rave export json`, this machine's ids replaced by gids."""
        document = json.loads(self("export", "json").stdout)
        return by_gid(document)

    def today(self) -> Any:
        result = self("today", "--json")
        return ids_to_gids(json.loads(result.stdout), self.contact_gids())

    def contact_gids(self) -> dict[int, str]:
        conn = self.conn()
        try:
            return dict(conn.execute("SELECT id, gid FROM contact").fetchall())
        finally:
            conn.close()

    def tallies_are_a_rebuild(self) -> bool:
        conn = self.conn()
        try:
            sql = f"SELECT t.contact_id, {contact_tally.select_columns()} FROM contact_tally t"
            kept = sorted(conn.execute(sql).fetchall())
            conn.execute("BEGIN")
            contact_tally.rebuild(conn)
            fresh = sorted(conn.execute(sql).fetchall())
            conn.execute("ROLLBACK")
            return kept == fresh
        finally:
            conn.close()


def ids_to_gids(value: Any, contacts: dict[int, str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("id", "contact_id") and isinstance(item, int) and item in contacts:
                out[key] = contacts[item]
            elif key in ("interaction_id", "followup_id", "ref", "reference"):
                continue
            else:
                out[key] = ids_to_gids(item, contacts)
        return out
    if isinstance(value, list):
        return [ids_to_gids(item, contacts) for item in value]
    return value


def by_gid(document: dict[str, Any]) -> dict[str, Any]:
    """An export with every per-machine id replaced by the record's gid."""
    contacts = {c["id"]: c["gid"] for c in document["contacts"]}
    interactions = {i["id"]: i["gid"] for i in document["interactions"]}
    out: dict[str, Any] = {}
    for c in document["contacts"]:
        c = dict(c)
        c.pop("id")
        # listed in this machine's order (of its ids): the same lists, sorted
        for key in ("aliases", "handles", "refs", "tags"):
            c[key] = sorted(c[key], key=repr)
        out.setdefault("contacts", {})[c["gid"]] = c
    for i in document["interactions"]:
        i = dict(i)
        i.pop("id")
        i["contact_ids"] = sorted(contacts[x] for x in i["contact_ids"])
        out.setdefault("interactions", {})[i["gid"]] = i
    for table in ("notes", "followups", "posts"):
        for r in document[table]:
            r = dict(r)
            r.pop("id")
            if "contact_id" in r:
                r["contact_id"] = contacts[r["contact_id"]]
            if r.get("interaction_id") is not None:
                r["interaction_id"] = interactions[r["interaction_id"]]
            out.setdefault(table, {})[r["gid"]] = r
    out["apart"] = sorted(
        tuple(sorted((contacts[p["contact_id"]], contacts[p["other_id"]])))
        for p in document["apart"]
    )
    return out


class Remote:
    """What a git remote holds: each device's operations, in the order it wrote them."""

    def __init__(self) -> None:
        self.files: dict[str, list[oplog.Op]] = {}

    def push(self, machine: Machine) -> None:
        conn = machine.conn()
        try:
            device = oplog.replica(conn)[0]
            self.files[device] = oplog.ops_of(conn, device)
            conn.execute("UPDATE replica SET sent = (SELECT COALESCE(MAX(seq), 0) FROM op)")
        finally:
            conn.close()

    def pull(self, machine: Machine, rng: random.Random) -> oplog.Applied:
        conn = machine.conn()
        try:
            device = oplog.replica(conn)[0]
            batch = [op for d, ops in self.files.items() if d != device for op in ops]
            rng.shuffle(batch)  # any order of the same operations
            conn.execute("BEGIN IMMEDIATE")
            applied = oplog.apply(conn, batch)
            conn.execute("COMMIT")
            return applied
        finally:
            conn.close()

    def sync(self, machine: Machine, rng: random.Random) -> oplog.Applied:
        self.push(machine)
        return self.pull(machine, rng)


# --- recording ------------------------------------------------------------------------------


def test_each_write_command_records_its_operations(tmp_path: Path) -> None:
    m = Machine(tmp_path, "a")
    m("add", "Ana Pérez", "--email", "ana@example.com", "--tag", "pycon")
    m("log", "ana", "-n", "asked about the talk")
    m("edit", "ana", "--tier", "A", "--untag", "pycon")
    conn = m.conn()
    ops = oplog.all_ops(conn)
    conn.close()
    kinds = [(op.kind, op.entity, op.field) for op in ops]
    assert ("create", "contact", None) in kinds
    assert ("add", "handle", '["email","ana@example.com"]') in kinds
    assert ("add", "tag", "pycon") in kinds
    assert ("create", "interaction", None) in kinds
    assert ("set", "contact", "tier") in kinds
    assert ("remove", "tag", "pycon") in kinds
    # the remove names the add it saw
    add = next(op for op in ops if op.kind == "add" and op.entity == "tag")
    remove = next(op for op in ops if op.kind == "remove")
    assert remove.value == {"saw": [add.id]}
    # clocks rise in the order the operations were made
    assert [op.hlc for op in ops] == sorted(op.hlc for op in ops)
    # the interaction names its person by gid
    link = next(op for op in ops if op.entity == "interaction_contact")
    contact = next(op for op in ops if op.kind == "create" and op.entity == "contact")
    assert link.field == contact.gid


def test_reads_record_nothing_and_a_store_made_before_the_log_becomes_operations(
    tmp_path: Path,
) -> None:
    m = Machine(tmp_path, "a")
    m("add", "Ana")
    conn = m.conn()
    before = conn.execute("SELECT COUNT(*) FROM op").fetchone()[0]
    conn.close()
    m("list")
    m("today")
    conn = m.conn()
    assert conn.execute("SELECT COUNT(*) FROM op").fetchone()[0] == before
    conn.close()


def test_an_upgraded_store_has_its_history_as_operations(tmp_path: Path) -> None:
    """Schema 7's upgrade: every existing row becomes operations, so a second machine
    gets the history made before the log."""
    a = Machine(tmp_path, "a")
    a("add", "Ana", "--email", "ana@example.com")
    a("log", "ana")
    conn = sqlite3.connect(a.path)
    for table in ("op", "replica", "tombstone", "redirect", "sync_peer", "sync_state"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DROP TABLE sync_conflict")
    conn.execute("ALTER TABLE note DROP COLUMN shared")  # schema 8's
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()
    b = Machine(tmp_path, "b")
    b("list")
    a("list")  # upgrades a: no operations until it syncs
    assert a.conn().execute("SELECT COUNT(*) FROM op").fetchone()[0] == 0
    a.start_syncing()  # its first remote: its rows become operations
    remote = Remote()
    rng = random.Random(1)
    remote.sync(a, rng)
    remote.sync(b, rng)
    assert b.exported() == a.exported()


# --- applying -------------------------------------------------------------------------------


def test_a_later_clock_wins_a_field_and_sets_are_add_wins(tmp_path: Path) -> None:
    a, b = Machine(tmp_path, "a"), Machine(tmp_path, "b")
    remote, rng = Remote(), random.Random(2)
    a("add", "Ana", "--tag", "x")
    remote.sync(a, rng)
    remote.sync(b, rng)
    # offline on both: a edits the tier, then b; a removes the tag while b takes it off
    # and puts it back
    a("edit", "ana", "--tier", "B", "--untag", "x")
    b("edit", "ana", "--untag", "x")
    b("edit", "ana", "--tier", "A", "--tag", "x", "--tag", "y")
    for m in (a, b, a):
        remote.sync(m, rng)
    for m in (a, b):
        contact = m.exported()["contacts"]
        (only,) = contact.values()
        assert only["tier"] == "A"  # b's edit came later
        assert sorted(only["tags"]) == ["x", "y"]  # b's add of x was not seen by a's remove


def test_applying_twice_changes_nothing(tmp_path: Path) -> None:
    a, b = Machine(tmp_path, "a"), Machine(tmp_path, "b")
    remote, rng = Remote(), random.Random(3)
    a("add", "Ana")
    a("log", "ana", "-n", "hello")
    remote.sync(a, rng)
    first = remote.sync(b, rng)
    assert first.new > 0
    again = remote.sync(b, rng)
    assert again.new == 0
    assert b.exported() == a.exported()


def test_a_deleted_record_never_comes_back(tmp_path: Path) -> None:
    a, b = Machine(tmp_path, "a"), Machine(tmp_path, "b")
    remote, rng = Remote(), random.Random(4)
    a("add", "Ana")
    a("log", "ana", "-n", "first")
    remote.sync(a, rng)
    remote.sync(b, rng)
    a("rm", "ana", "--yes")
    b("edit", "ana", "--tier", "A")  # offline, on the other machine
    b("note", "ana", "likes tea")
    for m in (a, b, a):
        remote.sync(m, rng)
    for m in (a, b):
        assert m.exported().get("contacts", {}) == {}
        assert m.exported().get("notes", {}) == {}


def test_a_merge_redirects_what_the_other_machine_did_meanwhile(tmp_path: Path) -> None:
    a, b = Machine(tmp_path, "a"), Machine(tmp_path, "b")
    remote, rng = Remote(), random.Random(5)
    a("add", "Ana Perez", "--email", "ana@example.com")
    a("add", "Ana P", "--email", "ana@work.example")
    remote.sync(a, rng)
    remote.sync(b, rng)
    a("merge", "Ana Perez", "Ana P", "--yes")
    b("log", "Ana P", "-n", "lunch")  # offline: logged on the dropped contact
    b("edit", "Ana P", "--tag", "friend")
    for m in (a, b, a):
        remote.sync(m, rng)
    for m in (a, b):
        doc = m.exported()
        (ana,) = doc["contacts"].values()
        assert ana["name"] == "Ana Perez"
        assert "friend" in ana["tags"]
        assert {h["value"] for h in ana["handles"]} == {"ana@example.com", "ana@work.example"}
        (lunch,) = doc["interactions"].values()
        assert lunch["contact_ids"] == [ana["gid"]]
        assert m.tallies_are_a_rebuild()
    assert a.exported() == b.exported()


def test_one_handle_given_to_two_people_offline_is_a_conflict_doctor_lists(
    tmp_path: Path,
) -> None:
    a, b = Machine(tmp_path, "a"), Machine(tmp_path, "b")
    remote, rng = Remote(), random.Random(6)
    a("add", "Ana")
    a("add", "Bo")
    remote.sync(a, rng)
    remote.sync(b, rng)
    a("edit", "ana", "--email", "shared@example.com")
    b("edit", "bo", "--email", "shared@example.com")
    for m in (a, b, a):
        remote.sync(m, rng)
    owners = []
    for m in (a, b):
        doc = m.exported()
        owners.append(
            sorted(
                c["name"]
                for c in doc["contacts"].values()
                if any(h["value"] == "shared@example.com" for h in c["handles"])
            )
        )
    assert owners[0] == owners[1] == ["Ana"]  # the earlier add keeps it, everywhere
    conn = b.conn()
    try:
        (found,) = oplog.conflicts(conn)
    finally:
        conn.close()
    assert found[0] == "handle" and "shared@example.com" in found[1]
    # `rave doctor` lists it, with the contact that kept the address (not a failure)
    doctor = b("doctor", ok=False)
    (line,) = [row for row in doctor.stdout.splitlines() if row.startswith("sync conflicts")]
    assert "ok" in line and "email shared@example.com given to 2 people: kept by Ana" in line


def test_undo_takes_back_operations_never_sent(tmp_path: Path) -> None:
    a = Machine(tmp_path, "a")
    a("add", "Ana")
    conn = a.conn()
    before = [op.id for op in oplog.all_ops(conn)]
    conn.close()
    a("note", "ana", "likes tea")
    a("rm", "ana", "--yes")
    a("undo", "--yes")
    a("undo", "--yes")
    conn = a.conn()
    assert [op.id for op in oplog.all_ops(conn)] == before
    assert conn.execute("SELECT COUNT(*) FROM tombstone").fetchone()[0] == 0
    conn.close()


def test_undo_of_a_command_already_sent_writes_operations_that_revert_it(
    tmp_path: Path,
) -> None:
    a, b = Machine(tmp_path, "a"), Machine(tmp_path, "b")
    remote, rng = Remote(), random.Random(7)
    a("add", "Ana", "--tier", "B")
    a("edit", "ana", "--tier", "A", "--tag", "x")
    remote.sync(a, rng)
    remote.sync(b, rng)
    a("undo", "--yes")  # the edit, already on b
    remote.sync(a, rng)
    remote.sync(b, rng)
    for m in (a, b):
        (ana,) = m.exported()["contacts"].values()
        assert (ana["tier"], ana["tags"]) == ("B", [])


def test_undo_after_a_sync_keeps_what_the_other_machine_changed(tmp_path: Path) -> None:
    a, b = Machine(tmp_path, "a"), Machine(tmp_path, "b")
    remote, rng = Remote(), random.Random(9)
    a("add", "Ana", "--tier", "B")
    remote.sync(a, rng)
    remote.sync(b, rng)
    a("edit", "ana", "--tier", "A")
    b("edit", "ana", "--company", "Acme")
    remote.sync(b, rng)
    remote.sync(a, rng)  # b's company arrives on a after a's edit
    a("undo", "--yes")  # takes back a's tier, not b's company
    for m in (a, b, a):
        remote.sync(m, rng)
    for m in (a, b):
        (ana,) = m.exported()["contacts"].values()
        assert (ana["tier"], ana["company"]) == ("B", "Acme")


def test_a_deletion_already_sent_cannot_be_undone(tmp_path: Path) -> None:
    a = Machine(tmp_path, "a")
    remote, rng = Remote(), random.Random(8)
    a("add", "Ana")
    a("rm", "ana", "--yes")
    remote.sync(a, rng)
    result = a("undo", "--yes", ok=False)
    assert result.exit_code == 1
    assert "already sent" in result.stderr
    assert a.exported().get("contacts", {}) == {}


def _ids(m: Machine, table: str) -> list[int]:
    document = json.loads(m("export", "json").stdout)
    return sorted(r["id"] for r in document[table])


def test_an_import_never_brings_back_what_was_deleted(tmp_path: Path) -> None:
    """The reviewed bug: a nightly import undid `rave delete` of what it had made."""
    from datetime import UTC, datetime, timedelta

    from test_capture_calendar import ANA, google_calendar, google_event, me_and
    from test_capture_mail import ME, MUTT, PEOPLE

    m = Machine(tmp_path, "a")
    for name, address in PEOPLE:
        m("add", name, "--email", address)
    m("add", "Ana Lima Cal", "--email", ANA)
    linkedin = Path(__file__).parent / "fixtures" / "linkedin" / "messages.csv"
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    calendar = google_calendar(
        tmp_path / "cal.ics",
        google_event("soon@google.com", soon, "Roadmap", me_and(("Ana Lima Cal", ANA))),
    )
    sources = [
        ("linkedin-messages", str(linkedin)),
        ("mbox", str(MUTT), "--me", ME),
        ("ics", str(calendar), "--me", "maya.haddad@example.com"),
    ]
    for source in sources:
        m("import", *source)
    interactions, followups = _ids(m, "interactions"), _ids(m, "followups")
    assert interactions and followups
    gone = [f"i{interactions[0]}", f"i{interactions[-1]}", f"f{followups[0]}"]
    m("delete", *gone, "--yes")
    for source in sources:
        m("import", *source)
    left_i, left_f = _ids(m, "interactions"), _ids(m, "followups")
    assert len(left_i) == len(interactions) - 2 and interactions[0] not in left_i
    assert len(left_f) == len(followups) - 1


# --- the property -------------------------------------------------------------------------

NAMES = ("Ana Perez", "Bo Chen", "Cy Diaz")
VCARDS = Path(__file__).parent / "fixtures" / "vcard" / "contacts_3.0.vcf"


def command(draw: st.DrawFn) -> tuple[str, ...]:
    name, other = draw(st.permutations(NAMES))[:2]
    word = draw(st.sampled_from(("tea", "golf", "books")))
    return draw(
        st.sampled_from(
            [
                ("add", name, "--tier", draw(st.sampled_from("ABCD"))),
                ("log", name, "-n", word),
                ("log", name, "--in", "-c", "email", "-w", "yesterday"),
                ("note", name, word),
                ("edit", name, "--tier", draw(st.sampled_from("ABCD"))),
                ("edit", name, "--tag", word),
                ("edit", name, "--untag", word),
                ("edit", name, "--email", f"{word}@example.com"),
                ("merge", name, other, "--yes"),
                ("rm", name, "--yes"),
                ("log", name, "--follow-up", word, "--due", "friday"),
                ("import", "vcard", str(VCARDS)),  # Bo Chen, and two new people
            ]
        )
    )


@st.composite
def scripts(draw: st.DrawFn) -> list[tuple[int, tuple[str, ...] | None]]:
    """(machine, command or None for a sync) steps."""
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, 2), st.one_of(st.none(), st.builds(tuple, st.just(())))),
            min_size=4,
            max_size=14,
        )
    )
    return [(m, None if c is None else command(draw)) for m, c in steps]


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=scripts(), seed=st.integers(0, 2**16), late=st.booleans())
def test_replicas_converge_whatever_the_commands_and_the_sync_order(
    tmp_path_factory: pytest.TempPathFactory,
    script: list[tuple[int, tuple[str, ...] | None]],
    seed: int,
    late: bool,
) -> None:
    """``late``: each machine records only tombstones until its first sync, which sends
    a snapshot of what it did before (as `rave sync --remote` does)."""
    root = tmp_path_factory.mktemp("machines")
    machines = [Machine(root, name, syncing=not late) for name in "abc"]
    remote, rng = Remote(), random.Random(seed)
    for name in NAMES:
        machines[0]("add", name, "--email", f"{name.split()[0].lower()}@example.com")
    if not late:
        for m in machines:
            remote.sync(m, rng)
    started: set[int] = set()
    for index, step in script:
        if step is None:
            if index not in started:
                started.add(index)
                machines[index].start_syncing()
            remote.sync(machines[index], rng)
        else:
            machines[index](*step, ok=False)
    for m in machines:
        m.start_syncing()
    for m in (*machines, *machines):
        remote.sync(m, rng)
    first = machines[0].exported()
    for m in machines[1:]:
        assert m.exported() == first
    today = machines[0].today()
    for m in machines:
        assert m.today() == today
        assert m.tallies_are_a_rebuild()
        assert remote.sync(m, rng).new == 0  # syncing again changes nothing


def test_a_follow_up_for_a_contact_merged_twice_elsewhere_follows_the_merges(
    tmp_path: Path,
) -> None:
    """Found by the convergence property under CI: b merges Ana into Bo, c merges Bo into
    Cy, a logs a follow-up for Ana meanwhile. On b, the follow-up first lands on Bo;
    when c's merge moves Bo, what refers to Ana (merged into Bo) must move too, not go
    with Bo's row."""
    machines = [Machine(tmp_path, n) for n in "abc"]
    remote, rng = Remote(), random.Random(0)
    for name in NAMES:
        machines[0]("add", name, "--email", f"{name.split()[0].lower()}@example.com")
    for m in machines:
        remote.sync(m, rng)
    a, b, c = machines
    remote.sync(a, rng)
    c("merge", "Cy Diaz", "Bo Chen", "--yes")
    a("log", "Ana Perez", "--follow-up", "tea", "--due", "friday")
    b("merge", "Bo Chen", "Ana Perez", "--yes")
    for m in (*machines, *machines):
        remote.sync(m, rng)
    for m in machines:
        assert [f["text"] for f in m.exported().get("followups", {}).values()] == ["tea"]
        assert m.exported() == a.exported()
