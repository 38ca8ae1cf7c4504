"""rave's command line without Typer's pydantic conversions (rave.cli.params) and with
commands loaded on demand (rave.cli.COMMANDS): same values, same checks, clear errors."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import typer

from conftest import Rave
from rave.cli import COMMANDS, load_command


def test_the_help_list_is_every_command_with_its_own_summary() -> None:
    modules = {module for module, _ in COMMANDS.values()}
    registered = set()
    for module in modules:
        group = typer.main.get_group(importlib.import_module(f"rave.cli.{module}").app)
        registered.update(group.commands)
    assert registered == set(COMMANDS)  # nothing defined that `--help` would not list
    for name, (_, summary) in COMMANDS.items():
        command = load_command(name)
        first = " ".join(command.help.split("\n\n")[0].split())
        assert first == summary, name


def test_help_lists_commands_in_the_daily_loop_order(rave: Rave) -> None:
    out = rave("--help").stdout
    listed = re.findall(r"^  ([a-z]+) {2,}", out.split("Commands:")[1], flags=re.M)
    assert listed == list(COMMANDS)
    assert "Whom to answer first" in out and "Close follow-ups" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("today", "--limit", "abc"), "Invalid value for '--limit' / '-l': 'abc' is not a whole"),
        (("today", "--limit", "-1"), "-1 is below the minimum of 0."),
        (("add", "Ana", "--cadence", "0"), "Invalid value for '--cadence': 0 is below the minimum"),
        (("followup", "done", "x1"), "'x1' is not a record reference"),
    ],
)
def test_bad_numbers_are_usage_errors(rave: Rave, args: tuple[str, ...], message: str) -> None:
    result = rave(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_paths_are_checked_like_typer_does(rave: Rave, tmp_path: Path) -> None:
    result = rave("--db", str(tmp_path), "today")
    assert result.exit_code == 2
    assert f"file '{tmp_path}' is a directory." in " ".join(result.stderr.split())
    result = rave("import", "vcard", str(tmp_path))
    assert result.exit_code == 2
    assert "is a folder; vcard reads a file" in result.stderr
    assert "only maildir and ics read a folder" in result.stderr


def test_values_arrive_converted(rave: Rave, tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    assert (
        rave("--db", str(db), "add", "Ana Pérez", "--tier", "A", "--cadence", "12").exit_code == 0
    )
    assert (
        rave("--db", str(db), "add", "Bo", "--email", "b@x.io", "--email", "bo@y.io").exit_code == 0
    )
    ana = rave("--db", str(db), "show", "ana", "--json").json()
    assert ana["cadence_days"] == 12 and ana["tier"] == "A"
    emails = sorted(
        h["value"] for h in rave("--db", str(db), "show", "bo", "--json").json()["handles"]
    )
    assert emails == ["b@x.io", "bo@y.io"]
    assert rave("--db", str(db), "today", "--limit", "0", "--json").json() == []
    assert db.exists()


def test_install_names_every_value_by_a_word() -> None:
    from rave.cli import params

    command = load_command("import")
    params.install(command)
    shown = {param.name: param.metavar for param in command.params}
    assert (shown["fmt"], shown["file"], shown["me"]) == ("FORMAT", "FILE", "WHO")  # given
    assert (shown["tier"], shown["tag"]) == ("TIER", "TAG")  # the option's name
    assert shown["dry_run"] is None  # a flag takes no value
    ctx = command.make_context("import", ["vcard", "-"], resilient_parsing=True)
    rows = dict(param.get_help_record(ctx) for param in command.params)
    assert "FILE" in rows and "--tag TAG" in rows  # an argument without "<path>"
    assert ctx.params["file"] == Path("-")  # `-` is not checked as a file: it is stdin


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("", ["linkedin", "email", "in_person"]),
        ("in", ["in_person"]),
        ("IN", ["IN_person"]),
        ("Em", ["Email"]),
        ("zz", []),
    ],
)
def test_completion_ignores_case_and_keeps_what_was_typed(typed: str, offered: list[str]) -> None:
    from rave.cli.common import matching

    assert matching(("linkedin", "email", "in_person"), typed) == offered


def test_examples_are_one_pasteable_command_a_line_kept_as_written() -> None:
    from rave.cli.common import examples

    epilog = examples(("rave today", "the list"), ("rave why ana --as-of 2w", "then"), "rave demo")
    first, title, *lines = epilog.split("\n")
    assert (first, title) == ("\b", "Examples:")  # Click's marker: no rewrapping
    assert lines == [
        "  rave today               # the list",
        "  rave why ana --as-of 2w  # then",
        "  rave demo",
    ]
