"""Reading import files (IMPORT-9): encodings, delimiters, headers, mapping, XLSX, bombs."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from contacts.models import Contact
from imports import checking, files
from imports.files import FileProblem
from imports.tests.conftest import run


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_009_utf8_with_bom_and_semicolons(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffE-Mail;Vorname\nanna@example.com;Jürgen\n".encode())
    info = files.inspect(path)
    assert (info.encoding, info.delimiter, info.has_header) == ("utf-8-sig", ";", True)
    assert info.header == ["E-Mail", "Vorname"] and info.rows == 1
    assert list(files.rows(path, info)) == [(2, ["anna@example.com", "Jürgen"])]


def test_import_009_windows_1252_and_latin_1_are_recognised(tmp_path: Path) -> None:
    cp = write(tmp_path, "email\tname\nanna@example.com\tMüller €\n".encode("cp1252"))
    info = files.inspect(cp)
    assert (info.encoding, info.delimiter) == ("cp1252", "\t")
    assert next(files.rows(cp, info))[1] == ["anna@example.com", "Müller €"]
    latin = write(tmp_path, b"email|name\nanna@example.com|Ren\xe9\x81\n", "l.csv")
    info = files.inspect(latin)
    assert (info.encoding, info.delimiter) == ("latin-1", "|")


def test_import_009_a_file_without_header_is_read_from_the_first_row(tmp_path: Path) -> None:
    path = write(tmp_path, b"anna@example.com,Anna\nbert@example.com,Bert\n")
    info = files.inspect(path)
    assert (info.has_header, info.rows, info.first_row) == (False, 2, 1)
    columns = checking.resolve_mapping(info, {"first_name": 2})
    assert columns.roles == {"email": 0, "first_name": 1}


def test_import_009_columns_are_mapped_by_name_or_position(tmp_path: Path) -> None:
    path = write(tmp_path, b"Nr,Mail address,Surname,City\n1,anna@example.com,Schmidt,Bonn\n")
    info = files.inspect(path)
    columns = checking.resolve_mapping(info, {"email": "mail address", "last_name": 3})
    assert columns.roles == {"email": 1, "last_name": 2}
    assert columns.custom == {"Nr": 0, "City": 3}
    with pytest.raises(FileProblem, match="no column named"):
        checking.resolve_mapping(info, {"email": "Mail"})
    with pytest.raises(FileProblem, match="no column 9"):
        checking.resolve_mapping(info, {"email": 9})
    with pytest.raises(FileProblem, match="unknown column roles"):
        checking.resolve_mapping(info, {"colour": 1})


def test_import_009_ragged_rows_are_counted_not_refused(tmp_path: Path) -> None:
    """A row that does not fit the first one is rejected on its own when it is read
    (imports.checking); the file is read through."""
    path = write(tmp_path, b"email,name\na@example.com,A\nb@example.com\nc@example.com,C,x\n")
    info = files.inspect(path)
    assert (info.width, info.rows) == (2, 3)
    ok = write(tmp_path, b"email,name\na@example.com,A,,\n", "ok.csv")
    assert files.inspect(ok).rows == 1


def test_import_009_a_wrong_encoding_or_binary_garbage_is_refused(tmp_path: Path) -> None:
    utf16 = write(tmp_path, "email\nanna@example.com\n".encode("utf-16-le"))
    with pytest.raises(FileProblem, match="not a text file"):
        files.inspect(utf16)
    garbage = write(tmp_path, bytes(range(1, 32)) * 100, "g.csv")
    with pytest.raises(FileProblem, match="not a text file"):
        files.inspect(garbage)


def xlsx(tmp_path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    return path


def test_import_009_xlsx_is_streamed_with_typed_cells(tmp_path: Path) -> None:
    when = date(2026, 11, 2)
    path = xlsx(
        tmp_path,
        [
            ["email", "first name", "last contact", "customer no"],
            ["anna@example.com", "Anna", when, 42],
        ],
    )
    info = files.inspect(path)
    assert (info.format, info.has_header, info.rows) == ("xlsx", True, 1)
    number, cells = next(files.rows(path, info))
    assert number == 2 and files.cell_text(cells[2]) == "2026-11-02"
    assert files.cell_text(cells[3]) == "42"


def test_import_009_an_xlsx_import_end_to_end(verified: Any, tmp_path: Path) -> None:
    recent = timezone.localdate() - timedelta(days=10)
    path = xlsx(
        tmp_path,
        [
            ["email", "first_name", "last_contact", "status"],
            ["anna@example.com", "Anna", recent, "A"],
            ["bert@example.com", "Bert", recent, "a"],
        ],
    )
    job = run(
        verified,
        path.read_bytes(),
        name="kunden.xlsx",
        source="existing_customer",
        product_category="books",
    )
    assert (job.created, job.rejected) == (1, 1)
    assert Contact.objects.get(address="anna@example.com").first_name == "Anna"


def test_import_009_a_zip_bomb_disguised_as_xlsx_is_not_inflated(
    verified: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(files, "XLSX_RATIO_FLOOR", 1024**2)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024**2))
    before = Contact.objects.count()
    with pytest.raises(FileProblem, match="zip bomb"):
        run(verified, bomb.read_bytes(), name="bomb.xlsx")
    assert Contact.objects.count() == before
    monkeypatch.setattr(files, "XLSX_MAX_UNCOMPRESSED", 1024)
    with pytest.raises(FileProblem, match="would unpack"):
        files.inspect(xlsx(tmp_path, [["anna@example.com"]]))
