"""Measure rave's start-up and read/write paths side by side, in one run.

    python bench/generate.py S bench/data/S/rave.db
    python bench/generate.py L bench/data/L/rave.db
    python bench/make_connections.py 30000 bench/data/Connections.csv
    python bench/run.py            # writes bench/RESULTS.md

Each command runs RUNS times (after one warm-up); the table gives the median wall time,
the peak resident memory (from wait4's rusage), and the ratios to the floors measured in
the same run. Commands run with stdin from /dev/null and stdout to a pipe, as cron would.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PY = sys.executable
RAVE = str(Path(PY).parent / "rave")


def measure(
    argv: list[str], env: dict[str, str], setup: object = None, floor: list[str] | None = None
) -> tuple[float, float, float | None]:
    """Median seconds and peak MiB over RUNS runs (one warm-up first); with ``floor``, the
    floor runs before each run too and its median comes third: a ratio from runs side by
    side, whatever else the machine is doing meanwhile."""
    times, peaks, floors = [], [], []
    for attempt in range(RUNS + 1):
        if floor is not None:
            floor_time = once(floor, env)[0]
            if attempt:
                floors.append(floor_time)
        if callable(setup):
            setup()
        elapsed, peak = once(argv, env)
        if attempt:  # the first run warms the page cache (and writes bytecode)
            times.append(elapsed)
            peaks.append(peak)
    return statistics.median(times), max(peaks), statistics.median(floors) if floors else None


def once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak MiB of one run, stdin from /dev/null and stdout a pipe (as cron)."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with {status}")
    return elapsed, usage.ru_maxrss / 1024


def measure_tty(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Median seconds to the first line and to the end, and peak MiB, over RUNS runs on
    an 80×24 pseudo-terminal (one warm-up first)."""
    firsts, totals, peaks = [], [], []
    for attempt in range(RUNS + 1):
        first, total, peak = once_tty(argv, env)
        if attempt:
            firsts.append(first)
            totals.append(total)
            peaks.append(peak)
    return statistics.median(firsts), statistics.median(totals), max(peaks)


def once_tty(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds to the first line, seconds to the end and peak MiB of one run with stdin,
    stdout and stderr on a pseudo-terminal of 80 columns and 24 lines, as a person runs
    it (Unix only)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    began = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdin=follower, stdout=follower, stderr=follower, start_new_session=True
    )
    os.close(follower)
    first = None
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other side of the terminal is closed
            break
        if not chunk:
            break
        if first is None and b"\n" in chunk:
            first = time.perf_counter() - began
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - began
    os.close(leader)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed with {status}")
    return first or elapsed, elapsed, usage.ru_maxrss / 1024


FLOORS = {
    'python -c "import typer"': "import typer",
    "read floor: import typer, rich.console, rich.table, sqlite3": (
        "import typer, rich.console, rich.table, sqlite3"
    ),
    "write floor: import sqlmodel, typer": "import sqlmodel, typer",
}
READ = "read floor: import typer, rich.console, rich.table, sqlite3"
AS_OF_PAST = "2026-10-21"  # a month before bench/generate.py's moment
TYPO = "Greta Hadad 1"  # contact #1 of L, Greta Haddad 1, with one letter missing
Row = tuple[str, float, float, str, float | None]


