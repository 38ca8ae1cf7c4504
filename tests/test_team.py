"""The team hub on a real PostgreSQL server, started by the suite (issue 18, item 4):
`rave team` sets it up and adds members; `rave sync --remote postgresql://...` shares one
history while the server keeps private notes private, refuses forged authors, and never
lets a reader skip a row, whatever pushes run at once."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import cron_env, probe, rave_executable
from pgserver import PgHub
from test_oplog import Machine

pytest.importorskip("psycopg")
import psycopg


def team(hub: PgHub, *args: str, code: int = 0) -> Any:
    """`rave team ...` as the hub's admin (in-process), its result."""
    m = Machine(Path(os.environ["RAVE_HOME"]), "admin")
    result = m("team", *args, "--hub", hub.admin_url, ok=False)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def member(hub: PgHub, name: str) -> str:
    """Add member ``name`` (a cluster-unique role); the URL they sync with, password
    in it (what `rave team add` prints is the URL without it, and a ~/.pgpass line)."""
    role = hub.role(name)
    added = json.loads(team(hub, "add", role, "--json").stdout)
    assert added["member_url"] == hub.url(role)  # no password in it
    assert added["pgpass"].endswith(f":{role}:{added['password']}")
    return str(hub.url(role, added["password"]))


@pytest.fixture
def hub(pg_hub: PgHub) -> PgHub:
    team(pg_hub, "setup")
    return pg_hub


def hub_rows(url: str) -> list[tuple[Any, ...]]:
    """What role ``url`` may read of the hub: (author, private, entity, value)."""
    with psycopg.connect(url, autocommit=True) as pg:
        return pg.execute("SELECT author, private, entity, value::text FROM rave.op").fetchall()


# --- setting up -----------------------------------------------------------------------------


def test_setup_prints_the_sql_it_runs_and_running_it_again_loses_nothing(pg_hub: PgHub) -> None:
    dry = team(pg_hub, "setup", "--dry-run")
    assert "CREATE POLICY op_read" in dry.stdout and "nothing was run" in dry.stderr
    with pg_hub.admin_conn() as pg:
        assert pg.execute("SELECT to_regclass('rave.op')").fetchone() == (None,)
    done = team(pg_hub, "setup")
    printed = [line for line in done.stdout.splitlines() if line.endswith(";")]
    assert printed == [line for line in dry.stdout.splitlines() if line.endswith(";")]
    assert any("ENABLE ROW LEVEL SECURITY" in line for line in printed)
    ana = member(pg_hub, "ana")
    a = Machine(Path(os.environ["RAVE_HOME"]), "ana")
    a("add", "Eve Stone")
    a("sync", "--remote", ana)
    team(pg_hub, "setup")  # again: a repair, nothing lost
    assert len(hub_rows(ana)) == len(hub_rows(pg_hub.admin_url)) > 0


def test_setup_refuses_a_superuser_and_nothing_is_made(pg_hub: PgHub) -> None:
    m = Machine(Path(os.environ["RAVE_HOME"]), "root")
    done = m("team", "setup", "--hub", pg_hub.server.superuser_url(pg_hub.dbname), ok=False)
    assert done.exit_code == 1
    assert "superuser" in done.stderr and "createuser --createrole" in done.stderr
    with pg_hub.admin_conn() as pg:
        assert pg.execute("SELECT to_regnamespace('rave')").fetchone() == (None,)


def test_no_superuser_owner_or_rls_bypassing_role_becomes_or_syncs_as_a_member(
    hub: PgHub,
) -> None:
    hub.server.execute_as_superuser(f'CREATE ROLE "{hub.role("root")}" SUPERUSER LOGIN')
    hub.server.execute_as_superuser(f'CREATE ROLE "{hub.role("bypass")}" BYPASSRLS LOGIN')
    for name in (hub.admin, hub.role("root"), hub.role("bypass")):
        refused = team(hub, "add", name, code=1)
        assert "refused" in refused.stderr and "private notes" in refused.stderr
    a = Machine(Path(os.environ["RAVE_HOME"]), "owner")
    a("add", "Eve Stone")
    for url, why in (
        (hub.admin_url, "the hub's owner"),
        (hub.server.superuser_url(hub.dbname), "a superuser"),
    ):
        done = a("sync", "--remote", url, ok=False)
        assert done.exit_code == 1 and why in done.stderr, done.stderr
    with hub.admin_conn() as pg:
        assert pg.execute("SELECT count(*) FROM rave.op").fetchone() == (0,)


