"""Help that teaches (issue 15): every command's help ends with examples that run, names
its values by words a person knows, and the values a person picks (formats, channels,
kinds, tiers, periods) complete in the shell and are read in any case. `-` is stdin for
an import and `-o -` stdout for an export."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Rave, cron_env, run_cron
from pgserver import PgHub
from rave.cli import COMMANDS, app
from test_capture_mail import maildir_copy

FIXTURES = Path(__file__).parent / "fixtures"

# Every command and sub-command a person can ask for help on; () is `rave --help`.
TEAM_PATHS: list[tuple[str, ...]] = [
    ("team",),
    *(("team", sub) for sub in ("setup", "add", "remove", "list")),
]
HELP_PATHS: list[tuple[str, ...]] = [
    (),
    *((name,) for name in COMMANDS if name != "team"),
    ("followup", "done"),
    *TEAM_PATHS,
]
WITH_EXAMPLES = HELP_PATHS
#: The hub of the `rave team` examples: replaced by a real one (tests/pgserver.py).
EXAMPLE_HUB = "postgresql://admin@db/rave"

# Typer's own type labels, and the Click ones of older releases.
TYPE_LABEL = re.compile(r"<[a-z_\[\], |]+>|\b(?:INTEGER|TEXT|FLOAT|BOOLEAN|PATH RANGE)\b|range>")


def _id(path: tuple[str, ...]) -> str:
    return " ".join(path) or "rave"


def help_text(rave: Rave, path: tuple[str, ...]) -> str:
    result = rave(*path, "--help")
    assert result.exit_code == 0, result
    return result.stdout


def examples_of(text: str) -> list[str]:
    """The example lines that end ``text`` (the help of one command)."""
    _, marker, tail = text.rpartition("\n  Examples:\n")
    assert marker, f"no Examples block:\n{text}"
    return [line.strip() for line in tail.splitlines() if line.strip()]


@pytest.fixture
def eighty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


@pytest.mark.usefixtures("eighty")
@pytest.mark.parametrize("path", WITH_EXAMPLES, ids=_id)
def test_every_help_ends_with_two_or_three_examples(rave: Rave, path: tuple[str, ...]) -> None:
    text = help_text(rave, path)
    lines = examples_of(text)
    assert 2 <= len(lines) <= 3, lines
    for line in lines:
        assert line.startswith("rave "), line
        # one command per line, pasteable: balanced quotes, a `#` comment at most
        assert shlex.split(line, comments=True)[0] == "rave"
    assert text.rstrip().endswith(lines[-1])
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert too_wide == []


@pytest.mark.usefixtures("eighty")
@pytest.mark.parametrize("path", HELP_PATHS, ids=_id)
def test_help_names_values_by_words(rave: Rave, path: tuple[str, ...]) -> None:
    text = help_text(rave, path)
    assert TYPE_LABEL.findall(text) == []


@pytest.mark.usefixtures("eighty")
@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (("today",), "--limit N"),
        (("today",), "--channel CHANNEL"),
        (("today",), "--as-of WHEN"),
        (("add",), "--cadence DAYS"),
        (("add",), "--email ADDRESS"),
        (("add",), "--handle CHANNEL=VALUE"),
        (("add",), "--tier TIER"),
        (("log",), "--when WHEN"),
        (("log",), "--due WHEN"),
        (("log",), "--kind KIND"),
        (("stats",), "--since WHEN"),
        (("stats",), "--by week|month"),
        (("import",), "{FORMAT} {FILE}"),
        (("export",), "--output FILE"),
        (("followup", "done"), "{REF}"),
        ((), "--db PATH"),
    ],
)
def test_the_words_in_help(rave: Rave, path: tuple[str, ...], shown: str) -> None:
    assert shown in help_text(rave, path)


def test_examples_are_not_rewrapped_in_a_pipe(rave_home: Path) -> None:
    # the installed script, stdout a pipe and no COLUMNS: Click's default width
    for path in ((), ("log",), ("import",), ("followup",)):
        piped = run_cron(rave_home, *path, "--help")
        assert piped.returncode == 0, piped.stderr
        runner = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
        assert examples_of(piped.stdout) == examples_of(runner.stdout)


# --- the examples run -----------------------------------------------------------------


@pytest.fixture
def workdir(rave: Rave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small store, and a folder holding the files the examples name."""
    for args in (
        ("add", "Ana Pérez", "--tier", "B", "--email", "ana@example.com", "--tag", "old"),
        ("add", "Bo Chen", "--tier", "A"),
        ("add", "Samuel Lee"),
        ("add", "Sam Lee"),
        ("log", "Ana", "--in", "-c", "email", "-n", "asked about the workshop"),
        ("log", "Bo Chen", "-k", "engage", "--follow-up", "send slides", "--due", "2030-01-01"),
    ):
        result = rave(*args)
        assert result.exit_code == 0, (args, result)
    work = tmp_path / "work"
    work.mkdir()
    # the remote of `rave sync`'s examples: a bare repository, next to the folder
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "rave.git")], check=True)
    shutil.copy(FIXTURES / "linkedin" / "Connections.csv", work / "Connections.csv")
    shutil.copy(FIXTURES / "vcard" / "contacts_3.0.vcf", work / "contacts.vcf")
    maildir_copy(FIXTURES / "mail" / "maildir", work / "Mail")
    monkeypatch.chdir(work)
    assert rave("export", "json", "-o", "rave.json").exit_code == 0
    return work


