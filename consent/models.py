"""The evidence ledger (CONSENT-2): append-only records, hash-chained per account."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class EvidenceImmutable(Exception):
    """Raised on any attempt to change or delete evidence."""


class EvidenceQuerySet(models.QuerySet["EvidenceRecord"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise EvidenceImmutable("evidence records are never updated")

    def delete(self) -> NoReturn:
        raise EvidenceImmutable("evidence records are never deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise EvidenceImmutable("evidence records are never updated")


class Wording(models.Model):
    """A versioned text shown to a person (consent text, attestation, send checkbox).

    A change never edits a row: it adds the next version, so evidence can point at the
    exact words that were shown.
    """

    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="wordings"
    )
    key = models.CharField(max_length=80)
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=2, default="en")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "key", "language", "version"], name="wording_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version} ({self.language})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise EvidenceImmutable("a wording is never edited: publish a new version")
        super().save(*args, **kwargs)


class EvidenceRecord(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=120)
    source = models.CharField(max_length=300, blank=True)
    wording = models.ForeignKey(Wording, null=True, blank=True, on_delete=models.PROTECT)
    # Facts that are not personal data (cause, statuses, references).
    payload = models.JSONField(default=dict)
    # Personal data (address, IP, user agent, names), sealed with the contact's data key.
    sealed = models.BinaryField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "seq"], name="evidence_unique_seq")
        ]
        indexes = [models.Index(fields=["contact", "seq"], name="evidence_contact_seq")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise EvidenceImmutable("evidence records are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise EvidenceImmutable("evidence records are never deleted")


class ChainHead(models.Model):
    """The last link of an account's chain: appends lock it, verify compares against it
    (so cutting records off the end is detected too)."""

    account = models.OneToOneField("accounts.Account", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"chain head #{self.seq}"


class ContactKey(models.Model):
    """A contact's data key (wrapped with the platform key). Deleting the contact destroys it."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    wrapped = models.BinaryField()

    def __str__(self) -> str:
        return f"key of contact #{self.contact_id}"
