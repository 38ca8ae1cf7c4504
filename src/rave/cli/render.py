"""The only module that prints. People get Rich (colour only on a terminal, ``NO_COLOR``
and ``TERM=dumb`` respected); scripts get JSON that Rich never touches. User text is
data, never markup: it goes through ``rich.text.Text`` or plain ``Segment``s.

When stdout is not a terminal, lines and tables are plain text that is never wrapped or
cut, so piping to ``grep``/``cut`` sees whole values. On a terminal, text wraps at word
boundaries at the terminal's width, and tables fit it: free-text columns are shortened
at a word boundary with "…", optional columns are left out when even that is too wide,
and a table taller than the screen can go through ``$PAGER``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")

# Set by `terminal()`: stdout is this console (a test's terminal of a chosen width).
_screen: list[Console] = []


def stdout_is_terminal() -> bool:
    return bool(_screen) or sys.stdout.isatty()


def console(*, stderr: bool = False) -> Console:
    if _screen and not stderr:
        return _screen[-1]
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(
        file=stream,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=not tty,  # into a pipe, never wrapped; on a terminal, wrapped at words
        color_system="auto" if tty else None,  # no colour into pipes, even with FORCE_COLOR
    )


@contextlib.contextmanager
def terminal(screen: Console) -> Iterator[Console]:
    """Show what goes to stdout on ``screen`` as on a terminal of its size, e.g. a test's
    ``Console(file=StringIO(), width=80, force_terminal=True)``. Never pages."""
    _screen.append(screen)
    try:
        yield screen
    finally:
        _screen.remove(screen)


def on_test_screen() -> bool:
    """Whether stdout is a screen set by ``terminal()`` (which never pages)."""
    return bool(_screen)


def width() -> int | None:
    """The terminal's width in cells, or None when stdout is not a terminal (pipes and
    files are never wrapped)."""
    return console().width if stdout_is_terminal() else None


def colour() -> bool:
    """Whether stdout shows colours: a terminal, ``NO_COLOR`` unset, ``TERM`` not dumb.
    Charts that tell kinds apart by colour use letters otherwise."""
    if not stdout_is_terminal():
        return False
    out = console()
    return out.color_system is not None and not out.no_color


def answer(
    as_json: bool, result: T, payload: Callable[[T], Any], view: Callable[[T], None]
) -> None:
    """The one way a command answers: the contract's JSON document (``--json``, built by
    a function of ``rave.cli.payloads``) or the view for people."""
    if as_json:
        json_out(payload(result))
    else:
        view(result)


def json_out(payload: Any) -> None:
    """Exactly one JSON document on stdout: no colour, no wrapping."""
    import json  # here: the daily commands print JSON only on request

    sys.stdout.write(_json_safe(json.dumps(payload, ensure_ascii=False, indent=2)) + "\n")


def _plain(stream: TextIO, *lines: str) -> bool:
    """Write ``lines`` as they are when ``stream`` is not a terminal (True), without
    loading Rich: styles show only on a terminal anyway (cron, pipes, scripts)."""
    terminal = stdout_is_terminal() if stream is sys.stdout else stream.isatty()
    if terminal:
        return False
    stream.write("".join(printable(text) + "\n" for text in lines))
    return True


def line(text: str = "", style: str | None = None) -> None:
    """One line of user-facing output on stdout, printed literally; on a terminal, long
    lines wrap at word boundaries."""
    if _plain(sys.stdout, text):
        return
    from rich.text import Text

    console().print(Text(printable(text), style=style or ""))


def item(label: str, text: str) -> None:
    """``label`` then ``text`` on one line (a profile's field, a dated note); on a
    terminal, ``text`` wraps at word boundaries with its next lines under its start."""
    if _plain(sys.stdout, label + text):
        return
    from rich.cells import cell_len
    from rich.text import Text

    out = console()
    indent = cell_len(printable(label))
    if out.width - indent < 20:  # too narrow to indent: wrap the whole line
        out.print(Text(printable(label + text)))
        return
    body = Text(printable(text)).wrap(out, out.width - indent)
    for index, part in enumerate(body or [Text("")]):
        head = Text(printable(label) if index == 0 else " " * indent)
        part.rstrip()
        out.print(head.append_text(part), no_wrap=True, overflow="crop")


def styled(parts: Sequence[tuple[str, str | None]]) -> None:
    """One line made of differently styled pieces (a chart row), printed literally;
    styles show only on a terminal, where the line wraps at words if it does not fit
    (chart rows are made to fit)."""
    if _plain(sys.stdout, "".join(text for text, _ in parts)):
        return
    from rich.text import Text

    out = Text()
    for text, style in parts:
        out.append(printable(text), style=style or "")
    console().print(out)


def info(text: str) -> None:
    """A message for the person (not for scripts): stderr."""
    if _plain(sys.stderr, text):
        return
    from rich.text import Text

    console(stderr=True).print(Text(printable(text)))


def notice(text: str) -> None:
    """Something worth knowing that is not an error (a renamed config key): stderr."""
    info(f"rave: notice: {text}")


def error(message: str, hint: str | None = None) -> None:
    if _plain(sys.stderr, f"rave: {message}", *([f"hint: {hint}"] if hint else [])):
        return
    from rich.text import Text

    err = console(stderr=True)
    out = Text("rave: ", style="bold red")
    out.append(printable(message))
    err.print(out)
    if hint:
        err.print(Text(printable(f"hint: {hint}"), style="dim"))


# Bidirectional formatting characters: embeddings and overrides (U+202A-U+202E),
# isolates (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C). A name holding
# U+202E would print the rest of its line backwards, and an override can make one text
# look like another (CVE-2021-42574, "Trojan Source").
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))
_CONTROL.update(dict.fromkeys(range(0x7F, 0xA0)))  # DEL and the C1 controls (U+009B: CSI)
_CONTROL.update(dict.fromkeys(BIDI_CONTROLS))


def printable(text: str) -> str:
    """User text as it may reach a terminal: without control characters (an ESC from an
    imported note must not drive the reader's terminal) nor bidirectional formatting
    characters (a U+202E in a name must not reorder what the terminal shows). Tabs and
    newlines stay; everything else is printed as it is. Stored data is not changed."""
    return text.translate(_CONTROL)


_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), *BIDI_CONTROLS)}


def _json_safe(document: str) -> str:
    """A JSON text with DEL, the C1 controls and the bidirectional formatting
    characters written as ``\\uXXXX`` escapes: the same document for a program, and
    nothing that reorders or drives a terminal it is shown on. (``json.dumps`` already
    escapes the C0 controls; these characters can only occur inside strings.)"""
    return document.translate(_JSON_ESCAPES)


def section(title: str) -> None:
    """A heading: bold and underlined on a terminal, plain text otherwise."""
    if _plain(sys.stdout, title):
        return
    from rich.text import Text

    console().print(Text(printable(title), style="bold underline"))


def plain(text: str) -> None:
    """Text exactly as given (the digest: made for mail, never styled)."""
    text = printable(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[int], None]]:
    """A progress line on stderr while long work runs, only when stderr is a terminal;
    yields a function taking the count of records done so far."""
    if not sys.stderr.isatty():
        yield lambda _count: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    label = printable(label)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def tick(count: int) -> None:
            if count % 200 == 0:
                bar.update(task, completed=count)

        yield tick
