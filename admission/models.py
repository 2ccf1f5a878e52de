"""What a list's admission rests on: its audits with the problem addresses they found, and
the account's attestation that hard bounces were removed (AUDIT-1, AUDIT-4).

The sample send (AUDIT-2) is a send and is kept by delivery (delivery.models.SampleSend);
the decision itself lands on the list (contacts.List.admitted with its reason and actor).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from admission.rules import SampleState

SAMPLE_STATES = [s.value for s in SampleState]


class AuditState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("could not finish")


class ListAudit(models.Model):
    """One audit of a list: per-class counts, the share, examples and the decision."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    list = models.ForeignKey("contacts.List", on_delete=models.CASCADE, related_name="audits")
    state = models.CharField(max_length=8, choices=AuditState.choices, default=AuditState.RUNNING)
    # "on_demand" or "first_send" (AUDIT-1: automatically before a list's first send).
    trigger = models.CharField(max_length=12, default="on_demand")
    requested_by = models.CharField(max_length=120, blank=True)
    # Progress: addresses and domains to check, and checked so far.
    total = models.PositiveIntegerField(default=0)
    checked = models.PositiveIntegerField(default=0)
    domains = models.PositiveIntegerField(default=0)
    domains_checked = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)
    share = models.DecimalField(max_digits=7, decimal_places=6, default=0)
    limit = models.DecimalField(max_digits=7, decimal_places=6, default=0)
    # {class: addresses}, and up to five examples of each class as contact ids: shown by
    # their address at the time (an erased contact's is gone, STATUS-4).
    counts = models.JSONField(default=dict, blank=True)
    examples = models.JSONField(default=dict, blank=True)
    admitted = models.BooleanField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The list's latest finished audit: its findings are the problem addresses in force.
    current = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("list audit")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["list", "-created_at"], name="audit_list_newest")]

    def __str__(self) -> str:
        return f"audit #{self.pk} of list #{self.list_id} ({self.state})"

    @property
    def progress(self) -> int:
        """Percent done: domains first (DNS), then the addresses."""
        work = self.total + self.domains
        done = self.checked + self.domains_checked
        return 100 if not work else min(100, done * 100 // work)


class AuditFinding(models.Model):
    """A problem address an audit found: kept out of every send while its audit is the
    list's current one, even when the list passed (AUDIT-1)."""

    audit = models.ForeignKey(ListAudit, on_delete=models.CASCADE, related_name="findings")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    classes = models.CharField(max_length=200)
    current = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audit", "contact"], name="finding_once_per_audit")
        ]
        indexes = [
            models.Index(
                fields=["contact"],
                condition=models.Q(current=True),
                name="finding_current_contact",
            )
        ]

    def __str__(self) -> str:
        return f"finding #{self.pk} ({self.classes})"


class BounceAttestation(models.Model):
    """AUDIT-4: the account attests that hard bounces were removed from the list within
    the last two months, in the wording it was shown (the evidence record cites it)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    list = models.ForeignKey(
        "contacts.List", on_delete=models.CASCADE, related_name="bounce_attestations"
    )
    cleaned_on = models.DateField()
    wording = models.ForeignKey("consent.Wording", on_delete=models.PROTECT, related_name="+")
    record_seq = models.PositiveBigIntegerField()
    actor = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bounce attestation")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"attestation #{self.pk} for list #{self.list_id}"


class SampleSend(models.Model):
    """AUDIT-2: a list's first send went to a random sample at reduced speed; the rest of
    that send waits for the sample's verdict. The send itself is the campaign's (its
    ledger holds the sample's rows); `campaign_id` names it without a reference upwards
    (campaigns sit above admission)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    campaign_id = models.PositiveBigIntegerField(db_index=True)
    lists = models.ManyToManyField("contacts.List", related_name="samples")
    state = models.CharField(max_length=10, choices=[(s, s) for s in SAMPLE_STATES])
    # How many of how many eligible contacts of the sampled lists, and the share asked for.
    size = models.PositiveIntegerField()
    population = models.PositiveIntegerField()
    share_max = models.DecimalField(max_digits=7, decimal_places=6)
    started_at = models.DateTimeField(auto_now_add=True)
    # Set once the sample's last message is out: the verdict comes at this time.
    verdict_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    decided_by = models.CharField(max_length=120, blank=True)
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("sample send")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"sample #{self.pk} of campaign #{self.campaign_id} ({self.state})"
