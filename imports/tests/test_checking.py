"""A large upload is checked by the worker (IMPORT-9): the job waits in `checking`, its
page counts the rows read, then the steps to confirm follow; a file that cannot be
imported fails the job with the reason and is deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks import default_task_backend

from contacts.models import Contact
from contacts.testing import SYSTEM
from core.errors import RuleViolation
from imports import files, services
from imports.files import FileProblem
from imports.models import ImportJob, ImportState
from imports.tests.conftest import draft

URL = "/a/alice-shop/imports/"
ROWS = 25
CSV = "email;first_name\n" + "".join(f"p{n}@example.com;P{n}\n" for n in range(ROWS))
# The upload maps first_name to a column of that name: this file has none.
MISMAPPED = "email;vorname\nanna@example.com;Anna\nbert@example.com;Bert\n"
RAGGED = "email;first_name\nanna@example.com;Anna\nbert@example.com\n"


@pytest.fixture
def later(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Tasks wait in a queue (as for `consentry worker`), every CSV over 100 bytes is
    large, and the check tells its progress every 10 rows: returns the row counts the
    job showed at each."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setitem(services.CHECK_IN_REQUEST, "csv", 100)
    monkeypatch.setattr(files, "PROGRESS_ROWS", 10)
    shown: list[int] = []
    inspect = files.inspect

    def watched(path: Path, **kwargs: Any) -> files.FileInfo:
        told = kwargs.pop("progress")
        if told is None:  # checked in the request: nothing to show
            return inspect(path, **kwargs)

        def progress(rows: int) -> None:
            told(rows)
            shown.append(ImportJob.objects.get().rows_total)

        return inspect(path, progress=progress, **kwargs)

    monkeypatch.setattr(files, "inspect", watched)
    return shown


def upload(world: Any, content: str) -> ImportJob:
    """An upload of `content` for alice, as the web makes it (a large one checked later)."""
    return draft(world, content, mapping={"first_name": "first_name"}, check_large_later=True)


def test_import_009_a_large_upload_is_checked_by_the_worker(
    verified: Any, later: list[int]
) -> None:
    job = upload(verified, CSV)
    assert (job.state, job.file_sha256, job.rows_total) == (ImportState.CHECKING, "", 0)
    assert Path(job.file_path).exists()
    queued = default_task_backend.results
    assert [(r.task.name, r.args) for r in queued] == [("check_import_task", [job.pk])]
    with pytest.raises(RuleViolation, match="still being checked"):
        services.attest(job, services.ORIGIN, actor=SYSTEM, confirmed=True)

    job = services.check_import(job.pk)
    assert later == [10, 20]  # rows read (the header is row 1), as the page showed them
    assert (job.state, job.rows_total, job.file_info["header"]) == (
        ImportState.DRAFT,
        ROWS,
        ["email", "first_name"],
    )
    assert job.mapping["roles"] == {"email": 0, "first_name": 1}
    assert job.file_sha256 == files.sha256_of(Path(job.file_path))[0]
    assert services.check_import(job.pk).state == ImportState.DRAFT  # a second run: nothing
    for which in services.ATTESTATIONS:
        job = services.attest(job, which, actor=SYSTEM, confirmed=True)
    services.start_import(job, actor=SYSTEM, enqueue=False)
    job = services.run_import(job.pk)
    assert (job.state, job.created) == (ImportState.DONE, ROWS)
    assert Contact.objects.get(address="p7@example.com").first_name == "P7"


def test_import_009_a_large_upload_that_cannot_be_imported_fails_with_the_reason(
    verified: Any, later: list[int]
) -> None:
    job = upload(verified, MISMAPPED + "x" * 100)
    job = services.check_import(job.pk)
    assert job.state == ImportState.FAILED and "no column named 'first_name'" in job.error
    assert job.file_deleted_at is not None and not Path(job.file_path).exists()
    assert job.started_at is None
    assert not Contact.objects.filter(address="anna@example.com").exists()
    for step in (
        lambda: services.attest(job, services.ORIGIN, actor=SYSTEM, confirmed=True),
        lambda: services.resume_import(job, actor=SYSTEM),
    ):
        with pytest.raises(RuleViolation, match="could not be imported: first_name"):
            step()


def test_import_005_a_ragged_row_in_a_large_upload_is_rejected_on_its_own(
    verified: Any, later: list[int]
) -> None:
    """The worker's check passes a row that does not fit; the import rejects it alone."""
    job = services.check_import(upload(verified, RAGGED + "carl@example.com;Carl\n").pk)
    assert (job.state, job.rows_total, job.error) == (ImportState.DRAFT, 3, "")
    for which in services.ATTESTATIONS:
        job = services.attest(job, which, actor=SYSTEM, confirmed=True)
    services.start_import(job, actor=SYSTEM, enqueue=False)
    job = services.run_import(job.pk)
    assert (job.state, job.created, job.rejected) == (ImportState.DONE, 2, 1)
    assert job.reasons == {"missing_fields": 1}


def test_import_009_a_small_upload_is_still_checked_in_its_request(
    verified: Any, later: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(services.CHECK_IN_REQUEST, "csv", 10_000)
    assert upload(verified, CSV).state == ImportState.DRAFT
    with pytest.raises(FileProblem, match="no column named 'first_name'"):
        upload(verified, MISMAPPED)
    assert ImportJob.objects.count() == 1 and not default_task_backend.results


def test_import_the_page_of_a_large_upload_polls_until_the_steps_follow(
    verified: Any, later: list[int]
) -> None:
    alice = verified.client_for(verified.alice)
    data = {
        "file": SimpleUploadedFile("gross.csv", CSV.encode(), "text/csv"),
        "list_id": verified.alice_list.pk,
        "source": "double_opt_in",
        "header": "auto",
    }
    response = alice.post(URL, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.state == ImportState.CHECKING
    page = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "Checking the file" in page and "hx-trigger" in page and "Step 1" not in page
    ImportJob.objects.filter(pk=job.pk).update(rows_total=20)
    partial = alice.get(f"{URL}{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "20 rows read so far" in partial.content.decode()
    assert "hx-trigger" in partial.content.decode()

    services.check_import(job.pk)
    done = alice.get(f"{URL}{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    page = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "Step 1 of 2" in page and f"<dd>{ROWS}</dd>" in page


def test_import_the_page_of_a_large_upload_that_failed_its_check(
    verified: Any, later: list[int]
) -> None:
    alice = verified.client_for(verified.alice)
    job = services.check_import(upload(verified, MISMAPPED + "x" * 100).pk)
    page = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "The file cannot be imported" in page and "no column named" in page
    assert "Resume" not in page and "report.csv" not in page and "hx-trigger" not in page
    assert f'{job.pk}/">r.csv</a>' in alice.get(URL).content.decode()  # listed with the others
