"""The read door's queries use their indexes: no full scan of the interactions per
contact (EXPLAIN QUERY PLAN, no timing)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from rave import db
from rave.config import RankConfig
from rave.queries import ranking

AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _plan(conn: sqlite3.Connection, sql: str, params: dict[str, object]) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def _state_sql(**filters: object) -> tuple[str, dict[str, object]]:
    sql = "WITH " + ranking._picked(
        tier=filters.get("tier"),
        tag=None,
        channel=None,
        contact_id=filters.get("contact_id"),
    )
    sql += ", " + ranking._STATE_SQL.strip().removeprefix("WITH ")
    return sql, ranking._params(AS_OF, RankConfig(), **filters)  # type: ignore[arg-type]


def test_ranking_state_reads_interactions_through_indexes(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "rave.db", create=True)
    for filters in ({}, {"contact_id": 1}, {"tier": "A"}):
        plan = _plan(conn, *_state_sql(**filters))
        links = [step for step in plan if " ic " in f" {step} " or step.endswith(" ic")]
        assert any("USING COVERING INDEX ix_interaction_contact_contact_id" in s for s in links), (
            plan
        )
        assert any(s.startswith("SEARCH i USING INTEGER PRIMARY KEY") for s in plan), plan
        assert not any(
            s.startswith(("SCAN i ", "SCAN interaction")) or s == "SCAN i" for s in plan
        ), plan
        assert any("ix_note_contact_id" in s for s in plan), plan  # the talking point
    conn.close()


def test_ranking_reads_one_tally_row_per_contact(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "rave.db", create=True)
    for filters in ({}, {"contact_id": 1}, {"tier": "A"}):
        picked = ranking._picked(
            tier=filters.get("tier"), tag=None, channel=None, contact_id=filters.get("contact_id")
        )
        sql = f"WITH {picked} {ranking._TALLIES_SQL}"
        plan = _plan(conn, sql, ranking._params(AS_OF, RankConfig(), **filters))  # type: ignore[arg-type]
        assert any(s.startswith("SEARCH t USING INTEGER PRIMARY KEY") for s in plan), plan
        assert not any("interaction" in s for s in plan), plan  # never the history
        assert any("ix_note_contact_id" in s for s in plan), plan
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
    from rave import queries

    conn = db.connect(tmp_path / "rave.db", create=True)
    ran: list[str] = []
    conn.set_trace_callback(ran.append)  # the statements as run, parameters bound
    queries.list_contacts(conn, as_of=AS_OF, sort="recent")
    conn.set_trace_callback(None)
    (listing,) = [sql for sql in ran if "FROM contact c" in sql]
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + listing)]
    assert any(s.startswith("SEARCH contact_tally USING INTEGER PRIMARY KEY") for s in plan), plan
    assert not any("interaction" in s for s in plan), plan  # never the history
    conn.close()
