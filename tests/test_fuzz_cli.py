"""Bad input, tried at scale. Hypothesis drives the CLI with arbitrary names, notes, dates,
numbers and options, and feeds every import format random bytes and near-valid files (a
real header over mutated rows, truncated files, other encodings, huge fields, rave JSON
with wrong types, dangling references and deep nesting). Every run ends with an exit
code of the contract, never a traceback; an import that fails (65) leaves the store as
it was; an import that succeeds leaves a store that every read command, an export and a
re-import of that export still accept.

The bulk runs in-process through ``CliRunner`` (a few milliseconds a command); a few
cases run the installed ``rave`` script. The whole file takes about 30 seconds;
``RAVE_FUZZ_SCALE=N`` runs N times as many cases.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import string
import subprocess
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from conftest import cron_env, rave_executable
from rave.cli import app

CONTRACT = {0, 1, 2, 3, 4, 65, 75, 130}
FORMATS = ["linkedin", "linkedin-messages", "vcard", "google", "outlook", "csv", "json"]
FIXTURES = Path(__file__).parent / "fixtures"

# RAVE_FUZZ_SCALE=20 runs twenty times as many cases (a long local hunt).
SCALE = max(1, int(os.environ.get("RAVE_FUZZ_SCALE", "1")))

# Shrinking a failure through a dozen commands or a large file takes minutes: the
# failing example is reported as found.
FAST = {
    "deadline": None,
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
}

runner = CliRunner()


def invoke(args: Sequence[str], env: dict[str, str | None], stdin: str | None = None) -> Result:
    """Run one command in-process; fail with the traceback if it did not end with an exit
    code of the contract."""
    result = runner.invoke(app, list(args), env=env, input=stdin)
    error = result.exception
    said = (
        [a[:60] for a in args[:6]],
        result.exit_code,
        result.output[-600:],
        "".join(traceback.format_exception(error))[-3000:] if error is not None else None,
    )
    assert result.exit_code in CONTRACT, said
    if error is not None:
        assert isinstance(error, SystemExit), said
    assert "Traceback" not in result.output, said
    return result


# --- stores -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store made once: two contacts, an interaction, a note, a follow-up."""
    folder = tmp_path_factory.mktemp("fuzz-template")
    env = _env(folder)
    for args in (
        ["add", "Keep Me", "--email", "keep@example.com", "--tier", "B"],
        ["add", "Nora Moretti", "--handle", "linkedin=https://linkedin.com/in/nora-moretti"],
        ["log", "Keep Me", "--in", "-w", "3d", "-n", "can you help?"],
        ["log", "Nora", "-k", "engage", "-w", "10d", "--follow-up", "send deck", "--due", "2w"],
        ["note", "Keep Me", "likes jazz"],
    ):
        assert invoke(args, env).exit_code == 0, args
    return folder / "rave.db"


def _env(folder: Path) -> dict[str, str | None]:
    return {"RAVE_HOME": str(folder), "RAVE_DB": None, "RAVE_CONFIG": None}


@contextlib.contextmanager
def store(template: Path) -> Iterator[tuple[Path, dict[str, str | None]]]:
    """A fresh copy of the template store in a temporary RAVE_HOME."""
    with tempfile.TemporaryDirectory(prefix="rave-fuzz-") as name:
        folder = Path(name)
        shutil.copy2(template, folder / "rave.db")
        yield folder, _env(folder)


