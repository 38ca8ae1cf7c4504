"""Write a synthetic LinkedIn Connections.csv the way LinkedIn does (preamble, header,
quoted fields, ~1 in 5 rows with an email, a few hidden members).

    python bench/make_connections.py 30000 bench/data/Connections.csv
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

FIRST = ["Ana", "Bo", "Chloé", "Dev", "Emma", "Farid", "Greta", "Hiro", "Inès", "Jonas", "Kemi"]
LAST = ["Pérez", "Chen", "Martin", "Patel", "Müller", "Okafor", "Rossi", "Sato", "Nowak", "Silva"]
COMPANIES = ["Acme, Inc.", "Globex", "Initech", 'The "Fixers" Ltd', "Umbrella", "Hooli"]
TITLES = ["CTO", "Head of Design", "VP, Engineering", "Recruiter", "Founder", "Analyst"]

PREAMBLE = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses'
    " are missing. You will only see email addresses for connections who have allowed"
    ' their connections to see or download their email address using this setting."\r\n'
    "\r\n"
)


def main(count: int, target: Path) -> None:
    rng = random.Random(42)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        handle.write(PREAMBLE)
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(
            [
                "First Name",
                "Last Name",
                "URL",
                "Email Address",
                "Company",
                "Position",
                "Connected On",
            ]
        )
        start = date(2012, 1, 1)
        for n in range(count):
            if n % 500 == 499:
                writer.writerow(["", "", "", "", "", "", ""])
                continue
            first, last = rng.choice(FIRST), rng.choice(LAST)
            slug = f"{first}-{last}-{n}".lower()
            email = f"{slug}@example.com" if rng.random() < 0.2 else ""
            connected = start + timedelta(days=rng.randrange(5000))
            writer.writerow(
                [
                    first,
                    last,
                    f"https://www.linkedin.com/in/{slug}",
                    email,
                    rng.choice(COMPANIES),
                    rng.choice(TITLES),
                    connected.strftime("%d %b %Y"),
                ]
            )


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
