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


def no_fields() -> list[dict[str, object]]:
    # A named function: inside SignupForm the name `list` is its list field.
    return []


class SignupForm(models.Model):
    """A hosted signup page and embeddable form for one list (FORM-1); double opt-in only."""

    class Language(models.TextChoices):
        LIST = "list", "the list's language"
        BROWSER = "browser", "the visitor's browser language"

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    list = models.ForeignKey("contacts.List", on_delete=models.PROTECT, related_name="forms")
    # Public handle in URLs: reveals neither the account nor the number of forms.
    public_id = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=200)
    ask_name = models.BooleanField(default=True)
    # [{"name": "city", "label": "City", "required": false}, ...]
    custom_fields = models.JSONField(default=no_fields, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.LIST)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def wording_key(self) -> str:
        return f"form:{self.pk}:consent"


class Confirmation(models.Model):
    """One double opt-in: the pending subscription it confirms, and the mail that asks.

    The token in the link names this row, never the address (FORM-2).
    """

    class State(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        EXPIRED = "expired"

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    form = models.ForeignKey(SignupForm, null=True, on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(
        "contacts.Subscription", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    wording = models.ForeignKey(Wording, null=True, on_delete=models.PROTECT)
    language = models.CharField(max_length=2)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # True when this signup created the contact: an expiry then erases it again.
    created_contact = models.BooleanField(default=False)
    message_id = models.CharField(max_length=250)
    # What the person entered, sealed: needed to send the mail and, for a deleted contact,
    # to restore its data on confirmation. Cleared when the confirmation ends.
    sealed_entry = models.BinaryField(null=True)
    # The confirmation mail, sealed until it is handed over (it names the address).
    sealed_mail = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)
    send_error = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "expires_at"], name="confirmation_state_expiry"),
            models.Index(fields=["contact", "created_at"], name="confirmation_contact_time"),
            # The account dashboard's signups and confirmations of the last 90 days.
            models.Index(fields=["account", "created_at"], name="confirmation_account_time"),
        ]

    def __str__(self) -> str:
        return f"confirmation #{self.pk} ({self.state})"


class SignupAttempt(models.Model):
    """Every form submission with its outcome: the rate limits count these, refusals are
    logged with their reason (FORM-3). Only keyed hashes of IP and address are kept."""

    form = models.ForeignKey(SignupForm, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_hash = models.CharField(max_length=64, db_index=True)
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    outcome = models.CharField(max_length=10)  # accepted | refused
    reason = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"{self.outcome} {self.reason}".strip()
