"""Sender domains of an account, their DKIM keys and the state of each DNS check."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from domains.reasons import localized
from domains.rules import CheckKind, CheckState, DkimAlgorithm, DomainStatus


class SenderDomain(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="sender_domains"
    )
    # Lowercase, IDNA-encoded, without the trailing dot.
    name = models.CharField(max_length=253)
    # Published as TXT at _consentry.<name>: proves the account controls the zone (DOMAIN-1).
    ownership_token = models.CharField(max_length=64)
    # The envelope sender's host (VERP bounces+…@, mailto unsubscribes): a name below the
    # domain whose MX points at the platform's inbound host. Empty: the domain itself.
    return_path_host = models.CharField(max_length=253, blank=True)
    status = models.CharField(
        max_length=10,
        choices=[(s.value, s.value) for s in DomainStatus],
        default=DomainStatus.PENDING,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    # The last check in which every record passed: a timeout is judged against it.
    last_passed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sender domain")
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="sender_domain_unique")
        ]
        indexes = [models.Index(fields=["status"], name="sender_domain_status")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DkimKey(models.Model):
    """The private key is sealed with its own data key, which is wrapped with the platform
    key derived from the secret key: a database dump alone reveals no signing key."""

    domain = models.ForeignKey(SenderDomain, on_delete=models.CASCADE, related_name="dkim_keys")
    selector = models.CharField(max_length=63)
    algorithm = models.CharField(max_length=16, choices=[(a.value, a.value) for a in DkimAlgorithm])
    # The p= value of the key record (base64).
    public_key = models.TextField()
    sealed_private_key = models.BinaryField()
    wrapped_data_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("DKIM key")
        constraints = [
            models.UniqueConstraint(fields=["domain", "selector"], name="dkim_key_unique")
        ]
        # RSA first: the signature every receiver verifies.
        ordering = ["domain", "-algorithm"]

    def __str__(self) -> str:
        return f"{self.selector}._domainkey.{self.domain.name}"


class DomainCheck(models.Model):
    """The latest result of one check of one domain; the history is in the evidence."""

    domain = models.ForeignKey(SenderDomain, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in CheckKind])
    state = models.CharField(
        max_length=10,
        choices=[(s.value, s.value) for s in CheckState],
        default=CheckState.PENDING,
    )
    message = models.TextField(blank=True)
    # The record(s) DNS answered with, as found.
    found = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["domain", "kind"], name="domain_check_unique")
        ]

    def __str__(self) -> str:
        return f"{self.domain.name} {self.kind}: {self.state}"

    @property
    def shown_message(self) -> str:
        """The reason in the reader's language (kept in English)."""
        return localized(self.message)


class SandboxRecord(models.Model):
    """A record published in the sandbox DNS: stands in for the account's DNS provider
    while mail goes only to the sandbox mailbox (settings.DNS_SANDBOX), so a demo can
    verify a sender domain on a machine without the internet."""

    domain = models.ForeignKey(
        SenderDomain, on_delete=models.CASCADE, related_name="sandbox_records"
    )
    # Fully qualified, lowercase, without the trailing dot.
    name = models.CharField(max_length=253)
    type = models.CharField(max_length=10)
    value = models.TextField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox DNS record")
        indexes = [models.Index(fields=["name", "type"], name="sandbox_record_lookup")]

    def __str__(self) -> str:
        return f"{self.name} {self.type}"