# What an example does without a terminal when it is meant to ask first (exit 1, the
# refusal that names --yes); every other example succeeds.
ASKS_FIRST = {'rave rm "Bo Chen"', 'rave merge "Samuel Lee" "Sam Lee"'}


@pytest.mark.parametrize("path", [p for p in WITH_EXAMPLES if p not in TEAM_PATHS], ids=_id)
def test_every_example_runs(rave: Rave, workdir: Path, path: tuple[str, ...]) -> None:
    for line in examples_of(help_text(rave, path)):
        words = shlex.split(line, comments=True)
        stdin = "Her daughter starts school in September\n"
        if "<" in words:
            at = words.index("<")
            stdin = (workdir / words[at + 1]).read_text(encoding="utf-8")
            del words[at : at + 2]
        assert words[0] == "rave" and not {"|", ">"} & set(words), line
        result = rave(*words[1:], input=stdin)
        command = line.split("#")[0].strip()
        expected = 1 if command in ASKS_FIRST else 0
        assert result.exit_code == expected, (line, result)
        if expected:
            assert "--yes" in result.stderr


def test_the_team_examples_run_against_a_real_hub(rave: Rave, pg_hub: PgHub) -> None:
    """In the order a reader meets them: the group's, then each sub-command's."""
    for path in TEAM_PATHS:
        for line in examples_of(help_text(rave, path)):
            assert EXAMPLE_HUB in line, line
            words = shlex.split(line.replace(EXAMPLE_HUB, pg_hub.admin_url), comments=True)
            result = rave(*words[1:])
            assert result.exit_code == 0, (line, result)


# --- any case, and shell completion -------------------------------------------------


def test_formats_and_channels_are_read_in_any_case(rave: Rave, workdir: Path) -> None:
    imported = rave("import", "LinkedIn", "Connections.csv", "--json")
    assert imported.exit_code == 0, imported
    assert imported.json()["format"] == "linkedin"
    assert rave("import", "VCARD", "contacts.vcf").exit_code == 0
    exported = rave("export", "JSON")
    assert exported.exit_code == 0 and json.loads(exported.stdout)["contacts"]
    logged = rave("log", "Ana", "-c", "LinkedIn", "-k", "Engage", "--json")
    assert logged.exit_code == 0, logged
    assert (logged.json()["channel"], logged.json()["kind"]) == ("linkedin", "engage")
    assert rave("today", "-c", "LinkedIn", "--tier", "b").exit_code == 0
    assert rave("post", "A new article", "-c", "LINKEDIN").exit_code == 0
    assert rave("stats", "--by", "Month", "--json").json()["periods"]
    assert rave("import", "myspace", "Connections.csv").exit_code == 2


def test_list_sort_is_read_in_any_case(rave: Rave, workdir: Path) -> None:
    assert rave("list", "--sort", "Recent").exit_code == 0


def complete(words: str) -> list[str]:
    """What bash is offered for the last of ``words`` (a trailing space: a new word)."""
    parts = words.split(" ")
    result = CliRunner().invoke(
        app,
        [],
        prog_name="rave",
        env={
            "_RAVE_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
        },
    )
    assert result.exit_code == 0, result.output
    return result.stdout.split()


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("rave import li", ["linkedin", "linkedin-messages"]),
        ("rave import Li", ["Linkedin", "Linkedin-messages"]),  # read in any case
        ("rave import v", ["vcard"]),
        ("rave export ", ["json", "csv", "vcard", "ics"]),
        ("rave export I", ["Ics"]),
        ("rave log ana -c wh", ["whatsapp"]),
        ("rave log ana --channel Li", ["Linkedin"]),
        ("rave post hello -c in", ["instagram", "in_person"]),
        ("rave today --channel e", ["email"]),
        ("rave log ana -k e", ["engage"]),
        ("rave today --tier ", ["A", "B", "C", "D", "none"]),
        ("rave add Ana -t n", ["none"]),
        ("rave import vcard x.vcf --tier N", ["None"]),
        ("rave stats --by m", ["month"]),
    ],
)
def test_completion_offers_formats_and_channels(words: str, offered: list[str]) -> None:
    assert complete(words) == offered


