"""The read door's queries use their indexes: no full scan of the interactions per
contact (EXPLAIN QUERY PLAN, no timing)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rave import contact_tally, db
from rave.config import RankConfig
from rave.queries import contacts, states

AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _plan(conn: sqlite3.Connection, sql: str, params: dict[str, object]) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def _ran(conn: sqlite3.Connection, call: Callable[[], object]) -> list[str]:
    """The statements ``call`` ran, parameters bound."""
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    call()
    conn.set_trace_callback(None)
    return ran


def _rank_states(conn: sqlite3.Connection, **filters: object) -> Callable[[], object]:
    return lambda: states.contact_states(
        conn, as_of=AS_OF, config=RankConfig(), unlisted={}, **filters
    )


def test_a_replay_folds_the_history_through_indexes(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "rave.db", create=True)
    conn.execute(
        "INSERT INTO contact (id, name, name_key, tier, created_at, updated_at)"
        " VALUES (1, 'Ana', 'ana', 'A', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
    conn.execute(  # after AS_OF: ranking as of AS_OF folds the history again
        "INSERT INTO interaction (id, kind, direction, channel, happened_at, created_at)"
        " VALUES (1, 'chat', 'in', 'email', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')"
    )
    conn.execute("INSERT INTO interaction_contact VALUES (1, 1)")
    contact_tally.rebuild(conn)
    for filters in ({}, {"contact_id": 1}, {"tier": "A"}):
        (replay,) = [sql for sql in _ran(conn, _rank_states(conn, **filters)) if "json_each" in sql]
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + replay)]
        assert any("USING COVERING INDEX ix_interaction_contact_contact_id" in s for s in plan), (
            plan
        )
        assert any(s.startswith("SEARCH i USING INTEGER PRIMARY KEY") for s in plan), plan
        assert not any(s.startswith(("SCAN i", "SCAN interaction")) for s in plan), plan
    conn.close()


def test_ranking_reads_one_tally_row_per_contact(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "rave.db", create=True)
    for filters in ({}, {"contact_id": 1}, {"tier": "A"}):
        ran = _ran(conn, _rank_states(conn, **filters))
        (listing,) = [sql for sql in ran if "contact_tally t ON" in sql and "COUNT" not in sql]
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + listing)]
        assert any(s.startswith("SEARCH t USING INTEGER PRIMARY KEY") for s in plan), plan
        assert not any("interaction" in s for s in plan), plan  # never the history
        assert any("ix_note_contact_id" in s for s in plan), plan  # the talking point
        assert any("ix_handle_contact_id" in s for s in plan), plan  # retry's channels
    conn.close()


def test_your_recent_activity_is_read_from_a_covering_index(tmp_path: Path) -> None:
    # the broadcast nudge in `today` counts your own interactions of the last weeks: a
    # range of one index, never a visit to each interaction row
    from rave.queries import broadcast

    conn = db.connect(tmp_path / "rave.db", create=True)
    sql = f"WITH {broadcast._MINE.strip()} SELECT kind, COUNT(*) FROM mine GROUP BY kind"
    plan = _plan(conn, sql, {"since": "2026-10-01T00:00:00Z", "until": "2026-11-01T00:00:00Z"})
    assert any("interaction USING COVERING INDEX ix_interaction_direction" in s for s in plan), plan
    conn.close()


def test_list_reads_one_tally_row_per_contact(tmp_path: Path) -> None:

    conn = db.connect(tmp_path / "rave.db", create=True)
    ran: list[str] = []
    conn.set_trace_callback(ran.append)  # the statements as run, parameters bound
    list(contacts.iter_contacts(conn, as_of=AS_OF, sort="recent"))
    conn.set_trace_callback(None)
    (listing,) = [sql for sql in ran if "FROM contact c" in sql]
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + listing)]
    assert any(s.startswith("SEARCH contact_tally USING INTEGER PRIMARY KEY") for s in plan), plan
    assert not any("interaction" in s for s in plan), plan  # never the history
    conn.close()


def test_show_finds_what_still_waits_from_the_contacts_own_interactions(tmp_path: Path) -> None:
    # whether each message still waits for an answer: one pass over this contact's
    # interactions (the index by contact), never over everyone's messages by direction

    conn = db.connect(tmp_path / "rave.db", create=True)
    conn.execute(
        "INSERT INTO contact (id, name, name_key, tier, created_at, updated_at)"
        " VALUES (1, 'Ana', 'ana', 'A', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
    ran = _ran(conn, lambda: contacts.contact_detail(conn, 1, as_of=AS_OF))
    (answered,) = [sql for sql in ran if "direction IN ('out', 'both')" in sql]
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + answered)]
    assert plan[0].startswith("SEARCH ic USING COVERING INDEX ix_interaction_contact"), plan
    assert not any("ix_interaction_direction" in s for s in plan), plan
    conn.close()
