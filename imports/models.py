"""Import jobs and their per-row report (IMPORT-1..9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    # Uploaded and inspected; the attestations are still to be given.
    DRAFT = "draft", _("waiting for the attestations")
    QUEUED = "queued", _("queued")
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
    # {"email": "E-Mail" | 3, "status": ..., ...}: a header name or a 1-based position.
    mapping = models.JSONField(default=dict, blank=True)
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
    error = models.TextField(blank=True)
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
    def attested(self) -> bool:
        return self.origin_attested_seq is not None and self.customer_attested_seq is not None

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.state == ImportState.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)


def address_key_of(address_hash: str) -> int | None:
    """ImportRow.address_key of a keyed hash (hex): its first 15 digits as a number."""
    return int(address_hash[:15], 16) if address_hash else None


class ImportRow(models.Model):
    """One line of the report: every data row of the file has exactly one (IMPORT-5)."""

    # Report rows are written by the million and only by imports.batches, with ids it has
    # just read: the database does not check the job and contact references of each one
    # (a check per row and reference at every commit). Found by (job, row), the unique
    # constraint's index: the job needs no index of its own.
    job = models.ForeignKey(
        ImportJob,
        on_delete=models.CASCADE,
        related_name="rows",
        db_index=False,
        db_constraint=False,
    )
    row = models.PositiveIntegerField()
    address = models.CharField(max_length=320, blank=True)
    # Keyed hash of the normalised address: finds duplicates within the file.
    address_hash = models.CharField(max_length=64, blank=True)
    # Its first 60 bits as a number, indexed: an index entry a fifth of the hash's size,
    # which the random-order inserts of a large import feel most. Lookups compare the
    # full hash of what the key finds (address_key_of).
    address_key = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=9)
    reason = models.CharField(max_length=30, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="import_row_unique")]
        indexes = [models.Index(fields=["job", "address_key"], name="import_row_address_key")]

    def __str__(self) -> str:
        return f"row {self.row}: {self.outcome}"
