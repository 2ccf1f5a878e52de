"""Import jobs and their per-row report (IMPORT-1..9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    # Uploaded; a large file is read through for its checks by the worker.
    CHECKING = "checking", _("checking the file")
    # Uploaded and inspected; the attestations are still to be given.
    DRAFT = "draft", _("waiting for the attestations")
    QUEUED = "queued", _("queued")
    # IMPORT-10: attested and started, waiting for the operator's release; no row written.
    HELD = "held", _("waiting for the operator's review")
    # IMPORT-10: the operator refused it; no row was written, the reason is on the job.
    REFUSED = "refused", _("refused by the operator")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


def no_sponsors() -> list[str]:
    # A named function: inside ImportJob the name `list` is its list field.
    return []


class ImportJob(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    list = models.ForeignKey("contacts.List", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.CharField(max_length=120)
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.DRAFT)
    # The declared source (IMPORT-3) and what it needs.
    source = models.CharField(max_length=30)
    evidence_ref = models.CharField(max_length=300, blank=True)
    sponsors = models.JSONField(default=no_sponsors, blank=True)
    product_category = models.CharField(max_length=200, blank=True)
    # CONSENT-4: the stated basis of the tracking consent of the contacts this import
    # creates (from the account's default or the import); empty: they are not tracked.
    tracking_basis = models.CharField(max_length=500, blank=True, default="", db_default="")
    # {"email": "E-Mail" | 3, "status": ..., ...}: a header name or a 1-based position.
    mapping = models.JSONField(default=dict, blank=True)
    # IMPORT-9: the CSV delimiter as given (one of imports.rules.DELIMITERS); empty: it is
    # found in the file. `file_info` holds the one the file was read with.
    delimiter = models.CharField(max_length=1, blank=True)
    overwrite = models.BooleanField(default=False)
    reconfirm = models.BooleanField(default=False)
    import_untrusted = models.BooleanField(default=False)
    # The file, kept under VAR_DIR until the import is done.
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveBigIntegerField(default=0)
    file_info = models.JSONField(default=dict, blank=True)
    # IMPORT-2: the two attestations, each an evidence record.
    origin_attested_seq = models.PositiveBigIntegerField(null=True, blank=True)
    customer_attested_seq = models.PositiveBigIntegerField(null=True, blank=True)
    evidence_seq = models.PositiveBigIntegerField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    # Rows written so far: a resumed import continues after the last committed batch.
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # IMPORT-5: the per-row report, a CSV file of its own (imports.reports), and how many
    # of its bytes are committed; rejections and notes counted by reason code.
    report_path = models.CharField(max_length=500, blank=True)
    report_size = models.PositiveBigIntegerField(default=0)
    reasons = models.JSONField(default=dict, blank=True)
    # STATUS-4/PRIVACY-1: the highest ReportErasure applied to the report file (the
    # addresses of contacts erased since are blanked in it), and when the report (and the
    # file of an import that never finished) was deleted at the end of its retention.
    report_erased_through = models.PositiveBigIntegerField(default=0)
    report_deleted_at = models.DateTimeField(null=True, blank=True)
    # STATUS-4: when the file of a failed import was deleted because it held the address of
    # a contact erased since; it cannot be resumed then.
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # IMPORT-10: the operator's release or refusal of a held import, and why (the account
    # reads it).
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        indexes = [models.Index(fields=["account", "created_at"], name="import_account_time")]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.state})"

    @property
    def ref(self) -> str:
        return f"import:{self.pk}"

    @property
    def check_failed(self) -> bool:
        """A large upload's check by the worker refused the file: it was never read."""
        return self.state == ImportState.FAILED and not self.file_sha256

    @property
    def attested(self) -> bool:
        return self.origin_attested_seq is not None and self.customer_attested_seq is not None

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.state == ImportState.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class ReportErasure(models.Model):
    """A contact erased (STATUS-4) in an account whose import reports may still hold its
    address: the keyed hash of the address, whose report lines are blanked. Kept while
    a report written before it exists (imports.services.tend_reports)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    address_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("erasure in import reports")
        indexes = [models.Index(fields=["account", "id"], name="report_erasure_account")]

    def __str__(self) -> str:
        return f"report erasure #{self.pk}"