COMPLETION_PROBE = """
import sys
from rave.cli import main
try:
    main()
except SystemExit:
    pass
loaded = sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic", "rave.services.imports")
                if m in sys.modules)
sys.stderr.write("LOADED=" + ",".join(loaded) + "\\n")
"""


@pytest.mark.parametrize(
    ("words", "first"),
    [("rave import li", "linkedin"), ("rave log ana -c em", "email"), ("rave export j", "json")],
)
def test_completion_stays_cheap(rave_home: Path, words: str, first: str) -> None:
    env = cron_env(
        rave_home,
        _RAVE_COMPLETE="complete_bash",
        COMP_WORDS=words,
        COMP_CWORD=str(len(words.split()) - 1),
    )
    done = subprocess.run(
        [sys.executable, "-c", COMPLETION_PROBE],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert done.stdout.split()[0] == first
    assert "LOADED=\n" in done.stderr  # no ORM, no pydantic, not even the importers
    assert "Traceback" not in done.stderr


def test_the_formats_offered_are_the_formats_read() -> None:
    from rave.cli import transfer
    from rave.services import exports, imports

    assert tuple(transfer.IMPORT_FORMATS) == imports.FORMATS
    assert tuple(transfer.EXPORT_FORMATS) == exports.FORMATS


# --- `-` is stdin, `-o -` stdout ------------------------------------------------------


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory rave copies stdin into, to see that nothing stays."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_import_reads_a_vcard_from_stdin(rave: Rave, private_tmp: Path) -> None:
    vcf = (FIXTURES / "vcard" / "contacts_3.0.vcf").read_text(encoding="utf-8")
    out = rave("import", "vcard", "-", "--json", input=vcf)
    assert out.exit_code == 0, out
    report = out.json()
    assert report["file"] == "<stdin>" and report["format"] == "vcard"
    # the same as importing the file itself
    other = str(private_tmp.parent / "other.db")
    from_file = rave("--db", other, "import", "vcard", str(FIXTURES / "vcard" / "contacts_3.0.vcf"))
    assert from_file.exit_code == 0, from_file
    assert rave("export", "csv").stdout == rave("--db", other, "export", "csv").stdout
    assert len(rave("list", "--json").json()) == report["contacts_created"] >= 2
    human = rave("import", "vcard", "-", input=vcf)
    assert human.exit_code == 0 and "Imported <stdin> (vcard)" in human.stdout
    assert list(private_tmp.iterdir()) == []  # the private copy is gone


def test_a_dry_run_from_stdin_writes_nothing(rave: Rave, rave_home: Path) -> None:
    vcf = (FIXTURES / "vcard" / "contact_4.0.vcf").read_text(encoding="utf-8")
    out = rave("import", "vcard", "-", "--dry-run", "--json", input=vcf)
    assert out.exit_code == 0, out
    assert out.json()["dry_run"] is True and out.json()["file"] == "<stdin>"
    assert not (rave_home / "rave.db").exists()


@pytest.mark.parametrize(
    ("fmt", "fixture"),
    [("vcard", FIXTURES / "google" / "contacts.csv"), ("json", FIXTURES / "vcard" / "no_name.vcf")],
)
def test_bad_stdin_is_exit_65_and_writes_nothing(
    rave: Rave, rave_home: Path, private_tmp: Path, fmt: str, fixture: Path
) -> None:
    out = rave("import", fmt, "-", input=fixture.read_text(encoding="utf-8"))
    assert out.exit_code == 65, out
    assert out.stderr.startswith("rave: <stdin>")  # named as the person gave it
    assert str(private_tmp) not in out.stderr
    assert not (rave_home / "rave.db").exists()  # a failed first import leaves no store
    rave("add", "Keep Me")
    before = rave("export", "json").json()
    assert rave("import", fmt, "-", input=fixture.read_text(encoding="utf-8")).exit_code == 65
    assert rave("export", "json").json() == before
    assert list(private_tmp.iterdir()) == []


def test_import_from_an_empty_stdin_is_bad_input(rave: Rave) -> None:
    out = rave("import", "vcard", "-", input="")
    assert out.exit_code == 65, out
    assert "<stdin>" in out.stderr


def test_export_to_dash_is_stdout(rave: Rave, tmp_path: Path, monkeypatch) -> None:
    rave("add", "Ana Pérez", "--tier", "B")
    monkeypatch.chdir(tmp_path)
    dashed = rave("export", "json", "-o", "-")
    assert dashed.exit_code == 0, dashed
    document = json.loads(dashed.stdout)
    assert [c["name"] for c in document["contacts"]] == ["Ana Pérez"]
    assert dashed.stdout == rave("export", "json").stdout
    assert not (tmp_path / "-").exists()
    assert dashed.stderr == ""  # no "Exported ... to -" message
