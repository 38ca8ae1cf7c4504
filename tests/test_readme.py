"""Every command rave has is documented in README.md: named in its "## Commands" section
and shown running in a shell example. The command list comes from the code
(``rave.cli.COMMANDS`` and the sub-commands of groups), so a new command without
documentation fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rave.cli import COMMANDS, load_command

README = Path(__file__).parent.parent / "README.md"

# Fenced blocks whose lines run commands; untagged blocks show output (`rave digest for
# Sunday ...`), not a command.
RUNNABLE = {"sh", "bash", "shell", "console", "zsh", "crontab"}
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
SEPARATOR = re.compile(r"&&|\|\||[|;]")
COMMENT = re.compile(r"(?:^|\s)#.*$")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def commands() -> list[tuple[str, ...]]:
    """Every command a user can run: ``("today",)``, ..., ``("followup", "done")``."""
    found: list[tuple[str, ...]] = []
    for name in COMMANDS:
        command = load_command(name)
        assert command is not None, name
        subcommands = getattr(command, "commands", None)
        if subcommands:
            found += [(name, sub) for sub in subcommands]
        else:
            found.append((name,))
    return found


def invocations(readme: str) -> list[list[str]]:
    """The words after `rave` in every command a shell or crontab block of ``readme`` runs
    (`rave log ana -k engage` gives ``["log", "ana", "-k", "engage"]``)."""
    runs = []
    for language, body in FENCE.findall(readme):
        if language not in RUNNABLE:
            continue
        for line in body.replace("\\\n", " ").splitlines():
            for segment in SEPARATOR.split(COMMENT.sub("", line)):
                words = segment.split()
                if language == "crontab" and words and not ASSIGNMENT.match(words[0]):
                    words = words[5:]  # the schedule
                while words and (ASSIGNMENT.match(words[0]) or words[0] == "$"):
                    words = words[1:]  # VAR=value before the command, a prompt
                if words and (words[0] == "rave" or words[0].endswith("/rave")):
                    runs.append(words[1:])
    return runs


def commands_section(readme: str) -> str:
    """The prose and tables of "## Commands" (its ### subsections too), code blocks left
    out."""
    prose = FENCE.sub("", readme)
    match = re.search(r"^## Commands\n(.*?)(?=^## |\Z)", prose, re.S | re.M)
    assert match, 'README.md has no "## Commands" section'
    return match.group(1)


def undocumented(readme: str, wanted: list[tuple[str, ...]]) -> list[str]:
    """The commands of ``wanted`` that ``readme`` does not document, each with what is
    missing."""
    runs = invocations(readme)
    section = commands_section(readme)
    missing = []
    for command in wanted:
        name = " ".join(command)
        if not any(words[: len(command)] == list(command) for words in runs):
            missing.append(f"rave {name}: no example in a ```sh block")
        if not re.search(rf"`rave {re.escape(name)}[\s`]", section):
            missing.append(f'rave {name}: not named in "## Commands"')
    return missing


def test_every_command_is_documented_with_an_example() -> None:
    assert undocumented(README.read_text(encoding="utf-8"), commands()) == []


def test_every_example_runs_a_command_rave_has() -> None:
    known = set(commands())
    for words in invocations(README.read_text(encoding="utf-8")):
        if not words or words[0].startswith("-"):
            continue  # `rave --version`, `rave --install-completion`
        name = words[0]
        assert name in COMMANDS, f"README runs `rave {' '.join(words)}`: no such command"
        if (name,) not in known:
            assert tuple(words[:2]) in known, f"README runs `rave {' '.join(words)}`"


# --- the check can fail: the README with one command taken out -----------------------


def _lines(readme: str, *, in_code: bool, unless: re.Pattern[str]) -> str:
    """``readme`` without the lines inside (``in_code``) or outside code blocks that
    match ``unless``."""
    kept, fenced = [], False
    for line in readme.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        elif fenced == in_code and unless.search(line):
            continue
        kept.append(line)
    return "".join(kept)


@pytest.mark.parametrize("command", commands(), ids=" ".join)
def test_a_command_without_an_example_is_reported(command: tuple[str, ...]) -> None:
    readme = README.read_text(encoding="utf-8")
    runs = re.compile(rf"\brave {re.escape(' '.join(command))}\b(?!-)")
    without = _lines(readme, in_code=True, unless=runs)
    assert f"rave {' '.join(command)}: no example in a ```sh block" in undocumented(
        without, [command]
    )


@pytest.mark.parametrize("command", commands(), ids=" ".join)
def test_a_command_missing_from_the_commands_section_is_reported(
    command: tuple[str, ...],
) -> None:
    readme = README.read_text(encoding="utf-8")
    named = re.compile(rf"`rave {re.escape(' '.join(command))}[\s`]")
    without = _lines(readme, in_code=False, unless=named)
    assert undocumented(without, [command]) == [
        f'rave {" ".join(command)}: not named in "## Commands"'
    ]
