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
import itertools
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
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


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str | None = None,
    styles: Sequence[str | None] | None = None,
    row_styles: Sequence[str | None] | None = None,
    shorten: Collection[str] = (),
    optional: Sequence[str] = (),
    page: bool = False,
) -> None:
    """A table: plain aligned columns when stdout is not a terminal (whole values, never
    wrapped); on a terminal, one line per row that fits its width. Cells of the
    ``shorten`` columns (free text) are shortened at a word boundary with "…"; the
    ``optional`` columns are left out, in that order, while even that does not fit; the
    other columns are never cut (only their headings may be). With ``page``, a table
    taller than the screen goes through ``$PAGER``. ``rows`` may be an iterator: on a
    terminal the first lines show while the rest are still being read."""
    if not stdout_is_terminal():
        _plain_table(columns, rows, title=title)
        return
    _terminal_table(
        columns,
        rows,
        title=title,
        styles=styles or (),
        row_styles=row_styles,
        shorten=shorten,
        optional=optional,
        page=page,
    )


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


def _cell(value: str) -> str:
    """A table cell on one line: whitespace runs (newlines too) become one space."""
    if value.isprintable() and "  " not in value and value.strip(" ") == value:
        return value  # most cells: nothing to change (and no copy of 30,000 rows)
    return printable(" ".join(str(value).split()))


def _plain_table(
    columns: Sequence[str], rows: Iterable[Sequence[str]], *, title: str | None
) -> None:
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [len(name) for name in columns]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    out = sys.stdout
    if title:
        out.write(printable(title) + "\n")
    for row in [list(columns), *cells]:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        out.write("  ".join(padded).rstrip() + "\n")


# --- tables on a terminal -----------------------------------------------------------------

GAP = 2  # cells between two columns, as in the plain form
FLEX_FLOOR = 20  # a free-text column gives way down to this before an optional one goes
SAMPLE = 1000  # rows whose free text is measured for the widths (later ones are shortened)
CHUNK = 250  # rows written at a time


