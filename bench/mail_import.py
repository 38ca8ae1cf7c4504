"""Time `rave import mbox` on a 50,000-message mailbox (issue 17: under a minute).

    python bench/mail_import.py                 # MAIL_MESSAGES=50000 MAIL_RUNS=3 by default
    MAIL_MESSAGES=5000 python bench/mail_import.py

It writes, under bench/data/mail/ (made once, then reused): a vCard file of 400 contacts
with their addresses, and an mbox as mutt writes it, deterministic (seeds 7 and 17): two
years of the mail of one person, ``me@rivera.example``, with those contacts and 600
strangers. Seven messages in ten are conversations: threads followed by In-Reply-To and
References, replies quoting what they answer above a sign-off and a signature, a third
of them sent, one in five to several people (To, Cc, Bcc), bodies in quoted-printable,
base64 HTML only, or multipart/alternative (one in twelve of those with a 30 kB PDF
attached). Three in ten are the mail nobody answers: mailing lists, newsletters,
no-reply senders, auto-replies, calendar invitations.

Each run copies a store holding only the contacts and runs the installed `rave import
mbox FILE --me me@rivera.example --json` on it, stdin from /dev/null and stdout a pipe
as cron would; then the same import again on that store (everything already present).
It prints the median wall time and the peak resident memory of each, and the report.
"""

from __future__ import annotations

import base64
import json
import os
import quopri
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "mail"
MESSAGES = int(os.environ.get("MAIL_MESSAGES", "50000"))
RUNS = int(os.environ.get("MAIL_RUNS", "3"))
CONTACTS = 400
STRANGERS = 600
ME = "me@rivera.example"
RAVE = str(Path(sys.executable).parent / "rave")
END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

FIRST = ["Ana", "Bo", "Cy", "Dana", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jo", "Kai",
         "Lea", "Mo", "Nia", "Oli", "Pia", "Raj", "Sol", "Tea", "Uma", "Vic", "Wen", "Xia",
         "Zoe"]  # fmt: skip
LAST = ["Lima", "Chen", "Dee", "Ruiz", "Moss", "Ade", "Park", "Sato", "Novak", "Berg", "Ito",
        "Vos", "Diaz", "Okafor", "Silva", "Kim", "Haas", "Roy"]  # fmt: skip
WORDS = ["the", "a", "we", "could", "meet", "next", "week", "about", "project", "deck", "intro",
         "coffee", "call", "plan", "draft", "review", "numbers", "team", "hiring", "launch",
         "budget", "notes", "idea", "update", "schedule", "quick", "question", "friday",
         "monday", "slides", "contract", "offsite", "paper"]  # fmt: skip
DOMAINS = ["example.org", "example.net", "corp.example.com"]
LISTS = ["rave-users", "python-dev", "local-events"]
Person = tuple[str, str]


