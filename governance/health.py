"""What the operator dashboard shows (issue 21, item 4): reads only, one query per panel.

Rates come from the daily figures (governance.figures), never from the send ledger
itself, so the page answers at once whatever the ledger's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import Account, ReviewState
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from contacts.models import RequestState, UnsubscribeRequest
from core.models import HourlySends, SendFigures
from delivery.models import LedgerState, SendLedgerEntry
from governance.figures import ALL, ALL_ACCOUNTS
from governance.models import Violation, ViolationState
from governance.thresholds import Rates
from policy.selectors import value as policy_value

PERIODS = (7, 30)
# A send running this long, or paused by the platform, is shown as stuck.
STUCK_AFTER = timedelta(hours=24)
LIST_LIMIT = 50
ACCOUNTS_SHOWN = 100


@dataclass(frozen=True)
class Limits:
    hard_bounce: Decimal
    complaint: Decimal
    min_volume: int

    @classmethod
    def in_force(cls) -> Limits:
        return cls(
            Decimal(str(policy_value("quality.hard_bounce_rate_max"))),
            Decimal(str(policy_value("quality.complaint_rate_max"))),
            int(policy_value("quality.min_volume")),
        )


@dataclass
class Period:
    days: int
    accounts: list[Rates] = field(default_factory=list)
    providers: list[Rates] = field(default_factory=list)


def accounts_by_state() -> dict[str, int]:
    found = dict(Account.objects.values_list("review_state").annotate(n=Count("id")))
    return {state: found.get(state, 0) for state in ReviewState.values}


def messages_today(today: date) -> int:
    row = SendFigures.objects.filter(day=today, account_id=ALL_ACCOUNTS, provider=ALL).first()
    return row.sent if row else 0


def messages_per_hour(now: datetime, hours: int = 24) -> list[tuple[datetime, int]]:
    """The last `hours` hours, oldest first, an hour without messages as 0."""
    last = now.replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(hours=hours - 1)
    found = {
        timezone.localtime(row.hour): row.sent
        for row in HourlySends.objects.filter(hour__gte=first, hour__lte=last)
    }
    slots = [timezone.localtime(first + timedelta(hours=n)) for n in range(hours)]
    return [(slot, found.get(slot, 0)) for slot in slots]


def _sums(days: int, today: date) -> dict[str, Sum]:
    """Each figure summed over the last `days` days, today included."""
    recent = Q(day__gt=today - timedelta(days=days))
    return {
        f"{name}_{days}": Sum(column, filter=recent)
        for name, column in (("sent", "sent"), ("hard", "hard_bounces"), ("c", "complaints"))
    }


def _rates(row: dict[str, Any], days: int, name: str) -> Rates:
    return Rates(name, row[f"sent_{days}"] or 0, row[f"hard_{days}"] or 0, row[f"c_{days}"] or 0)


def periods(today: date) -> list[Period]:
    """Both periods from two queries: the accounts' sums and the providers' sums."""
    longest = max(PERIODS)
    window = SendFigures.objects.filter(day__gt=today - timedelta(days=longest), day__lte=today)
    sums = {k: v for days in PERIODS for k, v in _sums(days, today).items()}
    by_account = list(
        window.filter(provider=ALL).exclude(account_id=ALL_ACCOUNTS)
        .values("account_id").annotate(**sums)
    )  # fmt: skip
    by_provider = list(
        window.filter(account_id=ALL_ACCOUNTS).exclude(provider=ALL)
        .values("provider").annotate(**sums)
    )  # fmt: skip
    slugs = dict(
        Account.objects.filter(pk__in=[r["account_id"] for r in by_account]).values_list(
            "pk", "slug"
        )
    )
    found = []
    for days in PERIODS:
        accounts = [
            _rates(r, days, slugs.get(r["account_id"], str(r["account_id"]))) for r in by_account
        ]
        providers = [_rates(r, days, r["provider"]) for r in by_provider]
        found.append(
            Period(
                days,
                sorted(
                    (r for r in accounts if r.sent),
                    key=lambda r: (-max(r.bounce_rate, r.complaint_rate), r.name),
                ),
                sorted((r for r in providers if r.sent), key=lambda r: (-r.sent, r.name)),
            )
        )
    return found


def flagged(periods: list[Period], limits: Limits) -> list[dict[str, Any]]:
    """Accounts near or over a threshold in any period, the worst standing first."""
    found: dict[str, dict[str, Any]] = {}
    for p in periods:
        for r in p.accounts:
            standing = r.worst(limits.hard_bounce, limits.complaint, limits.min_volume)
            if standing == "ok":
                continue
            entry = found.setdefault(r.name, {"account": r.name, "standing": "near", "by": []})
            entry["by"].append((p.days, r))
            if standing == "over":
                entry["standing"] = "over"
    return sorted(found.values(), key=lambda e: (e["standing"] != "over", e["account"]))


def open_unsubscribe_deadlines(today: date) -> dict[str, Any]:
    rows = UnsubscribeRequest.objects.filter(state=RequestState.OPEN)
    per_account = (
        rows.values("account__slug")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_on__lt=today)),
            due_today=Count("id", filter=Q(due_on=today)),
        )
        .order_by("-overdue", "-due_today", "account__slug")
    )
    earliest = rows.order_by("due_on").values_list("due_on", flat=True).first()
    return {"accounts": list(per_account[:LIST_LIMIT]), "earliest": earliest}


def stuck_sends(now: datetime) -> list[Campaign]:
    """Sends paused by the platform, or running for more than a day, with their rows in
    doubt (a worker died holding them: SEND-4)."""
    rows = Campaign.objects.filter(
        Q(state=CampaignState.PAUSED) & ~Q(pause_reason="")
        | Q(state=CampaignState.SENDING, started_at__lt=now - STUCK_AFTER)
    )
    found = list(rows.select_related("account").order_by("started_at")[:LIST_LIMIT])
    unknown = dict(
        SendLedgerEntry.objects.filter(campaign__in=found, state=LedgerState.UNKNOWN)
        .values_list("campaign")
        .annotate(n=Count("id"))
    )
    for campaign in found:
        campaign.unknown = unknown.get(campaign.pk, 0)  # type: ignore[attr-defined]
    return found


def open_violations() -> int:
    return Violation.objects.exclude(state=ViolationState.LIFTED).count()


def dashboard(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    limits = Limits.in_force()
    found = periods(today)
    flags = flagged(found, limits)
    for p in found:
        p.accounts = p.accounts[:ACCOUNTS_SHOWN]  # the worst; every one is judged above
    return {
        "now": now,
        "limits": limits,
        "accounts_by_state": accounts_by_state(),
        "messages_today": messages_today(today),
        "per_hour": messages_per_hour(now),
        "periods": found,
        "flagged": flags,
        "unsubscribes": open_unsubscribe_deadlines(today),
        "stuck": stuck_sends(now),
        "open_violations": open_violations(),
    }


def chart_data(board: dict[str, Any]) -> dict[str, Any]:
    """The figures the dashboard's charts draw, as plain JSON values (rates in percent)."""
    limits: Limits = board["limits"]

    def series(rows: list[Rates]) -> dict[str, Any]:
        return {
            "labels": [r.name for r in rows],
            "bounce": [float(r.bounce_rate * 100) for r in rows],
            "complaint": [float(r.complaint_rate * 100) for r in rows],
            "sent": [r.sent for r in rows],
        }

    return {
        "hours": [slot.strftime("%H:00") for slot, _n in board["per_hour"]],
        "per_hour": [n for _slot, n in board["per_hour"]],
        "limits": {
            "bounce": float(limits.hard_bounce * 100),
            "complaint": float(limits.complaint * 100),
        },
        "periods": {
            str(p.days): {
                "providers": series(p.providers),
                "accounts": series(p.accounts[:20]),
            }
            for p in board["periods"]
        },
    }
