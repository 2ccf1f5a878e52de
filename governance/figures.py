"""The operator dashboard's figures, kept up to date in the background (issue 21, item 4).

Counting a day's messages, hard bounces and complaints per account and mailbox provider in
a ledger of ten million rows takes seconds; the dashboard must answer at once. So a
periodic task (`governance.figures.refresh_figures_task`, every five minutes) counts the
recent days once and writes one row per day, account and provider group to
core.SendFigures (and the platform's messages per hour to core.HourlySends). Days before
yesterday do not change any more and are not counted again; `consentry figures refresh
--days 30` fills the history once.

A message counts on the day it was handed over; a hard bounce or complaint on the day it
arrived. The provider is the policy's provider group of the recipient's domain (SEND-5);
every other domain (and an erased address) counts under the default group's name.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Lower, StrIndex, Substr, TruncDate, TruncHour
from django.utils import timezone
from django_tasks import task

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from core.models import HourlySends, SendFigures
from delivery.models import LedgerState, SendLedgerEntry
from feedback.models import FeedbackEvent, FeedbackKind
from policy.selectors import provider_table

RECENT_DAYS = 2  # today and yesterday: late messages and feedback still arrive
ALL = ""  # the provider of a row summing every provider
ALL_ACCOUNTS = 0  # the account of a row summing every account
MAX_DAYS = 400


def _domain(address_field: str) -> Lower:
    return Lower(Substr(address_field, StrIndex(address_field, Value("@")) + 1))


def provider_of(domain: str) -> str:
    table = provider_table()
    destination = table.destination(domain) if domain else None
    if destination is None or not destination.key.startswith("provider:"):
        return table.default.name
    return destination.key.removeprefix("provider:")


def _window(days: int) -> tuple[date, datetime]:
    first = timezone.localdate() - timedelta(days=days - 1)
    return first, datetime.combine(first, time.min, timezone.get_current_timezone())


def _campaigns_sending_since(since: datetime) -> list[int]:
    """The sends that can have handed a message over since `since`: those still running or
    paused, and those finished or changed since. The ledger is then read through its
    (campaign, state) index for these alone, not scanned whole."""
    return list(
        Campaign.objects.exclude(state=CampaignState.DRAFT)
        .filter(
            Q(state__in=[CampaignState.SENDING, CampaignState.PAUSED])
            | Q(finished_at__gte=since)
            | Q(updated_at__gte=since)
        )
        .values_list("pk", flat=True)
    )


def _sent_rows(since: datetime) -> QuerySet[SendLedgerEntry]:
    return SendLedgerEntry.objects.filter(
        campaign__in=_campaigns_sending_since(since), state=LedgerState.SENT, sent_at__gte=since
    )


def _sent(since: datetime) -> QuerySet[SendLedgerEntry, dict[str, object]]:
    return (
        _sent_rows(since)
        .annotate(
            day=TruncDate("sent_at"),
            account=F("campaign__account_id"),
            domain=_domain("contact__address"),
        )
        .values("day", "account", "domain")
        .annotate(n=Count("id"))
    )


def _feedback(since: datetime) -> QuerySet[FeedbackEvent, dict[str, object]]:
    hard = Q(kind=FeedbackKind.BOUNCE, hard=True, sender_side=False)
    return (
        FeedbackEvent.objects.filter(Q(kind=FeedbackKind.COMPLAINT) | hard, created_at__gte=since)
        .annotate(
            day=TruncDate("created_at"),
            domain=_domain("contact__address"),
        )
        .values("day", "account_id", "domain")
        .annotate(
            bounces=Count("id", filter=hard),
            complaints=Count("id", filter=Q(kind=FeedbackKind.COMPLAINT)),
        )
    )


def _add_totals(rows: dict[tuple[date, int, str], list[int]]) -> None:
    """The sums the dashboard reads, so it never adds up thousands of rows: per account
    over its providers (provider ""), per provider over all accounts (account 0), and
    the platform's day (account 0, provider "")."""
    totals: dict[tuple[date, int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (day, account, provider), figures in rows.items():
        for key in ((day, account, ALL), (day, ALL_ACCOUNTS, provider), (day, ALL_ACCOUNTS, ALL)):
            for n, value in enumerate(figures):
                totals[key][n] += value
    rows.update(totals)


def refresh(days: int = RECENT_DAYS) -> int:
    """Count the last `days` days again and replace their rows; returns the rows written."""
    days = max(1, min(days, MAX_DAYS))
    first, since = _window(days)
    rows: dict[tuple[date, int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for found in _sent(since):
        key = (found["day"], found["account"], provider_of(str(found["domain"] or "")))
        rows[key][0] += found["n"]  # type: ignore[index, operator]
    for found in _feedback(since):
        key = (found["day"], found["account_id"], provider_of(str(found["domain"] or "")))
        rows[key][1] += found["bounces"]  # type: ignore[index, operator]
        rows[key][2] += found["complaints"]  # type: ignore[index, operator]
    _add_totals(rows)
    hours = (
        _sent_rows(since).annotate(hour=TruncHour("sent_at")).values("hour").annotate(n=Count("id"))
    )
    with transaction.atomic():
        SendFigures.objects.filter(day__gte=first).delete()
        SendFigures.objects.bulk_create(
            SendFigures(
                day=day,
                account_id=account,
                provider=provider,
                sent=sent,
                hard_bounces=bounces,
                complaints=complaints,
            )
            for (day, account, provider), (sent, bounces, complaints) in rows.items()
        )
        HourlySends.objects.filter(hour__gte=since).delete()
        HourlySends.objects.bulk_create(HourlySends(hour=h["hour"], sent=h["n"]) for h in hours)
    return len(rows)


@task()
def refresh_figures_task() -> int:
    return refresh()