def dump(db: Path) -> list[tuple[str, list[Any]]]:
    """Every row of every table: what "the store is unchanged" compares."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return [(t, sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"')))) for t in tables]


# --- the CLI ------------------------------------------------------------------------------

nasty_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "[bold red]x[/]",
            "[link=file:///etc/passwd]y",
            "\x1b[31mred\x1b[0m",
            "\x9b31m",
            "\u202eevil\u202c",
            "\u2066iso\u2069",
            "שלום עולם",
            "مرحبا",
            "a\x00b",
            "\r\n",
            "\ufeff",
            "-",
            "--help",
            "#1",
            "#0",
            "#-1",
            "#999999999999999999999",
            "@",
            "@x",
            "x@y.z",
            "https://linkedin.com/in/ana",
            "https://[bad",
            "=cmd|' /C calc'!A0",
            "%s%n%x",
            "'; DROP TABLE contact; --",
            "Ana",
            "ana pérez",
            "x" * 1_000_000,
        ]
    ),
)
when_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "now",
            "today",
            "yesterday",
            "3d",
            "2w",
            "1m",
            "99999999d",
            "-1d",
            "friday",
            "2026-02-30",
            "2026-03-01T14:30:00Z",
            "2026-03-01T14:30:00+14:00",
            "9999-12-31",
            "9999-12-31T23:59:59Z",
            "0001-01-01",
            "1000-01-01",
        ]
    ),
)
option_values = st.sampled_from(
    [
        "A",
        "b",
        "z",
        "",
        "none",
        "email",
        "x",
        "irl",
        "engage",
        "chatty",
        "broadcast",
        "recent",
        "tier",
        "week",
        "month",
        "-1",
        "0",
    ]
)
numbers = st.one_of(
    st.integers(-5, 10**30).map(str),
    st.sampled_from(["0", "-1", "1e3", "abc", "", "3650", "3651", "9" * 40, "#2", "1.5"]),
)


def _commands(name: str, note: str, when: str, value: str, number: str) -> list[list[str]]:
    return [
        ["add", name, "--tier", value, "--company", note, "--cadence", number],
        ["add", name, "--force", "--email", note, "--phone", note, "--alias", note],
        ["add", name, "--force", "--handle", f"{value}={note}", "--tag", note, "--met", note],
        ["log", name, "-w", when, "-c", value, "-n", note, "--create"],
        ["log", name, "-k", value, "--in", "--follow-up", note, "--due", when],
        ["log", "Ana Pérez", name, "--closed", "-k", "engage", "-c", "phone", "-w", when],
        ["post", note, "--url", note, "-w", when, "-c", value],
        ["note", name, note],
        ["show", name],
        ["show", name, "--json"],
        ["why", name, "--as-of", when],
        ["why", name, "--json"],
        ["snooze", name, when],
        ["today", "--explain"],
        ["unsnooze", name],
        ["edit", name, "--name", note, "--tag", value, "--untag", note, "--cadence", number],
        ["edit", name, "--why", note, "--offer", "", "--location", note, "--tier", value],
        ["list", "--search", note, "--tier", value, "--sort", value],
        ["list", "--tag", note, "--json"],
        ["today", "--as-of", when, "--limit", number],
        ["today", "--json", "--tag", note, "--channel", value, "--tier", value],
        ["digest", "--limit", number],
        ["followups", "--all", "--json"],
        ["followup", "done", number],
        ["stats", "--since", when, "--by", value],
        ["stats", "--json", "--as-of", when],
        ["rm", name],
        ["merge", name, note, "--yes"],
        ["rm", name, "--yes"],
    ]


@pytest.mark.slow
@settings(max_examples=30 * SCALE, **FAST)
@given(
    name=nasty_text,
    note=nasty_text,
    when=when_text,
    value=option_values,
    number=numbers,
)
def test_any_input_ends_with_a_contract_exit_code(
    template: Path, name: str, note: str, when: str, value: str, number: str
) -> None:
    with store(template) as (_folder, env):
        invoke(["add", "Ana Pérez", "--tier", "B"], env)
        for args in _commands(name, note, when, value, number):
            invoke(args, env)
        # whatever was typed, the store still works for every reader
        for args in (["list"], ["today"], ["today", "--json"], ["digest"], ["export", "json"]):
            assert invoke(args, env).exit_code == 0, args


BATCH_KEYS = ["contact", "contacts", "kind", "channel", "when", "note", "in", "closed", "create"]
batch_values = st.one_of(
    nasty_text,
    when_text,
    option_values,
    st.booleans(),
    st.integers(),
    st.none(),
    st.lists(st.sampled_from(["Ana Pérez", "Keep Me", "Nobody", ""]), max_size=3),
)
batch_lines = st.one_of(
    st.dictionaries(st.sampled_from(BATCH_KEYS), batch_values, max_size=6).map(json.dumps),
    st.text(max_size=40),
    st.sampled_from(["", "{}", "[]", "null", '{"contact": "Keep Me"}', "[" * 30, "{" * 30]),
)


@settings(max_examples=40 * SCALE, **FAST)
@given(lines=st.lists(batch_lines, max_size=6))
def test_any_log_batch_is_all_or_nothing(template: Path, lines: list[str]) -> None:
    with store(template) as (folder, env):
        before = dump(folder / "rave.db")
        result = invoke(["log", "--batch", "-"], env, stdin="\n".join(lines) + "\n")
        if result.exit_code != 0:
            assert dump(folder / "rave.db") == before, result.output


@pytest.mark.parametrize(
    "line",
    ["[" * 5000, '{"contact": "Keep Me", "note": 1' + "0" * 5000 + "}"],
    ids=["deep", "long"],
)
def test_a_log_batch_line_past_the_json_limits_is_bad_input(template: Path, line: str) -> None:
    with store(template) as (folder, env):
        before = dump(folder / "rave.db")
        result = invoke(["log", "--batch", "-"], env, stdin=line + "\n")
        assert result.exit_code == 65, result.output
        assert dump(folder / "rave.db") == before


# Arbitrary command lines: a command and any mix of options and values. Commands that
# write outside the store (backup PATH, export -o PATH, --db PATH) are left out: a random
# path could be anywhere.
COMMAND_NAMES = [
    "add",
    "edit",
    "rm",
    "merge",
    "list",
    "show",
    "note",
    "log",
    "post",
    "today",
    "why",
    "snooze",
    "unsnooze",
    "followups",
    "followup",
    "stats",
    "import",
    "digest",
    "paths",
    "doctor",
    "demo",
]
OPTION_NAMES = [
    "--tier",
    "-t",
    "--email",
    "--phone",
    "--handle",
    "--tag",
    "--untag",
    "--why",
    "--offer",
    "--met",
    "--company",
    "--title",
    "--location",
    "--alias",
    "--cadence",
    "--name",
    "--force",
    "--yes",
    "--json",
    "--search",
    "--sort",
    "-k",
    "--kind",
    "-c",
    "--channel",
    "--in",
    "-w",
    "--when",
    "-n",
    "--note",
    "--closed",
    "--follow-up",
    "--due",
    "--create",
    "--batch",
    "--url",
    "--limit",
    "--as-of",
    "--explain",
    "--all",
    "--since",
    "--by",
    "--dry-run",
    "--me",
    "--quiet-if-empty",
    "--help",
    "--",
    "done",
    "-",
]
safe_text = st.text(max_size=30).filter(lambda t: not t.startswith(("/", "~")) and ".." not in t)
tokens = st.one_of(
    st.sampled_from(OPTION_NAMES),
    st.sampled_from(OPTION_NAMES),
    option_values,
    numbers,
    when_text,
    safe_text,
    st.sampled_from(["Keep Me", "Nora", "#1", "#2", "json", "csv", "vcard", "linkedin"]),
)


@pytest.mark.slow
@settings(max_examples=250 * SCALE, **FAST)
@given(command=st.sampled_from(COMMAND_NAMES), args=st.lists(tokens, max_size=8))
def test_any_command_line_ends_with_a_contract_exit_code(
    template: Path, command: str, args: list[str]
) -> None:
    with store(template) as (folder, env):
        cwd = Path.cwd()
        os.chdir(folder)  # relative paths in the arguments land in the temporary folder
        try:
            invoke([command, *args], env, stdin="")
        finally:
            os.chdir(cwd)
        assert invoke(["list", "--json"], env).exit_code == 0


# --- imports: what a failed and a successful import must leave ------------------------------


def check_import(template: Path, fmt: str, content: bytes, options: Sequence[str] = ()) -> int:
    """Import ``content`` as ``fmt`` into a copy of the template store: exit 0 or 65 (or 2
    for a bad option); 65 names the file and leaves the store as it was; after 0 every
    reader works and the JSON export imports into an empty store and exports the same."""
    with store(template) as (folder, env):
        db = folder / "rave.db"
        before = dump(db)
        source = folder / "input.file"
        source.write_bytes(content)
        result = invoke(["import", fmt, str(source), *options], env)
        if currently_in_test_context():
            event(f"exit {result.exit_code}")
        said = (fmt, result.exit_code, result.output[-600:])
        allowed = {0, 65, 2} if options else {0, 65}
        assert result.exit_code in allowed, said
        if result.exit_code != 0:
            if result.exit_code == 65:
                assert result.stderr.startswith(f"rave: {source}"), said
                assert "nothing was written" in result.stderr, said
            assert dump(db) == before, said
            return result.exit_code
        for args in (["list"], ["today"]):
            assert invoke(args, env).exit_code == 0, (said, args)
        exported = invoke(["export", "json"], env)
        assert exported.exit_code == 0, said
        document = folder / "export.json"
        document.write_text(exported.stdout, encoding="utf-8")
        copy = ["--db", str(folder / "copy.db")]
        again = invoke([*copy, "import", "json", str(document)], env)
        assert again.exit_code == 0, (said, again.output[-600:])
        assert invoke([*copy, "export", "json"], env).stdout == exported.stdout, said
        return 0


SAMPLES = sorted(
    p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".csv", ".vcf", ".json")
)
PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"PK\x03\x04",
    b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
    b"BEGIN:VCARD\r\nVERSION:3.0\r\n",
    b'{"format": "rave", "version": 2, "contacts": [',
]


@pytest.mark.slow
@settings(max_examples=100 * SCALE, **FAST)
@given(
    fmt=st.sampled_from(FORMATS),
    content=st.one_of(
        st.tuples(st.sampled_from(PREFIXES), st.binary(max_size=1500)).map(b"".join),
        st.tuples(st.sampled_from(SAMPLES), st.floats(0.0, 1.0)).map(
            lambda pair: pair[0].read_bytes()[: int(len(pair[0].read_bytes()) * pair[1])]
        ),
        st.sampled_from(SAMPLES).map(
            lambda p: p.read_text(encoding="utf-8", errors="replace").encode("utf-16")
        ),
        st.sampled_from(SAMPLES).map(lambda p: p.read_bytes().replace(b",", b";")),
        st.tuples(st.sampled_from(SAMPLES), st.binary(min_size=1, max_size=8), st.floats(0, 1)).map(
            lambda t: _splice(t[0].read_bytes(), t[1], t[2])
        ),
    ),
)
def test_any_bytes_import_as_0_or_65_and_65_changes_nothing(
    template: Path, fmt: str, content: bytes
) -> None:
    check_import(template, fmt, content)


def _splice(data: bytes, garbage: bytes, where: float) -> bytes:
    at = int(len(data) * where)
    return data[:at] + garbage + data[at + len(garbage) :]


# --- near-valid files: real headers and shapes, some values wrong ---------------------------
#
# Each file is "tame" (every value of the kind its column holds, so most import and the
# data goes all the way into the store, the exports and the round trip) or, one time in
# three, "wild" (any value anywhere). Either may then be cut short, get a byte changed or
# be written in another encoding.

LETTERS = string.ascii_letters + "éüçøßЖж李"
SLUG = string.ascii_lowercase + string.digits + "-"

names = st.one_of(
    st.sampled_from(
        ["Ana", "Zoë Brandt", "O'Neil", "Jane Doe, Ph.D.", "=HYPERLINK()", "\u202eevil\u202c",
         "\u2066Ana\u2069", "x" * 199, "李小龙", "Ana  Lima", "[bold]x[/]", "a\x1b[2Jb"]
    ),
    st.text(alphabet=LETTERS + " ", min_size=1, max_size=20).filter(str.strip),
)  # fmt: skip
wild_names = st.one_of(
    names,
    st.sampled_from(["", " ", "LinkedIn Member", "x" * 201, "\u0958" * 150, "\x00", "\t", '"']),
    st.text(max_size=20),
)
emails = st.one_of(
    st.sampled_from(["ana@example.com", "ANA@EXAMPLE.COM", "keep@example.com", "mailto:x@y.z"]),
    st.text(alphabet=SLUG, min_size=1, max_size=8).map(lambda s: f"{s}@example.com"),
)
wild_emails = st.one_of(
    emails,
    st.sampled_from(
        ["not-an-email", "a@b", "@", "", "a@b.c ::: d@e.f", "é@é.é", "x" * 400 + "@example.com"]
    ),
    st.text(max_size=20),
)
urls = st.one_of(
    st.sampled_from(
        ["https://www.linkedin.com/in/nora-moretti", "linkedin.com/in/ana/",
         "https://www.linkedin.com/in/ana?trk=x", "https://linkedin.com/in/" + "é" * 50]
    ),
    st.text(alphabet=SLUG, min_size=1, max_size=12).map(
        lambda s: f"https://www.linkedin.com/in/{s}"
    ),
)  # fmt: skip
wild_urls = st.one_of(
    urls,
    st.sampled_from(
        ["https://[bad", "https://", "http://[::1", "javascript:alert(1)", "@ana", "//", "",
         "https://linkedin.com/in/" + "b" * 400, "a, b; c d", "https://x.com/ana",
         "https://www.linkedin.com/in/a, https://www.linkedin.com/in/b", "\x00\x1b"]
    ),
    st.text(max_size=20),
)  # fmt: skip
connected_on = st.sampled_from(["02 Apr 2021", "29-Mar-21", "4-Apr-21", "03/15/2024", "2024-03-15"])
message_dates = st.one_of(
    st.sampled_from(["2019-11-06T02:08:20", "2024-01-01 10:00:00 +02:00", "2024/05/02 09:15"]),
    st.builds(
        lambda day, moment: f"{day} {moment:%H:%M:%S} UTC",
        st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
        st.times(),
    ),
)
birthdays = st.sampled_from(["--04-15", "1980-04-15", "19800415", "--0229", "", "2024-02-30"])
wild_dates = st.one_of(
    st.sampled_from(
        ["31/31/2024", "2024-02-30", "0000-00-00", "00 Xyz 99", "2024-01-01 25:61:61 UTC",
         "2024-01-01 10:00:00 +99:99", "9999-12-31 23:59:59 -14:00",
         "0001-01-01 00:00:00 +14:00", "1-Jan-1", "--02-30", "1980-04-15T00:00:00Z", ""]
    ),
    st.text(max_size=12),
)  # fmt: skip
texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
    st.sampled_from(
        ["Moretti, Rossi & Partners", 'say "hi"', "line one\nline two", "=1+2", "+351 912",
         "\u202eevil", "<p>Hi<br>there</p>", "Thanks!", "👍", "x" * 20_000, "é" * 11_000,
         "a, b; " * 3_000, "\n" * 5_000]
    ),
)  # fmt: skip
anything = st.one_of(wild_names, wild_emails, wild_urls, wild_dates, texts, numbers)

# What each column holds, by (folded) column name: (tame values, wild values)
COLUMN_VALUES: dict[str, st.SearchStrategy[str]] = {
    "first name": names,
    "last name": names,
    "middle name": st.one_of(st.just(""), names),
    "name": names,
    "given name": names,
    "family name": names,
    "nickname": st.one_of(st.just(""), names),
    "from": names,
    "to": st.one_of(names, st.lists(names, min_size=2, max_size=3).map(", ".join)),
    "url": st.one_of(st.just(""), urls),
    "sender profile url": urls,
    "recipient profile urls": st.lists(urls, max_size=3).map(", ".join),
    "email address": st.one_of(st.just(""), emails),
    "e-mail 1 - value": st.one_of(
        emails, st.lists(emails, min_size=2, max_size=2).map(" ::: ".join)
    ),
    "e-mail 2 - value": st.one_of(st.just(""), emails),
    "emails": st.lists(emails, max_size=2).map("; ".join),
    "phone 1 - value": st.sampled_from(["+351 912 345 678", "(415) 555-0100", ""]),
    "phones": st.sampled_from(["+351 912 345 678", "(415) 555-0100; +1 555 0101", ""]),
    "handles": st.lists(
        st.one_of(urls.map(lambda u: "linkedin=" + u), st.just("twitter=@ana")), max_size=2
    ).map("; ".join),
    "website 1 - value": st.one_of(urls, st.just("https://example.com")),
    "connected on": connected_on,
    "date": message_dates,
    "birthday": birthdays,
    "direction": st.sampled_from(["INCOMING", "OUTGOING"]),
    "folder": st.sampled_from(["INBOX", "SENT", "SPAM", ""]),
    "is message draft": st.sampled_from(["No", "Yes", ""]),
    "tier": st.sampled_from(["A", "b", "none", ""]),
    "cadence_days": st.one_of(st.just(""), st.integers(1, 3650).map(str)),
    "id": st.one_of(st.just(""), st.integers(1, 5).map(str)),
    "labels": st.sampled_from(["* coworkers ::: * myContacts ::: design", "", "friends"]),
    "group membership": st.sampled_from(["* My Contacts ::: Friends", ""]),
}


def column_values(column: str, wild: bool) -> st.SearchStrategy[str]:
    tame = COLUMN_VALUES.get(column.lower(), texts)
    return st.one_of(tame, tame, anything) if wild else tame


HEADERS = {
    "linkedin": [
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
        "First Name,Last Name,Email Address,Company,Position,Connected On",
    ],
    "linkedin-messages": [
        "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
        "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT",
        "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT,FOLDER",
        "FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER",
    ],
    "google": [
        "First Name,Middle Name,Last Name,Nickname,File As,Organization Name,Organization Title,"
        "Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Value,"
        "Phone 1 - Label,Phone 1 - Value,Address 1 - City,Address 1 - Country,"
        "Website 1 - Label,Website 1 - Value",
        "Name,Given Name,Additional Name,Family Name,Nickname,Birthday,Location,Notes,"
        "Group Membership,E-mail 1 - Type,E-mail 1 - Value,Organization 1 - Name,"
        "Organization 1 - Title",
    ],
    "outlook": [
        "First Name,Middle Name,Last Name,Suffix,Nickname,E-mail Address,E-mail 2 Address,"
        "Home Phone,Business Phone,Mobile Phone,Company,Job Title,Birthday,Notes,Categories,"
        "Business City,Business Country/Region,Web Page",
        "First Name,Last Name,E-mail Address,E-mail Display Name,Mobile Phone,Company,Notes",
    ],
    "csv": [
        "id,name,tier,aliases,emails,phones,handles,tags,company,title,location,why,offer,met,"
        "cadence_days,birthday",
        "name,emails,cadence_days,colour",
        "Name,Tags,Why",
    ],
}
WILD_HEADERS = ["name,name", "First Name", "FROM,DATE", ",,,", "Notes:"]
PREAMBLES = [
    "",
    'Notes:\n"When exporting your connection data, you may notice that some of the email '
    'addresses are missing."\n\n',
    "Notes:\n" * 25,
]


@st.composite
def encodings(draw: st.DrawFn, text: str, wild: bool) -> bytes:
    """``text`` as a file: in one of the encodings found in the wild (or a wrong one),
    sometimes (wild files more often) cut short or with a byte changed."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    damage = draw(st.sampled_from(["none", "cut", "splice"] if wild else ["none"] * 6 + ["cut"]))
    where = draw(st.floats(0.05, 0.95))
    if damage == "cut":
        data = data[: int(len(data) * where)]
    elif damage == "splice":
        data = _splice(data, draw(st.binary(min_size=1, max_size=3)), where)
    return data


