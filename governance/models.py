"""Violations of the anti-spam policy and the measures they bring (QUALITY-3)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ViolationState(models.TextChoices):
    OPEN = "open", _("open: waiting for the account's statement")
    STATED = "stated", _("statement received: waiting for the operator")
    LIFTED = "lifted", _("measures lifted by the operator")


class Violation(models.Model):
    """A send that passed a threshold: stopped, its lists blocked, the account slowed,
    until the account states how it prevents it and an operator lifts the measures."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)  # hard_bounce_rate | complaint_rate
    isp = models.CharField(max_length=60, blank=True)
    # The figures that judged it: count, volume, rate, limit.
    figures = models.JSONField(default=dict)
    explanation = models.TextField()
    state = models.CharField(
        max_length=10, choices=ViolationState.choices, default=ViolationState.OPEN
    )
    remediation = models.TextField(blank=True)
    stated_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "isp"], name="violation_once_per_breach"
            )
        ]

    def __str__(self) -> str:
        return f"violation #{self.pk} ({self.kind})"
