"""Contact imports: the only write path (IMPORT-1..9).

An import is made in three steps, each a service: `create_import` stores and inspects the
file (nothing else is written for a file that cannot be imported; a large upload from the
web is inspected by the worker, `check_import`, while its page shows how far it got),
`attest` records each of the two attestations, `start_import` records the
import's evidence and enqueues `run_import`, which streams the file in batches. Each batch
is one transaction: contacts, subscriptions, evidence, report rows and the job's progress
are committed together, so a crash loses at most the batch in flight, and a resumed import
continues after the last committed row without duplicates.
"""

from __future__ import annotations

import gc
import logging
import secrets
import shutil
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.services import clean_tracking_basis
from consent import services as evidence
from consent.models import Wording
from core.actors import Actor
from core.errors import InvalidInput, NotFound, RuleViolation
from imports import batches, checking, files, reader, reports, selectors
from imports.files import FileInfo, FileProblem
from imports.models import ImportJob, ImportState, ReportErasure
from imports.rules import import_refusal, parse_delimiter, sponsors_refusal
from policy.selectors import value as policy_value

if TYPE_CHECKING:
    from django.core.files import File

    from accounts.models import Account
    from contacts.models import Contact, List

logger = logging.getLogger(__name__)

# Rows per batch (one transaction): larger batches commit less often, and each commit
# writes back the index pages the batch changed. At most SQLite's default 32,766
# variables: a batch's lookups are `IN` lists of its rows' hashes.
BATCH = 20_000
ORIGIN = "origin"
CUSTOMER_CONTACT = "customer_contact"
ATTESTATIONS = (ORIGIN, CUSTOMER_CONTACT)
WORDING_KEYS = {ORIGIN: "import:attest-origin", CUSTOMER_CONTACT: "import:attest-customer-contact"}
# Up to these sizes (bytes, by format) an upload is checked in its request, so a mistake
# shows on the form at once (a second or two); a larger file is checked by the worker while
# its page shows how far it got: an Excel sheet of a million rows takes about 20 s.
CHECK_IN_REQUEST = {"csv": 64 * 1024**2, "xlsx": 2 * 1024**2}


def attestation_text(which: str, account: Account) -> str:
    """IMPORT-2: the exact words the user confirms, in the active language."""
    if which == ORIGIN:
        return _(
            "I confirm that the addresses in this file were collected by double opt-in or "
            "another lawful procedure, and that none of them were bought, rented or "
            "obtained from third parties."
        )
    if which == CUSTOMER_CONTACT:
        days = int(policy_value("import.existing_customer_window_days", account))
        return _(
            "I confirm that every contact imported as an existing customer was in touch "
            "with us within the last %(days)s days (6 months), and bought from us."
        ) % {"days": days}
    raise InvalidInput(f"unknown attestation {which!r}")


def current_attestation_wording(which: str, account: Account) -> Wording:
    """The versioned wording of one attestation; a changed text becomes a new version."""
    language = (get_language() or "en")[:2]
    return evidence.publish_wording(
        WORDING_KEYS[which], attestation_text(which, account), language=language
    )


def check_preconditions(account: Account) -> None:
    """IMPORT-1: an active account with a verified sender domain."""
    from domains.models import SenderDomain
    from domains.rules import DomainStatus

    if not account.is_active:
        raise RuleViolation(_("the account is not active yet: it cannot import contacts"))
    if not SenderDomain.objects.filter(account=account, status=DomainStatus.VERIFIED).exists():
        raise RuleViolation(_("the account needs a verified sender domain before it imports"))


def _store(upload: IO[bytes] | File[Any] | Path, name: str) -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    target = folder / f"{secrets.token_hex(16)}{suffix}"
    with target.open("xb") as out:
        if isinstance(upload, Path):
            with upload.open("rb") as src:
                shutil.copyfileobj(src, out, files.BLOCK)
        else:
            shutil.copyfileobj(upload, out, files.BLOCK)
    target.chmod(0o600)
    return target


def _actor_of(label: str) -> Actor:
    kind, _sep, ref = label.partition(":")
    return Actor(kind, ref)


