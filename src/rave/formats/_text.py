"""Opening text files the way they arrive, and streaming CSV rows with line numbers.

Encoding, in order: a UTF-8 BOM (``EF BB BF``) → UTF-8; a UTF-16 BOM (``FF FE`` /
``FE FF``) → UTF-16 LE/BE; no BOM but NUL bytes in every other position of the first
bytes → UTF-16 without BOM; otherwise UTF-8 if the *whole* file decodes as UTF-8
(checked in a streaming pass, in chunks), else Windows-1252 with a warning (undecodable
bytes become U+FFFD). Files are opened with ``newline=""`` so quoted CSV fields keep
their line breaks. A zip archive or a binary file is a BadInputError.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, TextIO

from rave.errors import BadInputError
from rave.formats import sniff

if TYPE_CHECKING:
    from rave.formats import ParseStats

CSV_FIELD_LIMIT = 1 << 22
"""Largest CSV field the csv module accepts (4 MiB): enough for any real message, small
enough that an unclosed quote cannot swallow a whole big file into memory."""

_CHUNK = 1 << 20
_SNIFF = 4096


@dataclass
class TextSource:
    """An open, decoded text file. Use as a context manager."""

    stream: TextIO
    file: str
    encoding: str
    warning: str | None = None

    def __enter__(self) -> TextSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stream.close()


def _is_utf8(raw: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := raw.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_without_bom(sample: bytes) -> str | None:
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd > pairs * 0.4 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.4 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def open_text(path: str | os.PathLike[str]) -> TextSource:
    """Open ``path`` for reading text, sniffing its encoding (see the module docstring).
    The returned source's ``warning`` is a sentence to show the user, or None."""
    file = os.fspath(path)
    raw = Path(path).open("rb")  # noqa: SIM115 - handed over to the TextIOWrapper
    try:
        sample = raw.read(_SNIFF)
        warning = None
        if sample.startswith(codecs.BOM_UTF8):
            skip, encoding = 3, "utf-8"
        elif sample.startswith(codecs.BOM_UTF16_LE):
            skip, encoding = 2, "utf-16-le"
        elif sample.startswith(codecs.BOM_UTF16_BE):
            skip, encoding = 2, "utf-16-be"
        elif sample.startswith(b"PK\x03\x04"):
            raise BadInputError(
                file, None, "this is a zip archive; unzip it and import the file inside"
            )
        elif b"\x00" in sample:
            guessed = _utf16_without_bom(sample)
            if guessed is None:
                raise BadInputError(file, None, "this is a binary file, not text")
            skip, encoding = 0, guessed
        else:
            skip, encoding = 0, "utf-8"
        if encoding == "utf-8":
            raw.seek(skip)
            if not _is_utf8(raw):
                encoding = "cp1252"
                warning = (
                    f"{file} is not valid UTF-8; read it as Windows-1252 (cp1252). "
                    "Check accented names; re-save the file as UTF-8 if they look wrong."
                )
        raw.seek(skip)
        errors = "replace" if encoding == "cp1252" else "strict"
        stream = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
    except BaseException:
        raw.close()
        raise
    return TextSource(stream=stream, file=file, encoding=encoding, warning=warning)


