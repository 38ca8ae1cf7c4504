"""The installed `rave` script as cron and shell scripts run it: no terminal, a minimal
environment, stdout a pipe. Also the read door's promise: read commands never import
the ORM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ANSI, probe, run_cron
from rave.cli import COMMANDS


@pytest.fixture
def seeded(rave_home: Path, rave) -> Path:
    """A small store, written in-process (fast); the tests then run the real script."""
    for args in (
        ("add", "Ana Pérez", "--tier", "B", "--email", "ana@example.com"),
        # a phone number: read commands show it without reading it again (phonenumbers)
        ("edit", "Ana", "--phone", "+44 20 7946 0958"),
        ("add", "[bold red]Bob[/]", "--tier", "A"),
        ("log", "Ana", "--in", "-c", "email", "-n", "asked about the workshop " + "x" * 150),
        (
            "log",
            "#2",
            "-k",
            "engage",
            "-w",
            "3d",
            "--follow-up",
            "send slides",
            "--due",
            "2030-01-01",
        ),
    ):
        assert rave(*args).exit_code == 0
    return rave_home


def test_no_ansi_and_no_wrapping_when_piped(seeded: Path) -> None:
    for args in (("list",), ("show", "ana"), ("followups",), ("paths",)):
        out = run_cron(seeded, *args)
        assert out.returncode == 0, out.stderr
        assert ANSI not in out.stdout and ANSI not in out.stderr
    shown = run_cron(seeded, "show", "ana").stdout
    assert "asked about the workshop " + "x" * 150 in shown  # one line, never cut
    assert "[bold red]Bob[/]" in run_cron(seeded, "list").stdout


def test_json_is_valid_and_colourless_even_when_forced(seeded: Path) -> None:
    out = run_cron(seeded, "list", "--json", FORCE_COLOR="1", TERM="xterm-256color")
    assert ANSI not in out.stdout
    rows = [(row["id"], row["name"]) for row in json.loads(out.stdout)]
    # by name, case and accents folded ("[" sorts before letters), not in creation order;
    # the markup is kept as written
    assert rows == [(2, "[bold red]Bob[/]"), (1, "Ana Pérez")]
    table = run_cron(seeded, "list").stdout.splitlines()[1:]  # after the header
    assert [line.split()[0] for line in table] == ["2", "1"]  # the same order piped
    detail = json.loads(run_cron(seeded, "show", "ana", "--json").stdout)
    assert detail["interactions"][0]["needs_reply"] is True


@pytest.mark.slow
def test_exit_codes_from_the_contract(seeded: Path) -> None:
    assert run_cron(seeded, "show", "nobody").returncode == 3
    assert run_cron(seeded, "log", "ana", "-w", "whenever").returncode == 2
    assert run_cron(seeded, "list", "--bogus").returncode == 2
    run_cron(seeded, "add", "Ana Smith")
    ambiguous = run_cron(seeded, "show", "ana")
    assert ambiguous.returncode == 4
    assert "Ana Pérez" in ambiguous.stderr and "Ana Smith" in ambiguous.stderr
    for result in (ambiguous, run_cron(seeded, "show", "nobody")):
        assert "Traceback" not in result.stderr


def test_rm_never_prompts_without_a_terminal(seeded: Path) -> None:
    refused = run_cron(seeded, "rm", "Ana Pérez")
    assert refused.returncode == 1
    assert "--yes" in refused.stderr
    assert run_cron(seeded, "rm", "Ana Pérez", "--yes").returncode == 0
    assert run_cron(seeded, "show", "Ana Pérez").returncode == 3


@pytest.mark.slow
def test_note_reads_stdin(seeded: Path) -> None:
    assert run_cron(seeded, "note", "ana", "-", stdin="private detail\n").returncode == 0
    detail = json.loads(run_cron(seeded, "show", "ana", "--json").stdout)
    assert detail["notes"][0]["text"] == "private detail"


HEAVY = ("phonenumbers", "pydantic", "sqlalchemy", "sqlmodel")


def _probe(home: Path, *args: str) -> dict[str, str]:
    found = probe(home, *args)
    commands = {f"rave.cli.{module}" for module, _ in COMMANDS.values()} & found.modules
    return {
        "HEAVY": ",".join(m for m in HEAVY if m in found.modules),
        "COMMANDS": ",".join(sorted(commands)),
        "TABLES": ",".join(found.tables),
    }


def heavy_modules(home: Path, *args: str) -> str:
    """The ORM and validation libraries a command imported (pydantic comes with Typer's
    own conversions unless rave.cli.params spares it), and phonenumbers, which only a
    command reading a phone number needs."""
    return _probe(home, *args)["HEAVY"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("list",),
        ("list", "--json"),
        ("show", "ana"),
        ("show", "ana", "--json"),
        ("followups",),
        ("paths",),
        ("today",),
        ("today", "--json", "--explain"),
        ("why", "ana"),
        ("why", "ana", "--json"),
        ("stats",),
        ("stats", "--json", "--by", "month"),
    ],
)
def test_read_commands_do_not_import_the_orm(seeded: Path, args: tuple[str, ...]) -> None:
    assert heavy_modules(seeded, *args) == ""


def test_write_commands_do_use_the_orm(seeded: Path) -> None:
    # the probe can tell: a write goes through SQLModel
    assert heavy_modules(seeded, "note", "ana", "hello") == "pydantic,sqlalchemy,sqlmodel"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "modules"),
    [
        (("--help",), ""),
        (("today", "--json"), "rave.cli.today"),
        (("list",), "rave.cli.contacts"),
        (("followup", "done", "--help"), "rave.cli.log"),
    ],
)
def test_only_the_command_run_is_loaded(seeded: Path, args: tuple[str, ...], modules: str) -> None:
    assert _probe(seeded, *args)["COMMANDS"] == modules


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "tables"),
    [
        (("log", "ana", "-n", "called"), "contact,interaction,interaction_contact"),
        (
            ("log", "ana", "--follow-up", "send the deck"),
            "contact,followup,interaction,interaction_contact",
        ),
        # the write door always defines the tables of contacts and interactions
        (
            ("post", "a new article", "-c", "linkedin"),
            "contact,interaction,interaction_contact,post",
        ),
    ],
)
def test_a_write_defines_only_the_tables_it_writes(
    seeded: Path, args: tuple[str, ...], tables: str
) -> None:
    # defining the other seven tables would cost each `rave log` about 15 ms (rave.models)
    found = _probe(seeded, *args)
    assert found["TABLES"] == tables
    assert found["HEAVY"] == "pydantic,sqlalchemy,sqlmodel"