@st.composite
def csv_files(draw: st.DrawFn, fmt: str) -> bytes:
    wild = draw(st.integers(0, 2)) == 0
    headers = HEADERS[fmt] + (WILD_HEADERS if wild else [])
    header = draw(st.sampled_from(headers)).split(",")
    row = st.tuples(*(column_values(c, wild) for c in header)).map(list)
    if wild:
        row = st.one_of(row, row, st.lists(anything, max_size=len(header) + 2))
    rows = draw(st.lists(row, max_size=4))
    if fmt == "linkedin-messages" and rows and "sender profile url" in map(str.lower, header):
        column = [c.lower() for c in header].index("sender profile url")
        for line in rows[: len(rows) // 2 + 1]:  # the owner: the most frequent sender
            if column < len(line):
                line[column] = "https://www.linkedin.com/in/me"
    buffer = io.StringIO(newline="")
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, None if wild else 0]))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    if quoting is None:  # joined by hand: quotes and commas in values break the rows
        buffer.write(ending.join(",".join(line) for line in [header, *rows]) + ending)
    else:
        csv.writer(buffer, quoting=quoting, lineterminator=ending).writerows([header, *rows])
    text = buffer.getvalue()
    if fmt == "linkedin":
        text = draw(st.sampled_from(PREAMBLES)) + text
    return draw(encodings(text, wild))


