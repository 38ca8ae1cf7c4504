#!/usr/bin/env python3
"""Log phone calls from a CSV export (e.g. your phone's or your VoIP provider's call log)
into rave, all or nothing, through `rave log --batch -`.

The CSV needs a header with at least `name` and `date` columns; `direction` (`in` or
`out`), `minutes` and `note` are optional:

    date,name,direction,minutes,note
    2026-11-20T09:15,Ana Pérez,out,12,pricing workshop
    2026-11-21T16:40,Bob Stone,in,3,
    2026-11-22T08:05,Carla Diaz,in,0,

A call that connected is a live exchange (rave records both of you talking, and who
called); one of 0 minutes did not connect: your unanswered call, or their missed call,
which wants a reply (`--missed`). Calls of 10 minutes or more are logged as `engage` (a
real conversation), shorter ones as `chat`. Unknown callers are added with tier `none`
(`--create`).

    python3 log_calls_from_csv.py calls.csv
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path


def to_batch(rows: csv.DictReader[str]) -> str:
    lines = []
    for row in rows:
        given = (row.get("minutes") or "").strip()
        minutes = float(given or 0)
        missed = given != "" and minutes == 0  # no minutes column: the call took place
        said = "missed call" if missed else f"{minutes:g} min call" if given else "call"
        record = {
            "contact": row["name"].strip(),
            "when": row["date"].strip(),
            "channel": "phone",
            "kind": "engage" if minutes >= 10 else "chat",
            "in": (row.get("direction") or "out").strip().lower() == "in",
            "missed": missed,
            "note": (row.get("note") or "").strip() or said,
            "create": True,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with Path(sys.argv[1]).open(encoding="utf-8-sig", newline="") as handle:
        batch = to_batch(csv.DictReader(handle))
    # rave checks every line, then writes all of them or nothing (exit 65 names a bad line)
    return subprocess.run(["rave", "log", "--batch", "-"], input=batch, text=True).returncode


if __name__ == "__main__":
    sys.exit(main())
