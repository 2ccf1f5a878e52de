"""An account's home page: its contacts by status and how many can be mailed, the list's
growth over 30 or 90 days, the last campaigns with their rates, and what needs doing
(issue 23, item 1)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from campaigns.selectors import gate_result, held_schedules
from consent.models import Confirmation, EvidenceRecord
from contacts.models import (
    Contact,
    List,
    RequestState,
    Subscription,
    SubscriptionState,
    UnsubscribeRequest,
)
from contacts.rules import Status, request_urgency
from domains.models import SenderDomain
from domains.rules import DomainStatus
from domains.selectors import failing_checks
from feedback.models import FeedbackEvent, FeedbackKind
from governance import report_rules as rules
from governance.reports import Summary, last_campaigns, rates_chart, summaries

PERIODS = (30, 90)
SHOWN = 5  # items of each kind under "what needs doing"; the rest is counted


@dataclass(frozen=True)
class Growth:
    days: int
    labels: list[str]
    signups: list[int]
    confirmations: list[int]
    unsubscribes: list[int]
    bounces: list[int]
    complaints: list[int]

    def series(self) -> list[tuple[str, str, list[int]]]:
        return [
            ("signups", _("Signups"), self.signups),
            ("confirmations", _("Confirmations"), self.confirmations),
            ("unsubscribes", _("Unsubscribes"), self.unsubscribes),
            ("bounces", _("Bounces"), self.bounces),
            ("complaints", _("Complaints"), self.complaints),
        ]

    def summed(self) -> list[tuple[str, str, int]]:
        return [(key, name, sum(values)) for key, name, values in self.series()]

    def rows(self) -> list[tuple[str, list[int]]]:
        """The table behind the chart: one line a day, newest first."""
        columns = [values for _key, _label, values in self.series()]
        return [
            (self.labels[i], [column[i] for column in columns])
            for i in reversed(range(len(self.labels)))
        ]


@dataclass(frozen=True)
class Todo:
    kind: str  # unsubscribe, list, domain, schedule, gate
    text: str
    object_id: int = 0  # the list, domain or campaign whose page fixes it
    urgent: bool = False


@dataclass(frozen=True)
class Dashboard:
    statuses: dict[str, int]
    mailable: int
    growth: list[Growth]
    campaigns: list[Summary]
    todos: list[Todo] = field(default_factory=list)
    more_todos: int = 0

    @property
    def contacts(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != Status.DELETED)

    def as_json(self) -> dict[str, Any]:
        """The page's numbers for the API and `consentry dashboard show --json`."""
        return {
            "contacts": self.contacts,
            "mailable": self.mailable,
            "statuses": dict(self.statuses),
            "growth": [
                {"days": g.days, "labels": g.labels}
                | {key: values for key, _name, values in g.series()}
                for g in self.growth
            ],
            "campaigns": [summary.as_json() for summary in self.campaigns],
            "todos": [
                {"kind": t.kind, "text": t.text, "object_id": t.object_id, "urgent": t.urgent}
                for t in self.todos
            ],
            "more_todos": self.more_todos,
        }

    def charts(self) -> dict[str, Any]:
        """What web/static/web/charts.js draws; the page shows the same in tables."""
        out: dict[str, Any] = {}
        for growth in self.growth:
            out[f"growth-{growth.days}"] = {
                "labels": growth.labels,
                "series": [{"label": name, "data": data} for _k, name, data in growth.series()],
            }
        out["campaigns"] = rates_chart(
            list(reversed(self.campaigns)),
            [
                (_("Delivery rate"), "delivery_rate"),
                (_("Bounce rate"), "bounce_rate"),
                (_("Unsubscribe rate"), "unsubscribe_rate"),
            ],
        )
        return out


