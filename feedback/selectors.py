"""What a campaign page shows of its feedback: bounces and complaints by reason and by ISP,
the rates against their limits, and any violation (QUALITY-1..3)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from campaigns.models import Campaign
from core.addresses import domain_of
from delivery.models import FailureClass, LedgerState, SendLedgerEntry
from feedback.apply import HANDED_OVER, limits_for, send_health
from feedback.labels import REFUSED_AT_HAND_OVER, reason_label
from feedback.models import FeedbackEvent, FeedbackKind
from feedback.rules import isp_of


@dataclass(frozen=True)
class Bar:
    reason: str
    label: str
    count: int
    hard: bool
    percent: int  # of the largest bar, for the chart


@dataclass(frozen=True)
class IspRow:
    isp: str
    sent: int
    bounces: int
    complaints: int

    @property
    def complaint_rate(self) -> Decimal:
        return Decimal(self.complaints) / Decimal(self.sent) if self.sent else Decimal(0)


@dataclass(frozen=True)
class CampaignFeedback:
    sent: int
    hard_bounces: int
    hard_bounce_rate: Decimal
    hard_bounce_limit: Decimal
    complaint_limit: Decimal
    min_volume: int
    by_reason: list[Bar]
    by_isp: list[IspRow]
    complaints: int = 0

    @property
    def hard_bounce_percent(self) -> str:
        return f"{self.hard_bounce_rate:.2%}"

    @property
    def hard_bounce_limit_percent(self) -> str:
        return f"{self.hard_bounce_limit:.2%}"

    @property
    def complaint_percent(self) -> str:
        return f"{Decimal(self.complaints) / Decimal(self.sent) if self.sent else Decimal(0):.2%}"

    @property
    def complaint_limit_percent(self) -> str:
        return f"{self.complaint_limit:.2%}"


def campaign_feedback(campaign: Campaign) -> CampaignFeedback:
    health = send_health(campaign)
    limits = limits_for(campaign)
    events = FeedbackEvent.objects.filter(campaign=campaign)
    reasons = Counter(
        {
            (reason, hard): n
            for reason, hard, n in events.values_list("reason", "hard")
            .annotate(n=Count("pk"))
            .values_list("reason", "hard", "n")
        }
    )
    # Synchronous rejections at hand-over count like DSNs (INDUSTRY-4).
    sync = SendLedgerEntry.objects.filter(
        campaign=campaign, state=LedgerState.FAILED, failure_class=FailureClass.HARD
    ).count()
    if sync:
        reasons[(REFUSED_AT_HAND_OVER, True)] += sync
    top = max(reasons.values(), default=0)
    bars = [
        Bar(reason, reason_label(reason), n, hard, round(100 * n / top) if top else 0)
        for (reason, hard), n in reasons.most_common()
    ]
    # Domains whose feedback was attributed by MX host count with that provider.
    by_domain = {
        domain_of(address): isp
        for address, isp in events.values_list("contact__address", "isp")
        if address
    }
    sent_by_isp = Counter(
        by_domain.get(domain_of(address), isp_of(address or "unknown@unknown"))
        for address in SendLedgerEntry.objects.filter(
            campaign=campaign, state__in=HANDED_OVER
        ).values_list("contact__address", flat=True)
    )
    bounce_isp = Counter(events.filter(kind=FeedbackKind.BOUNCE).values_list("isp", flat=True))
    complaint_isp = Counter(
        events.filter(kind=FeedbackKind.COMPLAINT).values_list("isp", flat=True)
    )
    isps = sorted(
        set(sent_by_isp) | set(bounce_isp) | set(complaint_isp), key=lambda i: -sent_by_isp[i]
    )
    rate = Decimal(health.hard_bounces) / Decimal(health.sent) if health.sent else Decimal(0)
    return CampaignFeedback(
        sent=health.sent,
        hard_bounces=health.hard_bounces,
        hard_bounce_rate=rate,
        hard_bounce_limit=limits.hard_bounce_rate_max,
        complaint_limit=limits.complaint_rate_max,
        min_volume=limits.min_volume,
        by_reason=bars,
        by_isp=[IspRow(i, sent_by_isp[i], bounce_isp[i], complaint_isp[i]) for i in isps[:20]],
        complaints=sum(complaint_isp.values()),
    )
