"""A campaign's report: hand-overs over time, bounces by reason (hard and soft apart),
complaints, unsubscribes by channel, mailbox providers, the policy's limits and the last
campaigns beside it. One selector for the page, the CSV, the API and the CLI.

Every figure is counted from the send ledger, the feedback events and the unsubscribe
evidence of the campaign, through their campaign indexes: a report of a send to 100,000
recipients reads those rows once (bench/reports.py).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDay, TruncHour, TruncMinute
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from consent.models import EvidenceRecord
from contacts.selectors import AddressDomain
from delivery.models import FailureClass, LedgerState, OneClickUnsubscribe, SendLedgerEntry
from feedback.apply import HANDED_OVER, limits_for
from feedback.labels import REASON, REFUSED_AT_HAND_OVER, label
from feedback.models import FeedbackEvent, FeedbackKind
from governance import report_rules as rules
from governance.figures import provider_of
from imports.rules import neutralise_cell
from tracking import selectors as tracking_selectors

CACHE_SECONDS = 600  # how long the ledger figures of a send that is over are kept
COMPARED = 5  # the campaigns a report and the dashboard set side by side
CHANNEL: dict[str, Promise] = {
    "one_click": gettext_lazy("One-click in the mail program"),
    "page": gettext_lazy("Unsubscribe page"),
    "mailto": gettext_lazy("Mail to the unsubscribe address"),
    "preferences": gettext_lazy("Preference centre"),
    "complaint": gettext_lazy("Spam complaint"),
    "abuse": gettext_lazy("Abuse report"),
    "phone": gettext_lazy("Phone"),
    "letter": gettext_lazy("Letter"),
    "email": gettext_lazy("Email"),
    "reply": gettext_lazy("Reply to a mailing"),
    "other": gettext_lazy("Other"),
}

CLASS: dict[str, Promise] = {
    "hard": gettext_lazy("hard"),
    "soft": gettext_lazy("soft"),
    "sender": gettext_lazy("refused as sender"),
}


def engagement_rates(campaign_ids: list[int]) -> dict[int, dict[str, Decimal | None]]:
    """Open and click rates of consenting recipients, by campaign id: {"open": .., "click":
    ..}, each a fraction of the messages delivered to contacts who agreed to tracking; None
    (a dash) where no such message was delivered."""
    found = tracking_selectors.engagement_rates(campaign_ids)
    return {
        cid: {
            "open": rules.rate(e.opened, e.tracked),
            "click": rules.rate(e.clicked, e.tracked),
        }
        for cid, e in found.items()
    }


def engagement_chart(engagement: tracking_selectors.CampaignEngagement) -> dict[str, Any]:
    """Opens and clicks by persons per hour, for the report's chart (consenting recipients
    only; the page's engagement tables show the same numbers)."""
    timeline = engagement.timeline
    return {
        "labels": [hour.strftime("%Y-%m-%d %H:%M") for hour, _o, _c in timeline],
        "series": [
            {"label": _("Opens"), "data": [opens for _h, opens, _c in timeline]},
            {"label": _("Clicks"), "data": [clicks for _h, _o, clicks in timeline]},
        ],
    }


@dataclass(frozen=True)
class Summary:
    """One send's figures in a line: the dashboard's and the report's comparison."""

    id: int
    name: str
    state: str
    started_at: datetime | None
    finished_at: datetime | None
    numbers: rules.SendNumbers
    opens: Decimal | None = None
    clicks: Decimal | None = None

    def rates(self) -> dict[str, Decimal | None]:
        n = self.numbers
        return {
            "delivery": n.delivery_rate,
            "bounce": n.bounce_rate,
            "hard_bounce": n.hard_bounce_rate,
            "complaint": n.complaint_rate,
            "unsubscribe": n.unsubscribe_rate,
            "open": self.opens,
            "click": self.clicks,
        }

    def shown(self) -> dict[str, str]:
        return {key: rules.percent(value) for key, value in self.rates().items()}

    def as_json(self) -> dict[str, Any]:
        n = self.numbers
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "recipients": n.recipients,
            "handed_over": n.handed_over,
            "delivered": n.delivered,
            "hard_bounces": n.bounces.hard,
            "soft_bounces": n.bounces.soft,
            "sender_refusals": n.bounces.sender,
            "complaints": n.complaints,
            "unsubscribes": n.unsubscribes,
            "rates": {key: rules.number(value) for key, value in self.rates().items()},
        }