def _vcard_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


# vCard properties: (name with parameters, tame values)
VCARD_PROPERTIES: list[tuple[str, st.SearchStrategy[str]]] = [
    ("EMAIL;TYPE=INTERNET", emails),
    ("item1.EMAIL;TYPE=INTERNET", emails),
    ("TEL;TYPE=CELL", st.sampled_from(["+351 912 345 678", "tel:+1-555-0100", "(415) 555-0100"])),
    ("URL", urls),
    ("item2.URL", urls),
    ("item2.X-ABLabel", st.sampled_from(["LinkedIn", "_$!<HomePage>!$_", "Twitter"])),
    ("X-SOCIALPROFILE;TYPE=linkedin", st.one_of(urls, st.just("ana-lima"))),
    ("SOCIALPROFILE;SERVICE-TYPE=X", st.just("https://x.com/ana")),
    ("X-SOCIALPROFILE;TYPE=facebook;X-USER=ana", st.just("x-apple:ana")),
    ("X-TWITTER", st.just("@ana")),
    ("ORG", texts.map(_vcard_text).map(lambda t: t + ";Design")),
    ("TITLE", texts.map(_vcard_text)),
    ("NOTE", texts.map(_vcard_text)),
    ("NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8", st.sampled_from(["Zo=C3=AB", "a=\r\nb"])),
    ("CATEGORIES", st.lists(names.map(_vcard_text), max_size=3).map(",".join)),
    ("BDAY", birthdays),
    ("BDAY;X-APPLE-OMIT-YEAR=1604", st.just("1604-04-15")),
    ("NICKNAME", st.lists(names.map(_vcard_text), max_size=2).map(",".join)),
    ("ADR;TYPE=HOME", st.sampled_from([";;Via Roma 1;Lisbon;;1000;Portugal", ";;;;;;"])),
    ("UID", st.one_of(st.uuids().map(str), st.just("rave-contact-1@rave"))),
    ("PHOTO;ENCODING=b;TYPE=JPEG", st.just("AAAA" * 40)),
    ("PHOTO;VALUE=uri", st.just("https://example.com/p.jpg")),
]
WILD_VCARD_LINES = st.one_of(
    st.tuples(
        st.sampled_from(["BEGIN", "END", "VERSION", "EMAIL;ENCODING=B", 'X-FOO;BAR="baz;qux"',
                         ";;;", "", ":", "FN", "N", "TEL;TYPE=\"voice,cell\""]),
        st.one_of(anything, st.sampled_from(["=C3=AB=", "=ZZ", "\\", "VCARD", "a\r\n b", "==="])),
    ).map(lambda pair: f"{pair[0]}:{pair[1]}"),
    st.text(max_size=30),
)  # fmt: skip