def people() -> list[Person]:
    """CONTACTS + STRANGERS people, each a name and a unique address."""
    rng = random.Random(7)
    out: list[Person] = []
    for n in range(CONTACTS + STRANGERS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        out.append((f"{first} {last}", f"{first}.{last}{n}@{rng.choice(DOMAINS)}".lower()))
    return out


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def body_of(rng: random.Random, quoted: str | None, signer: str) -> str:
    """A message as people write them: a greeting, two sentences, a sign-off, a
    signature, and the message it answers quoted below."""
    lines = ["Hi,", "", sentence(rng, rng.randint(8, 20)) + "?", sentence(rng, 12) + "."]
    lines += ["", "Best,", signer.split()[0], "-- ", f"{signer} | Somewhere Inc", "+1 555 0100"]
    if quoted:
        lines += ["", "On Mon, Mar 3, 2025 at 9:00 AM Someone <x@example.org> wrote:"]
        lines += ["> " + line for line in quoted.splitlines()[:30]]
    return "\n".join(lines) + "\n"


@dataclass
class Mail:
    """One message to write: headers from its fields, the body encoded at random."""

    sender: Person
    to: list[Person]
    subject: str
    text: str
    cc: list[Person] = field(default_factory=list)
    bcc: list[Person] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    mime: str | None = None  # a ready MIME body; its Content-Type is in extra

    def render(self, rng: random.Random, n: int, when: datetime) -> tuple[str, str]:
        mid = f"<{n}.{rng.randrange(10**9)}@mail.example>"
        head = [f"From: {self.sender[0]} <{self.sender[1]}>", "To: " + listed(self.to)]
        if self.cc:
            head.append("Cc: " + listed(self.cc))
        if self.bcc:
            head.append("Bcc: " + listed(self.bcc))
        head += [f"Subject: {self.subject}", f"Date: {format_datetime(when)}"]
        head += [f"Message-ID: {mid}", "MIME-Version: 1.0", *self.extra]
        if self.refs:
            head += [f"In-Reply-To: {self.refs[-1]}", "References: " + "\n ".join(self.refs[-8:])]
        payload = self.mime if self.mime is not None else encoded(rng, n, self.text, head)
        separator = f"From {self.sender[1]} {when.strftime('%a %b %d %H:%M:%S %Y')}"
        lines = (("\n".join(head) + "\n\n" + payload).rstrip("\n")).split("\n")
        escaped = [">" + line if line.startswith("From ") else line for line in lines]
        return mid, separator + "\n" + "\n".join(escaped) + "\n\n"


def listed(people: list[Person]) -> str:
    return ", ".join(f"{name} <{address}>" for name, address in people)


def encoded(rng: random.Random, n: int, text: str, head: list[str]) -> str:
    """The body of ``text``: quoted-printable, base64 HTML only, or multipart/alternative
    with base64 text, and one time in twelve a 30 kB PDF attached."""
    kind = rng.random()
    if kind < 0.45:
        head += ['Content-Type: text/plain; charset="UTF-8"']
        head += ["Content-Transfer-Encoding: quoted-printable"]
        return quopri.encodestring(text.encode()).decode()
    if kind < 0.6:
        html = '<div dir="ltr">' + text.replace("\n", "<br>") + "</div>"
        head += ['Content-Type: text/html; charset="UTF-8"', "Content-Transfer-Encoding: base64"]
        return base64.encodebytes(html.encode()).decode()
    boundary = f"0000000000{n:08d}"
    head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    parts = [
        f'--{boundary}\nContent-Type: text/plain; charset="UTF-8"\n'
        f"Content-Transfer-Encoding: base64\n\n{base64.encodebytes(text.encode()).decode()}",
        f'--{boundary}\nContent-Type: text/html; charset="UTF-8"\n\n<div>{text[:200]}</div>\n',
    ]
    if rng.random() < 0.08:
        blob = base64.encodebytes(rng.randbytes(30_000)).decode()
        parts.append(
            f'--{boundary}\nContent-Type: application/pdf; name="deck.pdf"\n'
            f'Content-Disposition: attachment; filename="deck.pdf"\n'
            f"Content-Transfer-Encoding: base64\n\n{blob}"
        )
    return "\n".join(parts) + f"--{boundary}--\n"


def unanswerable(rng: random.Random, n: int, roll: float, everyone: list[Person]) -> Mail:
    """Mail nobody answers: a list, a newsletter, a no-reply, an auto-reply, an invitation."""
    contacts = everyone[:CONTACTS]
    me = ("Me Rivera", ME)
    if roll < 0.08:
        name = rng.choice(LISTS)
        extra = [f"List-Id: {name} <{name}.lists.example.org>",
                 f"List-Unsubscribe: <mailto:{name}-leave@lists.example.org>",
                 "Precedence: list"]  # fmt: skip
        sender = rng.choice(everyone)
        to = [(name, f"{name}@lists.example.org")]
        return Mail(sender, to, f"[{name}] {sentence(rng, 5)}", body_of(rng, None, sender[0]),
                    extra=extra)  # fmt: skip
    if roll < 0.18:
        shop = (f"Shop {n % 40}", f"news@shop{n % 40}.example.com")
        extra = ["List-Unsubscribe: <https://shop.example.com/u>", "Precedence: bulk"]
        return Mail(shop, [me], sentence(rng, 6), body_of(rng, None, "Shop"), extra=extra)
    if roll < 0.26:
        service = ("Service", f"no-reply@service{n % 25}.example.com")
        return Mail(service, [me], "Your receipt", body_of(rng, None, "Service"))
    if roll < 0.29:
        extra = ["Auto-Submitted: auto-replied", "X-Autoreply: yes"]
        subject = "Automatic reply: " + sentence(rng, 3)
        return Mail(rng.choice(contacts), [me], subject, "Away.\n", extra=extra)
    boundary = f"cal{n}"
    ics = "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:Sync\nEND:VEVENT\nEND:VCALENDAR\n"
    mime = (f"--{boundary}\nContent-Type: text/plain\n\nInvitation\n--{boundary}\n"
            f"Content-Type: text/calendar; method=REQUEST\n\n{ics}--{boundary}--\n")  # fmt: skip
    extra = [f'Content-Type: multipart/mixed; boundary="{boundary}"']
    return Mail(rng.choice(contacts), [me], "Invitation: Sync", "", extra=extra, mime=mime)


def write_mbox(path: Path, everyone: list[Person]) -> None:
    rng = random.Random(17)
    contacts, strangers = everyone[:CONTACTS], everyone[CONTACTS:]
    me = ("Me Rivera", ME)
    start = END - timedelta(days=730)
    step = (END - start) / MESSAGES
    # recent threads: (subject, message ids so far, people, the last text)
    threads: list[tuple[str, list[str], list[Person], str]] = []
    with path.open("w", encoding="utf-8") as out:
        for n in range(MESSAGES):
            when = start + step * n + timedelta(seconds=rng.randrange(60))
            roll = rng.random()
            if roll < 0.31:
                out.write(unanswerable(rng, n, roll, everyone).render(rng, n, when)[1])
                continue
            last_text: str | None = None
            if threads and rng.random() < 0.55:
                subject, refs, group, last_text = rng.choice(threads[-300:])
                outbound = rng.random() < 0.45
            else:
                pool = contacts if rng.random() < 0.85 else strangers
                group = rng.sample(pool, 1 if rng.random() < 0.8 else rng.randint(2, 3))
                subject, refs = sentence(rng, 4), []
                outbound = rng.random() < 0.35
            if outbound:  # to the first, Cc the second, Bcc the third
                mail = Mail(me, group[:1], subject, "", cc=group[1:2], bcc=group[2:])
            else:
                sender = rng.choice(group)
                others = [p for p in group if p != sender][:1]
                mail = Mail(sender, [me], subject, "", cc=others)
            mail.text = body_of(rng, last_text, mail.sender[0])
            mail.subject = ("Re: " if refs else "") + subject
            mail.refs = refs
            mid, text = mail.render(rng, n, when)
            out.write(text)
            threads.append((subject, [*refs, mid], group, mail.text))
            if len(threads) > 2000:
                del threads[:1000]


def write_contacts(path: Path, everyone: list[tuple[str, str]]) -> None:
    cards = []
    for name, address in everyone[:CONTACTS]:
        first, last = name.split()
        cards.append(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nN:{last};{first};;;\r\n"
            f"EMAIL;TYPE=INTERNET:{address}\r\nEND:VCARD\r\n"
        )
    path.write_text("".join(cards), encoding="utf-8", newline="")


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds, peak MiB (from wait4) and stdout of one run, stdin from /dev/null."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {err.decode()[:2000]}")
    return elapsed, usage.ru_maxrss / 1024, out.decode()


