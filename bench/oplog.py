"""What the operation log (issue 18, schema 7) costs: its size per million interactions
(measured on 100,000, extrapolated), what recording costs a `rave log` (the TEMP
triggers and the operations written, in-process, median of 200), and a `rave sync` of
10,000 new operations between two machines over a local bare git repository (the
sending side, and the receiving side that applies them).

    python bench/oplog.py            # prints the figures; about a minute

Deterministic data (``generate.py``'s network, 4,000 contacts, 100,000 interactions);
timings are the machine's.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import generate

from rave import db, oplog, timeutil, undo_log


def op_bytes(path: Path) -> tuple[int, int, int]:
    """(operations, bytes of the store, bytes without the operation log), both vacuumed."""
    with tempfile.TemporaryDirectory() as tmp:
        whole, bare = Path(tmp) / "whole.db", Path(tmp) / "bare.db"
        conn = sqlite3.connect(path)
        count = conn.execute("SELECT COUNT(*) FROM op").fetchone()[0]
        conn.execute(f"VACUUM INTO '{whole}'")
        conn.close()
        shutil.copy(whole, bare)
        conn = sqlite3.connect(bare)
        conn.execute("DROP TABLE op")
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        return count, whole.stat().st_size, bare.stat().st_size


def recording_cost(path: Path, runs: int = 200) -> tuple[float, float]:
    """Median ms of one logged interaction's write with and without the op log."""

    def once(record: bool) -> float:
        conn = db.connect(path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            began = time.perf_counter()
            undo_log.start(conn, "rave log bench", timeutil.utcnow())
            if record:
                oplog.start(conn)
            cur = conn.execute(
                "INSERT INTO interaction (kind, direction, channel, happened_at, created_at)"
                " VALUES ('chat', 'out', 'email', '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z')"
            )
            conn.execute(
                "INSERT INTO interaction_contact (interaction_id, contact_id) VALUES (?, 1)",
                (cur.lastrowid,),
            )
            if record:
                oplog.finish(conn)
            undo_log.finish(conn)
            spent = time.perf_counter() - began
            conn.execute("ROLLBACK")
            return spent * 1000
        finally:
            conn.close()

    without = statistics.median(once(False) for _ in range(runs))
    with_log = statistics.median(once(True) for _ in range(runs))
    return without, with_log


def rave(home: Path, *args: str, stdin: str | None = None) -> float:
    began = time.perf_counter()
    subprocess.run(
        [shutil.which("rave") or "rave", *args],
        input=stdin,
        text=True,
        capture_output=True,
        check=True,
        env={**os.environ, "RAVE_HOME": str(home)},
    )
    return time.perf_counter() - began


def sync_cost(root: Path, count: int = 10_000) -> tuple[int, float, float]:
    hub = root / "rave.git"
    subprocess.run(["git", "init", "-q", "--bare", str(hub)], check=True)
    a, b = root / "a", root / "b"
    rave(a, "add", "Ana Pérez", "--email", "ana@example.com")
    rave(a, "sync", "--remote", str(hub))
    rave(b, "sync", "--remote", str(hub))
    lines = "".join(
        json.dumps({"contact": "Ana", "channel": "email", "note": f"message {n}"}) + "\n"
        for n in range(count // 2)  # two operations each: the interaction, its person
    )
    rave(a, "log", "--batch", "-", stdin=lines)
    sent = rave(a, "sync")
    received = rave(b, "sync")
    with sqlite3.connect(b / "rave.db") as conn:
        got = conn.execute("SELECT COUNT(*) FROM op").fetchone()[0]
    return got, sent, received


def main() -> None:
    generate.SIZES["100k"] = (4_000, 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = root / "bench" / "rave.db"
        store.parent.mkdir()
        began = time.perf_counter()
        generate.generate("100k", store)
        made = time.perf_counter() - began
        count, whole, bare = op_bytes(store)
        per_million = (whole - bare) * 1_000_000 / 100_000
        print(f"100,000 interactions, 4,000 contacts: generated in {made:.1f} s")
        print(
            f"op log: {count} operations, {(whole - bare) / 1e6:.1f} MB of "
            f"{whole / 1e6:.1f} MB ({bare / 1e6:.1f} MB without); "
            f"about {per_million / 1e6:.0f} MB per million interactions"
        )
        without, with_log = recording_cost(store)
        print(
            f"one logged interaction's write: {without:.2f} ms without the op log, "
            f"{with_log:.2f} ms with it (+{with_log - without:.2f} ms)"
        )
        got, sent, received = sync_cost(root / "sync")
        print(
            f"sync of 10,000 new operations: sending {sent:.2f} s, receiving and "
            f"applying {received:.2f} s ({got} operations on the receiver)"
        )


if __name__ == "__main__":
    main()
