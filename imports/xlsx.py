"""The first sheet of an XLSX file as a stream of rows, in flat memory (IMPORT-9).

openpyxl's read-only mode, which the import used before, has two faults for a large
import: it holds the whole shared-strings table in memory (Excel and LibreOffice put every
text cell there, so a million-row sheet of addresses and names is a list of millions of
strings), and it trusts the sheet's `<dimension>` element, which some programs write
wrong: with `A1` there, it yields one row of one cell and drops the rest without a word.

Here openpyxl still reads the workbook's small parts (which sheet comes first, the date
system, which cell styles are dates), and the two large ones are streamed with expat:
the shared strings into `SharedStrings` (a list while the table is small, else a
temporary SQLite file read back in blocks), and the sheet's rows as they come, placed by
their own row and column references. A missing row is an empty row, so a row keeps its
spreadsheet number. Cell values follow openpyxl's (`data_only`: a formula's cached
value): text, int or float, bool, date, datetime, time or timedelta.
"""

from __future__ import annotations

import sqlite3
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS

BLOCK = 1 << 16
# A shared-strings part up to this size (uncompressed XML) is read into a list (about
# twice its size in memory); a larger one goes into a temporary SQLite file.
STRINGS_IN_MEMORY = 8 * 1024**2
# Strings read back from the file per block, and blocks kept (about 5 MB at most).
STRING_BLOCK = 4096
BLOCKS_KEPT = 16
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
# A text read for one cell or shared string: beyond this the file is refused, so that a
# huge cell cannot fill the memory (the import's own limit per cell is far lower).
MAX_TEXT = 1_000_000


class SheetError(ValueError):
    """The sheet's XML is not what an XLSX file holds; the text says where."""


class SharedStrings:
    """The shared-strings table, looked up by index."""

    def __init__(
        self, source: Any | None, size: int, *, in_memory: int = STRINGS_IN_MEMORY
    ) -> None:
        """Read the table from `source` (a binary stream of `size` bytes of XML; None for
        a workbook without one)."""
        self.length = 0
        self._list: list[str] | None = [] if size <= in_memory else None
        self._db: sqlite3.Connection | None = None
        self._blocks: OrderedDict[int, list[str]] = OrderedDict()
        pending: list[tuple[int, str]] = []
        if self._list is None:
            # An empty name: a private database on disk, deleted when it is closed.
            self._db = sqlite3.connect("")
            self._db.execute("CREATE TABLE s (i INTEGER PRIMARY KEY, t TEXT NOT NULL)")

        def add(text: str) -> None:
            # As openpyxl's table does: the escape of a literal underscore is removed.
            text = text.replace("x005F_", "")
            if self._list is not None:
                self._list.append(text)
            else:
                pending.append((self.length, text))
                if len(pending) >= STRING_BLOCK:
                    self._store(pending)
            self.length += 1

        for _nothing in _parse(source, _StringsHandler(add)) if source is not None else ():
            pass  # the handler adds each string as it ends
        if pending:
            self._store(pending)

    def _store(self, pending: list[tuple[int, str]]) -> None:
        assert self._db is not None
        self._db.executemany("INSERT INTO s VALUES (?, ?)", pending)
        pending.clear()

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self.length:
            raise SheetError(f"a cell refers to shared string {index}, of {self.length}")
        if self._list is not None:
            return self._list[index]
        number, at = divmod(index, STRING_BLOCK)
        block = self._blocks.get(number)
        if block is None:
            assert self._db is not None
            start = number * STRING_BLOCK
            block = [
                text
                for (text,) in self._db.execute(
                    "SELECT t FROM s WHERE i >= ? AND i < ? ORDER BY i",
                    (start, start + STRING_BLOCK),
                )
            ]
            self._blocks[number] = block
            if len(self._blocks) > BLOCKS_KEPT:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(number)
        return block[at]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class _Book(ExcelReader):
    """openpyxl's reader of the workbook's small parts. It finds the shared strings and
    the worksheets but reads neither: its table would hold every string in memory, and
    its read-only sheet reads the whole sheet once for its size if the sheet does not
    state it."""

    def read_strings(self) -> None:
        found = self.package.find(SHARED_STRINGS)
        self.strings_part = found.PartName[1:] if found is not None else None
        self.shared_strings: list[str] = []

    def read_worksheets(self) -> None:
        # The worksheets in the workbook's order, as openpyxl lists them (no chart sheets).
        self.sheet_parts = [
            rel.target
            for _sheet, rel in self.parser.find_sheets()
            if rel.target in self.valid_files and "chartsheet" not in rel.Type
        ]