def create_import(
    account: Account,
    lst: List,
    upload: IO[bytes] | File[Any] | Path,
    *,
    file_name: str,
    actor: Actor,
    user: Any = None,
    source: str,
    evidence_ref: str = "",
    sponsors: Iterable[str] = (),
    product_category: str = "",
    mapping: dict[str, str | int] | None = None,
    header: bool | None = None,
    delimiter: str = "",
    overwrite: bool = False,
    reconfirm: bool = False,
    import_untrusted: bool = False,
    check_large_later: bool = False,
    tracking_basis: str | None = None,
) -> ImportJob:
    """Check the preconditions and the declared source, store and inspect the file.

    Refuses (and keeps nothing of the file) when the account may not import, the source is
    forbidden or incomplete, the `delimiter` given is none of rules.DELIMITERS ("" or
    "auto": found in the file), or the file cannot be read as a whole. With
    `check_large_later`, a file larger than CHECK_IN_REQUEST is checked by the worker
    (`check_import`) and the job waits in CHECKING meanwhile. `tracking_basis`: on what
    basis the contacts it creates agreed to tracking (CONSENT-4); None: the account's
    default, "": they are not tracked.
    """
    if lst.account_id != account.pk:
        raise NotFound("no such list")
    check_preconditions(account)
    delimiter, valid = parse_delimiter(delimiter)
    if not valid:
        raise InvalidInput(
            _("the delimiter is one of , ; | or tab (or empty: it is found in the file)"),
            details=["delimiter"],
        )
    sponsor_list = [s.strip() for s in sponsors if s.strip()]
    tracking = clean_tracking_basis(
        account.import_tracking_basis if tracking_basis is None else tracking_basis
    )
    mapping = dict(mapping or {})
    max_sponsors = int(policy_value("import.co_registration_max_sponsors", account))
    refusal = import_refusal(
        source,
        evidence_ref=evidence_ref,
        sponsors=sponsor_list,
        account_names=[account.name, account.slug],
        max_sponsors=max_sponsors,
        product_category=product_category,
        per_row_source="source" in mapping,
    )
    if refusal:
        raise RuleViolation(refusal)
    if sponsor_list and sponsors_refusal(sponsor_list, [account.name, account.slug], max_sponsors):
        raise RuleViolation(
            sponsors_refusal(sponsor_list, [account.name, account.slug], max_sponsors) or ""
        )
    if import_untrusted and not account.own_mail_server:
        raise RuleViolation(
            _("only accounts the operator marked 'own mail server' may import untrusted addresses")
        )
    path = _store(upload, file_name)
    later = check_large_later and path.stat().st_size > CHECK_IN_REQUEST[path.suffix[1:]]
    fields: dict[str, Any]
    if later:
        # What the check will need: the mapping and the header row as asked for.
        fields = {"state": ImportState.CHECKING, "mapping": mapping}
        fields["file_info"] = {"header_row": header}
    else:
        try:
            fields = _checked_fields(*_checked(path, header, mapping, delimiter))
        except Exception:
            path.unlink(missing_ok=True)
            raise
    with transaction.atomic():
        job = ImportJob.objects.create(
            account=account,
            list=lst,
            created_by=user if getattr(user, "pk", None) else None,
            actor=actor.label,
            source=source,
            evidence_ref=evidence_ref[:300],
            sponsors=sponsor_list,
            product_category=product_category[:200],
            tracking_basis=tracking,
            delimiter=delimiter,
            overwrite=overwrite,
            reconfirm=reconfirm,
            import_untrusted=import_untrusted,
            file_name=file_name[:255],
            file_path=str(path),
            report_path=reports.new_report_path(),
            **fields,
        )
        if later:
            check_import_task.enqueue(job.pk)
    return job


def _checked(
    path: Path,
    header: bool | None,
    mapping: dict[str, str | int],
    delimiter: str,
    progress: Callable[[int], None] | None = None,
) -> tuple[FileInfo, checking.Columns]:
    info = files.inspect(path, header=header, delimiter=delimiter, progress=progress)
    return info, checking.resolve_mapping(info, mapping)


def _checked_fields(info: FileInfo, columns: checking.Columns) -> dict[str, Any]:
    return {
        "state": ImportState.DRAFT,
        "mapping": columns.as_json(),
        "file_sha256": info.sha256,
        "file_size": info.size,
        "file_info": info_json(info),
        "rows_total": info.rows,
    }


