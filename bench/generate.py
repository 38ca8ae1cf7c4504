"""A deterministic synthetic network, written through rave's own write door (one
transaction, batched inserts on the session's connection), for benchmarks.

    python bench/generate.py S bench/data/S/rave.db     # 2,000 contacts, 50,000 interactions
    python bench/generate.py L bench/data/L/rave.db     # 30,000 contacts, 1,000,000 interactions

The mix is meant to look like a real network: most contacts untargeted (tier none) from
an import, a few hundred targets in tiers A-D; more chat than engage, broadcasts mostly
outbound likes; LinkedIn and email dominate; a tenth of interactions involve several
people; two years of history, denser recently; most messages that need an answer get one
within days, and help is often returned. The same size gives the same store.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rave import choices, contact_tally, normalize, store, timeutil

SIZES = {"S": (2_000, 50_000), "L": (30_000, 1_000_000)}
AS_OF = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # in the past: `today` reads tallies
FIRST = [
    "Ana",
    "Bo",
    "Chloé",
    "Dev",
    "Emma",
    "Farid",
    "Greta",
    "Hiro",
    "Inès",
    "Jonas",
    "Kemi",
    "Luca",
    "Maya",
    "Noor",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Zoë",
]
LAST = [
    "Pérez",
    "Chen",
    "Martin",
    "Patel",
    "Müller",
    "Okafor",
    "Rossi",
    "Sato",
    "Nowak",
    "Silva",
    "Dubois",
    "Kim",
    "Haddad",
    "Larsen",
    "Moreau",
    "Novak",
    "Weber",
    "Young",
]
CHANNELS = (
    ["linkedin"] * 8
    + ["email"] * 6
    + ["twitter"] * 2
    + ["phone", "video", "in_person", "whatsapp", "sms", "instagram", "facebook", "other"]
)
NOTES = [
    None,
    None,
    None,
    "quick catch-up",
    "asked about pricing",
    "sent the deck",
    "coffee near the station",
    "intro to a designer",
    "thanks for the referral",
]
BATCH = 20_000


def _tier(rng: random.Random) -> str:
    roll = rng.random()
    return (
        "A"
        if roll < 0.01
        else "B"
        if roll < 0.04
        else "C"
        if roll < 0.10
        else ("D" if roll < 0.15 else "none")
    )


def _add(
    batch: list[tuple[object, ...]],
    done: int,
    rng: random.Random,
    event: tuple[datetime, str, str, str, int],
    stamp: str,
) -> int:
    """Append one interaction row to ``batch``; its id."""
    when, kind, direction, channel, reply = event
    iid = done + len(batch) + 1
    note = rng.choice(NOTES)
    batch.append((iid, kind, direction, channel, timeutil.to_db(when), note, reply, stamp))
    return iid


def generate(size: str, path: Path) -> tuple[int, int]:
    contacts, interactions = SIZES[size]
    rng = random.Random(f"rave-bench-{size}")
    now = timeutil.to_db(AS_OF)
    start = AS_OF - timedelta(days=730)
    with store.writing(path) as session:
        conn = store.raw(session)
        rows = []
        for n in range(1, contacts + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}"
            rows.append((n, name, normalize.fold(name), _tier(rng), now, now))
        conn.executemany(
            "INSERT INTO contact (id, name, name_key, tier, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO handle (contact_id, channel, value) VALUES (?, 'linkedin', ?)",
            [(n, f"https://linkedin.com/in/person-{n}") for n in range(1, contacts + 1)],
        )
        # targets get most of the activity
        weights = [30 if t in ("A", "B") else 8 if t in ("C", "D") else 1 for *_, t, _, _ in rows]
        ids = list(range(1, contacts + 1))
        done = 0
        while done < interactions:
            count = min(BATCH, interactions - done)
            people = rng.choices(ids, weights=weights, k=count)
            batch: list[tuple[object, ...]] = []
            links: list[tuple[int, int]] = []

            for person in people:
                if len(batch) >= count:
                    break
                # denser recently: a power below 1 skews toward the end of the two years
                when = start + timedelta(days=730 * rng.random() ** 0.6)
                kind = rng.choices(("broadcast", "chat", "engage"), (3, 5, 2))[0]
                direction = (
                    "out"
                    if kind == "broadcast" and rng.random() < 0.8
                    else (rng.choice(("in", "out")))
                )
                channel = rng.choice(CHANNELS)
                if kind != "broadcast" and channel in choices.LIVE_CHANNELS:
                    direction = "both"  # a call or a meeting that took place
                inbound = direction == "in" and kind != "broadcast"
                reply = int(inbound and rng.random() < 0.5)
                iid = _add(batch, done, rng, (when, kind, direction, channel, reply), now)
                links.append((iid, person))
                if rng.random() < 0.1:
                    other = rng.choice(ids)
                    if other != person:
                        links.append((iid, other))
                # people answer what needs an answer (most of the time, within days) and
                # return help (often, within weeks): a network where a third of the people
                # wait for an answer is no one's
                answer = None
                if reply and rng.random() < 0.92:
                    answer = (when + timedelta(days=rng.uniform(0.05, 3)), "chat")
                elif inbound and kind == "engage" and rng.random() < 0.6:
                    answer = (when + timedelta(days=rng.uniform(1, 40)), "engage")
                if answer is not None and answer[0] < AS_OF and len(batch) < count:
                    event = (answer[0], answer[1], "out", channel, 0)
                    links.append((_add(batch, done, rng, event, now), person))
            conn.executemany(
                "INSERT INTO interaction (id, kind, direction, channel, happened_at, note,"
                " needs_reply, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', ?)",
                batch,
            )
            conn.executemany(
                "INSERT INTO interaction_contact (interaction_id, contact_id) VALUES (?, ?)",
                links,
            )
            done += len(batch)
        conn.executemany(
            "INSERT INTO note (contact_id, text, created_at) VALUES (?, ?, ?)",
            [(rng.choice(ids), "likes climbing", now) for _ in range(contacts // 10)],
        )
        contact_tally.rebuild(conn)  # what rave's own writers keep in step as they go
    return contacts, interactions


def main() -> None:
    size, target = sys.argv[1], Path(sys.argv[2])
    if target.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    began = time.perf_counter()
    contacts, interactions = generate(size, target)
    print(
        f"{size}: {contacts} contacts, {interactions} interactions in "
        f"{time.perf_counter() - began:.1f} s -> {target}"
    )


if __name__ == "__main__":
    main()