def _grouped(query: Any, *keys: str) -> dict[tuple[Any, ...], int]:
    return {
        tuple(row[k] for k in keys): int(row["n"])
        for row in query.values(*keys).annotate(n=Count("pk")).order_by()
    }


def _unsubscribes(account_id: int, campaign_ids: list[int], since: datetime | None) -> Counter:
    """(campaign id, channel) -> unsubscribes recorded through that campaign's mail, and the
    one-click ones received but not applied yet (they count from the moment they arrive)."""
    found: Counter[tuple[int, str]] = Counter()
    records = EvidenceRecord.objects.filter(account_id=account_id, kind="unsubscribed")
    if since is not None:
        records = records.filter(created_at__gte=since)
    wanted = set(campaign_ids)
    for ref, method in records.values_list("payload__ref", "payload__method").iterator():
        campaign_id = rules.campaign_of_ref(str(ref or ""))
        if campaign_id in wanted:
            found[(campaign_id, rules.unsubscribe_channel(str(method or "")))] += 1
    pending = _grouped(
        OneClickUnsubscribe.objects.filter(
            applied_at__isnull=True, entry__campaign_id__in=campaign_ids
        ).annotate(campaign=F("entry__campaign_id")),
        "campaign",
    )
    for (campaign_id,), n in pending.items():
        found[(campaign_id, "one_click")] += n
    return found


def _final_key(campaign: Campaign, part: str) -> str | None:
    """The cache key of a figure of a send that is over: its ledger no longer changes
    (sending the unknown rows again makes it a running send, with a new finish time)."""
    if campaign.state not in (CampaignState.FINISHED, CampaignState.CANCELLED):
        return None
    finished = campaign.finished_at.timestamp() if campaign.finished_at else 0
    return f"governance:report:{part}:{campaign.pk}:{campaign.updated_at.timestamp()}:{finished}"


def _ledger_counts(campaigns: list[Campaign]) -> dict[int, dict[tuple[str, str], int]]:
    """(state, failure class) -> rows, per campaign: the ledger read through its (campaign,
    state) index. A send that is over keeps its counts in the cache for a while."""
    out: dict[int, dict[tuple[str, str], int]] = {}
    missing = []
    for c in campaigns:
        key = _final_key(c, "ledger")
        found = cache.get(key) if key else None
        if found is None:
            missing.append(c)
        else:
            out[c.pk] = found
    if not missing:
        return out
    ids = [c.pk for c in missing]
    rows: dict[int, dict[tuple[str, str], int]] = {pk: {} for pk in ids}
    for (pk, state), n in _grouped(
        SendLedgerEntry.objects.filter(campaign_id__in=ids), "campaign_id", "state"
    ).items():
        rows[pk][(state, "")] = n
    for (pk, failure_class), n in _grouped(
        SendLedgerEntry.objects.filter(campaign_id__in=ids, state=LedgerState.FAILED),
        "campaign_id",
        "failure_class",
    ).items():
        rows[pk][(LedgerState.FAILED, failure_class)] = n
    for c in missing:
        key = _final_key(c, "ledger")
        if key:
            cache.set(key, rows[c.pk], CACHE_SECONDS)
        out[c.pk] = rows[c.pk]
    return out


def _event_counts(ids: list[int]) -> Counter[tuple[int, str, bool, bool]]:
    """(campaign, kind, hard, sender side) -> feedback events, through the events'
    (campaign, kind) index. A report about a message refused at hand-over is that
    refusal, counted once: such events are taken off (found from the few failed rows)."""
    keys = ("campaign_id", "kind", "hard", "sender_side")
    found = Counter(_grouped(FeedbackEvent.objects.filter(campaign_id__in=ids), *keys))
    failed = SendLedgerEntry.objects.filter(campaign_id__in=ids, state=LedgerState.FAILED)
    found.subtract(_grouped(FeedbackEvent.objects.filter(entry__in=failed.values("pk")), *keys))
    return found