@st.composite
def vcard_files(draw: st.DrawFn) -> bytes:
    wild = draw(st.integers(0, 2)) == 0
    cards: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        version = draw(st.sampled_from(["2.1", "3.0", "4.0"]))
        lines = ["BEGIN:VCARD", f"VERSION:{version}"]
        name = draw(names)
        if draw(st.integers(0, 4)):
            lines.append(f"FN:{_vcard_text(name)}")
        if draw(st.booleans()):
            family, _, given = name.rpartition(" ")
            lines.append(f"N:{_vcard_text(family)};{_vcard_text(given)};;;")
        for prop, values in draw(st.lists(st.sampled_from(VCARD_PROPERTIES), max_size=6)):
            lines.append(f"{prop}:{draw(values)}")
            if prop.startswith("PHOTO;ENCODING") and version == "2.1":
                lines += ["BBBB", "CCCC", ""]  # 2.1 base64 without indentation
        if wild:
            for _ in range(draw(st.integers(1, 3))):
                at = draw(st.integers(1, len(lines)))
                lines.insert(at, draw(WILD_VCARD_LINES))
        folded: list[str] = []
        for line in lines:  # some long lines folded, as exporters do
            while len(line) > 75 and draw(st.booleans()):
                folded.append(line[:75])
                line = " " + line[75:]
            folded.append(line)
        if not wild or draw(st.integers(0, 3)):
            folded.append("END:VCARD")
        cards.append("\r\n".join(folded))
    return draw(encodings("\r\n".join(cards) + "\r\n", wild))


