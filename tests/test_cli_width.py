"""What a person sees on an 80-column terminal (issue 15, "80 columns"): text wraps at
word boundaries, tables and charts fit, long cells are shortened at a word boundary with
"…", charts stay readable without colour, and `rave list` pages or takes --limit. Pipes
keep the plain form: whole values, never wrapped or cut."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from conftest import ANSI, Rave, run_on_terminal
from rave.cli import render, tables

NAME = "Maximiliana Evangelina Castellanos-Villanueva de la Fuente"
COMPANY = "International Business Machines Corporation of North America"
TITLE = "Senior Principal Distinguished Engineer for Developer Relations"
TAGS = ("conference-speaker", "machine-learning", "open-source", "retrieval")
WHY = (
    "She knows everybody in the machine learning community and could introduce me to "
    "the people who run the biggest conferences in Europe and North America"
)
ASKED = (
    "She asked whether I could review the draft of her keynote about scaling retrieval "
    "augmented generation to a billion documents before the conference in Lisbon"
)
COFFEE = "Coffee near the office, we talked about her daughter starting university in Porto"
NOTE = "Her daughter Sofia starts studying marine biology in Lisbon this autumn, ask her"
PROMISE = "send her the paper on the evaluation of retrieval augmented generation pipelines"
LONG_WORD = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschafers Hubert"


@pytest.fixture
def network(rave: Rave) -> None:
    """Long names, companies, titles, tags, notes and reasons, through the real CLI."""
    tags = [arg for tag in TAGS for arg in ("--tag", tag)]
    for args in (
        ("add", NAME, "--tier", "A", "--company", COMPANY, "--title", TITLE, *tags),
        ("edit", "#1", "--why", WHY, "--email", "maximiliana@example.com"),
        ("log", "#1", "--in", "-k", "chat", "-c", "linkedin", "-w", "2d", "-n", ASKED),
        ("log", "#1", "-k", "engage", "-c", "in_person", "-w", "20d", "-n", COFFEE),
        ("log", "#1", "-k", "broadcast", "-c", "linkedin", "-w", "40d"),
        ("note", "#1", NOTE),
        ("log", "#1", "-w", "3d", "--follow-up", PROMISE, "--due", "2030-01-01"),
        ("add", LONG_WORD, "--tier", "B", "--company", "Globex", "--tag", "x"),
        ("log", "#2", "-k", "engage", "-c", "email", "-w", "45d", "-n", "lunch"),
        ("add", "Bob Stone", "--tier", "C", "--title", "CTO"),
        ("add", "Carl Ray", "--tier", "none"),
    ):
        result = rave(*args)
        assert result.exit_code == 0, (args, result)


def screen(rave: Rave, *args: str, width: int = 80, colour: str | None = "auto") -> tuple[str, str]:
    """`rave ARGS` on a terminal ``width`` columns wide: the text it shows, and what was
    written to it (with the escape codes). The terminal's kind comes from TERM and
    NO_COLOR, as for a person."""
    out = Console(
        file=io.StringIO(),
        width=width,
        height=50,
        force_terminal=True,
        color_system=colour,  # type: ignore[arg-type]
        legacy_windows=False,
        record=True,
    )
    with render.terminal(out):
        result = rave(*args)
    assert result.exit_code == 0, (args, result)
    assert result.stdout == ""  # everything went to the terminal
    written = out.file.getvalue()  # type: ignore[attr-defined]
    return out.export_text(styles=False), written


@pytest.fixture
def colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")


def assert_fits(text: str, width: int = 80) -> None:
    wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not wide, wide


def cell(text: str, start: str) -> str:
    """The table cell that begins with ``start``: up to the next gap of two spaces."""
    line = next(line for line in text.splitlines() if start in line)
    return line[line.index(start) :].split("  ")[0].rstrip()


def assert_whole_words(shown: str, original: str) -> None:
    """``shown`` is ``original``, or its first words then "…": every word whole, except
    a last one cut because it is the first or longer than the cell itself."""
    if shown == original:
        return
    assert shown.endswith("…"), (shown, original)
    tokens = shown[:-1].split()
    words = original.split()
    *whole, last = tokens
    assert whole == words[: len(whole)], (shown, original)
    word = words[len(whole)]
    if last not in (word, word.rstrip(",;:")):
        assert word.startswith(last), (shown, original)
        assert not whole or cell_len(word) >= cell_len(shown), (shown, original)


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("alpha beta gamma", 16, "alpha beta gamma"),
        ("alpha beta gamma", 15, "alpha beta…"),
        ("alpha beta gamma", 11, "alpha beta…"),
        ("alpha beta gamma", 10, "alpha…"),
        ("tag-one, tag-two, tag-three", 20, "tag-one, tag-two…"),
        ("Supercalifragilistic Smith", 10, "Supercali…"),  # a first word too long: cut
        ("see https://example.com/a/very/long/path", 20, "see https://example…"),
        ("see https://example.com/a/very/long/path", 30, "see https://example.com/a/ver…"),
        (
            "see https://example.com/a/very/long/path",
            50,
            "see https://example.com/a/very/long/path",
        ),
        ("short words here", 1, "…"),
        ("山田太郎 さん", 7, "山田太…"),  # two cells a character
    ],
)
def test_shortened_keeps_whole_words(text: str, width: int, shown: str) -> None:
    assert tables.shortened(text, width) == shown
    assert cell_len(shown) <= width


def test_list_fits_80_columns_with_id_name_and_tier(
    rave: Rave, network: None, colour_terminal: None
) -> None:
    text, written = screen(rave, "list")
    assert_fits(text)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["#", "name", "tier"]
    assert len(lines) == 2 + 4  # headings, rule, one line per contact: nothing wraps
    assert_whole_words(cell(text, "Maximiliana"), NAME)
    assert_whole_words(cell(text, "Wolfe"), LONG_WORD)
    assert cell(text, "Wolfe").endswith("…")
    for row, (number, tier) in zip(
        lines[2:], [("3", "C"), ("4", "none"), ("1", "A")], strict=False
    ):
        assert row.split()[0] == number and f"  {tier}  " in row
    assert "\x1b[" in written  # styled: a terminal with colours


def test_show_fits_80_columns_and_wraps_at_words(rave: Rave, network: None) -> None:
    text, _ = screen(rave, "show", "#1")
    assert_fits(text)
    words = set(text.split())
    for long_text in (WHY, NOTE, PROMISE, COMPANY, TITLE):
        assert set(long_text.split()) <= words, long_text  # wrapped, never cut mid-word
    lines = text.splitlines()
    after = lines[next(i for i, line in enumerate(lines) if "why:" in line) + 1]
    assert after.startswith(" " * 17 + "introduce me")  # under the start of the text
    balance = next(line for line in text.splitlines() if "balance:" in line)
    assert "broadcast 1 · chat 2 · engage 1" in balance and balance.endswith("]")
    assert any("warmth trend:" in line and "→" in line for line in text.splitlines())
    timeline = text.split("Timeline")[1]
    assert_whole_words(cell(timeline, "She asked"), ASKED)
    assert_whole_words(cell(timeline, "Coffee"), COFFEE)


def test_today_and_why_fit_80_columns(rave: Rave, network: None) -> None:
    today, _ = screen(rave, "today")
    assert_fits(today)
    assert "Answer first" in today and "Reach out" in today
    assert_whole_words(cell(today, "Maximiliana"), NAME)
    for item in rave("today", "--json").json():
        assert_whole_words(cell(today, item["reason"].split()[0]), item["reason"])
    explained, _ = screen(rave, "today", "--explain")
    assert_fits(explained)
    why, _ = screen(rave, "why", "#1")
    assert_fits(why)
    explained_json = rave("why", "#1", "--json").json()
    for term in explained_json["terms"]:  # the note: the last cell of the term's row
        row = next(line for line in why.splitlines() if line.startswith(term["term"] + " "))
        assert_whole_words(re.split(r" {2,}", row.strip())[-1], term["note"])
    talking_point = explained_json["talking_point"]
    assert set(talking_point.split()) <= set(why.split())  # wrapped at words, not cut


def test_stats_fits_80_columns(rave: Rave, network: None, colour_terminal: None) -> None:
    for args in (("stats",), ("stats", "--by", "month")):
        text, _ = screen(rave, *args)
        assert_fits(text)
    narrow, _ = screen(rave, "stats", width=50)
    assert_fits(narrow, 50)


@pytest.mark.parametrize("terminal", ["NO_COLOR", "TERM=dumb"])
def test_charts_use_letters_without_colour(
    rave: Rave, network: None, monkeypatch: pytest.MonkeyPatch, terminal: str
) -> None:
    if terminal == "NO_COLOR":
        monkeypatch.setenv("TERM", "xterm-256color")
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.setenv("TERM", "dumb")
    shown, _ = screen(rave, "show", "#1")
    balance = next(line for line in shown.splitlines() if "balance:" in line)
    assert re.search(r"\[b+c+e+\]$", balance), balance
    stats, _ = screen(rave, "stats")
    assert_fits(stats)
    bars = [line for line in stats.splitlines() if re.search(r"\d  [bce]+$", line)]
    assert {"b", "c", "e"} <= set("".join(line.split()[-1] for line in bars))
    assert "b broadcast (your posts included) · c chat · e engage" in stats
    assert "█" not in stats


def test_charts_use_colour_on_a_colour_terminal(
    rave: Rave, network: None, colour_terminal: None
) -> None:
    shown, written = screen(rave, "show", "#1")
    balance = next(line for line in shown.splitlines() if "balance:" in line)
    assert re.search(r"\[█+\]$", balance), balance
    stats, written = screen(rave, "stats")
    assert "█ broadcast  █ chat  █ engage" in stats
    assert "\x1b[36m█" in written or "\x1b[38;5;6m█" in written  # chat: cyan blocks


def test_list_limit_on_a_terminal_in_a_pipe_and_in_json(rave: Rave, network: None) -> None:
    text, _ = screen(rave, "list", "--limit", "3")
    assert len(text.splitlines()) == 2 + 3
    piped = rave("list", "--limit", "3")
    assert piped.exit_code == 0, piped
    assert len(piped.stdout.splitlines()) == 1 + 3
    names = [row["name"] for row in rave("list", "--limit", "3", "--json").json()]
    assert names == ["Bob Stone", "Carl Ray", NAME]  # the first three by name
    recent = rave("list", "--sort", "recent", "--limit", "1", "--json").json()
    assert [row["name"] for row in recent] == [NAME]
    assert rave("list", "--limit", "0").exit_code == 2


def test_pipes_keep_whole_values(rave: Rave, network: None) -> None:
    for args, values in (
        (("list",), (NAME, COMPANY, TITLE, ", ".join(TAGS), LONG_WORD)),
        (("show", "#1"), (WHY, NOTE, ASKED, COFFEE)),
        (("today",), (NAME, rave("today", "--json").json()[0]["talking_point"])),
    ):
        out = rave(*args)
        assert out.exit_code == 0, out
        for value in values:
            assert any(value in line for line in out.stdout.splitlines()), (args, value)
        assert ANSI not in out.stdout


def test_lines_wrap_at_words_on_a_terminal_only(capsys: pytest.CaptureFixture[str]) -> None:
    out = Console(file=io.StringIO(), width=30, height=50, force_terminal=True, record=True)
    with render.terminal(out):
        render.line(WHY)
    shown = out.export_text(styles=False).splitlines()
    assert len(shown) > 3 and all(cell_len(line) <= 30 for line in shown)
    assert [word for line in shown for word in line.split()] == WHY.split()
    render.line(WHY)  # not a terminal: one line, as it is
    assert capsys.readouterr().out == WHY + "\n"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_list_pages_when_taller_than_the_screen(
    rave: Rave, rave_home: Path, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "name,tier\n" + "".join(f"Person {n:04d},B\n" for n in range(2000)), encoding="utf-8"
    )
    assert rave("import", "csv", str(people)).exit_code == 0
    paged = tmp_path / "paged.txt"

    def run(*args: str, pager: str) -> tuple[int, str]:
        env = {**os.environ, "RAVE_HOME": str(rave_home), "TERM": "xterm-256color"}
        env.update(PAGER=pager)
        env.pop("COLUMNS", None)
        return run_on_terminal(args, env, size=(20, 80))

    code, seen = run("list", pager=f"cat > '{paged}'")
    assert code == 0, seen
    assert "Person" not in seen  # the rows went to the pager, not straight to the screen
    rows = paged.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 + 2000 and "Person 1999" in rows[-1]
    paged.unlink()
    code, seen = run("list", "--limit", "5", pager=f"cat > '{paged}'")
    assert code == 0 and not paged.exists()  # fits the screen: no pager
    assert "Person 0004" in seen and "Person 0005" not in seen
    code, seen = run("list", pager="head -c 100 > /dev/null")  # quit after a screen
    assert code == 0 and "Traceback" not in seen and "Error" not in seen, seen
    code, seen = run("list", pager="no-such-pager-here --x")  # a pager that cannot run
    assert code == 0 and "Person 1999" in seen, seen[-300:]  # the rows reach the screen
