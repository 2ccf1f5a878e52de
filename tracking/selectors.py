"""Engagement of campaigns: opens and clicks of consenting recipients (CONSENT-4).

Rates are over the messages of tracking campaigns delivered to contacts who consent to
tracking (their consent as it stands now: a withdrawal takes a message out); everyone else
appears only in the delivery report's aggregate counts. A person's open or click counts
once per message; machines' events (tracking.rules) are counted apart and never in a rate.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from campaigns.models import Campaign
from delivery.models import LedgerState, SendLedgerEntry
from tracking.models import EventKind, TrackingEvent
from tracking.rules import MachineReason, swept


@dataclass(frozen=True)
class Engagement:
    """One campaign's opens and clicks; rates None while nothing was delivered tracked."""

    delivered: int  # every message handed over
    tracked: int  # of those, to contacts who consent to tracking
    opened: int  # messages opened by a person (unique)
    clicked: int  # messages with a person's click (unique)
    machine_opens: int
    machine_clicks: int

    @property
    def open_rate(self) -> float | None:
        return self.opened / self.tracked if self.tracked else None

    @property
    def click_rate(self) -> float | None:
        return self.clicked / self.tracked if self.tracked else None


@dataclass(frozen=True)
class CampaignEngagement:
    """What the campaign report draws: the totals, per hour, per link, person vs machine."""

    totals: Engagement
    # (hour, opens by persons, clicks by persons), oldest first
    timeline: list[tuple[datetime, int, int]] = field(default_factory=list)
    # (URL, clicks by persons, distinct messages, clicks by machines), most clicked first
    links: list[tuple[str, int, int, int]] = field(default_factory=list)
    machine_reasons: dict[str, int] = field(default_factory=dict)


def _events(campaign_ids: Iterable[int]) -> list[tuple[int, int, str, str, datetime, str]]:
    """(campaign, row, kind, url, at, machine) with link sweeps marked as machine."""
    rows = list(
        TrackingEvent.objects.filter(campaign_id__in=list(campaign_ids))
        .order_by("entry_id", "at", "pk")
        .values_list("campaign_id", "entry_id", "kind", "url", "at", "machine")
    )
    clicks: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for _campaign, entry, kind, url, at, machine in rows:
        if kind == EventKind.CLICK and not machine:
            clicks[entry].append((at, url))
    sweeping = {entry for entry, seen in clicks.items() if swept(seen)}
    return [
        (c, e, k, u, at, MachineReason.LINK_SWEEP.value if not m and e in sweeping else m)
        for c, e, k, u, at, m in rows
    ]


def _delivered(campaign_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = (
        SendLedgerEntry.objects.filter(campaign_id__in=campaign_ids, state=LedgerState.SENT)
        .values("campaign_id")
        .annotate(
            delivered=Count("pk"),
            tracked=Count("pk", filter=Q(campaign__tracking=True, contact__tracking_consent=True)),
        )
    )
    return {r["campaign_id"]: (r["delivered"], r["tracked"]) for r in rows}


def _totals(
    delivered: tuple[int, int], events: list[tuple[int, int, str, str, datetime, str]]
) -> Engagement:
    opened = {e for _c, e, k, _u, _at, m in events if not m and k == EventKind.OPEN}
    clicked = {e for _c, e, k, _u, _at, m in events if not m and k == EventKind.CLICK}
    # A click implies the message was opened, even where the images stayed blocked.
    return Engagement(
        delivered=delivered[0],
        tracked=delivered[1],
        opened=len(opened | clicked),
        clicked=len(clicked),
        machine_opens=sum(1 for ev in events if ev[5] and ev[2] == EventKind.OPEN),
        machine_clicks=sum(1 for ev in events if ev[5] and ev[2] == EventKind.CLICK),
    )


def engagement_rates(campaign_ids: Iterable[int]) -> dict[int, Engagement]:
    """Opens and clicks of each campaign, for the dashboard and the comparison of the last
    campaigns; a campaign with nothing delivered has zero counts and no rates."""
    ids = list(campaign_ids)
    delivered = _delivered(ids)
    by_campaign: dict[int, list[tuple[int, int, str, str, datetime, str]]] = defaultdict(list)
    for event in _events(ids):
        by_campaign[event[0]].append(event)
    return {cid: _totals(delivered.get(cid, (0, 0)), by_campaign[cid]) for cid in ids}


def campaign_engagement(campaign: Campaign) -> CampaignEngagement:
    """Opens and clicks over time (per hour), clicks per link, persons and machines apart."""
    events = _events([campaign.pk])
    totals = _totals(_delivered([campaign.pk]).get(campaign.pk, (0, 0)), events)
    opens: Counter[datetime] = Counter()
    clicks: Counter[datetime] = Counter()
    person_clicks: Counter[str] = Counter()
    machine_clicks: Counter[str] = Counter()
    messages: dict[str, set[int]] = defaultdict(set)
    reasons: Counter[str] = Counter()
    for _c, entry, kind, url, at, machine in events:
        hour = at.replace(minute=0, second=0, microsecond=0)
        if machine:
            reasons[machine] += 1
            if kind == EventKind.CLICK:
                machine_clicks[url] += 1
            continue
        if kind == EventKind.OPEN:
            opens[hour] += 1
        else:
            clicks[hour] += 1
            person_clicks[url] += 1
            messages[url].add(entry)
    hours = sorted(set(opens) | set(clicks))
    urls = sorted(set(person_clicks) | set(machine_clicks), key=lambda u: (-person_clicks[u], u))
    return CampaignEngagement(
        totals=totals,
        timeline=[(h, opens[h], clicks[h]) for h in hours],
        links=[(u, person_clicks[u], len(messages[u]), machine_clicks[u]) for u in urls],
        machine_reasons=dict(reasons),
    )
