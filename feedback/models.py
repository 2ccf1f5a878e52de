"""Inbound mail, kept raw before anything reads it (BOUNCE-1, UNSUB-3, invariant 7)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundState(models.TextChoices):
    RECEIVED = "received", _("received")  # stored, not yet processed (or processing died)
    PROCESSED = "processed", _("processed")
    REVIEW = "review", _("needs review")  # could not be matched or parsed: an operator looks


class InboundMessage(models.Model):
    """One message as the listener received it: the raw bytes and the SMTP envelope.

    Written before routing, in its own transaction, so a message that breaks a parser is
    still here; `state` and `reason` tell what became of it. Never deleted by processing.
    """

    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    mail_from = models.CharField(max_length=500, blank=True)  # empty: the null sender (DSNs)
    rcpt_to = models.JSONField(default=list)
    peer = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    # The route the recipient address chose (feedback.routing), e.g. "mailto" or "reply".
    route = models.CharField(max_length=20, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    # What processing concluded, in words a person reads on the review page.
    reason = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_state_time")]
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"inbound message #{self.pk} ({self.state})"


class FeedbackKind(models.TextChoices):
    BOUNCE = "bounce", _("bounce")
    COMPLAINT = "complaint", _("complaint")


class FeedbackEvent(models.Model):
    """One recipient's bounce or complaint, matched to the ledger row of the message it is
    about (BOUNCE-1, COMPLAINT-1): the record step between detecting and applying."""

    inbound = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=FeedbackKind.choices)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(
        "delivery.SendLedgerEntry", on_delete=models.CASCADE, related_name="feedback"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=30)
    hard = models.BooleanField(default=False)
    # INDUSTRY-4: a policy or authentication rejection of the sender; the contact is untouched.
    sender_side = models.BooleanField(default=False)
    isp = models.CharField(max_length=60)
    diagnostic = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # The same DSN or report twice counts once.
            models.UniqueConstraint(
                fields=["entry", "kind", "hard", "sender_side"], name="feedback_once_per_entry"
            )
        ]
        indexes = [models.Index(fields=["campaign", "kind"], name="feedback_campaign_kind")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.reason})"


class WebhookReplay(models.Model):
    """A webhook delivery already accepted (feedback.replays): the same one again is refused,
    by every web process, for as long as its sender could still present it."""

    key = models.CharField(max_length=128, unique=True)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key
