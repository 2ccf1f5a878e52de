"""What a campaign send stores: the ledger of its recipients, the one-click unsubscribes and
the counters of the shared send rates."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LedgerState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DEFERRED = "deferred", _("deferred")
    FAILED = "failed", _("failed")
    # SEND-4: a worker died holding the row; it may have been handed over, so never resent.
    UNKNOWN = "unknown", _("unknown")
    # Not eligible at hand-over (SEND-3) or the send was cancelled.
    SKIPPED = "skipped", _("skipped")


class FailureClass(models.TextChoices):
    """INDUSTRY-4: who a permanent failure is about."""

    HARD = "hard", _("recipient: address does not exist")
    SOFT = "soft", _("recipient: temporary or unclear")
    SENDER = "sender", _("sender: policy or authentication")


class SendLedgerEntry(models.Model):
    """One (campaign, contact) of a send: at most one row, so at most one message (SEND-4).

    `sending` rows carry a lease; a row whose lease ran out becomes `unknown`, never resent
    unless a user chooses to. Written in bulk by delivery.engine.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="ledger"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    batch = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=LedgerState.choices, default=LedgerState.QUEUED)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failure_class = models.CharField(max_length=6, choices=FailureClass.choices, blank=True)
    # The server's last reply (or the reason of a skip) and its queue id.
    reply = models.CharField(max_length=500, blank=True)
    queue_id = models.CharField(max_length=100, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("send ledger entry")
        verbose_name_plural = _("send ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="ledger_once_per_contact")
        ]
        indexes = [
            models.Index(fields=["campaign", "batch", "state"], name="ledger_batch_state"),
            # Per-campaign questions by state (hard bounces so far, open rows, the rows a
            # worker holds, the campaign page's counts) must not walk the campaign's every
            # row: at 1,000,000 recipients that was a scan per chunk.
            models.Index(fields=["campaign", "state"], name="ledger_campaign_state"),
            models.Index(fields=["state", "lease_until"], name="ledger_state_lease"),
        ]

    def __str__(self) -> str:
        return f"ledger #{self.pk} ({self.state})"


class OneClickUnsubscribe(models.Model):
    """A one-click unsubscribe (RFC 8058) as received: written in one INSERT before the POST
    is answered, applied (subscriptions, status, evidence) moments later by
    delivery.links.apply_one_click_unsubscribes.

    Mailbox providers send these in bursts after a large send; answering them cannot wait
    on the evidence chain. Until applied, the row itself keeps its contact out of every
    hand-over (delivery.ledger's eligibility check), so invariant 5 holds from the answer on.
    """

    entry = models.ForeignKey(SendLedgerEntry, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    # Personal data until applied: then sealed into the evidence and cleared here.
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["contact"],
                condition=models.Q(applied_at__isnull=True),
                name="one_click_pending",
            )
        ]

    def __str__(self) -> str:
        return f"one-click unsubscribe #{self.pk}"


class PaceCounter(models.Model):
    """SEND-5: one shared rate's use of its current window (delivery.pace), for every
    worker of the platform; a provider group, a send, an account under measures."""

    key = models.CharField(max_length=320, unique=True)
    window = models.BigIntegerField()
    used = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.used} in window {self.window}"
