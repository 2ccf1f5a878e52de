"""AUDIT-3 and INDUSTRY-8 at their boundaries, in the send's SQL: a contact whose consent
is older than 2 months and who was never mailed through the platform is held back and
listed as stale; consent unused for 2 years is stale everywhere; a re-confirmation makes it
fresh again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from admission.rules import is_stale
from admission.selectors import stale_rule
from admission.testing import bulk_members
from consent import doi
from consent.models import Confirmation
from contacts.models import Subscription
from contacts.testing import SYSTEM
from delivery import freshness
from delivery.models import LedgerState, SendLedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


def days_ago(days: float) -> Any:
    return timezone.now() - timedelta(days=days)


def test_a_contact_never_mailed_is_stale_past_two_months(sendable: Any) -> None:
    """AUDIT-3: consent 59 days old goes, 61 days old is held back and listed."""
    (young,) = bulk_members(sendable.lst, ["young@example.org"], consent_at=days_ago(59))
    (old,) = bulk_members(sendable.lst, ["old@example.org"], consent_at=days_ago(61))
    assert list(freshness.stale_contacts(sendable.lst)) == [old]
    assert sendable.start() == 4
    sent_to = set(SendLedgerEntry.objects.values_list("contact_id", flat=True))
    assert young.pk in sent_to and old.pk not in sent_to


def test_the_sql_and_the_rule_agree_on_every_case(sendable: Any) -> None:
    """delivery.freshness says what admission.rules.is_stale says."""
    now = timezone.now()
    cases = {
        "a": (59.9, None),
        "b": (60.1, None),
        "c": (1000, 100),
        "d": (1000, 729.9),
        "e": (1000, 730.1),
        "f": (729.9, 800),
        "g": (730.1, 800),
    }
    rule = stale_rule(sendable.world.alice_account)
    expected = {}
    for name, (consent_days, mailed_days) in cases.items():
        (contact,) = bulk_members(
            sendable.lst, [f"{name}@example.org"], consent_at=now - timedelta(days=consent_days)
        )
        if mailed_days is not None:
            earlier = sendable.another(f"earlier {name}")
            SendLedgerEntry.objects.create(
                campaign=earlier,
                contact=contact,
                state=LedgerState.SENT,
                sent_at=now - timedelta(days=mailed_days),
            )
        expected[contact.pk] = is_stale(
            consent_at=now - timedelta(days=consent_days),
            last_mailed_at=None if mailed_days is None else now - timedelta(days=mailed_days),
            now=now,
            rule=rule,
        )
    stale = set(freshness.stale_contacts(sendable.lst, now=now).values_list("pk", flat=True))
    assert {pk for pk, is_old in expected.items() if is_old} == stale
    assert {
        c.split("@")[0]
        for c in freshness.stale_contacts(sendable.lst, now=now).values_list("address", flat=True)
    } == {"b", "e", "g"}


def test_a_re_confirmation_makes_a_stale_contact_fresh(
    sendable: Any, sandbox_outbox: Any, settings: Any
) -> None:
    """AUDIT-3: the double opt-in mail to stale contacts; who confirms is fresh again."""
    settings.SMTP_URL = ""
    (old,) = bulk_members(sendable.lst, ["old@example.org"], consent_at=days_ago(90))
    assert freshness.request_reconfirmations(sendable.lst, actor=SYSTEM) == 1
    assert freshness.request_reconfirmations(sendable.lst, actor=SYSTEM) == 0  # one pending
    confirmation = Confirmation.objects.get(contact=old)
    assert "old@example.org" in sandbox_outbox.last().rcpt_to
    doi.confirm(doi.confirmation_token(confirmation), actor=SYSTEM)
    assert not freshness.stale_contacts(sendable.lst).exists()
    assert Subscription.objects.get(contact=old).state == "confirmed"
    assert sendable.start() == 4
