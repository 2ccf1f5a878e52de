"""The streaming XLSX reader (IMPORT-9): the same cells as openpyxl reads, every row
whatever the sheet's dimension says, the shared strings out of memory when the table is
large, and a clear error for a sheet that is not one."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from imports import files, xlsx
from imports.files import FileProblem

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
INLINE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"([^>]*)><is><t>(.*?)</t></is></c>'
)


def book(rows: list[list[Any]], *, epoch: Any = None) -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    return workbook


def saved(path: Path, workbook: openpyxl.Workbook) -> Path:
    workbook.save(path)
    return path


def as_excel_writes_it(
    path: Path, *, dimension: str | None = None, extra_strings: tuple[str, ...] = ()
) -> Path:
    """Rewrite an openpyxl file the way Excel and LibreOffice store text: every text cell
    in a shared-strings table (openpyxl writes them inline). `dimension` replaces the
    sheet's stated size; `extra_strings` are `<si>` items put first in the table, raw."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    table: dict[bytes, int] = {}
    offset = len(extra_strings)

    def shared(match: re.Match[bytes]) -> bytes:
        index = table.setdefault(match.group(4), offset + len(table))
        return b'<c r="%s"%s t="s"%s><v>%d</v></c>' % (
            match.group(1),
            match.group(2),
            match.group(3),
            index,
        )

    sheet = INLINE.sub(shared, parts["xl/worksheets/sheet1.xml"])
    if dimension is not None:
        sheet = re.sub(
            rb'<dimension ref="[^"]*"/>', b'<dimension ref="%s"/>' % dimension.encode(), sheet
        )
    parts["xl/worksheets/sheet1.xml"] = sheet
    items = [*extra_strings, *(f"<si><t>{text.decode()}</t></si>" for text in table)]
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" uniqueCount="{len(items)}">'
        + "".join(items)
        + "</sst>"
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
        "</Types>".encode(),
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdStrings" Type="{STRINGS_REL}" Target="sharedStrings.xml"/>'
        "</Relationships>".encode(),
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def openpyxl_rows(path: Path) -> list[list[Any]]:
    """openpyxl's own full (not read-only) reading, as the reference; its rows are padded
    to the sheet's width, ours end at their last cell."""
    sheet = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        row = list(values)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


TYPED = [
    ["email", "name", "since", "at", "count", "share", "member", "note"],
    [
        "anna@example.com",
        'Änne <&> "Ü"',
        date(2026, 3, 1),
        datetime(2026, 3, 1, 8, 30),
        42,
        0.25,
        True,
    ],
    [
        "bert@example.com",
        "  Bert  ",
        date(1999, 12, 31),
        datetime(1900, 3, 1, 0, 0, 1),
        -7,
        1e-9,
        False,
        "x",
    ],
    [None, None, None, None, None, None, None, "only the last cell"],
    [],
    ["carla@example.com", '=HYPERLINK("x")', time(13, 45), timedelta(days=2, hours=3), 10**15, 3.0],
]


@pytest.mark.parametrize("excel", [False, True], ids=["inline strings", "shared strings"])
def test_import_009_xlsx_cells_are_what_openpyxl_reads(tmp_path: Path, excel: bool) -> None:
    workbook = book(TYPED)
    workbook.active["H2"].number_format = "yyyy-mm-dd"  # a date format on a text cell
    workbook.active["E3"].number_format = "dd.mm.yyyy"  # and on a number: a date then
    path = saved(tmp_path / "typed.xlsx", workbook)
    if excel:
        as_excel_writes_it(path)
    ours = list(xlsx.rows(path))
    assert ours == openpyxl_rows(path)
    assert ours[1][2] == datetime(2026, 3, 1) and ours[2][4] == datetime(1899, 12, 23)
    assert ours[4] == [] and ours[3][:7] == [None] * 7
    assert ours[5][1] is None  # a formula without a cached value: nothing (data_only)


def test_import_009_xlsx_dates_of_the_1904_calendar(tmp_path: Path) -> None:
    path = saved(
        tmp_path / "mac.xlsx",
        book([["email", "since"], ["a@example.com", date(2026, 3, 1)]], epoch=CALENDAR_MAC_1904),
    )
    assert list(xlsx.rows(path)) == openpyxl_rows(path)
    assert list(xlsx.rows(path))[1][1] == datetime(2026, 3, 1)


def test_import_009_shared_strings_with_runs_phonetics_and_escapes(tmp_path: Path) -> None:
    path = saved(tmp_path / "rich.xlsx", book([["plain"], ["x"]]))
    as_excel_writes_it(
        path,
        extra_strings=(
            "<si><r><rPr><b/></rPr><t>Fett</t></r>"
            '<r><t xml:space="preserve"> und dünn</t></r></si>',
            '<si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh></si>',
            "<si><t>a_x005F_b</t></si>",
        ),
    )
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>",
        b'<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c>'
        b'<c r="C3" t="s"><v>2</v></c></row></sheetData>',
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    ours = list(xlsx.rows(path))
    assert ours == openpyxl_rows(path)
    assert ours[2] == ["Fett und dünn", "山田", "a_b"]  # _x005F_ is an escaped "_"


def test_import_009_every_row_is_read_whatever_the_dimension_says(tmp_path: Path) -> None:
    """Some programs state `A1` as the sheet's size; openpyxl's read-only mode, which the
    import used, then gave the header's first cell and dropped every other row."""
    rows = [["email", "name"], *([f"p{n}@example.com", f"P{n}"] for n in range(5))]
    for stated in ("A1", "A1:B3"):
        path = as_excel_writes_it(
            saved(tmp_path / f"dim-{stated[-1]}.xlsx", book(rows)), dimension=stated
        )
        info = files.inspect(path)
        assert (info.rows, info.width, info.header) == (5, 2, ["email", "name"])
        assert [cells for _n, cells in files.rows(path, info)] == rows[1:]


