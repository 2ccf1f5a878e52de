"""Opens and clicks of consenting recipients (CONSENT-4).

One row per event, naming the ledger row (campaign and contact). No IP address and no
user agent are kept: they serve only to tell a machine from a person when the event
arrives, and that verdict is what the row keeps (`machine`, empty for a person).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    OPEN = "open", _("Open")
    CLICK = "click", _("Click")


class TrackingEvent(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    entry = models.ForeignKey(
        "delivery.SendLedgerEntry", on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=5, choices=EventKind.choices)
    url = models.CharField(max_length=2000, blank=True)
    at = models.DateTimeField(default=timezone.now)
    # tracking.rules.MachineReason, "" for a person.
    machine = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "kind", "at"], name="tracking_campaign_kind")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