def test_a_role_outside_the_team_cannot_sync_nor_connect(hub: PgHub) -> None:
    outsider = hub.role("eve")
    hub.server.execute_as_superuser(f"CREATE ROLE \"{outsider}\" LOGIN PASSWORD 'pw'")
    a = Machine(Path(os.environ["RAVE_HOME"]), "eve")
    done = a("sync", "--remote", hub.url(outsider, "pw"), ok=False)
    assert done.exit_code == 1 and "Traceback" not in done.stderr
    assert "permission denied" in done.stderr or "not a member" in done.stderr


# --- privacy and authorship -----------------------------------------------------------------


def test_a_private_note_never_leaves_the_server_for_another_member(hub: PgHub) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    root = Path(os.environ["RAVE_HOME"])
    laptop, desktop, bob = Machine(root, "laptop"), Machine(root, "desktop"), Machine(root, "bob")
    laptop("add", "Eve Stone", "--email", "eve@example.com")
    laptop("note", "eve", "divorce: go easy on the small talk")
    laptop("note", "eve", "prefers mail to calls", "--team")
    laptop("log", "eve", "--follow-up", "send the deck", "--due", "friday")
    laptop("post", "Notes on PSD3", "-c", "linkedin")
    laptop("sync", "--remote", ana_url)
    desktop("sync", "--remote", ana_url)
    bob("sync", "--remote", bob_url)

    secret = "divorce"
    assert secret in json.dumps(desktop.exported())  # her other machine has it all
    bob_sees = json.dumps(bob.exported())
    assert secret not in bob_sees and "prefers mail to calls" in bob_sees
    assert "send the deck" not in bob_sees and "PSD3" not in bob_sees
    assert "Eve Stone" in bob_sees  # the people and the history are the team's
    # on the server: bob's role reads none of her private rows, ana's reads them
    assert not any(secret in (value or "") for _, _, _, value in hub_rows(bob_url))
    assert any(secret in (value or "") for _, _, _, value in hub_rows(ana_url))
    assert {author for author, private, _, _ in hub_rows(bob_url) if private} == set()


