#!/usr/bin/env python3
"""Turn `rave today --json` into a desktop notification (notify-send on Linux,
osascript on macOS), or print it when neither exists (or with --print).

    python3 notify_today.py            # from cron: 0 9 * * 1-5 ... notify_today.py
    python3 notify_today.py --print

Exit codes are rave's (0 also when there is nobody to suggest: then nothing is shown).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys


def summary(items: list[dict[str, object]]) -> tuple[str, str]:
    replies = [i for i in items if i["lane"] == "reply"]
    title = f"rave: {len(replies)} to answer, {len(items) - len(replies)} to reach out to"
    body = "\n".join(f"{i['rank']}. {i['name']}: {i['action']} ({i['reason']})" for i in items[:5])
    return title, body


def main() -> int:
    done = subprocess.run(["rave", "today", "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return done.returncode
    items = json.loads(done.stdout)
    if not items:
        return 0
    title, body = summary(items)
    if "--print" not in sys.argv and shutil.which("notify-send"):
        return subprocess.run(["notify-send", title, body]).returncode
    if "--print" not in sys.argv and shutil.which("osascript"):
        script = f"display notification {json.dumps(body)} with title {json.dumps(title)}"
        return subprocess.run(["osascript", "-e", script]).returncode
    print(title)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
