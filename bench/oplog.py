"""What the operation log (issue 18, schema 7) costs: nothing in size for a store that
does not sync; its size per million interactions once it does (measured on 100,000,
extrapolated) and the time of that first snapshot; what recording costs a `rave log`
(the TEMP triggers and the operations written, in-process, median of 200, interleaved),
and a `rave sync` of
10,000 new operations between two machines over a local bare git repository (the
sending side, and the receiving side that applies them), and the same between two
members of a team hub on a throwaway local PostgreSQL server (when its programs are
installed: tests/pgserver.py starts it).

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


def recording_cost(path: Path, runs: int = 200) -> tuple[float, float, float]:
    """Median ms of one logged interaction's write: without the op log's triggers, as a
    store that does not sync (tombstones only), and as one that syncs (operations)."""

    def once(mode: str) -> float:
        conn = db.connect(path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            remote = "bench" if mode == "syncing" else None
            conn.execute(
                "INSERT INTO sync_state (id, remote) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET remote = excluded.remote",
                (remote,),
            )
            record = mode != "bare"
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

    modes = ("bare", "not syncing", "syncing")
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(runs):  # interleaved, so that the machine's load falls on all three
        for mode in modes:
            times[mode].append(once(mode))
    bare, light, syncing = (statistics.median(times[mode]) for mode in modes)
    return bare, light, syncing


def start_syncing(path: Path) -> float:
    """Seconds for a store's first remote: its history turned into operations."""
    conn = db.connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        began = time.perf_counter()
        oplog.start_syncing(conn)
        conn.execute(
            "INSERT INTO sync_state (id, remote) VALUES (1, 'bench')"
            " ON CONFLICT (id) DO UPDATE SET remote = excluded.remote"
        )
        conn.execute("COMMIT")
        return time.perf_counter() - began
    finally:
        conn.close()


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
    return exchange(a, b, count)


def exchange(a: Path, b: Path, count: int) -> tuple[int, float, float]:
    """``a`` logs ``count`` operations and syncs, then ``b`` syncs: (operations ``b``
    has, seconds to send, seconds to receive and apply)."""
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


def hub_sync_cost(root: Path, count: int = 10_000) -> tuple[int, float, float] | None:
    """The same over a team hub on a throwaway PostgreSQL server (tests/pgserver.py), two
    members; None when no server programs are installed."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    import pgserver

    bin_dir = pgserver.find_bin_dir()
    if bin_dir is None:
        return None
    with pgserver.running_server(bin_dir) as server:
        hub = server.fresh_database()
        a, b = root / "a", root / "b"
        rave(a, "team", "setup", "--hub", hub.admin_url)
        urls = []
        for name in ("ana", "bo"):
            out = subprocess.run(
                ["rave", "team", "add", hub.role(name), "--hub", hub.admin_url, "--json"],
                capture_output=True,
                text=True,
                check=True,
            )
            urls.append(json.loads(out.stdout)["member_url"])
        rave(a, "add", "Ana Pérez", "--email", "ana@example.com")
        rave(a, "sync", "--remote", urls[0])
        rave(b, "sync", "--remote", urls[1])
        return exchange(a, b, count)


def main() -> None:
    generate.SIZES["100k"] = (4_000, 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = root / "bench" / "rave.db"
        store.parent.mkdir()
        began = time.perf_counter()
        generate.generate("100k", store)
        made = time.perf_counter() - began
        print(f"100,000 interactions, 4,000 contacts: generated in {made:.1f} s")
        count, whole, _ = op_bytes(store)
        print(f"a store that does not sync: {count} operations, {whole / 1e6:.1f} MB")
        bare, light, syncing = recording_cost(store)
        print(
            f"one logged interaction's write: {bare:.2f} ms without the op log's triggers, "
            f"{light:.2f} ms in a store that does not sync, {syncing:.2f} ms in one that "
            f"does (+{syncing - bare:.2f} ms)"
        )
        spent = start_syncing(store)
        count, whole, bare_bytes = op_bytes(store)
        per_million = (whole - bare_bytes) * 1_000_000 / 100_000
        print(
            f"its first remote: {count} operations made in {spent:.1f} s; the log is "
            f"{(whole - bare_bytes) / 1e6:.1f} MB of {whole / 1e6:.1f} MB, "
            f"about {per_million / 1e6:.0f} MB per million interactions"
        )
        got, sent, received = sync_cost(root / "sync")
        print(
            f"sync of 10,000 new operations: sending {sent:.2f} s, receiving and "
            f"applying {received:.2f} s ({got} operations on the receiver)"
        )
        hub = hub_sync_cost(root / "hub")
        if hub is None:
            print("team hub: no PostgreSQL server programs here; not measured")
        else:
            got, sent, received = hub
            print(
                f"team hub sync of 10,000 new operations: sending {sent:.2f} s, receiving "
                f"and applying {received:.2f} s ({got} operations on the receiver)"
            )


if __name__ == "__main__":
    main()
