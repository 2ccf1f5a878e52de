"""The forked reader of an import and the report file (IMPORT-5, IMPORT-9): duplicates
across batches and across a resume, a reader that fails or dies, a batch whose commit
fails after its report lines were written."""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from contacts.models import Contact
from contacts.testing import SYSTEM
from core.errors import InvalidInput
from imports import reader, reports, services
from imports.files import FileProblem
from imports.models import ImportJob
from imports.tests.conftest import dying_on_call, started


def report_of(job: ImportJob) -> dict[int, tuple[str, str]]:
    job.refresh_from_db()
    return {row: (outcome, reason) for row, _a, outcome, reason in reports.lines(job)}


@pytest.fixture
def forked(monkeypatch: Any) -> list[int]:
    """The pids of the reader processes the test's imports fork."""
    pids: list[int] = []
    real_init = reader.Reader.__init__

    def recording(self: reader.Reader, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        pids.append(self.pid)

    monkeypatch.setattr(reader.Reader, "__init__", recording)
    return pids


def all_reaped(pids: list[int]) -> bool:
    """Every one of these children has ended and been waited for."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


def test_import_009_a_duplicate_of_a_committed_row_is_found_after_a_resume(
    verified: Any, monkeypatch: Any, forked: list[int]
) -> None:
    monkeypatch.setattr(services, "BATCH", 3)
    # Row 9 repeats row 2, which the first run commits; the second run starts at row 7.
    addresses = [f"r{i}@example.com" for i in range(10)]
    addresses[8] = "r1@EXAMPLE.com"
    job = started(verified, "".join(f"{a}\n" for a in addresses))
    original = services._apply_batch
    monkeypatch.setattr(services, "_apply_batch", dying_on_call(original, 3))
    failed = services.run_import(job.pk)
    assert (failed.state, failed.rows_done) == ("failed", 6)
    monkeypatch.setattr(services, "_apply_batch", original)
    services.resume_import(failed, actor=SYSTEM, enqueue=False)
    done = services.run_import(job.pk)
    assert done.state == "done", done.error
    lines = report_of(done)
    assert sorted(lines) == list(range(1, 11))
    assert lines[9] == ("rejected", "duplicate_in_file")
    assert (done.created, done.rejected) == (9, 1)
    assert done.reasons == {"duplicate_in_file": 1}
    assert all_reaped(forked)
    assert not list(Path(done.report_path).parent.glob("*.seen"))


def test_import_009_report_lines_of_a_batch_that_did_not_commit_are_written_once(
    verified: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "BATCH", 4)
    job = started(verified, "".join(f"c{i}@crash.example\n" for i in range(10)))
    original = reports.ReportWriter.append
    calls = {"n": 0}

    def lines_then_crash(self: reports.ReportWriter, parsed: Any) -> int:
        size = original(self, parsed)
        calls["n"] += 1
        if calls["n"] == 2:  # the lines are on disk, the transaction rolls back
            raise InvalidInput("the database went away")
        return size

    monkeypatch.setattr(reports.ReportWriter, "append", lines_then_crash)
    failed = services.run_import(job.pk)
    assert (failed.state, failed.rows_done) == ("failed", 4)
    assert Path(failed.report_path).stat().st_size > failed.report_size
    assert sorted(report_of(failed)) == [1, 2, 3, 4]  # only the committed lines count
    monkeypatch.setattr(reports.ReportWriter, "append", original)
    services.resume_import(failed, actor=SYSTEM, enqueue=False)
    done = services.run_import(job.pk)
    assert done.state == "done", done.error
    rows = [row for row, *_ in reports.lines(done)]
    assert rows == list(range(1, 11))
    assert Path(done.report_path).stat().st_size == done.report_size
    assert stat.S_IMODE(Path(done.report_path).stat().st_mode) == 0o600
    assert Contact.objects.filter(address__endswith="@crash.example").count() == 10


def test_import_009_the_summary_counts_equal_the_reports_reasons(verified: Any) -> None:
    content = "ok@example.com\ninfo@example.com\nbroken\nok@example.com\n\nbroken2\n"
    job = started(verified, content)
    done = services.run_import(job.pk)
    counted = Counter(reason for *_, reason in reports.lines(done) if reason)
    assert (
        done.reasons
        == dict(counted)
        == {
            "role_address": 1,
            "invalid_syntax": 2,
            "duplicate_in_file": 1,
            "empty_row": 1,
        }
    )


def test_import_009_a_file_problem_in_the_reader_fails_the_import_with_its_text(
    verified: Any, monkeypatch: Any, forked: list[int]
) -> None:
    monkeypatch.setattr(services, "BATCH", 2)
    job = started(verified, "".join(f"f{i}@example.com\n" for i in range(6)))
    real_rows = services.files.rows

    def rows_then_problem(path: Path, info: Any) -> Any:
        for number, cells in real_rows(path, info):
            if number == 5:
                raise FileProblem("row 5: the cell is not text")
            yield number, cells

    monkeypatch.setattr(services.files, "rows", rows_then_problem)
    failed = services.run_import(job.pk)
    assert failed.state == "failed"
    assert failed.error == "row 5: the cell is not text"
    assert failed.rows_done == 4  # the batches before it stay committed
    assert all_reaped(forked)


def test_import_009_a_reader_that_queries_the_database_is_refused(
    verified: Any, monkeypatch: Any
) -> None:
    job = started(verified, "q@example.com\n")
    real_parse = services.checking.RowChecker.parse

    def parse_and_query(self: Any, number: int, cells: Any) -> Any:
        Contact.objects.count()  # would share the worker's connection
        return real_parse(self, number, cells)

    monkeypatch.setattr(services.checking.RowChecker, "parse", parse_and_query)
    with pytest.raises(reader.ReaderDied, match="must not query the database"):
        services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.state, job.rows_done) == ("failed", 0)
    assert not Contact.objects.filter(address="q@example.com").exists()


def test_import_009_a_reader_that_dies_fails_the_import_and_a_resume_finishes_it(
    verified: Any, monkeypatch: Any, forked: list[int]
) -> None:
    monkeypatch.setattr(services, "BATCH", 2)
    job = started(verified, "".join(f"d{i}@example.com\n" for i in range(7)))
    real_check = reader.check_rows

    def one_batch_then_die(*args: Any, **kwargs: Any) -> Any:
        for number, batch in enumerate(real_check(*args, **kwargs)):
            if number == 1:
                os._exit(9)  # as if killed: no message, the pipe closes
            yield batch

    monkeypatch.setattr(reader, "check_rows", one_batch_then_die)
    with pytest.raises(reader.ReaderDied, match="ended before the file"):
        services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.state, job.rows_done) == ("failed", 2)
    monkeypatch.setattr(reader, "check_rows", real_check)
    services.resume_import(job, actor=SYSTEM, enqueue=False)
    done = services.run_import(job.pk)
    assert (done.state, done.rows_done, done.created) == ("done", 7, 7)
    assert [row for row, *_ in reports.lines(done)] == list(range(1, 8))
    assert all_reaped(forked)


def test_import_009_a_second_worker_on_a_running_import_leaves_it_to_the_first(
    verified: Any,
) -> None:
    job = started(verified, "".join(f"w{i}@example.com\n" for i in range(4)))
    first = reports.ReportWriter(job)  # the worker that runs it holds its report
    try:
        second = services.run_import(job.pk)
        assert (second.state, second.rows_done) == ("running", 0)
        assert not Contact.objects.filter(address="w0@example.com").exists()
    finally:
        first.close()
    services.resume_import(second, actor=SYSTEM, enqueue=False)
    done = services.run_import(job.pk)
    assert (done.state, done.created) == ("done", 4)
    assert [row for row, *_ in reports.lines(done)] == [1, 2, 3, 4]
