"""The stored tallies (rave.contact_tally) stay equal to a fold of the whole history, whatever
order the write door receives interactions in, through merges and deletions; the states
read from them equal the naive derivation of tests/oracle.py; and what `rave list` and
`rave today` show follows from them."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Rave
from oracle import differences, naive_states
from rave import contact_tally, db, store
from rave.config import RankConfig
from rave.queries import contacts, states
from rave.scoring.state import Event, Tally
from rave.services import recording

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CHANNELS = ["linkedin", "email", "in_person", "phone"]
DIRECTIONS = ["in", "out", "both"]
_STORES = itertools.count()  # one new file per example (tmp_path is shared by them)


def _rows(conn: sqlite3.Connection) -> dict[int, tuple[object, ...]]:
    sql = f"SELECT t.contact_id, {contact_tally.select_columns()} FROM contact_tally t"
    return {row[0]: row[1:] for row in conn.execute(sql)}


log_st = st.fixed_dictionaries(
    {
        "offset_h": st.integers(min_value=-24 * 300, max_value=0),
        "kind": st.sampled_from(["broadcast", "chat", "engage"]),
        "direction": st.sampled_from(DIRECTIONS),
        "channel": st.sampled_from(CHANNELS),
        "needs_reply": st.booleans(),
        "note": st.sampled_from([None, "coffee", "pricing"]),
        "who": st.sets(st.integers(min_value=0, max_value=3), min_size=1, max_size=2),
    }
).filter(lambda e: (e["kind"], e["direction"]) != ("broadcast", "both"))  # the store refuses it
step_st = st.one_of(
    log_st,
    st.tuples(st.just("merge"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("rm"), st.integers(0, 3)),
)


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step_st, max_size=30))
def test_write_door_keeps_tallies_equal_to_a_full_fold(tmp_path: Path, steps) -> None:
    path = tmp_path / f"t{next(_STORES)}.db"
    alive: list[int | None] = []
    with store.writing(path) as session:
        alive = [store.add_contact(session=session, name=f"P{n}", now=NOW) for n in range(4)]
    for step in steps:  # one transaction per step, as commands do
        with store.writing(path) as session:
            if isinstance(step, dict):
                people = [alive[n] for n in step["who"] if alive[n] is not None]
                if people:
                    store.add_interaction(
                        session=session,
                        contact_ids=[p for p in people if p is not None],
                        kind=step["kind"],
                        direction=step["direction"],
                        channel=step["channel"],
                        when=NOW + timedelta(hours=step["offset_h"]),
                        now=NOW,
                        note=step["note"],
                        needs_reply=step["needs_reply"],
                    )
            elif step[0] == "merge":
                keep, drop = alive[step[1]], alive[step[2]]
                if keep is not None and drop is not None and keep != drop:
                    store.merge_contacts(session=session, keep_id=keep, drop_id=drop, now=NOW)
                    alive[step[2]] = None
            else:
                gone = alive[step[1]]
                if gone is not None:
                    store.delete_contact(session=session, contact_id=gone)
                    alive[step[1]] = None
    conn = db.connect(path)
    kept = _rows(conn)
    conn.execute("BEGIN")
    contact_tally.rebuild(conn)
    assert _rows(conn) == kept  # what the writers kept is what a full fold gives
    conn.execute("ROLLBACK")
    config = RankConfig()
    from_tallies = states.contact_states(conn, as_of=NOW, config=config)
    from_history = naive_states(conn, as_of=NOW, config=config)
    assert [s.contact_id for s in from_tallies] == [s.contact_id for s in from_history]
    for got, want in zip(from_tallies, from_history, strict=True):
        assert differences(got, want) == {}, got.name
    listed = list(contacts.iter_contacts(conn, as_of=NOW, sort="recent"))  # from the tallies
    naive = {s.contact_id: s for s in from_history}
    for row in listed:
        assert row.last_meaningful_at == naive[row.id].last_meaningful
        assert abs(row.warmth - naive[row.id].warmth) < 1e-9
    with store.writing(path) as session:  # a history past NOW: `list` aggregates instead
        later = store.add_contact(session=session, name="Later", now=NOW)
        store.add_interaction(
            session=session,
            contact_ids=[later],
            kind="chat",
            direction="in",
            channel="email",
            when=NOW + timedelta(days=1),
            now=NOW,
        )
    aggregated = [
        c for c in list(contacts.iter_contacts(conn, as_of=NOW, sort="recent")) if c.id != later
    ]
    assert [c.id for c in listed] == [c.id for c in aggregated]
    for got, want in zip(listed, aggregated, strict=True):
        assert abs(got.warmth - want.warmth) < 1e-9
        assert got.last_meaningful_at == want.last_meaningful_at
    conn.close()


event_st = st.builds(
    lambda offset, kind, direction, channel, reply, note: (
        offset,
        kind,
        direction,
        channel,
        reply,
        note,
    ),
    st.integers(min_value=0, max_value=10**8),
    st.sampled_from(["broadcast", "chat", "engage"]),
    st.sampled_from(DIRECTIONS),
    st.sampled_from(CHANNELS),
    st.booleans(),
    st.sampled_from([None, "", 'é ✓ "quoted"']),
)


@given(st.lists(event_st, max_size=20))
def test_a_stored_tally_reads_back_equal(events) -> None:
    tally = Tally()
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for n, (offset, kind, direction, channel, reply, note) in enumerate(
        sorted(events, key=lambda e: e[0]), 1
    ):
        when = start + timedelta(seconds=offset)
        tally.add(Event(n, when, kind, direction, channel, reply, note))
    if tally.latest is not None:
        assert contact_tally.from_row(contact_tally.to_row(tally)) == tally


def test_back_dated_and_merged_interactions_rank_in_time_order(rave: Rave) -> None:
    rave("add", "Ana", "--tier", "A")
    rave("add", "Anna Old", "--tier", "none")
    rave("log", "Ana", "-n", "sent the proposal")  # you wrote today
    rave("log", "Anna Old", "--in", "--when", "3d", "-n", "any news?")  # asked before that
    assert [s["name"] for s in rave("today", "--json").json() if s["action"] == "reply"] == [
        "Anna Old"
    ]
    rave("merge", "Ana", "Anna Old", "--yes")
    # one person now: the question of three days ago was answered today
    assert not [s for s in rave("today", "--json").json() if s["action"] == "reply"]
    rave("log", "Ana", "--in", "--when", "1d", "-n", "thanks!", "--closed")
    why = rave("why", "Ana", "--json").json()["state"]
    assert why["n_in_meaningful"] == 2 and why["unanswered"] == 1
    assert why["last_meaningful"] is not None and why["pending_in"] is None


def test_a_missed_call_is_a_message_and_a_call_that_connected_a_live_exchange(
    rave: Rave,
) -> None:
    rave("add", "Ana", "--tier", "A")
    rave("log", "Ana", "--in", "--when", "3d", "-n", "can we talk?")
    rave("log", "Ana", "-c", "phone", "--missed", "--when", "2d")  # your call, voicemail
    why = rave("why", "Ana", "--json").json()["state"]
    # an outbound message, so an answer: nothing pending, one message waiting for them
    assert why["pending_in"] is None and why["last_out_answer"] is True
    assert why["unanswered"] == 1 and why["last_offline"] is None
    assert why["last_out_channel"] == "phone" and why["last_meaningful_direction"] == "out"
    rave("log", "Ana", "--in", "--when", "1d", "-n", "call me back?")
    assert [s["action"] for s in rave("today", "--json").json()] == ["reply"]
    rave("log", "Ana", "-c", "phone", "-n", "talked it through")  # recorded as `both`
    why = rave("why", "Ana", "--json").json()["state"]
    assert why["pending_in"] is None and why["unanswered"] == 0
    assert why["last_meaningful_direction"] == "both" and why["last_offline"] is not None
    assert why["n_in_meaningful"] == 3 and why["talking_point"] == "talked it through"
    assert not [s for s in rave("today", "--json").json() if s["action"] == "reply"]


def test_a_back_dated_batch_folds_each_contact_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a batch in any order costs one fold per contact, not one per line (before, each
    # back-dated line folded the contact's whole history again: quadratic)
    from rave import contact_tally

    path = tmp_path / "rave.db"
    with store.writing(path) as session:
        for name in ("Ana", "Bo"):
            store.add_contact(session=session, name=name, now=NOW)
    folds: list[list[int]] = []
    real = contact_tally.rebuild

    def counted(conn: sqlite3.Connection, contact_ids: Iterable[int] | None = None) -> int:
        ids = None if contact_ids is None else sorted(contact_ids)
        folds.append(ids or [])
        return real(conn, ids)

    monkeypatch.setattr(contact_tally, "rebuild", counted)
    lines = [
        json.dumps({"contact": name, "when": f"2026-0{1 + n % 9}-{10 + n % 18}T10:{n % 60:02d}Z"})
        for n in range(200, 0, -1)  # newest first
        for name in ("Ana", "Bo")
    ]
    results = recording.log_batch(path, "calls.jsonl", lines)
    assert len(results) == 400
    assert folds == [[1, 2]]  # both contacts, once, at the end
    monkeypatch.setattr(contact_tally, "rebuild", real)
    conn = db.connect(path)
    kept = _rows(conn)
    conn.execute("BEGIN")
    contact_tally.rebuild(conn)
    assert _rows(conn) == kept  # what the batch left is what a full fold gives
    conn.execute("ROLLBACK")
    conn.close()
