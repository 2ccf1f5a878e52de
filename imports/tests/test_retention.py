"""What an import keeps and for how long (STATUS-4, PRIVACY-1): an erased contact's
address leaves every import report, and reports (and the files of imports that never
finished) are deleted at the end of their retention. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from api.tests.conftest import BASE, KeyClient, alice_api  # noqa: F401
from contacts import services as contacts
from contacts.models import Contact
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM
from core.crypto import keyed_hash
from core.errors import InvalidInput, NotFound, RuleViolation
from core.periodic import schedule
from imports import batches, reports, selectors, services
from imports.models import ImportJob, ImportState, ReportErasure
from imports.tests.conftest import draft, dying_on_call, run, started
from policy import services as policy

FILE = "anna@example.com\nbert@example.com\nanna@EXAMPLE.com\ninfo@example.com\n"
ANNA = "anna@example.com"
LATER = timedelta(minutes=10)  # past the erasure's settling time


def downloaded(job: ImportJob) -> list[list[str]]:
    job.refresh_from_db()
    text = "".join(selectors.report_lines(job))
    return [line.split(",")[:4] for line in text.splitlines()[1:]]


def addresses(job: ImportJob) -> list[str]:
    return [address for _row, address, _outcome, _reason in downloaded(job)]


def erase(world: Any, address: str) -> None:
    found = Contact.objects.get(account=world.alice_account, address=address)
    contacts.delete_contact(found, actor=SYSTEM)


def test_privacy_001_an_erased_contacts_address_leaves_the_import_report(verified: Any) -> None:
    job = run(verified, FILE, header=False)
    assert addresses(job) == [
        "anna@example.com",
        "bert@example.com",
        "anna@EXAMPLE.com",
        "info@example.com",
    ]
    erase(verified, "anna@example.com")
    # At once, in every download: both rows with anna's address (as the file wrote them).
    assert addresses(job) == ["", "bert@example.com", "", "info@example.com"]
    assert [outcome for _r, _a, outcome, _x in downloaded(job)] == [
        "created",
        "created",
        "rejected",
        "rejected",
    ]
    assert b"anna@" in Path(job.report_path).read_bytes()
    # The file itself is rewritten by the periodic pass, once the erasure has settled.
    assert services.tend_reports()["redacted"] == 0
    done = services.tend_reports(now=timezone.now() + LATER)
    assert (done["redacted"], done["erasures_dropped"]) == (1, 1)
    text = Path(job.report_path).read_bytes().lower()
    assert b"anna" not in text and b"bert@example.com" in text
    job.refresh_from_db()
    assert job.report_size == Path(job.report_path).stat().st_size
    assert reports.count(job) == job.rows_total == 4
    assert addresses(job) == ["", "bert@example.com", "", "info@example.com"]
    assert not ReportErasure.objects.exists()
    # Nothing left to do: a second pass changes nothing.
    assert services.tend_reports(now=timezone.now() + LATER) == {
        "redacted": 0,
        "files_deleted": 0,
        "expired": 0,
        "erasures_dropped": 0,
    }


def test_privacy_001_an_import_after_the_erasure_reports_what_its_file_holds(
    verified: Any,
) -> None:
    first = run(verified, FILE, header=False)
    erase(verified, "anna@example.com")
    # The same person's address in a new file: that import's report shows it, and the
    # erased contact stays deleted (IMPORT-7).
    second = run(verified, "anna@example.com\n", header=False)
    assert addresses(second) == ["anna@example.com"]
    assert addresses(first)[0] == ""
    services.tend_reports(now=timezone.now() + LATER)
    assert addresses(second) == ["anna@example.com"]
    assert b"anna@" in Path(second.report_path).read_bytes()
    erased = Contact.objects.get(account=verified.alice_account, address_hash=keyed_hash(ANNA))
    assert (erased.status, erased.address) == (Status.DELETED, "")


def test_privacy_001_a_rewrite_that_does_not_commit_loses_no_line(verified: Any) -> None:
    job = run(verified, FILE, header=False)
    erase(verified, "anna@example.com")
    with pytest.raises(InvalidInput), transaction.atomic():
        reports.redact(job, set(selectors.pending_erasures(job).values()))
        raise InvalidInput("the worker died before its commit")
    job.refresh_from_db()
    # The recorded size is the old, larger one: every line of the new file is read.
    assert job.report_size > Path(job.report_path).stat().st_size
    assert reports.count(job) == 4
    assert addresses(job) == ["", "bert@example.com", "", "info@example.com"]
    assert services.tend_reports(now=timezone.now() + LATER)["redacted"] == 1
    job.refresh_from_db()
    assert job.report_size == Path(job.report_path).stat().st_size


def test_privacy_001_reports_are_deleted_after_their_retention(
    verified: Any,
    alice_api: KeyClient,  # noqa: F811
) -> None:
    job = run(verified, FILE, header=False)
    job.refresh_from_db()
    path = Path(job.report_path)
    assert job.finished_at is not None
    ended = job.finished_at
    assert services.tend_reports(now=ended + timedelta(days=29))["expired"] == 0
    assert path.exists()
    assert services.tend_reports(now=ended + timedelta(days=31))["expired"] == 1
    job.refresh_from_db()
    assert not path.exists() and job.report_deleted_at is not None
    assert job.state == ImportState.DONE and (job.created, job.rejected) == (2, 2)
    with pytest.raises(NotFound, match="at the end of its retention"):
        selectors.report_lines(job)
    alice = verified.client_for(verified.alice)
    page = alice.get(f"/a/alice-shop/imports/{job.pk}/").content.decode()
    assert 'id="import-report-deleted"' in page and "report.csv" not in page
    assert alice.get(f"/a/alice-shop/imports/{job.pk}/report.csv").status_code == 404
    response = alice_api.client.get(f"{BASE}/imports/{job.pk}/report")
    assert response.status_code == 404
    assert "retention" in response.json()["message"]


def test_privacy_001_an_account_may_keep_reports_for_a_shorter_time(verified: Any) -> None:
    policy.set_value("import.report_retention_days", "5", account=verified.alice_account)
    job = run(verified, FILE, header=False)
    job.refresh_from_db()
    assert job.finished_at is not None
    page = verified.client_for(verified.alice).get(f"/a/alice-shop/imports/{job.pk}/")
    assert "kept for 5 days" in page.content.decode()
    assert services.tend_reports(now=job.finished_at + timedelta(days=4))["expired"] == 0
    assert services.tend_reports(now=job.finished_at + timedelta(days=6))["expired"] == 1


def test_privacy_001_an_unfinished_imports_file_goes_and_it_cannot_be_resumed(
    verified: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "BATCH", 2)
    job = started(verified, FILE)
    monkeypatch.setattr(batches, "apply", dying_on_call(batches.apply, 2))
    failed = services.run_import(job.pk)
    assert (failed.state, failed.rows_done) == ("failed", 2)
    # A contact the file does not hold: the file stays for a resume.
    erase(verified, "kunde@example.de")
    done = services.tend_reports(now=timezone.now() + LATER)
    assert (done["redacted"], done["files_deleted"]) == (1, 0)
    assert addresses(failed) == ["anna@example.com", "bert@example.com"]
    assert failed.started_at is not None
    upload = Path(failed.file_path)
    assert upload.exists()
    anna = Contact.objects.get(address="anna@example.com")
    Contact.objects.filter(pk=anna.pk).update(created_at=failed.started_at)
    done = services.tend_reports(now=failed.started_at + timedelta(days=31))
    assert (done["expired"], done["erasures_dropped"]) == (1, 0)
    failed.refresh_from_db()
    assert not upload.exists() and not Path(failed.report_path).exists()
    assert failed.state == ImportState.FAILED and "deleted 30 days" in failed.error
    with pytest.raises(RuleViolation, match="upload it again"):
        services.resume_import(failed, actor=SYSTEM, enqueue=False)


@pytest.mark.parametrize(
    ("erased", "blanked"),
    [(ANNA, ["", "bert@example.com"]), ("carla@example.com", [ANNA, "bert@example.com"])],
    ids=["in the rows done", "in the rows not read yet"],
)
def test_status_004_a_failed_imports_file_holding_an_erased_address_is_deleted(
    verified: Any, monkeypatch: Any, client: Any, erased: str, blanked: list[str]
) -> None:
    """A failed import keeps its file for a resume, which must read the same bytes: if the
    file holds the address of a contact erased since, anywhere in it, the file goes at the
    next pass and the import cannot be resumed; its report is blanked as a finished one's."""
    verified.add_contact(verified.alice_account, "carla@example.com")
    monkeypatch.setattr(services, "BATCH", 2)
    job = started(verified, FILE + "carla@example.com\n")
    monkeypatch.setattr(batches, "apply", dying_on_call(batches.apply, 2))
    failed = services.run_import(job.pk)
    assert (failed.state, failed.rows_done) == ("failed", 2)
    upload = Path(failed.file_path)
    erase(verified, erased)
    assert services.tend_reports()["files_deleted"] == 0  # not settled yet
    assert upload.exists()
    done = services.tend_reports(now=timezone.now() + LATER)
    assert (done["redacted"], done["files_deleted"]) == (1, 1)
    failed.refresh_from_db()
    assert not upload.exists()
    assert failed.file_deleted_at is not None and failed.error == str(services.FILE_ERASED)
    report = Path(failed.report_path).read_text()
    assert [line.split(",")[1] for line in report.splitlines()] == blanked
    assert addresses(failed) == blanked
    with pytest.raises(RuleViolation, match="upload it again"):
        services.resume_import(failed, actor=SYSTEM, enqueue=False)
    client.force_login(verified.alice)
    page = client.get(f"/a/alice-shop/imports/{failed.pk}/").content.decode()
    assert "upload it again" in page and "Resume</button>" not in page
    # Nothing more to do for it.
    assert services.tend_reports(now=timezone.now() + LATER)["files_deleted"] == 0