# rave JSON: a real document, one in three with values of the wrong type or range
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
times = st.builds(
    lambda day, moment: f"{day}T{moment:%H:%M:%S}Z",
    st.dates(dt.date(1000, 1, 1), dt.date(9998, 12, 31)),
    st.times(),
)
wild_times = st.sampled_from(
    ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
     "2026-03-01T14:30:00", "2026-03-01", ""]
)  # fmt: skip
CHANNELS = ["linkedin", "twitter", "facebook", "instagram", "email", "phone", "sms",
            "whatsapp", "video", "in_person", "other"]  # fmt: skip
HANDLES = {
    "email": lambda i: f"p{i}@example.com",
    "linkedin": lambda i: f"https://linkedin.com/in/p{i}",
    "twitter": lambda i: f"@p{i}",
    "phone": lambda i: f"+351 912 000 {i:03d}",
    "other": lambda i: f"https://example.com/p{i}",
}


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    wild = draw(st.integers(0, 2)) == 0

    def value(tame: st.SearchStrategy[Any], odd: st.SearchStrategy[Any] | None = None) -> Any:
        if not wild or draw(st.integers(0, 5)):
            return draw(tame)
        return draw(st.one_of(json_values, odd) if odd is not None else json_values)

    def optional(record: dict[str, Any], fields: dict[str, st.SearchStrategy[Any]]) -> None:
        for key, tame in fields.items():
            if draw(st.booleans()):
                record[key] = value(tame, st.none())

    contacts = []
    count = draw(st.integers(0, 3))
    for i in range(1, count + 1):
        record: dict[str, Any] = {"id": value(st.just(i), st.sampled_from([0, -1, 2**63, i - 1]))}
        record["name"] = value(names, wild_names)
        optional(
            record,
            {
                "tier": st.sampled_from(["A", "B", "C", "D", "none"]),
                "cadence_days": st.integers(1, 3650),
                "birthday": st.sampled_from(["--04-15", "1980-04-15"]),
                "company": texts,
                "why": texts,
                "snoozed_until": times,
                "created_at": times,
                "aliases": st.lists(names, max_size=2),
                "tags": st.lists(names, max_size=2),
            },
        )
        channels = draw(st.lists(st.sampled_from(sorted(HANDLES)), max_size=3, unique=True))
        record["handles"] = [
            {"channel": c, "value": value(st.just(HANDLES[c](i)), wild_urls)} for c in channels
        ]
        if draw(st.booleans()):
            record["refs"] = [{"source": "linkedin", "key": f"https://linkedin.com/in/p{i}"}]
        contacts.append(record)
    people = st.integers(1, max(count, 1))
    interactions = []
    for i in range(1, draw(st.integers(0, 3)) + 1):
        record = {
            "id": value(st.just(i)),
            "kind": value(st.sampled_from(["chat", "engage", "broadcast"])),
            "direction": value(st.sampled_from(["in", "out", "both"])),
            "channel": value(st.sampled_from(CHANNELS)),
            "when": value(times, wild_times),
            "contact_ids": value(st.lists(people, min_size=1, max_size=3, unique=True)),
        }
        if record["kind"] == "broadcast" and record["direction"] == "both":
            record["direction"] = "out"
        optional(
            record,
            {
                "note": texts,
                "needs_reply": st.booleans(),
                "external_key": st.text(max_size=10),
                "started_by": st.sampled_from(["me", "them"]),
                "source": st.sampled_from(["json", "linkedin-messages"]),
            },
        )
        interactions.append(record)
    posts = [
        {"id": i, "text": value(texts.filter(str.strip)),
         "channel": value(st.sampled_from(CHANNELS)), "when": value(times, wild_times),
         "url": value(st.one_of(st.none(), urls))}
        for i in range(1, draw(st.integers(0, 2)) + 1)
    ]  # fmt: skip
    notes = [
        {"id": i, "contact_id": value(people), "text": value(texts.filter(str.strip)),
         "created_at": value(times)}
        for i in range(1, draw(st.integers(0, 2)) + 1)
    ] if count else []  # fmt: skip
    followups = [
        {"id": i, "contact_id": value(people), "text": value(texts.filter(str.strip)),
         "due": value(st.sampled_from(["2026-03-01", "9998-12-31"])),
         "done_at": value(st.one_of(st.none(), times)),
         "interaction_id": value(st.none() if not interactions else st.just(1))}
        for i in range(1, draw(st.integers(0, 2)) + 1)
    ] if count else []  # fmt: skip
    document: dict[str, Any] = {
        "format": value(st.just("rave")),
        "version": value(st.sampled_from([1, 2, 3]), st.sampled_from([4, 0, "2"])),
        "contacts": contacts,
        "interactions": interactions,
        "posts": posts,
        "notes": notes,
        "followups": followups,
    }
    if wild and draw(st.booleans()):
        del document[draw(st.sampled_from(sorted(document)))]
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    depth = draw(st.sampled_from([0, 33, 1000, 100_000])) if wild else 0
    if depth:  # nested past any rave document (and past Python's recursion limit)
        text = text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    return draw(encodings(text, wild))