def shortened(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal cells: as many whole words as fit, then
    "…". A word is cut only when it is the first one or could not fit ``width`` on its
    own (a long URL); a comma, semicolon or colon before the "…" goes."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    room = width - 1  # what the words may take beside the "…"
    used = end = 0  # cells and characters of the words kept so far
    for word in text.split(" "):
        size = cell_len(word) + (1 if end else 0)
        if used + size > room:
            if not end or size > room:  # the first word, or one too long for any line
                return set_cell_size(text, room).rstrip() + "…"
            break
        used += size
        end += len(word) + (1 if end else 0)
    return text[:end].rstrip(" ,;:") + "…"


def _widths(
    columns: Sequence[str],
    sample: Sequence[Sequence[str]],
    room: int,
    flex: Collection[int],
    optional: Sequence[str],
) -> list[int | None]:
    """Each column's width in cells on a terminal ``room`` cells wide, None for a column
    left out. Free-text columns (``flex``) give way first (the widest one cell at a time,
    down to FLEX_FLOOR), then the headings of the other columns (down to their values),
    then the optional columns go, then free text gives way again, down to a few cells.
    Other columns never give way: a table of whole paths may be wider than the terminal.

    Only the first rows are measured (``sample``, cleaned by `_cell`): free text longer
    further down is shortened, and a longer value in another column is shown whole."""
    from rich.cells import cell_len

    heads = [cell_len(name) for name in columns]
    data = [max(map(cell_len, values)) for values in zip(*sample, strict=True)]
    data = data or [0] * len(columns)
    shown = list(range(len(columns)))
    left_out = [columns.index(name) for name in optional if name in columns]
    while True:
        widths = {i: max(heads[i], data[i]) for i in shown}
        excess = sum(widths.values()) + GAP * (len(shown) - 1) - room
        floors = {i: min(widths[i], FLEX_FLOOR) for i in shown if i in flex}
        excess = _narrow(widths, floors, excess)
        floors = {i: max(data[i], min(heads[i], 4)) for i in shown if i not in flex}
        excess = _narrow(widths, floors, excess)
        if excess <= 0 or not left_out:
            break
        shown.remove(left_out.pop(0))
    _narrow(widths, {i: min(widths[i], 3) for i in shown if i in flex}, excess)
    return [widths.get(index) for index in range(len(columns))]


def _narrow(widths: dict[int, int], floors: dict[int, int], excess: int) -> int:
    """Take ``excess`` cells from the columns in ``floors``, the widest first, none
    below its floor; return what could not be taken."""
    while excess > 0:
        wider = [i for i in floors if widths[i] > floors[i]]
        if not wider:
            break
        widths[max(wider, key=widths.__getitem__)] -= 1
        excess -= 1
    return excess


def _terminal_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str | None,
    styles: Sequence[str | None],
    row_styles: Sequence[str | None] | None,
    shorten: Collection[str],
    optional: Sequence[str],
    page: bool,
) -> None:
    """One line per row at the widths of `_widths`, written CHUNK rows at a time as
    styled segments, so the first lines show at once (a Rich ``Table`` measures and
    renders every cell before it prints: 20 s and 300 MB for 30,000 contacts)."""
    from rich.cells import cell_len
    from rich.segment import Segment, Segments
    from rich.style import Style
    from rich.text import Text

    screen = console()
    flex = {index for index, name in enumerate(columns) if name in shorten}
    stream = iter(rows)
    sample = [[_cell(c) for c in row] for row in itertools.islice(stream, SAMPLE)]
    widths = _widths(columns, sample, screen.width, flex, optional)
    shown = [(index, size) for index, size in enumerate(widths) if size is not None]
    if not shown:
        return
    last = shown[-1][0]
    styles = [*styles, *[None] * len(columns)]
    by_row: dict[str | None, list[Style | None]] = {}  # each column's style, by row style

    def add(out: list[Segment], cells: Sequence[str], row_style: str | None) -> None:
        """One row's segments: each cell padded to its column, unstyled runs joined."""
        if row_style not in by_row:
            by_row[row_style] = [
                Style.parse(f"{styles[i] or ''} {row_style or ''}")
                if styles[i] or row_style
                else None
                for i, _ in shown
            ]
        run = ""  # unstyled text not yet added: padding, gaps, plain cells
        for (index, size), style in zip(shown, by_row[row_style], strict=True):
            text = cells[index]
            used = len(text) if text.isascii() else cell_len(text)
            if used > size and index in flex:
                text = shortened(text, size)
                used = cell_len(text)
            pad = "" if index == last else " " * (max(size - used, 0) + GAP)
            if style is None:
                run += text + pad
            else:
                if run:
                    out.append(Segment(run))
                out.append(Segment(text, style))
                run = pad
        if run.rstrip():
            out.append(Segment(run.rstrip()))
        out.append(Segment.line())

    height = len(sample) + 2 + (1 if title else 0)
    with _pager(screen, wanted=page and height >= screen.height) as out:
        if title:
            out.print(Text(printable(title), style="bold"))
        lines: list[Segment] = []
        for index, size in shown:  # the headings, bold, then a rule
            name = shortened(printable(columns[index]), size)
            lines.append(Segment(name, Style(bold=True)))
            if index != last:
                lines.append(Segment(" " * (size - cell_len(name) + GAP)))
        lines.append(Segment.line())
        rule = (" " * GAP).join("─" * size for _, size in shown)
        lines += (Segment(rule, Style(dim=True)), Segment.line())
        rest = ([_cell(c) for c in row] for row in stream)
        for number, cells in enumerate(itertools.chain(sample, rest)):
            add(lines, cells, row_styles[number] if row_styles else None)
            if number % CHUNK == CHUNK - 1:
                out.print(Segments(lines), end="", crop=False, soft_wrap=True)
                lines = []
        if lines:
            out.print(Segments(lines), end="", crop=False, soft_wrap=True)


def _pager_command() -> str | None:
    """``$PAGER`` (none when it is empty or ``cat``), else ``less`` if installed."""
    import os
    import shutil

    command = os.environ.get("PAGER")
    if command is None:
        return "less" if shutil.which("less") else None
    command = command.strip()
    return None if command in ("", "cat") else command


@contextlib.contextmanager
def _pager(screen: Console, *, wanted: bool) -> Iterator[Console]:
    """``screen``, or, when ``wanted`` and stdout is a real terminal, a console writing
    into the pager (``$PAGER``, else ``less`` with ``LESS=FRX`` unless set, as git does):
    the output streams into it, so its first screen shows before the rest is written.
    Quitting the pager early ends the output quietly; Ctrl-C is the pager's."""
    command = _pager_command() if wanted and not _screen and sys.stdout.isatty() else None
    if command is None:
        yield screen
        return
    import io
    import os
    import signal
    import subprocess

    from rich.console import Console

    class PagerConsole(Console):
        def on_broken_pipe(self) -> None:  # Rich's own exits and sends stdout to /dev/null
            raise BrokenPipeError

    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}  # R: colours, X: stays shown
    pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    assert pager.stdin is not None
    stream = io.TextIOWrapper(
        pager.stdin, encoding=sys.stdout.encoding or "utf-8", errors="replace"
    )
    out = PagerConsole(
        file=stream,
        width=screen.width,
        height=screen.height,
        force_terminal=True,
        color_system=screen.color_system,  # type: ignore[arg-type]
        no_color=screen.no_color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    handlers = {
        number: signal.signal(number, signal.SIG_IGN)
        for number in (signal.SIGINT, getattr(signal, "SIGPIPE", None))
        if number is not None
    }
    try:
        yield out
    except BrokenPipeError:
        pass  # the pager was quit before the end
    finally:
        with contextlib.suppress(BrokenPipeError):
            stream.close()
        pager.wait()
        for number, handler in handlers.items():
            signal.signal(number, handler)


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