def _by_day(query: Any, column: str, since: datetime) -> Counter[date]:
    rows = (
        query.filter(**{f"{column}__gte": since})
        .annotate(day=TruncDate(column))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Counter({row["day"]: int(row["n"]) for row in rows if row["day"] is not None})


def _confirmations(account: Account, since: datetime) -> tuple[Counter[date], Counter[date]]:
    """Signups by the day they were made and confirmations by the day they were confirmed,
    in one pass through the (account, created_at) index: a signup is confirmed within
    hours of its request or expires, so looking back a month more finds every one."""
    rows = (
        Confirmation.objects.filter(account=account, created_at__gte=since - timedelta(days=30))
        .annotate(made=TruncDate("created_at"), ended=TruncDate("ended_at"))
        .values("made", "ended", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    first = timezone.localtime(since).date()
    signups: Counter[date] = Counter()
    confirmed: Counter[date] = Counter()
    for row in rows:
        if row["made"] >= first:
            signups[row["made"]] += int(row["n"])
        if row["state"] == Confirmation.State.CONFIRMED and row["ended"] and row["ended"] >= first:
            confirmed[row["ended"]] += int(row["n"])
    return signups, confirmed


def _feedback(account: Account, since: datetime) -> tuple[Counter[date], Counter[date]]:
    rows = (
        FeedbackEvent.objects.filter(account=account, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[str, Counter[date]] = {
        FeedbackKind.BOUNCE: Counter(),
        FeedbackKind.COMPLAINT: Counter(),
    }
    for row in rows:
        found[row["kind"]][row["day"]] += int(row["n"])
    return found[FeedbackKind.BOUNCE], found[FeedbackKind.COMPLAINT]


def growth(account: Account, days: int, today: date | None = None) -> Growth:
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, timezone.get_current_timezone())
    signups, confirmations = _confirmations(account, since)
    bounces, complaints = _feedback(account, since)
    counts = {
        "signups": signups,
        "confirmations": confirmations,
        "unsubscribes": _by_day(
            EvidenceRecord.objects.filter(account=account, kind="unsubscribed"),
            "created_at",
            since,
        ),
        "bounces": bounces,
        "complaints": complaints,
    }
    return Growth(
        days,
        rules.day_labels(first, days),
        **{key: rules.day_series(first, days, found) for key, found in counts.items()},
    )


def _growths(account: Account) -> list[Growth]:
    """30 and 90 days: the longer period counted once, the shorter cut from it."""
    longest = growth(account, max(PERIODS))
    out = []
    for days in PERIODS:
        cut = len(longest.labels) - days
        out.append(
            Growth(
                days,
                longest.labels[cut:],
                longest.signups[cut:],
                longest.confirmations[cut:],
                longest.unsubscribes[cut:],
                longest.bounces[cut:],
                longest.complaints[cut:],
            )
        )
    return out


def statuses(account: Account) -> dict[str, int]:
    found = dict(
        Contact.objects.filter(account=account)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
        .order_by()
    )
    return {status.value: int(found.get(status.value, 0)) for status in Status}


def mailable(account: Account) -> int:
    """Active contacts with a confirmed subscription to at least one list (STATUS-1)."""
    confirmed = Subscription.objects.filter(
        contact=OuterRef("pk"), state=SubscriptionState.CONFIRMED
    )
    return (
        Contact.objects.filter(account=account, status=Status.ACTIVE)
        .filter(Exists(confirmed))
        .count()
    )


def todos(account: Account, today: date | None = None) -> tuple[list[Todo], int]:
    """What the account should do now, most urgent first; (shown, how many more)."""
    today = today or timezone.localdate()
    found: list[Todo] = []
    more = 0
    requests = UnsubscribeRequest.objects.filter(account=account, state=RequestState.OPEN)
    more += max(requests.count() - SHOWN, 0)
    for request in requests.order_by("due_on", "pk")[:SHOWN]:
        urgency = request_urgency(request.due_on, today, open_=True)
        found.append(
            Todo(
                "unsubscribe",
                _("An unsubscribe request is due on %(day)s.") % {"day": request.due_on}
                if urgency != "overdue"
                else _("An unsubscribe request was due on %(day)s: carry it out now.")
                % {"day": request.due_on},
                urgent=urgency in ("overdue", "due"),
            )
        )
    waiting = List.objects.filter(account=account, admitted=False).order_by("name")
    more += max(waiting.count() - SHOWN, 0)
    for lst in waiting[:SHOWN]:
        found.append(
            Todo(
                "list",
                _("The list %(name)s is not admitted for sending yet.") % {"name": lst.name},
                lst.pk,
            )
        )
    failing = SenderDomain.objects.filter(account=account).exclude(status=DomainStatus.VERIFIED)
    more += max(failing.count() - SHOWN, 0)
    for domain in failing.order_by("name").prefetch_related("checks")[:SHOWN]:
        checks = ", ".join(c.kind.upper() for c in failing_checks(domain))
        text = _("The sender domain %(name)s does not pass its checks") % {"name": domain.name}
        found.append(Todo("domain", f"{text}: {checks}." if checks else f"{text}.", domain.pk))
    for campaign in held_schedules(account)[:SHOWN]:
        found.append(
            Todo(
                "schedule",
                _("%(campaign)s did not start at its scheduled time: %(reason)s")
                % {"campaign": campaign.name, "reason": campaign.schedule_held_reason},
                campaign.pk,
                urgent=True,
            )
        )
    drafts = Campaign.objects.filter(account=account, state=CampaignState.DRAFT).order_by(
        "-updated_at"
    )
    for campaign in drafts[:3]:
        for refusal in gate_result(campaign, guidelines_ticked=True):
            found.append(
                Todo(
                    "gate",
                    _("%(campaign)s cannot be sent: %(reason)s")
                    % {"campaign": campaign.name, "reason": refusal.reason},
                    campaign.pk,
                )
            )
    return sorted(found, key=lambda t: not t.urgent), more


def dashboard(account: Account) -> Dashboard:
    shown, more = todos(account)
    return Dashboard(
        statuses=statuses(account),
        mailable=mailable(account),
        growth=_growths(account),
        campaigns=summaries(last_campaigns(account.pk)),
        todos=shown,
        more_todos=more,
    )
