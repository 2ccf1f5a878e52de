"""What the carrier stores: the sandbox mailbox's captured messages."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    TRANSACTIONAL = "transactional", _("transactional")
    CAMPAIGN = "campaign", _("campaign")


class CapturedMessage(models.Model):
    """A message the sandbox transport kept instead of sending: the raw bytes exactly as
    handed over, and the envelope. Subject and Message-ID are copies for the listing."""

    # Null: platform mail that belongs to no account; operators see those too.
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="captured_messages",
    )
    mail_from = models.CharField(max_length=500, blank=True)  # envelope; empty = null sender
    rcpt_to = models.JSONField(default=list)
    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=500, blank=True)
    kind = models.CharField(
        max_length=20, choices=MessageKind.choices, default=MessageKind.TRANSACTIONAL
    )
    # What the sender attached to the hand-over (campaign, ledger row): the later bounce and
    # complaint simulation finds its way back through these.
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("captured message")
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="captured_account_newest"),
            models.Index(fields=["-created_at", "-id"], name="captured_newest"),
        ]

    def __str__(self) -> str:
        return f"captured message #{self.pk}"
