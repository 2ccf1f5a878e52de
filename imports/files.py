"""Reading import files as a stream of rows: CSV of any delimiter and encoding, and XLSX.

IMPORT-9: memory stays flat however large the file. `inspect` reads the whole file once
(hash, encoding, delimiter, header, row count, shape) before anything is written, so a
malformed file is refused with a clear error and leaves nothing behind; `rows` then
streams it again for the import itself.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from core.errors import InvalidInput

BLOCK = 1 << 20
SAMPLE = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
# Zip bombs: an XLSX is a zip archive; its declared sizes are checked before reading, and
# the reader stops if a member inflates beyond what it declared.
XLSX_MAX_UNCOMPRESSED = 2 * 1024**3
XLSX_MAX_RATIO = 200
XLSX_RATIO_FLOOR = 16 * 1024**2
MAX_CELL = 10_000
PROGRESS_ROWS = 10_000

Cell = str | int | float | date | datetime | None


class FileProblem(InvalidInput):
    """The file cannot be imported as a whole; `message` says why (and where)."""

    code = "invalid_file"


@dataclass
class FileInfo:
    format: str  # csv | xlsx
    sha256: str
    size: int
    rows: int  # data rows (after the header), empty ones included
    header: list[str] = field(default_factory=list)
    width: int = 0
    encoding: str = ""
    delimiter: str = ""
    has_header: bool = False
    # Spreadsheet row number of the first data row (the header is row 1).
    first_row: int = 1


def sha256_of(path: Path) -> tuple[str, int, bytes]:
    """(hex digest, size, the first bytes) of a file, read in blocks."""
    digest, size, head = hashlib.sha256(), 0, b""
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            if not head:
                head = block[:SAMPLE]
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size, head


def inspect(
    path: Path, *, header: bool | None = None, progress: Callable[[int], None] | None = None
) -> FileInfo:
    """Read the whole file once and describe it; FileProblem if it cannot be imported.
    `progress` is told the number of rows read every PROGRESS_ROWS rows."""
    digest, size, head = sha256_of(path)
    if size == 0:
        raise FileProblem("the file is empty")
    told = progress or _untold
    if head.startswith(b"PK\x03\x04"):
        info = _inspect_xlsx(path, header, told)
    else:
        info = _inspect_csv(path, head, header, told)
    info.sha256, info.size = digest, size
    return info


def _untold(_rows: int) -> None:
    pass


def rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[Cell]]]:
    """(spreadsheet row number, cells) of every data row, streamed."""
    source = _xlsx_rows(path) if info.format == "xlsx" else _csv_rows(path, info)
    number = 0
    for number, cells in enumerate(source, start=1):
        if info.has_header and number == 1:
            continue
        yield number, cells


# --- CSV -------------------------------------------------------------------------------


def _detect_encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise FileProblem("this is not a text file (it contains NUL bytes): use CSV or XLSX")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if controls > len(head) // 100:
        raise FileProblem("this is not a text file (binary data): use CSV or XLSX")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while block := fh.read(BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # Windows-1252 is what spreadsheet programs write in western Europe; it is Latin-1
        # plus printable characters in 0x80-0x9f. Latin-1 decodes any byte.
        try:
            with path.open("rb") as fh:
                while block := fh.read(BLOCK):
                    block.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
        return "cp1252"
    return "utf-8"


def _detect_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]  # the sample cut the last line
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or max(widths) < 2:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _looks_like_header(cells: list[str]) -> bool:
    return bool(cells) and not any("@" in c for c in cells) and any(c.strip() for c in cells)


def _csv_reader(path: Path, info: FileInfo) -> Iterator[list[str]]:
    with path.open(encoding=info.encoding, newline="") as fh:
        try:
            yield from csv.reader(fh, delimiter=info.delimiter)
        except csv.Error as exc:
            raise FileProblem(f"the file is not valid CSV: {exc}") from None


def _inspect_csv(
    path: Path, head: bytes, header: bool | None, progress: Callable[[int], None]
) -> FileInfo:
    encoding = _detect_encoding(path, head)
    sample = head.decode(encoding, errors="ignore")
    info = FileInfo(format="csv", sha256="", size=0, rows=0, encoding=encoding, delimiter="")
    info.delimiter = _detect_delimiter(sample.lstrip("\ufeff"))
    width = 0
    for number, cells in enumerate(_csv_reader(path, info), start=1):
        if not number % PROGRESS_ROWS:
            progress(number)
        if number == 1:
            info.has_header = _looks_like_header(cells) if header is None else header
            width = len(cells)
            if info.has_header:
                info.header = [c.strip() for c in cells]
                continue
        if not cells:
            info.rows += 1
            continue
        if any(len(c) > MAX_CELL for c in cells):
            raise FileProblem(f"row {number}: a cell is longer than {MAX_CELL} characters")
        extra = any(c.strip() for c in cells[width:])
        if len(cells) < width or extra:
            raise FileProblem(
                f"row {number} has {len(cells)} fields where the first row has {width}: "
                "check the delimiter and quotes"
            )
        info.rows += 1
    info.width = width
    info.first_row = 2 if info.has_header else 1
    return info


def _csv_rows(path: Path, info: FileInfo) -> Iterator[list[Cell]]:
    for cells in _csv_reader(path, info):
        yield list(cells)


# --- XLSX ------------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise FileProblem("the file looks like XLSX but is not a valid zip archive") from None
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > XLSX_RATIO_FLOOR and member.file_size > XLSX_MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise FileProblem(
                "the XLSX file inflates far beyond its size (a zip bomb?): it is not read"
            )
    if total > XLSX_MAX_UNCOMPRESSED:
        raise FileProblem(
            f"the XLSX file would unpack to {total // 1024**2} MB, "
            f"more than {XLSX_MAX_UNCOMPRESSED // 1024**2} MB: export it as CSV"
        )


def _xlsx_rows(path: Path) -> Iterator[list[Cell]]:
    from openpyxl.utils.exceptions import InvalidFileException

    from imports import xlsx

    _check_zip(path)
    try:
        for values in xlsx.rows(path):
            yield [_cell(v) for v in values]
    except (
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        TypeError,
        zipfile.BadZipFile,
    ) as exc:
        raise FileProblem(f"the XLSX file cannot be read: {exc}") from None


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | date | datetime):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value
    return str(value)


def _inspect_xlsx(path: Path, header: bool | None, progress: Callable[[int], None]) -> FileInfo:
    info = FileInfo(format="xlsx", sha256="", size=0, rows=0)
    width = 0
    for number, cells in enumerate(_xlsx_rows(path), start=1):
        if not number % PROGRESS_ROWS:
            progress(number)
        texts = [cell_text(c) for c in cells]
        while texts and not texts[-1]:
            texts.pop()
        if number == 1:
            info.has_header = _looks_like_header(texts) if header is None else header
            width = len(texts)
            if info.has_header:
                info.header = [t.strip() for t in texts]
                continue
        if any(len(t) > MAX_CELL for t in texts):
            raise FileProblem(f"row {number}: a cell is longer than {MAX_CELL} characters")
        width = max(width, len(texts))
        info.rows += 1
    if width == 0:
        raise FileProblem("the first sheet of the XLSX file is empty")
    info.width = width
    info.first_row = 2 if info.has_header else 1
    return info


def cell_text(value: Cell) -> str:
    """A cell as text for the row rules: dates as ISO dates, integral numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
