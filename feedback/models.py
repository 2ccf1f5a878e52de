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