@pytest.mark.slow
@settings(max_examples=50 * SCALE, **FAST)
@given(data=st.data())
@pytest.mark.parametrize("fmt", ["linkedin", "linkedin-messages", "google", "csv"])
def test_near_valid_csv_imports_as_0_or_65(template: Path, fmt: str, data: st.DataObject) -> None:
    check_import(template, fmt, data.draw(csv_files(fmt)))


@pytest.mark.slow
@settings(max_examples=80 * SCALE, **FAST)
@given(content=vcard_files())
def test_near_valid_vcards_import_as_0_or_65(template: Path, content: bytes) -> None:
    check_import(template, "vcard", content)


@pytest.mark.slow
@settings(max_examples=100 * SCALE, **FAST)
@given(content=json_files())
def test_near_valid_rave_json_imports_as_0_or_65(template: Path, content: bytes) -> None:
    check_import(template, "json", content)


import_options = st.lists(
    st.one_of(
        st.tuples(st.just("--tier"), option_values),
        st.tuples(st.just("--tag"), nasty_text.filter(lambda t: len(t) < 1000)),
        st.tuples(st.just("--me"), st.one_of(wild_urls, names)),
        st.tuples(st.just("--dry-run")),
        st.tuples(st.just("--json")),
    ),
    max_size=3,
).map(lambda pairs: [part for pair in pairs for part in pair])


