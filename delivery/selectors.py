"""Read queries of a campaign's send: its progress, for the doors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from delivery import ledger

if TYPE_CHECKING:
    from campaigns.models import Campaign


@dataclass(frozen=True)
class Progress:
    counts: dict[str, int]
    per_minute: int  # sent in the last minute
    failures: dict[str, int]  # failed rows by class: hard, soft, sender

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        c = self.counts
        return c["sent"] + c["failed"] + c["unknown"] + c["skipped"]


def progress(campaign: Campaign) -> Progress:
    since = timezone.now() - timedelta(minutes=1)
    return Progress(
        ledger.counts(campaign), ledger.sent_since(campaign, since), ledger.failures(campaign)
    )