def main() -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home())}
    sizes = [s for s in ("S", "L") if (DATA / s / "rave.db").exists()]
    rows: list[Row] = []

    def add(label: str, argv: list[str], floor: str | None = None, **kw: object) -> None:
        floor_argv = [PY, "-c", FLOORS[floor]] if floor else None
        seconds, peak, beside = measure(argv, env, floor=floor_argv, **kw)  # type: ignore[arg-type]
        rows.append((label, seconds, peak, floor or "", beside))
        ratio = f"  {seconds / beside:.2f}× its floor" if beside else ""
        print(f"{label:55s} {seconds * 1000:8.0f} ms {peak:7.1f} MiB{ratio}", flush=True)

    add("python -c pass", [PY, "-c", "pass"])
    for label, code in FLOORS.items():
        add(label, [PY, "-c", code])
    add("rave --help", [RAVE, "--help"], 'python -c "import typer"')
    for size in sizes:
        db = str(DATA / size / "rave.db")
        add(f"rave today ({size})", [RAVE, "--db", db, "today"], READ)
        # a month back: every contact active since is folded again from its history
        past = [RAVE, "--db", db, "today", "--as-of", AS_OF_PAST]
        add(f"rave today --as-of {AS_OF_PAST} ({size})", past, READ)
        add(f"rave why #1 ({size})", [RAVE, "--db", db, "why", "#1"], READ)
        add(f"rave show #1 ({size})", [RAVE, "--db", db, "show", "#1"], READ)
        add(f"rave list ({size})", [RAVE, "--db", db, "list"], READ)
    if "L" in sizes:
        db = str(DATA / "L" / "rave.db")
        add("rave list --limit 20 (L)", [RAVE, "--db", db, "list", "--limit", "20"], READ)
        # a misspelt name among 30,000 (Greta Haddad 1 is contact #1): the same command
        # by id runs beside it, so the difference is the fuzzy lookup itself
        for command in ("show", "why"):
            by_id = [RAVE, "--db", db, command, "#1"]
            argv = [RAVE, "--db", db, command, TYPO]
            seconds, peak, beside = measure(argv, env, floor=by_id)
            rows.append(
                (f"rave {command} '{TYPO}' (L)", seconds, peak, f"rave {command} '#1'", beside)
            )
            lookup = f"lookup {(seconds - beside) * 1000:.0f} ms" if beside else ""
            print(
                f"{rows[-1][0]:55s} {seconds * 1000:8.0f} ms {peak:7.1f} MiB  {lookup}", flush=True
            )
        # a person at a terminal: Rich, colours, 80 columns (PAGER=cat: no pager waiting)
        terminal = {**env, "TERM": "xterm-256color", "PAGER": "cat"}
        first, total, peak = measure_tty([RAVE, "--db", db, "list"], terminal)
        for label, seconds in (("first line", first), ("all 30,000 rows", total)):
            rows.append((f"rave list on an 80×24 terminal, {label} (L)", seconds, peak, "", None))
            print(f"{rows[-1][0]:55s} {seconds * 1000:8.0f} ms {peak:7.1f} MiB", flush=True)
        add(
            "rave log '#1' (L)",
            [RAVE, "--db", db, "log", "#1", "-n", "bench"],
            "write floor: import sqlmodel, typer",
        )
    batch_dir = Path(tempfile.mkdtemp(prefix="rave-bench-batch-"))
    template, lines = batch_dir / "template.db", batch_dir / "lines.jsonl"
    subprocess.run([RAVE, "--db", str(template), "add", "Ana"], env=env, capture_output=True)
    lines.write_text(  # 4,000 calls of one contact, newest first: every line back-dated
        "".join(
            f'{{"contact": "Ana", "when": "{2025 - n // 2000}-{1 + n // 170 % 12:02d}-'
            f'{1 + n % 28:02d}T{n % 24:02d}:00Z", "note": "call {n}"}}\n'
            for n in range(4000)
        ),
        encoding="utf-8",
    )

    def fresh_batch_store() -> None:
        shutil.copyfile(template, batch_dir / "rave.db")

    add(
        "rave log --batch (4,000 back-dated lines, one contact)",
        [RAVE, "--db", str(batch_dir / "rave.db"), "log", "--batch", str(lines)],
        setup=fresh_batch_store,
    )
    shutil.rmtree(batch_dir, ignore_errors=True)
    source = DATA / "Connections.csv"
    if source.exists():
        scratch = Path(tempfile.mkdtemp(prefix="rave-bench-"))

        def fresh() -> None:
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()

        add(
            "rave import linkedin (30,000 rows, empty store)",
            [RAVE, "--db", str(scratch / "rave.db"), "import", "linkedin", str(source)],
            setup=fresh,
        )
        shutil.rmtree(scratch, ignore_errors=True)
    write(rows)


def write(rows: list[Row]) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Median of {RUNS} runs after a warm-up, peak RSS from `wait4`, measured by",
        f"`python bench/run.py` on {time.strftime('%Y-%m-%d')} "
        f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]}). Each command's floor ran",
        "before each of its runs, and the ratio is of the two medians, so both saw the same",
        "machine.",
        "",
        "| command | median | peak memory | floor beside it | ratio | floor |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, seconds, peak, floor, beside in rows:
        ratio = f"{seconds / beside:.2f}× (+{seconds - beside:.2f} s)" if beside else ""
        floor_ms = f"{beside * 1000:.0f} ms" if beside else ""
        lines.append(
            f"| {label} | {seconds * 1000:.0f} ms | {peak:.0f} MiB | {floor_ms} | {ratio} "
            f"| {floor} |"
        )
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