def mib(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.0f} MiB"


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    mbox = DATA / f"mail-{MESSAGES}.mbox"
    cards = DATA / "contacts.vcf"
    everyone = people()
    if not mbox.exists():
        began = time.perf_counter()
        write_mbox(mbox, everyone)
        print(f"wrote {mbox} ({mib(mbox)}) in {time.perf_counter() - began:.0f} s")
    write_contacts(cards, everyone)
    base = Path(tempfile.mkdtemp(prefix="rave-mail-bench-"))
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(base)}
    try:
        run([RAVE, "import", "vcard", str(cards), "--json"], {**env, "RAVE_HOME": str(base / "0")})
        times: dict[str, list[float]] = {"first": [], "again": []}
        peaks: dict[str, float] = {"first": 0.0, "again": 0.0}
        reports: dict[str, dict[str, object]] = {}
        for attempt in range(RUNS):
            home = base / f"run{attempt}"
            shutil.copytree(base / "0", home)
            for which in ("first", "again"):
                argv = [RAVE, "import", "mbox", str(mbox), "--me", ME, "--json"]
                elapsed, peak, out = run(argv, {**env, "RAVE_HOME": str(home)})
                times[which].append(elapsed)
                peaks[which] = max(peaks[which], peak)
                reports[which] = json.loads(out)
            shutil.rmtree(home)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{MESSAGES} messages ({mib(mbox)}), {CONTACTS} contacts in the store, {RUNS} runs")
    for which, label in (("first", "first import"), ("again", "same file again")):
        each = ", ".join(f"{t:.1f}" for t in times[which])
        median = statistics.median(times[which])
        print(f"{label:16} median {median:5.1f} s ({each}); peak {peaks[which]:.0f} MiB")
    first, again = reports["first"], reports["again"]
    print(f"created {first['interactions_created']} interactions; skipped {first['skipped']}:")
    print(f"  {json.dumps(first['skipped_reasons'])}")
    print(f"again: {again['already_present']} already present, {again['interactions_created']} new")


if __name__ == "__main__":
    main()