def ensure_field_limit() -> None:
    """Raise the csv module's field limit to :data:`CSV_FIELD_LIMIT` (never lower it)."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def csv_rows(source: TextSource) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` for every non-blank CSV record, ``line`` being the physical line
    where the record starts. Malformed CSV (a stray quote, a field over the limit, an
    undecodable byte) is a BadInputError at that line."""
    ensure_field_limit()
    reader = csv.reader(source.stream, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadInputError(source.file, start, f"malformed CSV: {exc}") from None
        except UnicodeDecodeError:
            raise BadInputError(
                source.file, start, f"cannot be decoded as {source.encoding}"
            ) from None
        if any(cell != "" for cell in row) or len(row) > 1:
            yield start, row
        start = reader.line_num + 1


def header_key(name: str) -> str:
    """The form column names are compared in: no BOM, case-folded, single spaces."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


class Columns:
    """A header row: cells are looked up by column name, never by position."""

    def __init__(self, header: list[str]) -> None:
        self.header = [" ".join(h.replace("\ufeff", "").split()) for h in header]
        self.names = [header_key(h) for h in header]
        self.index: dict[str, int] = {}
        self._lookup: dict[str, int | None] = {}
        self.duplicates: list[str] = []
        for i, name in enumerate(self.names):
            if name in self.index:
                self.duplicates.append(name)
            else:
                self.index[name] = i

    def __contains__(self, name: str) -> bool:
        return header_key(name) in self.index

    def get(self, row: list[str], name: str) -> str:
        """The cell under ``name``; ``""`` when the column or the cell is missing."""
        try:
            i = self._lookup[name]
        except KeyError:
            i = self._lookup[name] = self.index.get(header_key(name))
        return row[i] if i is not None and i < len(row) else ""

    def numbered(self, pattern: str) -> list[int]:
        """The numbers N of columns matching ``pattern`` (a regex with one group for N,
        matched against the folded name), sorted: ``E-mail N - Value`` → [1, 2, 3]."""
        found = set()
        regex = re.compile(pattern)
        for name in self.index:
            match = regex.fullmatch(name)
            if match:
                found.add(int(match.group(1)))
        return sorted(found)

    def check_width(self, row: list[str], file: str, line: int) -> None:
        """A row with more non-empty cells than the header has columns is misaligned
        (an unquoted comma); trailing empty cells, as spreadsheets add, are fine."""
        extra = row[len(self.names) :]
        if any(cell.strip() for cell in extra):
            raise BadInputError(
                file,
                line,
                f"{len(row)} fields but the header has {len(self.names)}; "
                "is a comma in a value not quoted?",
            )


class Unused:
    """The columns of a CSV that hold values the parser does not read, to name them in
    one warning (a column left out silently is data lost silently).

    ``uses(name)`` says whether the parser reads a column (by its folded name); cells
    whose folded text is in ``blank`` count as empty (Outlook writes ``0/0/00`` for no
    birthday and ``Normal`` for no priority in every row)."""

    LISTED = 20

    def __init__(
        self,
        columns: Columns,
        uses: Callable[[str], bool],
        blank: frozenset[str] = frozenset(),
    ) -> None:
        self.columns = columns
        self.blank = blank
        self.waiting = {
            i: columns.header[i]
            for i, name in enumerate(columns.names)
            if name and columns.index.get(name) == i and not uses(name)
        }
        self.found: list[int] = []

    def see(self, row: list[str]) -> None:
        """Note which unused columns hold a value in ``row``."""
        if not self.waiting:
            return
        for i in [i for i in self.waiting if i < len(row)]:
            cell = row[i].strip()
            if cell and cell.casefold() not in self.blank:
                self.found.append(i)
                del self.waiting[i]

    def warning(self, file: str) -> str | None:
        """One sentence naming the unused columns that held values, in header order."""
        if not self.found:
            return None
        listed = [self.columns.header[i] for i in sorted(self.found)]
        more = len(listed) - self.LISTED
        shown = ", ".join(listed[: self.LISTED]) + (f" and {more} more" if more > 0 else "")
        return f"{file}: not imported (rave has no place for these columns): {shown}"


def csv_table(
    path: str | os.PathLike[str],
    stats: ParseStats,
    *,
    is_header: Callable[[list[str]], bool] | None = None,
    search_lines: int = 1,
    on_header: Callable[[Columns, str, int], None] | None = None,
    missing: str | None = None,
    checked: bool = True,
    fmt: str | None = None,
    uses: Callable[[str], bool] | None = None,
    blank: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, int, Columns, list[str]]]:
    """The data rows of a CSV export as ``(file, line, columns, row)``, each counted in
    ``stats.rows``; the file opened by ``open_text`` (its encoding and any fallback
    noted in ``stats``).

    ``fmt`` is the import format the file was given as: a file that is plainly another
    kind (a vCard, JSON, another service's CSV header: :mod:`rave.formats.sniff`) is
    then refused with a hint naming the right format. ``uses`` (see :class:`Unused`)
    says which columns the parser reads: the others that held a value are named in one
    warning, put first, once every row has been read.

    The header is the first row, or with ``is_header`` the first of the first
    ``search_lines`` rows it accepts (exports may put notes above it); ``on_header`` may
    check it (raising BadInputError). Rows of blanks before the header are passed over.
    A file without anything but blanks is an error (:data:`rave.formats.EMPTY_FILE`);
    no header at all is one with the message ``missing`` when one is given.

    ``checked``: a data row of blanks is passed over (``stats.skip("empty row")``) and a
    row wider than the header refused (:meth:`Columns.check_width`); unchecked, every
    row is yielded as it is (a first pass that only looks)."""
    from rave.formats import EMPTY_FILE

    def other_kind(row: list[str], line: int, first: bool) -> None:
        if fmt is None:
            return
        kind = sniff.text_kind(",".join(row)) if first else None
        if kind is not None:
            raise sniff.refuse(kind, fmt, source.file, line)
        found = sniff.csv_kind(row)
        if found is not None and found[0] != fmt:
            raise sniff.refuse(found[0], fmt, source.file, line, found[1])

    def explained(error: BadInputError) -> BadInputError:
        """``error``, or the refusal naming the format the file really is."""
        return (explain(path, fmt) if fmt is not None else None) or error

    with open_text(path) as source:
        stats.encoding = source.encoding
        if source.warning:
            stats.warn(source.warning)
        columns: Columns | None = None
        unused: Unused | None = None
        empty = True
        for line, row in csv_rows(source):
            if columns is None:
                if not any(cell.strip() for cell in row):
                    continue
                other_kind(row, line, empty)
                empty = False
                if is_header is None or is_header(row):
                    columns = Columns(row)
                    if on_header is not None:
                        try:
                            on_header(columns, source.file, line)
                        except BadInputError as exc:
                            raise explained(exc) from None
                    if uses is not None:
                        unused = Unused(columns, uses, blank)
                elif line >= search_lines:
                    break
                continue
            stats.rows += 1
            if checked:
                if not any(cell.strip() for cell in row):
                    stats.skip("empty row")
                    continue
                columns.check_width(row, source.file, line)
            if unused is not None:
                unused.see(row)
            yield source.file, line, columns, row
        if columns is None and empty:
            raise BadInputError(source.file, None, EMPTY_FILE)
        if columns is None and missing is not None:
            raise explained(BadInputError(source.file, None, missing))
        warning = unused.warning(source.file) if unused is not None else None
        if warning is not None:
            stats.warn_first(warning)


# --- what a file is, from its first lines (for error paths) --------------------------


def file_kind(path: str | os.PathLike[str]) -> tuple[str, int, list[str]] | None:
    """The kind of file ``path`` is, from its first lines: ``(kind, line, evidence)``,
    or None. Never raises for an unreadable file (it is only asked to explain an error
    already found)."""
    try:
        with open_text(path) as source:
            seen = 0
            for number, line in enumerate(source.stream, start=1):
                if not line.strip():
                    continue
                seen += 1
                if seen == 1 and (kind := sniff.text_kind(line)) is not None:
                    return kind, number, []
                row = next(csv.reader([line]), [])
                if (found := sniff.csv_kind(row)) is not None:
                    return found[0], number, found[1]
                if seen >= sniff.SEARCH_LINES:
                    break
    except (OSError, UnicodeDecodeError, csv.Error, BadInputError):
        return None
    return None


def explain(path: str | os.PathLike[str], expected: str) -> BadInputError | None:
    """The refusal for ``path`` when its first lines show it is another kind than
    ``expected``; None when they do not tell."""
    found = file_kind(path)
    if found is None or found[0] == expected:
        return None
    kind, line, evidence = found
    return sniff.refuse(kind, expected, os.fspath(path), line, evidence)
