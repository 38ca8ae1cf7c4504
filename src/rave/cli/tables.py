"""Tables: plain aligned columns when stdout is not a terminal (whole values, never
wrapped or cut, so ``grep`` and ``cut`` see them), and on a terminal one line per row
fitted to its width: free-text cells shortened at a word boundary with "…", optional
columns left out when even that is too wide, and a table taller than the screen streamed
through ``$PAGER``. Rows may arrive as an iterator: the first lines show while the rest
are still being read (`rave list` on 30,000 contacts)."""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rave.cli.render import console, on_test_screen, printable, stdout_is_terminal

if TYPE_CHECKING:
    from rich.console import Console


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
    import shlex
    import shutil

    command = os.environ.get("PAGER")
    if command is None:
        return "less" if shutil.which("less") else None
    command = command.strip()
    try:
        program = shlex.split(command)[0] if command else ""
    except ValueError:  # unbalanced quotes: not a command the shell could run either
        program = ""
    if command == "cat" or not program or shutil.which(program) is None:
        return None  # no pager, or one that cannot run: the rows go to the screen
    return command


@contextlib.contextmanager
def _pager(screen: Console, *, wanted: bool) -> Iterator[Console]:
    """``screen``, or, when ``wanted`` and stdout is a real terminal, a console writing
    into the pager (``$PAGER``, else ``less`` with ``LESS=FRX`` unless set, as git does):
    the output streams into it, so its first screen shows before the rest is written.
    Quitting the pager early ends the output quietly; Ctrl-C is the pager's."""
    command = _pager_command() if wanted and not on_test_screen() and sys.stdout.isatty() else None
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