def _numbers_of(campaigns: list[Campaign]) -> dict[int, tuple[rules.SendNumbers, Counter]]:
    """The counts of several sends in a few grouped queries."""
    ids = [c.pk for c in campaigns]
    if not ids:
        return {}
    ledger = _ledger_counts(campaigns)
    events = _event_counts(ids)
    bounced_entries = dict(
        FeedbackEvent.objects.filter(campaign_id__in=ids, kind=FeedbackKind.BOUNCE)
        .exclude(
            entry__in=SendLedgerEntry.objects.filter(
                campaign_id__in=ids, state=LedgerState.FAILED
            ).values("pk")
        )
        .values("campaign_id")
        .annotate(n=Count("entry_id", distinct=True))
        .values_list("campaign_id", "n")
        .order_by()
    )
    started = [c.started_at for c in campaigns if c.started_at is not None]
    unsubscribes = _unsubscribes(campaigns[0].account_id, ids, min(started, default=None))
    out = {}
    for c in campaigns:
        rows = ledger[c.pk]
        states = {state: rows.get((state, ""), 0) for state in LedgerState}
        hard = rows.get((LedgerState.FAILED, FailureClass.HARD), 0)
        soft = rows.get((LedgerState.FAILED, FailureClass.SOFT), 0)
        soft += rows.get((LedgerState.FAILED, ""), 0)
        sender = rows.get((LedgerState.FAILED, FailureClass.SENDER), 0)
        bounce = FeedbackKind.BOUNCE
        hard += events[(c.pk, bounce, True, False)]
        soft += events[(c.pk, bounce, False, False)]
        sender += events[(c.pk, bounce, True, True)] + events[(c.pk, bounce, False, True)]
        complaints = sum(
            n for (pk, kind, *_), n in events.items() if pk == c.pk and kind == "complaint"
        )
        channels: Counter[str] = Counter(
            {channel: n for (cid, channel), n in unsubscribes.items() if cid == c.pk}
        )
        numbers = rules.SendNumbers(
            recipients=sum(states.values()),
            handed_over=sum(states[s] for s in HANDED_OVER),
            refused=states[LedgerState.FAILED],
            bounced_after_sending=int(bounced_entries.get(c.pk, 0)),
            bounces=rules.Bounces(hard=hard, soft=soft, sender=sender),
            complaints=complaints,
            unsubscribes=sum(channels.values()),
        )
        out[c.pk] = (numbers, channels)
    return out


def summaries(
    campaigns: list[Campaign], numbers: dict[int, tuple[rules.SendNumbers, Counter]] | None = None
) -> list[Summary]:
    numbers = _numbers_of(campaigns) if numbers is None else numbers
    engagement = engagement_rates([c.pk for c in campaigns])
    return [
        Summary(
            c.pk,
            c.name,
            c.state,
            c.started_at,
            c.finished_at,
            numbers[c.pk][0],
            opens=engagement.get(c.pk, {}).get("open"),
            clicks=engagement.get(c.pk, {}).get("click"),
        )
        for c in campaigns
    ]


def rates_chart(shown: list[Summary], rates: list[tuple[str, str]]) -> dict[str, Any]:
    """A chart of some rates (label, SendNumbers property) of several campaigns, in %."""
    return {
        "labels": [s.name for s in shown],
        "percent": True,
        "series": [
            {"label": name, "data": [rules.number(getattr(s.numbers, key)) for s in shown]}
            for name, key in rates
        ],
    }