def check_import(job_id: int) -> ImportJob:
    """The check of a large upload (`create_import(check_large_later=True)`), in the
    worker: the job's `rows_total` counts the rows read so far, then the import waits for
    its attestations. A file that cannot be imported fails the job with the reason and is
    deleted, as the request would have refused it."""
    job = ImportJob.objects.get(pk=job_id)
    if job.state != ImportState.CHECKING:
        return job
    path = Path(job.file_path)

    def progress(rows: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_total=rows)

    try:
        info, columns = _checked(
            path, job.file_info.get("header_row"), dict(job.mapping), job.delimiter, progress
        )
    except Exception as exc:
        ImportJob.objects.filter(pk=job_id, state=ImportState.CHECKING).update(
            state=ImportState.FAILED,
            error=str(getattr(exc, "message", exc))[:2000],
            rows_total=0,
            file_deleted_at=timezone.now(),
            finished_at=timezone.now(),
        )
        path.unlink(missing_ok=True)
        if not isinstance(exc, InvalidInput):  # FileProblem among them
            raise
    else:
        ImportJob.objects.filter(pk=job_id, state=ImportState.CHECKING).update(
            **_checked_fields(info, columns)
        )
    job.refresh_from_db()
    return job


def info_json(info: FileInfo) -> dict[str, Any]:
    return {
        "format": info.format,
        "encoding": info.encoding,
        "delimiter": info.delimiter,
        "has_header": info.has_header,
        "header": info.header,
        "width": info.width,
        "rows": info.rows,
    }


def _info_of(job: ImportJob) -> FileInfo:
    data = job.file_info
    return FileInfo(
        format=data["format"],
        sha256=job.file_sha256,
        size=job.file_size,
        rows=data["rows"],
        header=list(data["header"]),
        width=data["width"],
        encoding=data["encoding"],
        delimiter=data["delimiter"],
        has_header=data["has_header"],
    )


@transaction.atomic
def attest(job: ImportJob, which: str, *, actor: Actor, confirmed: bool) -> ImportJob:
    """IMPORT-2: one explicit attestation, recorded with its wording, user, time and IP."""
    if which not in ATTESTATIONS:
        raise InvalidInput(f"unknown attestation {which!r}")
    if not confirmed:
        raise InvalidInput(_("the import needs this confirmation"))
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    _refuse_unchecked(locked)
    _refuse_expired(locked)
    if locked.state != ImportState.DRAFT:
        raise RuleViolation(_("this import has started already"))
    attr = {ORIGIN: "origin_attested_seq", CUSTOMER_CONTACT: "customer_attested_seq"}[which]
    if getattr(locked, attr) is not None:
        return locked
    wording = current_attestation_wording(which, locked.account)
    rec = evidence.record(
        locked.account,
        "import.attested",
        actor=actor,
        wording=wording,
        payload={"import": locked.pk, "attestation": which, "file_sha256": locked.file_sha256},
    )
    setattr(locked, attr, rec.seq)
    locked.save(update_fields=[attr])
    return locked


@transaction.atomic
def start_import(job: ImportJob, *, actor: Actor, enqueue: bool = True) -> ImportJob:
    """Record the import's evidence record and queue it; both attestations come first."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    _refuse_unchecked(locked)
    _refuse_expired(locked)
    if locked.state != ImportState.DRAFT:
        raise RuleViolation(_("this import has started already"))
    if not locked.attested:
        raise RuleViolation(_("both attestations are needed before the import runs"))
    check_preconditions(locked.account)
    rec = evidence.record(
        locked.account,
        "import.started",
        actor=actor,
        source=locked.file_name,
        payload={
            "import": locked.pk,
            "list": locked.list_id,
            "file_sha256": locked.file_sha256,
            "file_size": locked.file_size,
            "rows": locked.rows_total,
            "source": locked.source,
            "evidence_ref": locked.evidence_ref,
            "sponsors": locked.sponsors,
            "product_category": locked.product_category,
            "attestations": {
                ORIGIN: locked.origin_attested_seq,
                CUSTOMER_CONTACT: locked.customer_attested_seq,
            },
            "options": {
                "overwrite": locked.overwrite,
                "reconfirm": locked.reconfirm,
                "import_untrusted": locked.import_untrusted,
            },
        },
    )
    locked.evidence_seq = rec.seq
    # IMPORT-10: an account under import review waits for the operator's release.
    held = locked.account.import_review
    locked.state = ImportState.HELD if held else ImportState.QUEUED
    locked.save(update_fields=["evidence_seq", "state"])
    if enqueue and not held:
        _enqueue(locked.pk)
    return locked


def _enqueue(job_id: int) -> None:
    # Enqueued in the caller's transaction, as the confirmation mails are: the task row
    # exists exactly when the started import does.
    run_import_task.enqueue(job_id)


@transaction.atomic
def resume_import(job: ImportJob, *, actor: Actor, enqueue: bool = True) -> ImportJob:
    """A failed or interrupted import continues after its last committed batch."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    _refuse_unchecked(locked)
    _refuse_expired(locked)
    if locked.state not in (ImportState.FAILED, ImportState.RUNNING, ImportState.QUEUED):
        raise RuleViolation(_("only a failed or interrupted import can be resumed"))
    locked.state, locked.error = ImportState.QUEUED, ""
    locked.save(update_fields=["state", "error"])
    if enqueue:
        _enqueue(locked.pk)
    return locked