def rows(path: Path, *, in_memory: int = STRINGS_IN_MEMORY) -> Iterator[list[Any]]:
    """The first worksheet's rows from row 1, each a list of cell values up to its last
    cell (None where a cell is missing; an empty list for an empty row). Raises
    SheetError, or the error of openpyxl or zipfile, for a file that cannot be read."""
    book = _Book(str(path), read_only=True, data_only=True, keep_links=False)
    try:
        book.read()
        workbook = book.wb
        if not book.sheet_parts:
            raise SheetError("the workbook has no worksheet")
        sheet_part = book.sheet_parts[0]
        archive: zipfile.ZipFile = book.archive
        if book.strings_part is None:
            strings = SharedStrings(None, 0)
        else:
            with archive.open(book.strings_part) as source:
                size = archive.getinfo(book.strings_part).file_size
                strings = SharedStrings(source, size, in_memory=in_memory)
        try:
            handler = _SheetHandler(
                strings,
                epoch=workbook.epoch,
                dates=set(workbook._date_formats),
                durations=set(workbook._timedelta_formats),
            )
            with archive.open(sheet_part) as source:
                yield from _parse(source, handler)
        finally:
            strings.close()
    finally:
        book.archive.close()


class _Names(dict[str, str]):
    """Element names as expat gives them with namespace processing ("namespace local")
    to their local part: only that matters, whichever prefix the file uses."""

    def __missing__(self, name: str) -> str:
        local = self[name] = name.rpartition(" ")[2]
        return local


def _refuse_doctype(*_: object) -> None:
    # The parts of an XLSX file have no document type; one with its own entities is an
    # attempt to make the parser expand them.
    raise SheetError("the XML declares a document type, which an XLSX file has not")