def test_import_009_missing_rows_keep_the_spreadsheet_row_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "email", "name"
    sheet["A4"], sheet["C4"] = "anna@example.com", "extra"
    sheet["B7"] = "Bert"
    path = saved(tmp_path / "gaps.xlsx", workbook)
    info = files.inspect(path)
    assert info.rows == 6 and info.width == 3
    numbered = list(files.rows(path, info))
    assert numbered[2] == (4, ["anna@example.com", None, "extra"])
    assert numbered[5] == (7, [None, "Bert"])
    assert [cells for _n, cells in numbered] == openpyxl_rows(path)[1:]


def test_import_009_a_large_shared_string_table_is_kept_on_disk() -> None:
    texts = [f"kunde{n}@example.com" for n in range(3 * xlsx.STRING_BLOCK + 5)]
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in texts)
    xml = f'<sst xmlns="{MAIN}">{items}</sst>'.encode()
    small = xlsx.SharedStrings(io.BytesIO(xml), len(xml))
    large = xlsx.SharedStrings(io.BytesIO(xml), len(xml), in_memory=len(xml) - 1)
    try:
        assert not small.on_disk and large.on_disk
        assert len(large) == len(small) == len(texts)
        # Back and forth across the blocks it reads back, more of them than it keeps.
        order = [*range(0, len(texts), 997), len(texts) - 1, 0, xlsx.STRING_BLOCK, 5]
        for index in order * 2:
            assert large[index] == small[index] == texts[index]
        with pytest.raises(xlsx.SheetError, match="shared string 12293, of 12293"):
            large[len(texts)]
        with pytest.raises(xlsx.SheetError):
            small[-1]
    finally:
        large.close()


def test_import_009_a_sheet_with_its_strings_on_disk_reads_the_same(tmp_path: Path) -> None:
    rows = [["email", "city"], *([f"p{n}@example.com", "Köln"] for n in range(9000))]
    path = as_excel_writes_it(saved(tmp_path / "big.xlsx", book(rows)))
    assert list(xlsx.rows(path, in_memory=0)) == list(xlsx.rows(path)) == rows


def sheet_with(tmp_path: Path, sheet_data: str) -> Path:
    path = saved(tmp_path / "odd.xlsx", book([["email"]]))
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = re.sub(
        rb"<sheetData>.*</sheetData>",
        f"<sheetData>{sheet_data}</sheetData>".encode(),
        parts["xl/worksheets/sheet1.xml"],
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("sheet_data", "message"),
    [
        (
            '<row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>2</v></c></row>',
            "row 1 comes after row 2",
        ),
        ('<row r="1"><c r="A1" t="s"><v>3</v></c></row>', "shared string 3, of 0"),
        ('<row r="1"><c r="A1"><v>12abc</v></c></row>', "cell A1"),
        ('<row r="1"><c r="1A"><v>1</v></c></row>', "not the column"),
        ('<row r="x"></row>', "'x' is not a row number"),
        ('<row r="1"><c r="A1"><v>1</v></row>', "the XML is damaged"),
        (
            '<row r="1"><c r="A1" t="str"><v>' + "x" * (xlsx.MAX_TEXT + 1) + "</v></c></row>",
            "row 1: a cell is longer than 1,000,000 characters",
        ),
    ],
    ids=[
        "rows out of order",
        "no such string",
        "not a number",
        "bad reference",
        "bad row number",
        "damaged xml",
        "huge cell",
    ],
)
def test_import_009_a_sheet_that_is_not_one_is_refused_clearly(
    tmp_path: Path, sheet_data: str, message: str
) -> None:
    path = sheet_with(tmp_path, sheet_data)
    with pytest.raises(FileProblem, match=re.escape(message)):
        files.inspect(path)


def test_import_009_xml_with_a_document_type_is_refused(tmp_path: Path) -> None:
    path = as_excel_writes_it(saved(tmp_path / "entities.xlsx", book([["email"], ["x"]])))
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    laughs = '<!DOCTYPE sst [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    parts["xl/sharedStrings.xml"] = (
        parts["xl/sharedStrings.xml"]
        .replace(b"<sst ", laughs.encode() + b"<sst ", 1)
        .replace(b"<t>x</t>", b"<t>&b;</t>")
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(FileProblem, match="declares a document type"):
        files.inspect(path)


def test_import_009_a_file_libreoffice_wrote_reads_as_openpyxl_reads_it() -> None:
    """files/libreoffice.xlsx was written by LibreOffice Calc 7.4 (`soffice --headless
    --infilter=CSV:44,34,76,1,,1031 --convert-to xlsx`, German locale) from a CSV of five
    contacts: shared strings, styles of its own, dates, formulas with their values."""
    path = Path(__file__).parent / "files" / "libreoffice.xlsx"
    for in_memory in (xlsx.STRINGS_IN_MEMORY, 0):
        ours = list(xlsx.rows(path, in_memory=in_memory))
        assert ours == openpyxl_rows(path)
    assert ours[1][:5] == ["anna@example.de", "Änne", "Groß", datetime(2026, 11, 2), 10001]
    assert ours[1][7] == 3  # =1+2, its cached value
    assert ours[3] == []
    assert ours[5][4] == 7 and ours[5][7] == "x"  # "007" read as a number; a link's text
    info = files.inspect(path)
    assert (info.rows, info.width, info.header[0]) == (5, 8, "E-Mail")
