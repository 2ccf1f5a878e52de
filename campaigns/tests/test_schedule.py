"""SEND-4 schedules: a send time in the account's zone, changed or cancelled before it starts,
the gate checked when scheduling and again at start, a refused start held with its reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Account
from campaigns import selectors, services
from campaigns.models import Campaign
from campaigns.rules import CampaignState, schedule_problem, scheduled_instant
from consent.models import EvidenceRecord
from contacts.testing import SYSTEM
from core.actors import Actor
from core.errors import InvalidInput, RuleViolation
from core.periodic import schedule
from delivery import sends
from delivery.models import SendLedgerEntry
from delivery.testing import Sendable


def test_a_wall_clock_time_is_read_in_the_zone() -> None:
    at = scheduled_instant(datetime(2026, 7, 1, 9, 30), "Europe/Berlin")
    assert at.astimezone(ZoneInfo("UTC")).hour == 7
    winter = scheduled_instant(datetime(2026, 12, 1, 9, 30), "Europe/Berlin")
    assert winter.astimezone(ZoneInfo("UTC")).hour == 8
    aware = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
    assert scheduled_instant(aware, "Europe/Berlin") is aware


def test_a_send_time_must_lie_ahead_and_within_a_year() -> None:
    now = datetime(2026, 7, 1, tzinfo=ZoneInfo("UTC"))
    assert schedule_problem(now - timedelta(minutes=1), now) == "the send time has passed"
    assert "a year" in schedule_problem(now + timedelta(days=400), now)
    assert schedule_problem(now + timedelta(hours=1), now) == ""


@pytest.mark.django_db
def test_the_account_time_zone_is_checked() -> None:
    account = Account.objects.create(slug="tz", name="TZ")
    accounts.set_time_zone(account, "Europe/Paris")
    assert Account.objects.get(pk=account.pk).time_zone == "Europe/Paris"
    with pytest.raises(InvalidInput, match="unknown time zone 'Mars/Olympus'"):
        accounts.set_time_zone(account, "Mars/Olympus")


def test_scheduled_in_the_account_zone_and_started_when_due(
    sendable: Sendable, django_capture_on_commit_callbacks: Any
) -> None:
    account = sendable.world.alice_account
    accounts.set_time_zone(account, "America/New_York")
    account.refresh_from_db()
    local = timezone.now().astimezone(ZoneInfo("America/New_York")) + timedelta(hours=2)
    campaign = services.schedule_send(
        sendable.campaign,
        when=local.replace(tzinfo=None),
        actor=SYSTEM,
        guidelines_confirmed=True,
    )
    assert campaign.scheduled_at is not None
    assert abs(campaign.scheduled_at - local) < timedelta(seconds=1)
    assert EvidenceRecord.objects.filter(kind="send.scheduled").count() == 1
    assert sends.start_due_schedules() == {"started": 0, "held": 0}  # not due yet
    assert list(selectors.scheduled_of(account)) == [campaign]
    with django_capture_on_commit_callbacks(execute=True):
        started = sends.start_due_schedules(now=local + timedelta(seconds=1))
    assert started == {"started": 1, "held": 0}
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.FINISHED
    assert SendLedgerEntry.objects.filter(campaign=campaign).count() == 3
    assert len(sendable.smtp.messages) == 3
    # Started once: a later look finds nothing due.
    assert sends.start_due_schedules(now=local + timedelta(minutes=5))["started"] == 0


def test_the_gate_is_checked_when_scheduling(sendable: Sendable) -> None:
    with pytest.raises(RuleViolation, match="refused") as refused:
        services.schedule_send(
            sendable.campaign,
            when=timezone.now() + timedelta(hours=1),
            actor=SYSTEM,
            guidelines_confirmed=False,
        )
    assert any("guideline" in d.lower() or "checkbox" in d for d in refused.value.details)
    with pytest.raises(InvalidInput, match="send time: the send time has passed"):
        services.schedule_send(
            sendable.campaign,
            when=timezone.now() - timedelta(minutes=1),
            actor=SYSTEM,
            guidelines_confirmed=True,
        )
    assert Campaign.objects.get(pk=sendable.campaign.pk).scheduled_at is None


def test_changed_and_cancelled_before_it_starts(sendable: Sendable) -> None:
    first = timezone.now() + timedelta(hours=1)
    services.schedule_send(sendable.campaign, when=first, actor=SYSTEM, guidelines_confirmed=True)
    later = first + timedelta(days=1)
    changed = services.schedule_send(
        sendable.campaign, when=later, actor=SYSTEM, guidelines_confirmed=True
    )
    assert changed.scheduled_at == later
    assert sends.start_due_schedules(now=first + timedelta(minutes=1))["started"] == 0
    services.unschedule_send(sendable.campaign, actor=SYSTEM)
    assert sends.start_due_schedules(now=later + timedelta(minutes=1))["started"] == 0
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.DRAFT
    with pytest.raises(RuleViolation, match="no schedule"):
        services.unschedule_send(sendable.campaign, actor=SYSTEM)


def test_a_schedule_the_gate_refuses_at_start_is_held_with_the_reason(
    sendable: Sendable,
) -> None:
    account = sendable.world.alice_account
    when = timezone.now() + timedelta(hours=1)
    services.schedule_send(
        sendable.campaign,
        when=when,
        actor=Actor.for_user(sendable.world.alice),
        guidelines_confirmed=True,
    )
    Account.objects.filter(pk=account.pk).update(review_state="suspended")
    assert sends.start_due_schedules(now=when + timedelta(seconds=5)) == {"started": 0, "held": 1}
    held = list(selectors.held_schedules(account))
    assert held == [sendable.campaign]
    assert "refused" in held[0].schedule_held_reason
    assert held[0].state == CampaignState.DRAFT
    assert EvidenceRecord.objects.filter(kind="send.schedule_held").count() == 1
    # Held: not tried again at every look, until it is scheduled again.
    assert sends.start_due_schedules(now=when + timedelta(minutes=5))["held"] == 0
    Account.objects.filter(pk=account.pk).update(review_state="active")
    again = timezone.now() + timedelta(minutes=30)
    services.schedule_send(sendable.campaign, when=again, actor=SYSTEM, guidelines_confirmed=True)
    assert not selectors.held_schedules(account).exists()
    assert sends.start_due_schedules(now=again + timedelta(seconds=1))["started"] == 1


def test_another_account_never_sees_the_held_schedule(sendable: Sendable) -> None:
    when = timezone.now() + timedelta(hours=1)
    services.schedule_send(sendable.campaign, when=when, actor=SYSTEM, guidelines_confirmed=True)
    Campaign.objects.filter(pk=sendable.campaign.pk).update(
        schedule_held_at=timezone.now(), schedule_held_reason="x"
    )
    assert not selectors.held_schedules(sendable.world.charlie_account).exists()


def test_the_scheduler_looks_for_due_sends() -> None:
    names = {entry.name: entry.task_path for entry in schedule()}
    assert names["sends.scheduled"] == "delivery.sends.start_scheduled_sends"


def test_only_a_draft_is_scheduled(sendable: Sendable) -> None:
    sendable.start()
    with pytest.raises(RuleViolation, match="only a draft"):
        services.schedule_send(
            sendable.campaign,
            when=timezone.now() + timedelta(hours=1),
            actor=SYSTEM,
            guidelines_confirmed=True,
        )
