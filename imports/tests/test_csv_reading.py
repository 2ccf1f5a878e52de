"""Reading CSV files as they are (IMPORT-5, IMPORT-9): the delimiter found through quotes or
given, a row with the wrong number of fields or an oversized cell rejected on its own with
its row and column in the report, and the columns a file without header row leaves out
named with the way to import them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from contacts.models import Contact
from core.errors import InvalidInput
from imports import files, reports, selectors
from imports.rules import MAX_CELL, parse_delimiter
from imports.tests.conftest import draft, run


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def report_rows(job: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(selectors.report_lines(job)))))


# --- the delimiter -------------------------------------------------------------------------

# A comma file whose first data row holds an address over three lines, each with a ";":
# split on line breaks, the semicolon looked like the more regular delimiter.
QUOTED = b'email,first_name,note\nanna@example.com,Anna,"Hof 1; Tor 2\nBonn; NRW\n53111; DE"\n'


def test_import_009_a_quoted_line_break_with_a_semicolon_keeps_the_comma(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, QUOTED)
    info = files.inspect(path)
    assert (info.delimiter, info.width, info.rows) == (",", 3, 1)
    assert list(files.rows(path, info)) == [
        (2, ["anna@example.com", "Anna", "Hof 1; Tor 2\nBonn; NRW\n53111; DE"])
    ]


def test_import_009_the_quoted_multi_line_row_is_imported_whole(verified: Any) -> None:
    job = run(verified, QUOTED)
    assert (job.state, job.created, job.rejected) == ("done", 1, 0)
    anna = Contact.objects.get(address="anna@example.com")
    assert anna.fields == {"note": "Hof 1; Tor 2\nBonn; NRW\n53111; DE"}


def test_import_009_the_delimiter_is_judged_on_whole_records_of_a_cut_sample(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The sample ends inside a quoted field of many lines, each with a ";": that cut
    record is not counted, and its lines are no records of their own."""
    monkeypatch.setattr(files, "SAMPLE", 300)
    note = "Hof 1; Tor 2\n" * 100
    path = write(tmp_path, f'email,note\nanna@example.com,"{note}"\nbert@example.com,B\n'.encode())
    info = files.inspect(path)
    assert (info.delimiter, info.width, info.rows) == (",", 2, 2)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("", ""), ("auto", ""), (",", ","), (";", ";"), ("|", "|"), ("\t", "\t"), ("tab", "\t")],
)
def test_import_009_a_given_delimiter_is_one_of_the_four(given: str, expected: str) -> None:
    assert parse_delimiter(given) == (expected, True)


@pytest.mark.parametrize("given", ["x", ",;", " ", ":", "\\n", "comma and tab"])
def test_import_009_any_other_delimiter_is_refused(given: str) -> None:
    assert parse_delimiter(given) == ("", False)


def test_import_009_a_given_delimiter_wins_over_detection(tmp_path: Path) -> None:
    # Detection takes the semicolon: it makes more fields, as regularly as the comma.
    path = write(tmp_path, b"email,note;x;y\nanna@example.com,a;b;c\nbert@example.com,d;e;f\n")
    assert files.inspect(path).delimiter == ";"
    info = files.inspect(path, delimiter=",")
    assert (info.delimiter, info.header) == (",", ["email", "note;x;y"])


def test_import_009_the_import_keeps_the_given_delimiter(verified: Any) -> None:
    job = draft(verified, "email,note;x;y\nanna@example.com,a;b;c\n", delimiter=",")
    assert (job.delimiter, job.file_info["delimiter"]) == (",", ",")
    detected = draft(verified, "email;first_name\nbert@example.com;Bert\n")
    assert (detected.delimiter, detected.file_info["delimiter"]) == ("", ";")


def test_import_009_a_wrong_delimiter_is_refused_by_name(verified: Any) -> None:
    with pytest.raises(InvalidInput, match="delimiter") as refused:
        draft(verified, "email\nanna@example.com\n", delimiter=":")
    assert refused.value.details == ["delimiter"]


# --- rows that do not fit ------------------------------------------------------------------