Progress = Callable[[ImportJob], None]


def run_import(job_id: int, *, progress: Progress | None = None) -> ImportJob:
    """Stream the file in batches; each batch commits with the job's progress.

    An error marks the job failed with its text; what was committed stays and a resume
    continues from there.
    """
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("account", "list").get(pk=job_id)
    if not claimed:
        return job
    if connection.vendor == "sqlite":
        # The address-hash indexes take inserts at random places: a larger page cache
        # for this connection (64 MB instead of 2 MB) keeps their pages in memory, and
        # the write-ahead log is copied back into the database every 64 MB of pages
        # instead of every 4 MB, so a page that every batch changes is written back (and
        # synced) far less often. Commits stay as durable as before.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -65536")
            cursor.execute("PRAGMA wal_autocheckpoint = 16384")
    # The objects alive now (the app, its models, this job) live on: the collector no
    # longer walks them on every full collection the batches' short-lived rows set off.
    # A process that froze objects itself (a preforking server) keeps them frozen.
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        # The evidence names the file by its SHA-256: the rows read must be those bytes.
        path = Path(job.file_path)
        if files.sha256_of(path)[0] != job.file_sha256:
            raise FileProblem(_("the stored file changed after it was checked"))
        info = _info_of(job)
        context = checking.Context.for_job(job)
        checker = checking.RowChecker(checking.Columns.from_json(job.mapping), context, info)
        try:
            report = reports.ReportWriter(job)
        except reports.ReportBusy:
            # A resume while the import still runs in another worker: that one goes on.
            logger.warning("import %s runs in another worker already", job.pk)
            return job
        rows_in = reader.Reader(
            checker,
            lambda: files.rows(path, info),
            start=job.rows_done,
            size=BATCH,
            seen_path=Path(job.report_path).with_suffix(".seen"),
        )
        try:
            for parsed in rows_in:
                job = _apply_batch(job, parsed, context, report, start=job.rows_done)
                if progress is not None:
                    progress(job)
        finally:
            rows_in.close()
            report.close()
        job = _finish(job)
    except Exception as exc:
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportState.FAILED, error=str(getattr(exc, "message", exc))[:2000]
        )
        job.refresh_from_db()
        if not isinstance(exc, FileProblem | InvalidInput):
            raise
    finally:
        if not frozen_before:
            gc.unfreeze()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint = 1000")
    if progress is not None:
        progress(job)
    return job


@transaction.atomic
def _apply_batch(
    job: ImportJob,
    batch: list[checking.Parsed],
    context: checking.Context,
    report: reports.ReportWriter,
    *,
    start: int,
) -> ImportJob:
    head = evidence.lock_chain(job.account)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.state != ImportState.RUNNING:
        raise InvalidInput(_("the import was stopped"))
    if locked.rows_done != start:
        # Another worker runs this import too (a resume while the first was alive).
        raise InvalidInput(_("this import is running in another worker"))
    counts = batches.apply(locked, batch, context, record_seq=head.seq + 1)
    # The batch's report lines are on disk before its transaction commits the size.
    locked.report_size = report.append(batch)
    reasons = dict(locked.reasons)
    for code, count in counts.reasons.items():
        reasons[code] = reasons.get(code, 0) + count
    locked.reasons = reasons
    locked.rows_done += len(batch)
    locked.created += counts.created
    locked.updated += counts.updated
    locked.unchanged += counts.unchanged
    locked.rejected += counts.rejected
    locked.save(
        update_fields=[
            "rows_done",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "report_size",
            "reasons",
        ]
    )
    locked.account = job.account
    locked.list = job.list
    return locked