@pytest.mark.slow
@settings(max_examples=40 * SCALE, **FAST)
@given(data=st.data(), fmt=st.sampled_from(FORMATS), options=import_options)
def test_import_options_with_any_file_end_with_a_contract_exit_code(
    template: Path, data: st.DataObject, fmt: str, options: list[str]
) -> None:
    if fmt == "vcard":
        content = data.draw(vcard_files())
    elif fmt == "json":
        content = data.draw(json_files())
    else:
        content = data.draw(csv_files(fmt))
    check_import(template, fmt, content, options)


@pytest.mark.parametrize("fmt", ["linkedin", "linkedin-messages", "google", "csv"])
def test_a_field_past_the_csv_limit_is_exit_65(template: Path, fmt: str) -> None:
    """An unclosed quote that would swallow the rest of a big file."""
    header = HEADERS[fmt][0]
    content = (header + "\n" + '"' + "x" * (5 << 20) + "\n").encode()
    assert check_import(template, fmt, content) == 65


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_fixture_imports_or_is_refused_cleanly(template: Path, fmt: str) -> None:
    """The real exports of every format, each imported as every format."""
    for sample in SAMPLES:
        check_import(template, fmt, sample.read_bytes())


# --- the installed script ----------------------------------------------------------------------


def run_installed(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [rave_executable(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=cron_env(home),
        timeout=60,
        check=False,
    )


CASES: list[tuple[str, bytes, int]] = [
    ("json", b"[" * 100_000 + b"]" * 100_000, 65),
    ("json", b"", 65),
    ("vcard", bytes(range(256)) * 4, 65),
    ("csv", b"\xef\xbb\xbf", 65),
    ("google", b"\xff\xfe" + "First Name,Last Name\n\u202eAna,\x00\n".encode("utf-16-le"), 0),
    (
        "linkedin-messages",
        b"FROM,SENDER PROFILE URL,TO,DATE,CONTENT\nAna,https://[bad,Me,"
        b"2024-01-01 10:00:00 UTC,hi\n",
        65,
    ),
    ("linkedin", (FIXTURES / "linkedin" / "Connections.csv").read_bytes(), 0),
]


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "content", "code"), CASES)
def test_the_installed_script_never_shows_a_traceback(
    tmp_path: Path, fmt: str, content: bytes, code: int
) -> None:
    home = tmp_path / "home"
    invoke(["add", "Keep Me", "--email", "keep@example.com"], _env(home))
    before = dump(home / "rave.db")
    source = tmp_path / "input.file"
    source.write_bytes(content)
    done = run_installed(home, "import", fmt, str(source))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, done
    if code == 65:
        assert done.stderr.startswith(f"rave: {source}"), done.stderr
        assert dump(home / "rave.db") == before
    listed = run_installed(home, "list")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert not set(listed.stdout) & {"\u202e", "\x00", "\x1b"}


@pytest.mark.slow
@settings(max_examples=4 * SCALE, **FAST)
@given(
    name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    args=st.lists(st.sampled_from(OPTION_NAMES + list(string.ascii_letters)), max_size=4),
)
def test_the_installed_script_with_any_name_and_options(
    tmp_path_factory: pytest.TempPathFactory, name: str, args: list[str]
) -> None:
    home = tmp_path_factory.mktemp("installed")
    if "\x00" in name:  # no process can receive a NUL in an argument
        name = name.replace("\x00", "")
    for command in (["add", name, *args], ["show", name]):
        done = run_installed(home, *command)
        assert done.returncode in CONTRACT, (command, done)
        assert "Traceback" not in done.stderr, (command, done.stderr)