def test_a_member_cannot_forge_an_author_nor_rewrite_the_history(hub: PgHub) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    a = Machine(Path(os.environ["RAVE_HOME"]), "ana")
    a("add", "Eve Stone")
    a("sync", "--remote", ana_url)
    row = (str(uuid.uuid4()), "0000000000001.00000.x", "x", "create", "contact", str(uuid.uuid4()))
    insert = (
        "INSERT INTO rave.op (id, author, hlc, device, kind, entity, gid, value)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, '{}')"
    )
    with psycopg.connect(bob_url, autocommit=True) as pg:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            pg.execute(insert, (row[0], hub.role("ana"), *row[1:]))
        for sql in ("UPDATE rave.op SET author = session_user", "DELETE FROM rave.op"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                pg.execute(sql)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            pg.execute("SELECT nextval('rave.op_seq')")
        pg.execute(insert, (row[0], hub.role("bob"), *row[1:]))  # as himself: fine
    with hub.admin_conn() as pg, pytest.raises(psycopg.errors.RaiseException, match="append"):
        pg.execute("DELETE FROM rave.op")  # not even its owner, by mistake


# --- one history, each member's own choices --------------------------------------------------


def test_each_member_keeps_their_own_tiers_cadences_and_snoozes(hub: PgHub) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    root = Path(os.environ["RAVE_HOME"])
    laptop, desktop, bob = Machine(root, "laptop"), Machine(root, "desktop"), Machine(root, "bob")
    laptop("add", "Eve Stone", "--tier", "A", "--cadence", "10")
    laptop("snooze", "eve", "2w")
    laptop("sync", "--remote", ana_url)
    bob("sync", "--remote", bob_url)
    desktop("sync", "--remote", ana_url)

    def eve(m: Machine) -> tuple[Any, ...]:
        conn = m.conn()
        try:
            return tuple(
                conn.execute(
                    "SELECT tier, cadence_days, snoozed_until IS NOT NULL FROM contact"
                ).fetchone()
            )
        finally:
            conn.close()

    assert eve(desktop) == ("A", 10, 1)
    assert eve(bob) == ("none", None, 0)  # not his target until he says so
    bob("edit", "eve", "--tier", "B")
    bob("sync")
    laptop("edit", "eve", "--cadence", "20")
    laptop("sync")
    for m in (laptop, desktop, bob):
        m("sync")
    assert eve(laptop) == eve(desktop) == ("A", 20, 1)
    assert eve(bob) == ("B", None, 0)
    # bob's tier never reached ana: it was private on the server
    assert not [r for r in hub_rows(ana_url) if r[0] == hub.role("bob") and '"B"' in r[3]]
    assert [r[1] for r in hub_rows(bob_url) if r[0] == hub.role("bob") and '"B"' in r[3]] == [True]


def test_an_answer_by_one_member_clears_the_reply_lane_for_all_and_why_names_them(
    hub: PgHub,
) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    root = Path(os.environ["RAVE_HOME"])
    ana, bob = Machine(root, "ana"), Machine(root, "bob")
    ana("add", "Eve Stone", "--email", "eve@example.com")
    ana("log", "eve", "--in", "-c", "email", "-w", "yesterday")
    ana("sync", "--remote", ana_url)
    bob("sync", "--remote", bob_url)
    listed = json.loads(bob("today", "--json").stdout)
    assert [(s["name"], s["lane"]) for s in listed] == [("Eve Stone", "reply")]

    ana("log", "eve", "-c", "email", "-n", "answered her")
    ana("sync")
    bob("sync")
    assert json.loads(bob("today", "--json").stdout) == []
    why = json.loads(bob("why", "eve", "--json").stdout)
    assert why["answered_by"] == hub.role("ana")
    assert f"last written to by {hub.role('ana')} (of your team)" in bob("why", "eve").stdout
    assert json.loads(ana("why", "eve", "--json").stdout)["answered_by"] == "you"
    # a store without a hub says nothing about a team
    solo = Machine(root, "solo")
    solo("add", "Eve Stone")
    solo("log", "eve")
    assert json.loads(solo("why", "eve", "--json").stdout)["answered_by"] is None


def test_a_store_syncs_as_one_member_only(hub: PgHub) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    a = Machine(Path(os.environ["RAVE_HOME"]), "ana")
    a("add", "Eve Stone")
    a("note", "eve", "ana's own thought")
    a("sync", "--remote", ana_url)
    refused = a("sync", "--remote", bob_url, ok=False)
    assert refused.exit_code == 1 and "one member" in refused.stderr
    assert not any(author == hub.role("bob") for author, *_ in hub_rows(ana_url))


def test_team_list_and_remove(hub: PgHub) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    a = Machine(Path(os.environ["RAVE_HOME"]), "ana")
    a("add", "Eve Stone")
    a("sync", "--remote", ana_url)
    listed = json.loads(team(hub, "list", "--json").stdout)
    counts = {m["name"]: m["operations"] for m in listed["members"]}
    assert counts == {hub.role("ana"): len(hub_rows(ana_url)), hub.role("bob"): 0}
    team(hub, "remove", hub.role("bob"))
    b = Machine(Path(os.environ["RAVE_HOME"]), "bob")
    done = b("sync", "--remote", bob_url, ok=False)
    assert done.exit_code == 1 and "Eve" not in json.dumps(b.exported())
    assert team(hub, "remove", hub.role("bob"), code=1).stderr.count("not a member") == 1
    assert [m["name"] for m in json.loads(team(hub, "list", "--json").stdout)["members"]] == [
        hub.role("ana")
    ]


def test_read_commands_never_load_the_driver_nor_touch_the_hub(hub: PgHub, tmp_path: Path) -> None:
    home = tmp_path / "ana"
    home.mkdir()
    exe, env = rave_executable(), cron_env(home)
    for args in (("add", "Eve Stone"), ("sync", "--remote", member(hub, "ana"))):
        subprocess.run([exe, *args], env=env, check=True, capture_output=True)
    for args in (("today",), ("digest",), ("why", "eve"), ("show", "eve"), ("log", "eve")):
        found = probe(home, *args)
        assert found.exit_code == 0, args
        loaded = {m for m in found.modules if m.split(".")[0] == "psycopg"}
        assert not loaded and not {"rave.services.hub", "rave.services.team"} & found.modules


# --- order and interruptions ----------------------------------------------------------------


def test_no_reader_skips_a_row_while_pushes_commit_out_of_order(hub: PgHub) -> None:
    """Writers hold their transactions open for random times, so without the hub's
    ordering a later row could commit first and a reader reading "after the last row I
    have" would skip the earlier one for good."""
    urls = [member(hub, f"w{i}") for i in range(4)]
    reader_url = member(hub, "reader")
    written: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(url: str, seed: int) -> None:
        rng = random.Random(seed)
        with psycopg.connect(url, autocommit=True) as pg:
            for _ in range(15):
                ids = [str(uuid.uuid4()) for _ in range(rng.randint(1, 3))]
                with pg.transaction():
                    for op_id in ids:
                        pg.execute(
                            "INSERT INTO rave.op (id, hlc, device, kind, entity, gid, value)"
                            " VALUES (%s, '0000000000001.00000.d', 'd', 'create', 'post',"
                            " 'g', '{}')",
                            (op_id,),
                        )
                    time.sleep(rng.random() * 0.03)
                with lock:
                    written.extend(ids)

    seen: list[str] = []

    def read() -> None:
        after = 0
        with psycopg.connect(reader_url, autocommit=True) as pg:
            while True:
                last = stop.is_set()
                rows = pg.execute(
                    "SELECT seq, id::text FROM rave.op WHERE seq > %s ORDER BY seq", (after,)
                ).fetchall()
                for seq, op_id in rows:
                    seen.append(op_id)
                    after = seq
                if last:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(u, i)) for i, u in enumerate(urls)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    assert len(written) > 60
    assert len(seen) == len(set(seen)) and sorted(seen) == sorted(written)