@transaction.atomic
def _finish(job: ImportJob) -> ImportJob:
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    reported = reports.count(locked)
    if reported != locked.rows_total:
        # IMPORT-5: every row of the file has exactly one line in the report.
        raise InvalidInput(f"{reported} rows reported for {locked.rows_total} rows in the file")
    evidence.record(
        job.account,
        "import.finished",
        actor=_actor_of(locked.actor),
        payload={
            "import": locked.pk,
            "file_sha256": locked.file_sha256,
            "import_record": locked.evidence_seq,
            "rows": locked.rows_total,
            "created": locked.created,
            "updated": locked.updated,
            "unchanged": locked.unchanged,
            "rejected": locked.rejected,
        },
    )
    locked.state = ImportState.DONE
    locked.finished_at = timezone.now()
    locked.save(update_fields=["state", "finished_at"])
    # The file is personal data: once every row is in the report it is not kept.
    transaction.on_commit(lambda: Path(locked.file_path).unlink(missing_ok=True))
    return locked


# Retention and erasure of what an import keeps (STATUS-4, PRIVACY-1): the per-row report
# holds the addresses as the file had them, and the file of an import that did not finish
# is kept for its resume.

# A report is rewritten with the erasures made before this long ago: by then every
# erasure with a lower id has committed too, so the job's high-water mark passes none.
ERASURE_SETTLE = timedelta(minutes=5)


def _refuse_unchecked(job: ImportJob) -> None:
    if job.state == ImportState.CHECKING:
        raise RuleViolation(_("the file is still being checked"))
    if job.check_failed:
        raise RuleViolation(_("the file could not be imported: {error}").format(error=job.error))


def _refuse_expired(job: ImportJob) -> None:
    if job.report_deleted_at is not None:
        raise RuleViolation(
            _("the file of this import was deleted at the end of its retention: upload it again")
        )
    if job.file_deleted_at is not None:
        raise RuleViolation(str(FILE_ERASED))


FILE_ERASED = gettext_lazy(
    "the file of this import was deleted: it held the address of a contact erased since it "
    "was uploaded; upload it again"
)


def erase_from_reports(sender: Any, *, contact: Contact, **_: Any) -> None:
    """`contact_erased`: the contact's address is left out of its account's import
    reports from now on, and blanked in their files by `tend_reports`. In the caller's
    transaction, with the erasure itself."""
    if _live_reports().filter(account_id=contact.account_id).exists():
        ReportErasure.objects.create(
            account_id=contact.account_id, address_hash=contact.address_hash
        )


def _live_reports() -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(report_deleted_at__isnull=True).exclude(report_path="")


def tend_reports(*, now: datetime | None = None) -> dict[str, int]:
    """Periodic: blank the addresses of erased contacts in the reports of finished and
    failed imports, delete a failed import's file that holds one of them, delete the
    reports (and unfinished imports' files) past their retention, and forget the erasures
    no report needs any more. Returns how many of each were done."""
    now = now or timezone.now()
    done = {"redacted": 0, "files_deleted": 0, "expired": 0, "erasures_dropped": 0}
    pending = selectors.erasures_after(
        OuterRef("account_id"), OuterRef("report_erased_through"), OuterRef("created_at")
    )
    settled = now - ERASURE_SETTLE
    for job_id in (
        _live_reports()
        .filter(state__in=[ImportState.DONE, ImportState.FAILED])
        .filter(Exists(pending.filter(created_at__lt=settled)))
        .values_list("pk", flat=True)
    ):
        redacted, upload = _redact(job_id, settled, now)
        done["redacted"] += redacted
        if upload:
            # After the commit, as at the end of the retention.
            Path(upload).unlink(missing_ok=True)
            done["files_deleted"] += 1
    ended = _live_reports().annotate(ended=Coalesce("finished_at", "started_at", "created_at"))
    for job in ended.select_related("account").filter(ended__lt=now - timedelta(days=1)):
        days = selectors.retention_days(job.account)
        if job.ended < now - timedelta(days=days):
            expired = _expire(job.pk, days, now)
            if expired is not None:
                # After the commit: until then the job names the files as its own.
                Path(expired.file_path).unlink(missing_ok=True)
                reports.delete(expired)
                done["expired"] += 1
    # An erasure is needed while a report made before it has not had it applied.
    needed = _live_reports().filter(
        account_id=OuterRef("account_id"),
        created_at__lte=OuterRef("created_at"),
        report_erased_through__lt=OuterRef("pk"),
    )
    done["erasures_dropped"], _by_model = ReportErasure.objects.filter(~Exists(needed)).delete()
    return done


