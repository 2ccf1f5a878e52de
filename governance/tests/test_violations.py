"""QUALITY-3: the measures of a violation, and repeated violations suspending the account."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import ReviewState
from contacts.models import List
from contacts.testing import SYSTEM
from core.errors import RuleViolation
from delivery import sends
from delivery.testing import Sendable
from feedback.rules import Breach
from governance import services
from governance.models import Violation
from policy import services as policy

pytestmark = pytest.mark.django_db

BREACH = Breach("hard_bounce_rate", "", 30, 200, Decimal("0.15"), Decimal("0.05"))


def test_a_breach_blocks_the_lists_slows_the_account_and_is_recorded_once(
    sendable: Sendable,
) -> None:
    first = services.record_breaches(sendable.campaign, [BREACH], stop=sends.stop_send)
    again = services.record_breaches(sendable.campaign, [BREACH], stop=sends.stop_send)
    assert len(first) == 1 and again == [] and Violation.objects.count() == 1
    assert List.objects.get(pk=sendable.lst.pk).blocked
    sendable.world.alice_account.refresh_from_db()
    assert sendable.world.alice_account.reduced_speed
    with pytest.raises(RuleViolation, match="not stated"):
        services.lift(first[0], actor=SYSTEM)


def test_quality_3_repeated_violations_suspend_the_account(sendable: Sendable) -> None:
    policy.set_value("quality.violations_before_suspension", "2")
    services.record_breaches(sendable.campaign, [BREACH], stop=sends.stop_send)
    sendable.world.alice_account.refresh_from_db()
    assert sendable.world.alice_account.review_state == ReviewState.ACTIVE
    services.record_breaches(sendable.another("Winter"), [BREACH], stop=sends.stop_send)
    sendable.world.alice_account.refresh_from_db()
    assert sendable.world.alice_account.review_state == ReviewState.SUSPENDED