def test_concurrent_syncs_of_many_members_lose_nothing(hub: PgHub) -> None:
    root = Path(os.environ["RAVE_HOME"])
    people = [(Machine(root, f"m{i}"), member(hub, f"m{i}")) for i in range(3)]
    for i, (m, url) in enumerate(people):
        m("sync", "--remote", url)
        for j in range(8):
            m("add", f"Person {i}-{j}", "--email", f"p{i}-{j}@example.com")
            m("log", f"Person {i}-{j}", "-n", f"talk {j}")
    env = {name: os.environ[name] for name in os.environ}

    def sync(m: Machine) -> None:
        done = subprocess.run(
            [rave_executable(), "--db", str(m.path), "sync"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    for _ in range(2):
        threads = [threading.Thread(target=sync, args=(m,)) for m, _ in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for m, _ in people:
        m("sync")
    histories = [
        sorted(i["note"] or "" for i in m.exported().get("interactions", {}).values())
        for m, _ in people
    ]
    assert histories[0] == histories[1] == histories[2]
    assert len(histories[0]) == 24


def test_a_push_that_died_after_the_server_had_it_is_not_sent_twice(hub: PgHub) -> None:
    url = member(hub, "ana")
    a = Machine(Path(os.environ["RAVE_HOME"]), "ana")
    a("add", "Eve Stone")
    a("log", "eve")
    a("sync", "--remote", url)
    before = len(hub_rows(url))
    conn = sqlite3.connect(a.path)
    conn.execute("UPDATE sync_state SET hub_sent = 0")  # killed before it noted the push
    conn.commit()
    conn.close()
    again = json.loads(a("sync", "--json").stdout)
    assert again["sent"] == 0 and len(hub_rows(url)) == before


@pytest.mark.slow
def test_a_sync_killed_midway_then_run_again_converges(hub: PgHub, tmp_path: Path) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    home = tmp_path / "ana-home"
    home.mkdir()
    env = cron_env(home)
    exe = rave_executable()
    cards = tmp_path / "people.vcf"
    cards.write_text(
        "".join(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nN:{i};Person;;;\r\n"
            f"EMAIL;TYPE=INTERNET:p{i}@example.com\r\nEND:VCARD\r\n"
            for i in range(1500)
        ),
        encoding="utf-8",
    )
    subprocess.run([exe, "import", "vcard", str(cards)], env=env, check=True, capture_output=True)
    rng = random.Random(5)
    for _ in range(4):
        sync = subprocess.Popen(
            [exe, "sync", "--remote", ana_url],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.random() * 0.8)
        sync.send_signal(signal.SIGKILL)
        sync.wait()
    done = subprocess.run([exe, "sync", "--json"], env=env, text=True, capture_output=True)
    assert done.returncode == 0, done.stderr
    mine = sqlite3.connect(home / "rave.db")
    local = {r[0] for r in mine.execute("SELECT id FROM op")}
    mine.close()
    with psycopg.connect(ana_url, autocommit=True) as pg:
        rows = pg.execute("SELECT id::text, kind, field, private FROM rave.op").fetchall()
    ids = [r[0] for r in rows]
    # every operation once (none lost, none twice); besides, the private rows of ana's
    # own fields that follow each contact's create
    assert local <= set(ids) and len(ids) == len(set(ids))
    extra = {(kind, field, private) for op_id, kind, field, private in rows if op_id not in local}
    assert extra == {("set", "tier", True)}
    bob = Machine(tmp_path, "bob")
    bob("sync", "--remote", bob_url)
    assert len(bob.exported()["contacts"]) == 1500


# --- convergence ----------------------------------------------------------------------------

NAMES = ("Ana Lima", "Bo Chen", "Cy Park")


@st.composite
def team_steps(draw: st.DrawFn) -> list[tuple[int, tuple[str, ...] | None]]:
    """(store, command or None for a sync) steps; stores 0 and 1 are ana's laptop and
    desktop, 2 is bob's."""
    out: list[tuple[int, tuple[str, ...] | None]] = []
    for _ in range(draw(st.integers(4, 12))):
        who = draw(st.integers(0, 2))
        if draw(st.booleans()):
            out.append((who, None))
            continue
        name = draw(st.sampled_from(NAMES))
        word = draw(st.sampled_from(("tea", "golf", "books")))
        out.append(
            (
                who,
                draw(
                    st.sampled_from(
                        [
                            ("log", name, "-n", word),
                            ("log", name, "--in", "-c", "email", "-w", "yesterday"),
                            ("note", name, word),
                            ("note", name, f"team {word}", "--team"),
                            ("edit", name, "--tier", draw(st.sampled_from("ABCD"))),
                            ("edit", name, "--tag", word),
                            ("snooze", name, "2w"),
                            ("add", "Dee Marsh", "--tier", draw(st.sampled_from("AB"))),
                            ("log", "Dee Marsh", "--in", "-c", "email"),
                        ]
                    )
                ),
            )
        )
    return out


def _shared(m: Machine) -> dict[str, Any]:
    """What every member must see alike: people (without the member's own fields, and
    ``updated_at``, which a change of those fields moves for that member only),
    interactions, shared notes."""
    document = m.exported()
    own = ("tier", "cadence_days", "snoozed_until", "updated_at")
    people = {
        g: {k: v for k, v in c.items() if k not in own} for g, c in document["contacts"].items()
    }
    notes = {g: n for g, n in document.get("notes", {}).items() if n.get("shared")}
    return {"contacts": people, "interactions": document.get("interactions"), "notes": notes}


@pytest.mark.slow
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=team_steps())
def test_members_converge_whatever_the_commands_and_the_sync_order(
    pg_hubs: Callable[[], PgHub],
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[int, tuple[str, ...] | None]],
) -> None:
    hub = pg_hubs()
    team(hub, "setup")
    urls = [member(hub, "ana"), member(hub, "bob")]
    root = tmp_path_factory.mktemp("team")
    stores = [Machine(root, "laptop"), Machine(root, "desktop"), Machine(root, "bob")]
    for name in NAMES:
        stores[0]("add", name, "--email", f"{name.split()[0].lower()}@example.com")
    for i, m in enumerate(stores):
        m("sync", "--remote", urls[0 if i < 2 else 1])
    for who, step in steps:
        if step is None:
            stores[who]("sync")
        else:
            stores[who](*step, ok=False)
    for m in (*stores, *stores):
        m("sync")
    laptop, desktop, bob = stores
    assert laptop.exported() == desktop.exported()  # one member: everything alike
    assert laptop.today() == desktop.today()
    assert _shared(laptop) == _shared(bob)
    for m in stores:
        assert m.tallies_are_a_rebuild()
        assert json.loads(m("sync", "--json").stdout)["applied"] == 0  # twice: nothing


# --- what a member must not be able to do (found by review) -----------------------------------


def test_no_role_that_can_get_past_row_level_security_becomes_or_syncs_as_a_member(
    hub: PgHub,
) -> None:
    """CREATEROLE can grant itself the owner's role (PostgreSQL 15); a member of the
    owner's role reads as the owner."""
    carl, dana = hub.role("carl"), hub.role("dana")
    hub.server.execute_as_superuser(f"CREATE ROLE \"{carl}\" LOGIN CREATEROLE PASSWORD 'pw'")
    hub.server.execute_as_superuser(f"CREATE ROLE \"{dana}\" LOGIN PASSWORD 'pw'")
    hub.server.execute_as_superuser(f'GRANT "{hub.admin}" TO "{dana}"')
    for name in (carl, dana):
        assert "refused" in team(hub, "add", name, code=1).stderr
    # made members behind rave's back, they are still refused by `rave sync`
    (group,) = hub.server.execute_as_superuser(
        "SELECT member_role FROM rave.hub", dbname=hub.dbname
    )[0]
    for name in (carl, dana):
        hub.server.execute_as_superuser(f'GRANT "{group}" TO "{name}"')
        m = Machine(Path(os.environ["RAVE_HOME"]), name)
        done = m("sync", "--remote", hub.url(name, "pw"), ok=False)
        assert done.exit_code == 1 and "refused" in done.stderr, done.stderr


def test_two_hubs_on_one_server_have_their_own_members(pg_hubs: Callable[[], PgHub]) -> None:
    first, second = pg_hubs(), pg_hubs()
    for hub in (first, second):
        team(hub, "setup")
    ana = member(first, "ana")
    with first.admin_conn() as pg:
        (g1,) = pg.execute("SELECT member_role FROM rave.hub").fetchone() or ("",)
    with second.admin_conn() as pg:
        (g2,) = pg.execute("SELECT member_role FROM rave.hub").fetchone() or ("",)
    assert g1 != g2
    password = ana.split("@")[0].rsplit(":", 1)[1]
    other = second.url(first.role("ana"), password)
    done = Machine(Path(os.environ["RAVE_HOME"]), "ana")("sync", "--remote", other, ok=False)
    assert done.exit_code == 1 and "Traceback" not in done.stderr


def test_ana_s_tiers_cadences_and_snoozes_never_leave_the_server_for_bob(hub: PgHub) -> None:
    ana_url, bob_url = member(hub, "ana"), member(hub, "bob")
    a = Machine(Path(os.environ["RAVE_HOME"]), "ana")
    a("add", "Eve Stone", "--tier", "A", "--cadence", "10")
    a("snooze", "eve", "2w")
    a("sync", "--remote", ana_url)
    bob_reads = hub_rows(bob_url)
    assert bob_reads and all(author == hub.role("ana") for author, *_ in bob_reads)
    for word in ('"tier"', '"cadence_days"', '"snoozed_until"', '{"v":"A"}', '{"v":10}'):
        assert word not in json.dumps(bob_reads)
    hers = [value for *_, value in hub_rows(ana_url)]
    assert '{"v":"A"}' in hers and '{"v":10}' in hers  # her own machines get them


def test_moving_from_git_to_a_hub_keeps_your_tiers(hub: PgHub, tmp_path: Path) -> None:
    repo = tmp_path / "rave.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    url = member(hub, "ana")
    laptop, desktop = Machine(tmp_path, "laptop"), Machine(tmp_path, "desktop")
    for m in (laptop, desktop):
        m("sync", "--remote", str(repo))
    desktop("add", "Eve Stone", "--tier", "A")
    desktop("sync")
    laptop("sync")
    for m in (laptop, desktop, laptop):
        m("sync", "--remote", url)
    assert laptop.exported() == desktop.exported()
    assert [c["tier"] for c in laptop.exported()["contacts"].values()] == ["A"]


def test_a_malformed_row_is_skipped_and_listed_and_a_newer_one_stops_the_sync(
    hub: PgHub,
) -> None:
    bob_url = member(hub, "bob")
    b = Machine(Path(os.environ["RAVE_HOME"]), "bob")
    b("sync", "--remote", bob_url)
    insert = (
        "INSERT INTO rave.op (id, hlc, device, kind, entity, gid, value)"
        " VALUES (%s, %s, 'x', %s, %s, 'g', %s)"
    )
    clock = f"{int(time.time() * 1000):013d}.00000.x"
    carl = member(hub, "carl")
    with psycopg.connect(carl, autocommit=True) as pg:
        pg.execute(insert, (str(uuid.uuid4()), clock, "create", "contact", "[1]"))
        pg.execute(insert, (str(uuid.uuid4()), clock, "merge", "contact", "{}"))
    done = json.loads(b("sync", "--json").stdout)
    assert done["conflicts"] == 2
    doctor = b("doctor", ok=False)
    assert "malformed" in doctor.stdout + doctor.stderr
    with psycopg.connect(carl, autocommit=True) as pg:
        pg.execute(insert, (str(uuid.uuid4()), clock, "reshape", "contact", "{}"))
    newer = b("sync", ok=False)
    assert newer.exit_code == 65 and "upgrade rave" in newer.stderr


def test_the_hub_refuses_a_forged_clock_and_a_member_cannot_take_the_push_turn(
    hub: PgHub,
) -> None:
    url = member(hub, "bob")
    insert = (
        "INSERT INTO rave.op (id, hlc, device, kind, entity, gid, value)"
        " VALUES (%s, %s, %s, 'create', 'contact', 'g', '{}')"
    )
    with psycopg.connect(url, autocommit=True) as pg:
        for hlc, device in (
            ("9999999999999.99999.x", "x"),  # years ahead: it would win every field
            (f"{int(time.time() * 1000):013d}.00000.y", "x"),  # another device's clock
            ("1.0.x", "x"),
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="rave: "):
                pg.execute(insert, (str(uuid.uuid4()), hlc, device))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            pg.execute("BEGIN; LOCK TABLE rave.push_turn IN EXCLUSIVE MODE")


def test_a_hub_url_rave_cannot_read_is_exit_2_and_not_remembered(rave: Any) -> None:
    assert rave("add", "Eve Stone").exit_code == 0
    for url in ("postgresql://[bad/db", "postgresql://ana@host:port/db"):
        done = rave("sync", "--remote", url)
        assert done.exit_code == 2 and "Traceback" not in done.stderr, (url, done.stderr)
    assert "no remote" in rave("sync").stderr  # nothing was remembered


# --- found by the last review -------------------------------------------------------------------


def test_a_teammate_s_contact_is_tier_none_until_you_choose_on_every_machine_of_yours(
    hub: PgHub,
) -> None:
    ana_url, bo_url = member(hub, "ana"), member(hub, "bo")
    root = Path(os.environ["RAVE_HOME"])
    bo, laptop = Machine(root, "bo"), Machine(root, "laptop")
    bo("add", "Fay Olsen", "--tier", "B")
    bo("sync", "--remote", bo_url)
    laptop("sync", "--remote", ana_url)
    assert [c["tier"] for c in laptop.exported()["contacts"].values()] == ["none"]
    laptop("edit", "fay", "--tier", "A", "--cadence", "14")
    laptop("sync")
    desktop = Machine(root, "desktop")  # a new machine of ana's: all rows in one batch
    desktop("sync", "--remote", ana_url)
    for m in (laptop, desktop):
        (fay,) = m.exported()["contacts"].values()
        assert (fay["tier"], fay["cadence_days"]) == ("A", 14)
    bo("sync")
    assert [c["tier"] for c in bo.exported()["contacts"].values()] == ["B"]


def test_one_machine_moving_from_git_to_the_hub_brings_what_the_others_made(
    hub: PgHub, tmp_path: Path
) -> None:
    repo = tmp_path / "rave.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    ana_url, bo_url = member(hub, "ana"), member(hub, "bo")
    laptop, desktop, bo = Machine(tmp_path, "a"), Machine(tmp_path, "b"), Machine(tmp_path, "c")
    for m in (laptop, desktop):
        m("sync", "--remote", str(repo))
    desktop("add", "Dave Kim", "--email", "dave@example.com")
    desktop("sync")
    laptop("sync")
    laptop("sync", "--remote", ana_url)  # the desktop stays on git for now
    laptop("log", "dave", "-n", "lunch")
    laptop("sync")
    bo("sync", "--remote", bo_url)
    (talk,) = bo.exported()["interactions"].values()
    (dave,) = bo.exported()["contacts"].values()
    assert talk["contact_ids"] == [dave["gid"]] and dave["name"] == "Dave Kim"


def test_the_same_hub_with_or_without_the_password_is_one_remote(hub: PgHub) -> None:
    url = member(hub, "ana")
    a = Machine(Path(os.environ["RAVE_HOME"]), "ana")
    a("add", "Eve Stone")
    a("sync", "--remote", url)
    password = url.split("@")[0].rsplit(":", 1)[1]
    os.environ["PGPASSWORD"] = password
    try:
        again = json.loads(a("sync", "--remote", hub.url(hub.role("ana")), "--json").stdout)
    finally:
        del os.environ["PGPASSWORD"]
    assert again["sent"] == 0 and again["received"] == 0  # no cursor started afresh


def test_a_removed_member_is_told_they_are_not_a_member(hub: PgHub) -> None:
    url = member(hub, "bo")
    team(hub, "remove", hub.role("bo"))
    done = Machine(Path(os.environ["RAVE_HOME"]), "bo")("sync", "--remote", url, ok=False)
    assert done.exit_code == 1 and "not a member" in done.stderr


def test_rave_team_reads_the_hub_from_rave_hub_and_says_how_to_fix_a_refusal(
    hub: PgHub, rave: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAVE_HUB", hub.admin_url)
    listed = rave("team", "list", "--json")
    assert listed.exit_code == 0 and listed.json()["members"] == []
    monkeypatch.setenv("RAVE_HUB", hub.url(hub.admin, "wrong"))
    refused = rave("team", "list")
    assert refused.exit_code == 1 and "rave team` as the hub's admin" in refused.stderr


def test_without_the_driver_a_hub_is_a_message_not_a_traceback(
    hub: PgHub, rave: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:  # undone before the hub's clean-up needs psycopg
        patch.setitem(sys.modules, "psycopg", None)  # as if `rave[team]` were not installed
        for args in (("sync", "--remote", hub.admin_url), ("team", "list", "--hub", hub.admin_url)):
            done = rave(*args)
            assert done.exit_code == 1 and "pip install 'rave[team]'" in done.stderr, args


def test_rows_arrive_in_batches_and_an_interrupted_pull_keeps_those_it_applied(
    hub: PgHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rave.services import hub as hubs

    ana_url, bo_url = member(hub, "ana"), member(hub, "bo")
    root = Path(os.environ["RAVE_HOME"])
    a, b = Machine(root, "ana"), Machine(root, "bo")
    for n in range(4):
        a("add", f"Person {n}")
    a("sync", "--remote", ana_url)
    for n in range(4):
        a("log", f"Person {n}", "-n", f"talk {n}")
    a("sync")
    monkeypatch.setattr(hubs, "_BATCH", 2)
    real = hubs._read_batch
    calls = []

    def interrupted(conn: sqlite3.Connection, rows: Any, me: str) -> Any:
        calls.append(len(rows))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(conn, rows, me)

    monkeypatch.setattr(hubs, "_read_batch", interrupted)
    assert b("sync", "--remote", bo_url, ok=False).exit_code == 130
    assert len(b.exported().get("contacts", {})) == 2  # the first batch, with its cursor
    monkeypatch.setattr(hubs, "_read_batch", real)
    b("sync")  # the rest, two rows at a time
    assert len(b.exported()["contacts"]) == 4 and len(b.exported()["interactions"]) == 4
    assert json.loads(b("sync", "--json").stdout)["received"] == 0