def test_import_005_a_ragged_row_is_rejected_and_the_rest_imports(verified: Any) -> None:
    content = (
        "email,first_name,last_name\n"
        "anna@example.com,Anna,Adler\n"
        "bert@example.com,Bert\n"  # one field short
        "carl@example.com,Carl,Czerny,surplus\n"  # one field too many
        "dora@example.com,Dora,Dietz,,\n"  # trailing empty fields are no data
        "emil@example.com,Emil,Engel\n"
    )
    job = run(verified, content)
    assert (job.state, job.rows_total, job.created, job.rejected) == ("done", 5, 3, 2)
    assert job.reasons == {"missing_fields": 1, "extra_fields": 1}
    lines = {int(r["row"]): r for r in report_rows(job)}
    assert len(lines) == 5
    assert (lines[3]["outcome"], lines[3]["reason"], lines[3]["column"]) == (
        "rejected",
        "missing_fields",
        "3 (last_name)",
    )
    assert "fewer fields" in lines[3]["reason_text"]
    assert (lines[4]["reason"], lines[4]["column"]) == ("extra_fields", "4")
    assert lines[4]["address"] == "carl@example.com"
    assert lines[5]["outcome"] == "created"
    assert set(Contact.objects.values_list("address", flat=True)) >= {
        "anna@example.com",
        "dora@example.com",
        "emil@example.com",
    }
    assert not Contact.objects.filter(address__in=["bert@example.com", "carl@example.com"])


def test_import_005_an_oversized_cell_rejects_its_row_only(verified: Any) -> None:
    long = "x" * (MAX_CELL + 1)
    content = f"email,note\nanna@example.com,short\nbert@example.com,{long}\ncarl@example.com,ok\n"
    job = run(verified, content)
    assert (job.state, job.created, job.rejected) == ("done", 2, 1)
    line = next(r for r in report_rows(job) if r["row"] == "3")
    assert (line["reason"], line["column"]) == ("cell_too_long", "2 (note)")
    assert f"{MAX_CELL:,}" in line["reason_text"]


def test_import_009_a_cell_beyond_what_csv_reads_names_its_line(tmp_path: Path) -> None:
    """A field of more than the CSV reader's limit is a quote never closed, as a rule:
    what follows cannot be told apart into rows, so the file is refused with the line."""
    path = write(tmp_path, b'email,note\nanna@example.com,"open\n' + b"x" * 200_000 + b"\n")
    with pytest.raises(files.FileProblem, match=r"line \d+.*quote"):
        files.inspect(path)


def test_import_005_reports_written_before_keep_their_four_fields(verified: Any) -> None:
    """A report line without a column (every line written before) reads as before."""
    job = run(verified, "email\nanna@example.com\ninfo@example.com\n")
    assert list(reports.lines(job)) == [
        (2, "anna@example.com", "created", ""),
        (3, "info@example.com", "rejected", "role_address"),
    ]
    assert Path(job.report_path).read_text().splitlines()[0] == "2,anna@example.com,created,"


# --- a file without header row -------------------------------------------------------------


HEADERLESS = "anna@example.com,Anna,Adler\nbert@example.com,,\ncarl@example.com,Carl,\n"


def test_import_009_a_headerless_file_names_the_columns_it_leaves_out(verified: Any) -> None:
    job = draft(verified, HEADERLESS)
    assert job.file_info["has_header"] is False
    assert selectors.unused_columns(job) == [2, 3]
    notice = selectors.unused_columns_notice(job)
    assert "2 and 3" in notice and "not imported" in notice
    assert "header row" in notice and "first_name" in notice and "first_name=2" in notice


def test_import_009_the_report_notes_the_values_left_out(verified: Any) -> None:
    job = run(verified, HEADERLESS)
    assert (job.created, job.rejected) == (3, 0)
    lines = {int(r["row"]): r for r in report_rows(job)}
    assert (lines[1]["outcome"], lines[1]["reason"], lines[1]["column"]) == (
        "created",
        "columns_not_imported",
        "2, 3",
    )
    assert (lines[2]["reason"], lines[2]["column"]) == ("", "")  # nothing left out
    assert lines[3]["column"] == "2"
    assert "header row" in lines[1]["reason_text"]
    assert job.reasons == {"columns_not_imported": 2}


def test_import_009_mapped_columns_are_not_left_out(verified: Any) -> None:
    job = draft(verified, HEADERLESS, mapping={"first_name": 2, "last_name": "3"})
    assert selectors.unused_columns(job) == []
    assert selectors.unused_columns_notice(job) == ""
    partly = draft(verified, HEADERLESS, mapping={"first_name": 2})
    assert selectors.unused_columns(partly) == [3]
    assert "Column 3 is not imported" in selectors.unused_columns_notice(partly)


def test_import_009_an_unnamed_header_column_is_named_as_left_out(verified: Any) -> None:
    job = draft(verified, "email,,city\nanna@example.com,x,Bonn\n")
    assert selectors.unused_columns(job) == [2]
    assert "no name in the header row" in selectors.unused_columns_notice(job)


def test_import_009_an_existing_contact_keeps_the_note_too(verified: Any) -> None:
    verified.add_contact(verified.alice_account, "anna@example.com", verified.alice_list)
    job = run(verified, HEADERLESS)
    line = next(r for r in report_rows(job) if r["row"] == "1")
    assert (line["outcome"], line["reason"]) == ("unchanged", "columns_not_imported")