@transaction.atomic
def _redact(job_id: int, settled: datetime, now: datetime) -> tuple[int, str]:
    """Apply the settled erasures to one import: (1 if its report was rewritten, the path
    of its uploaded file if that is to be deleted once this commits). A failed import's
    file is kept for a resume only if it holds none of the erased addresses: a resume must
    read the same bytes (their SHA-256 is checked), so the file cannot be rewritten. The
    job's lock keeps a resume out while this runs."""
    locked = ImportJob.objects.select_for_update().get(pk=job_id)
    if (
        locked.state not in (ImportState.DONE, ImportState.FAILED)
        or locked.report_deleted_at is not None
    ):
        return 0, ""
    found = selectors.pending_erasures(locked, made_before=settled)
    if not found:
        return 0, ""
    hidden = set(found.values())
    fields = ["report_erased_through"]
    redacted = 0
    if locked.report_size:
        locked.report_size = reports.redact(locked, hidden)
        fields.append("report_size")
        redacted = 1
    upload = ""
    if (
        locked.state == ImportState.FAILED
        and locked.file_deleted_at is None
        and _file_holds(locked, hidden)
    ):
        locked.file_deleted_at, locked.error = now, str(FILE_ERASED)
        fields += ["file_deleted_at", "error"]
        upload = locked.file_path
    locked.report_erased_through = max(found)
    locked.save(update_fields=fields)
    return redacted, upload


def _file_holds(job: ImportJob, hidden: set[str]) -> bool:
    """Whether the import's uploaded file has a row whose address is one of the `hidden`
    keyed hashes. A file that cannot be read to its end counts as holding one: what it
    holds after the unreadable row is unknown, and a resume would stop there again."""
    path = Path(job.file_path)
    if not path.exists():
        return False
    email = checking.Columns.from_json(job.mapping).roles["email"]
    erased = reports.matcher(hidden)
    try:
        return any(
            erased(files.cell_text(cells[email]) if email < len(cells) else "")
            for _row, cells in files.rows(path, _info_of(job))
        )
    except (FileProblem, ValueError):  # ValueError: text that is not in the file's encoding
        return True


@transaction.atomic
def _expire(job_id: int, days: int, now: datetime) -> ImportJob | None:
    locked = ImportJob.objects.select_for_update().get(pk=job_id)
    if locked.report_deleted_at is not None:
        return None
    locked.report_deleted_at = now
    locked.report_size = 0
    fields = ["report_deleted_at", "report_size"]
    if locked.state != ImportState.DONE:
        # Not resumable any more: a worker still on it stops at its next batch.
        locked.state = ImportState.FAILED
        locked.error = _(
            "the file and the report were deleted %(days)s days after the import ended"
        ) % {"days": days}
        fields += ["state", "error"]
    locked.save(update_fields=fields)
    return locked


# The imports' background tasks, run by `consentry worker` ---------------------------------


@task()
def check_import_task(job_id: int) -> dict[str, Any]:
    """IMPORT-9: read a large upload through for its checks; the job row counts the rows."""
    job = check_import(job_id)
    return {"state": job.state, "rows": job.rows_total}


@task()
def run_import_task(job_id: int) -> dict[str, int]:
    """IMPORT-9: stream one import in batches; the job row carries its progress."""
    job = run_import(job_id)
    return {
        "rows": job.rows_done,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
    }