def last_campaigns(account_id: int, *, limit: int = COMPARED) -> list[Campaign]:
    """The account's most recently started sends (drafts have no figures)."""
    return list(
        Campaign.objects.filter(account_id=account_id)
        .exclude(state=CampaignState.DRAFT)
        .exclude(started_at__isnull=True)
        .order_by("-started_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    label: str
    kind: str  # hard, soft or sender
    kind_label: str
    count: int


@dataclass(frozen=True)
class ProviderRow:
    provider: str
    handed_over: int
    hard_bounces: int
    soft_bounces: int
    complaints: int

    @property
    def hard_bounce_rate(self) -> str:
        return rules.percent(rules.rate(self.hard_bounces, self.handed_over))

    @property
    def complaint_rate(self) -> str:
        return rules.percent(rules.rate(self.complaints, self.handed_over), places=3)


@dataclass(frozen=True)
class CampaignReport:
    summary: Summary
    step: str
    timeline: list[tuple[str, int]]
    reasons: list[ReasonRow]
    complaints_by_provider: list[tuple[str, int]]
    channels: list[tuple[str, str, int]]  # (code, label, count)
    providers: list[ProviderRow]
    hard_bounce_limit: Decimal
    complaint_limit: Decimal
    min_volume: int
    compared: list[Summary] = field(default_factory=list)

    @property
    def numbers(self) -> rules.SendNumbers:
        return self.summary.numbers

    @property
    def hard_bounce_over(self) -> bool:
        return rules.over(self.numbers.hard_bounce_rate, self.hard_bounce_limit)

    @property
    def complaint_over(self) -> bool:
        return rules.over(self.numbers.complaint_rate, self.complaint_limit)

    def limits_shown(self) -> dict[str, str]:
        return {
            "hard_bounce": rules.percent(self.hard_bounce_limit),
            "complaint": rules.percent(self.complaint_limit, places=3),
        }

    def charts(self) -> dict[str, Any]:
        """What web/static/web/charts.js draws; the page shows the same in tables."""
        return {
            "timeline": {
                "labels": [at for at, _n in self.timeline],
                "series": [{"label": _("Handed over"), "data": [n for _at, n in self.timeline]}],
            },
            "reasons": {
                "labels": [f"{r.label} ({r.kind_label})" for r in self.reasons],
                "series": [{"label": _("Bounces"), "data": [r.count for r in self.reasons]}],
            },
            "compared": {
                **rates_chart(
                    self.compared,
                    [
                        (_("Hard bounce rate"), "hard_bounce_rate"),
                        (_("Complaint rate"), "complaint_rate"),
                        (_("Unsubscribe rate"), "unsubscribe_rate"),
                    ],
                ),
                "limits": [
                    {
                        "label": _("Hard bounce limit"),
                        "value": rules.number(self.hard_bounce_limit),
                    },
                    {
                        "label": _("Complaint limit"),
                        "value": rules.number(self.complaint_limit),
                    },
                ],
            },
        }

    def as_json(self) -> dict[str, Any]:
        return {
            **self.summary.as_json(),
            "limits": {
                "hard_bounce_rate": rules.number(self.hard_bounce_limit),
                "complaint_rate": rules.number(self.complaint_limit),
                "min_volume": self.min_volume,
            },
            "timeline_step": self.step,
            "timeline": [{"at": at, "handed_over": n} for at, n in self.timeline],
            "bounces_by_reason": [
                {"reason": r.reason, "kind": r.kind, "count": r.count} for r in self.reasons
            ],
            "complaints_by_provider": [
                {"provider": p, "count": n} for p, n in self.complaints_by_provider
            ],
            "unsubscribes_by_channel": [
                {"channel": code, "count": n} for code, _label, n in self.channels
            ],
            "providers": [
                {
                    "provider": p.provider,
                    "handed_over": p.handed_over,
                    "hard_bounces": p.hard_bounces,
                    "soft_bounces": p.soft_bounces,
                    "complaints": p.complaints,
                }
                for p in self.providers
            ],
            "compared": [s.as_json() for s in self.compared],
        }


class _Domain(AddressDomain):
    """AddressDomain, with PostgreSQL 14's split_part from the end where there is one: the
    same text, a third of the time on a send of 100,000 rows (bench/reports.py)."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        if connection.pg_version < 140000:
            return super().as_postgresql(compiler, connection, **extra)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"split_part({sql}, '@', -1)", params


_TRUNC = {rules.MINUTE: TruncMinute, rules.HOUR: TruncHour, rules.DAY: TruncDay}


def _hand_overs(campaign: Campaign, step: str) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """The hand-overs of a send by time step, and by mailbox provider (the policy's provider
    groups, SEND-5), in one pass over its ledger rows: grouped by step and domain in the
    database, the few hundred domains then mapped to their provider here. Kept in the
    cache for a while once the send is over; it holds provider names and counts only."""
    key = _final_key(campaign, f"hand-overs:{step}")
    found = cache.get(key) if key else None
    if found is not None:
        return found
    rows = (
        SendLedgerEntry.objects.filter(campaign=campaign, state__in=HANDED_OVER)
        .annotate(at=_TRUNC[step]("sent_at"), domain=_Domain("contact__address"))
        .values("at", "domain")
        .annotate(n=Count("pk"))
        .order_by()
    )
    shown = {rules.MINUTE: "%Y-%m-%d %H:%M", rules.HOUR: "%Y-%m-%d %H:00", rules.DAY: "%Y-%m-%d"}
    by_step: Counter[datetime] = Counter()
    by_provider: Counter[str] = Counter()
    for row in rows:
        if row["at"] is not None:
            by_step[row["at"]] += int(row["n"])
        by_provider[provider_of(str(row["domain"] or "").lower())] += int(row["n"])
    timeline = [
        (timezone.localtime(at).strftime(shown[step]), n) for at, n in sorted(by_step.items())
    ]
    found = (timeline, dict(by_provider))
    if key:
        cache.set(key, found, CACHE_SECONDS)
    return found


def _reasons(campaign: Campaign) -> list[ReasonRow]:
    found: Counter[tuple[str, str]] = Counter()
    refused = SendLedgerEntry.objects.filter(campaign=campaign, state=LedgerState.FAILED)
    events = FeedbackEvent.objects.filter(campaign=campaign, kind=FeedbackKind.BOUNCE).exclude(
        entry__in=refused.values("pk")
    )
    for (reason, hard, sender_side), n in _grouped(events, "reason", "hard", "sender_side").items():
        found[(reason, "sender" if sender_side else ("hard" if hard else "soft"))] += n
    for (failure_class,), n in _grouped(refused, "failure_class").items():
        found[(REFUSED_AT_HAND_OVER, failure_class or "soft")] += n
    order = {"hard": 0, "soft": 1, "sender": 2}
    return [
        ReasonRow(reason, label(REASON, reason), kind, label(CLASS, kind), n)
        for (reason, kind), n in sorted(found.items(), key=lambda i: (order[i[0][1]], -i[1]))
    ]


def _providers(campaign: Campaign, handed_over: dict[str, int]) -> list[ProviderRow]:
    """Per mailbox provider: the hand-overs, and the bounces and complaints about them."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for provider, n in handed_over.items():
        sums[provider][0] += n
    events = (
        FeedbackEvent.objects.filter(campaign=campaign, sender_side=False)
        .annotate(domain=AddressDomain("contact__address"))
        .values("domain")
        .annotate(
            n_hard=Count("pk", filter=Q(kind=FeedbackKind.BOUNCE, hard=True)),
            n_soft=Count("pk", filter=Q(kind=FeedbackKind.BOUNCE, hard=False)),
            n_complaints=Count("pk", filter=Q(kind=FeedbackKind.COMPLAINT)),
        )
        .order_by()
    )
    for row in events:
        figures = sums[provider_of(str(row["domain"] or "").lower())]
        figures[1] += int(row["n_hard"])
        figures[2] += int(row["n_soft"])
        figures[3] += int(row["n_complaints"])
    rows = [ProviderRow(name, *figures) for name, figures in sums.items()]
    return sorted(rows, key=lambda r: (-r.handed_over, r.provider))


def campaign_report(campaign: Campaign) -> CampaignReport:
    """Everything the report of `campaign` shows (issue 23, item 2)."""
    compared_campaigns = last_campaigns(campaign.account_id)
    if campaign.pk not in {c.pk for c in compared_campaigns}:
        compared_campaigns = [campaign, *compared_campaigns[: COMPARED - 1]]
    numbers = _numbers_of(compared_campaigns)
    compared = summaries(compared_campaigns, numbers)
    summary = next(s for s in compared if s.id == campaign.pk)
    step = rules.step_of(campaign.started_at, campaign.finished_at, timezone.now())
    timeline, handed_over = _hand_overs(campaign, step)
    providers = _providers(campaign, handed_over)
    limits = limits_for(campaign)
    channels = [
        (code, label(CHANNEL, code), n) for code, n in numbers[campaign.pk][1].most_common()
    ]
    return CampaignReport(
        summary=summary,
        step=step,
        timeline=timeline,
        reasons=_reasons(campaign),
        complaints_by_provider=[(p.provider, p.complaints) for p in providers if p.complaints],
        channels=channels,
        providers=providers,
        hard_bounce_limit=limits.hard_bounce_rate_max,
        complaint_limit=limits.complaint_rate_max,
        min_volume=limits.min_volume,
        compared=compared,
    )


def report_csv(report: CampaignReport) -> str:
    """The report as one CSV of sections: section, item, kind, count, rate."""
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(["section", "item", "kind", "count", "rate"])
    s = report.summary
    n = s.numbers
    writer.writerow(["campaign", s.name, s.state, "", ""])
    writer.writerow(
        ["campaign", "started_at", "", s.started_at.isoformat() if s.started_at else "", ""]
    )
    writer.writerow(
        ["campaign", "finished_at", "", s.finished_at.isoformat() if s.finished_at else "", ""]
    )
    writer.writerow(["totals", "recipients", "", n.recipients, ""])
    writer.writerow(["totals", "handed_over", "", n.handed_over, ""])
    rates = s.rates()
    for item, count, key in (
        ("delivered", n.delivered, "delivery"),
        ("bounces", n.bounces.total, "bounce"),
        ("hard_bounces", n.bounces.hard, "hard_bounce"),
        ("complaints", n.complaints, "complaint"),
        ("unsubscribes", n.unsubscribes, "unsubscribe"),
    ):
        writer.writerow(["totals", item, "", count, _csv_rate(rates[key])])
    writer.writerow(["totals", "soft_bounces", "", n.bounces.soft, ""])
    writer.writerow(["totals", "sender_refusals", "", n.bounces.sender, ""])
    writer.writerow(["limits", "hard_bounce_rate", "", "", _csv_rate(report.hard_bounce_limit)])
    writer.writerow(["limits", "complaint_rate", "", "", _csv_rate(report.complaint_limit)])
    for at, count in report.timeline:
        writer.writerow(["timeline", at, report.step, count, ""])
    for r in report.reasons:
        writer.writerow(["bounce_reason", r.reason, r.kind, r.count, ""])
    for code, _label, count in report.channels:
        writer.writerow(["unsubscribe_channel", code, "", count, ""])
    for p in report.providers:
        writer.writerow(["provider", p.provider, "handed_over", p.handed_over, ""])
        writer.writerow(["provider", p.provider, "hard_bounces", p.hard_bounces, ""])
        writer.writerow(["provider", p.provider, "soft_bounces", p.soft_bounces, ""])
        writer.writerow(["provider", p.provider, "complaints", p.complaints, ""])
    for c in report.compared:
        for key, value in c.rates().items():
            writer.writerow(["compared", f"#{c.id} {c.name}", key, "", _csv_rate(value)])
    return out.getvalue()


class _SafeWriter:
    """Every cell neutralised against formula injection: the file opens in spreadsheets."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([neutralise_cell(cell) for cell in row])


def _csv_rate(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.6f}"


def report_lines(report: CampaignReport) -> list[str]:
    """The report as the command line prints it."""
    s, n = report.summary, report.numbers
    shown = s.shown()
    limits = report.limits_shown()
    lines = [
        f"#{s.id} {s.name}: {s.state}",
        f"  started {_when(s.started_at)}, finished {_when(s.finished_at)}",
        f"  recipients {n.recipients}, handed over {n.handed_over}, "
        f"delivered {n.delivered} ({shown['delivery']})",
        f"  hard bounces {n.bounces.hard} ({shown['hard_bounce']}, limit {limits['hard_bounce']})"
        f", soft bounces {n.bounces.soft}, refused as sender {n.bounces.sender}",
        f"  complaints {n.complaints} ({shown['complaint']}, limit {limits['complaint']})",
        f"  unsubscribes {n.unsubscribes} ({shown['unsubscribe']})",
        f"  opens {shown['open']}, clicks {shown['click']}",
    ]
    if report.reasons:
        lines.append("Bounces by reason:")
        lines += [f"  {r.count}\t{r.kind}\t{r.reason}" for r in report.reasons]
    if report.channels:
        lines.append("Unsubscribes by channel:")
        lines += [f"  {count}\t{code}" for code, _label, count in report.channels]
    if report.providers:
        lines.append("Providers (handed over, hard, soft, complaints):")
        lines += [
            f"  {p.provider}\t{p.handed_over}\t{p.hard_bounces}\t{p.soft_bounces}\t{p.complaints}"
            for p in report.providers
        ]
    if report.timeline:
        lines.append(f"Hand-overs by {report.step}:")
        lines += [f"  {at}\t{count}" for at, count in report.timeline]
    lines.append("Last campaigns (delivery, bounce, complaint, unsubscribe):")
    for c in report.compared:
        rates = c.shown()
        lines.append(
            f"  #{c.id} {c.name}\t{rates['delivery']}\t{rates['bounce']}"
            f"\t{rates['complaint']}\t{rates['unsubscribe']}"
        )
    return lines


def _when(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "-"


def command_report(campaign: Campaign) -> tuple[dict[str, Any], list[str]]:
    """For `consentry campaign report` (delivery.reporting): JSON and text of one report."""
    report = campaign_report(campaign)
    return report.as_json(), report_lines(report)