def test_status_004_a_failed_imports_file_that_cannot_be_read_to_its_end_goes_too(
    verified: Any, monkeypatch: Any
) -> None:
    """What a file holds after a row that cannot be read is unknown (here the stored file
    was damaged after the import failed: a NUL byte, then invalid UTF-8): it goes."""
    monkeypatch.setattr(services, "BATCH", 2)
    job = started(verified, FILE)
    monkeypatch.setattr(batches, "apply", dying_on_call(batches.apply, 2))
    failed = services.run_import(job.pk)
    upload = Path(failed.file_path)
    with upload.open("ab") as damaged:
        damaged.write(b"x\x00y\n\xff\xfe\n")
    erase(verified, "kunde@example.de")
    assert services.tend_reports(now=timezone.now() + LATER)["files_deleted"] == 1
    assert not upload.exists()


def test_privacy_001_a_draft_never_attested_is_deleted_too(verified: Any) -> None:
    made = draft(verified, FILE, header=False)
    upload = Path(made.file_path)
    assert upload.exists()
    services.tend_reports(now=made.created_at + timedelta(days=31))
    assert not upload.exists()
    with pytest.raises(RuleViolation, match="upload it again"):
        services.attest(made, services.ORIGIN, actor=SYSTEM, confirmed=True)


def test_privacy_001_no_erasure_is_kept_for_an_account_without_reports(verified: Any) -> None:
    contact = contacts.create_contact(
        verified.alice_account,
        "carla@example.com",
        actor=SYSTEM,
        cause=Cause.USER,
        legal_basis="double_opt_in",
    )
    contacts.delete_contact(contact, actor=SYSTEM)
    assert not ReportErasure.objects.exists()
    run(verified, "dora@example.com\n", header=False)
    erase(verified, "dora@example.com")
    assert ReportErasure.objects.filter(account=verified.alice_account).count() == 1


def test_privacy_001_the_scheduler_tends_the_reports() -> None:
    assert "imports.tend_reports" in {entry.name for entry in schedule()}