def _parse(source: Any, handler: _StringsHandler | _SheetHandler) -> Iterator[list[Any]]:
    """Feed the XML to expat block by block; yield what the handler finished each time."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.buffer_text = True
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    done = handler.done
    try:
        while block := source.read(BLOCK):
            parser.Parse(block, False)
            if done:
                yield from done
                done.clear()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SheetError(f"the XML is damaged: {exc}") from None
    yield from done
    done.clear()


class _StringsHandler:
    """`<si>` items: the text of its `<t>` and of each run's `<t>`; phonetic runs
    (`<rPh>`) are not part of the text."""

    def __init__(self, add: Callable[[str], None]) -> None:
        self.add = add
        self.names = _Names()
        self.done: list[list[Any]] = []
        self.parts: list[str] | None = None
        self.collect = False
        self.phonetic = 0
        self.size = 0

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        local = self.names[name]
        if local == "si":
            self.parts = []
            self.size = 0
        elif local == "rPh":
            self.phonetic += 1
        elif local == "t" and self.parts is not None and not self.phonetic:
            self.collect = True

    def end(self, name: str) -> None:
        local = self.names[name]
        if local == "t":
            self.collect = False
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "si" and self.parts is not None:
            self.add("".join(self.parts))
            self.parts = None

    def text(self, data: str) -> None:
        if self.collect and self.parts is not None:
            self.parts.append(data)
            self.size += len(data)
            if self.size > MAX_TEXT:
                raise SheetError(f"a shared string is longer than {MAX_TEXT:,} characters")


DIGITS = "0123456789"


class _Columns(dict[str, int]):
    """The letters of a cell reference ("AB" of "AB12") to its 1-based column."""

    def __missing__(self, letters: str) -> int:
        number = 0
        for char in letters:
            if not "A" <= char <= "Z":
                raise SheetError(f"{letters!r} is not the column of a cell reference")
            number = number * 26 + ord(char) - 64
        if not 1 <= number <= MAX_COLUMN:
            raise SheetError(f"{letters!r} is not the column of a cell reference")
        self[letters] = number
        return number


def _number(text: str) -> int | float:
    # As openpyxl casts: a decimal point or an exponent makes a float.
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class _SheetHandler:
    """`<row>` and `<c>` elements of `<sheetData>`, one finished row at a time."""

    def __init__(
        self,
        strings: SharedStrings,
        *,
        epoch: Any,
        dates: set[int],
        durations: set[int],
    ) -> None:
        self.strings, self.epoch, self.dates, self.durations = strings, epoch, dates, durations
        self.names = _Names()
        self.columns = _Columns()
        self.done: list[list[Any]] = []
        self.in_data = False
        self.row_number = 0  # the last row yielded
        self.cells: dict[int, Any] | None = None
        self.column = 0
        # The cell being read.
        self.kind = "n"
        self.style = 0
        self.reference = ""
        self.parts: list[str] = []
        self.collect = False
        self.inline: list[str] | None = None
        self.phonetic = 0
        self.size = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = self.names[name]
        if not self.in_data:
            self.in_data = local == "sheetData"
        elif local == "c":
            if self.cells is None:
                raise SheetError(f"a cell outside a row, after row {self.row_number}")
            self.kind = attrs.get("t", "n")
            style = attrs.get("s")
            self.style = int(style) if style else 0
            self.reference = attrs.get("r", "")
            self.column = (
                self.columns[self.reference.rstrip(DIGITS)] if self.reference else self.column + 1
            )
            self.parts = []
            self.inline = None
            self.size = 0
        elif local == "v":
            self.collect = self.kind != "inlineStr"
        elif local == "row":
            self._start_row(attrs.get("r"))
        elif local == "is":
            self.inline = []
        elif local == "rPh":
            self.phonetic += 1
        elif local == "t" and self.inline is not None and not self.phonetic:
            self.collect = True

    def end(self, name: str) -> None:
        if not self.in_data:
            return
        local = self.names[name]
        if local == "c":
            self.collect = False
            value = self._value()
            if value is not None:
                self.cells[self.column] = value  # type: ignore[index]
        elif local in ("v", "t"):
            self.collect = False
        elif local == "row":
            cells = self.cells
            assert cells is not None
            row = [None] * max(cells, default=0)
            for column, value in cells.items():
                row[column - 1] = value
            self.done.append(row)
            self.cells = None
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "sheetData":
            self.in_data = False

    def text(self, data: str) -> None:
        if self.collect:
            (self.parts if self.inline is None else self.inline).append(data)
            self.size += len(data)
            if self.size > MAX_TEXT:
                raise SheetError(
                    f"row {self.row_number}: a cell is longer than {MAX_TEXT:,} characters"
                )

    def _start_row(self, reference: str | None) -> None:
        if reference is None:
            number = self.row_number + 1
        else:
            try:
                value = float(reference)
            except ValueError:
                value = 0.5
            if not value.is_integer():
                raise SheetError(f"{reference!r} is not a row number")
            number = int(value)
        if number <= self.row_number or number > MAX_ROW:
            raise SheetError(f"row {number} comes after row {self.row_number}: rows out of order")
        # A missing row is an empty one: the rows keep their spreadsheet numbers.
        self.done.extend([] for _ in range(number - self.row_number - 1))
        self.row_number = number
        self.cells = {}
        self.column = 0

    def _value(self) -> Any:
        kind = self.kind
        if kind == "inlineStr":
            return None if self.inline is None else "".join(self.inline)
        text = "".join(self.parts)
        if not text:
            return None
        try:
            if kind == "n":
                number = _number(text)
                if self.style in self.dates:
                    try:
                        return from_excel(
                            number, self.epoch, timedelta=self.style in self.durations
                        )
                    except (OverflowError, ValueError):
                        return "#VALUE!"  # a date outside the calendar, as openpyxl gives it
                return number
            if kind == "s":
                return self.strings[int(text)]
            if kind == "b":
                return bool(int(text))
            if kind == "d":
                return from_ISO8601(text)
        except ValueError as exc:
            raise SheetError(f"cell {self.reference or self.column}: {exc}") from None
        return text  # "str" (a formula's text), "e" (an error such as #N/A)
