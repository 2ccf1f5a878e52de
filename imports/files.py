"""Reading import files as a stream of rows: CSV of any delimiter and encoding, and XLSX.

IMPORT-9: memory stays flat however large the file. `inspect` reads the whole file once
(hash, encoding, delimiter, header, row count, shape) before anything is written, so a
file that cannot be read is refused with a clear error and leaves nothing behind; `rows`
then streams it again for the import itself. A row that can be read but does not fit (a
field missing or too many, a cell over rules.MAX_CELL) is no reason to refuse the file: the
import rejects that row alone (imports.checking, IMPORT-5).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from core.errors import InvalidInput
from imports.rules import DELIMITERS

BLOCK = 1 << 20
SAMPLE = 64 * 1024
# The delimiter is judged on at most this many records of the sample.
SAMPLE_RECORDS = 50
# Zip bombs: an XLSX is a zip archive; its declared sizes are checked before reading, and
# the reader stops if a member inflates beyond what it declared.
XLSX_MAX_UNCOMPRESSED = 2 * 1024**3
XLSX_MAX_RATIO = 200
XLSX_RATIO_FLOOR = 16 * 1024**2
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
    path: Path,
    *,
    header: bool | None = None,
    delimiter: str = "",
    progress: Callable[[int], None] | None = None,
) -> FileInfo:
    """Read the whole file once and describe it; FileProblem if it cannot be imported.
    A CSV file is split at `delimiter` if given (one of DELIMITERS), else at the one
    found. `progress` is told the number of rows read every PROGRESS_ROWS rows."""
    digest, size, head = sha256_of(path)
    if size == 0:
        raise FileProblem("the file is empty")
    told = progress or _untold
    if head.startswith(b"PK\x03\x04"):
        info = _inspect_xlsx(path, header, told)
    else:
        info = _inspect_csv(path, head, header, told, delimiter=delimiter, cut=size > len(head))
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


def _detect_delimiter(sample: str, *, cut: bool) -> str:
    """The delimiter that splits the most of the sample's records into as many fields (>1)
    as the first record. The sample is read with CSV's quoting rules: a line break or a
    delimiter inside a quoted field is text, not the end of a record or a field. If the
    sample is `cut` from a longer file, its last record may be incomplete and is left out."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = _record_widths(sample, delimiter, cut=cut)
        if not widths or widths[0] < 2:
            continue
        score = (widths.count(widths[0]), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _record_widths(sample: str, delimiter: str, *, cut: bool) -> list[int]:
    """The number of fields of each of the sample's first records that are not empty."""
    widths: list[int] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                widths.append(len(cells))
            if len(widths) > SAMPLE_RECORDS:
                return widths[:SAMPLE_RECORDS]
    except csv.Error:
        return []
    if cut and len(widths) > 1:
        widths.pop()
    return widths


def _looks_like_header(cells: list[str]) -> bool:
    return bool(cells) and not any("@" in c for c in cells) and any(c.strip() for c in cells)


def _csv_reader(path: Path, info: FileInfo) -> Iterator[list[str]]:
    with path.open(encoding=info.encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=info.delimiter)
        try:
            yield from reader
        except csv.Error as exc:
            # What follows cannot be told apart into rows: the file as a whole is refused.
            if "field limit" in str(exc):
                raise FileProblem(
                    f"line {reader.line_num}: a field runs over more than "
                    f"{csv.field_size_limit():,} characters; is a quote not closed?"
                ) from None
            raise FileProblem(f"line {reader.line_num}: the file is not valid CSV: {exc}") from None


def _inspect_csv(
    path: Path,
    head: bytes,
    header: bool | None,
    progress: Callable[[int], None],
    *,
    delimiter: str,
    cut: bool,
) -> FileInfo:
    encoding = _detect_encoding(path, head)
    sample = head.decode(encoding, errors="ignore")
    info = FileInfo(format="csv", sha256="", size=0, rows=0, encoding=encoding, delimiter="")
    info.delimiter = delimiter or _detect_delimiter(sample.lstrip("\ufeff"), cut=cut)
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
        # A row that does not fit the first one is rejected on its own when it is read.
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
        # A cell over MAX_CELL rejects its row alone when it is read (imports.checking).
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
