"""Rejections at SMTP time count exactly like DSNs (INDUSTRY-4): soft ones toward the
soft-bounce rule (STATUS-3), and every bounce toward the removal after the policy's last
allowed one (INDUSTRY-5)."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.models import Campaign
from contacts.models import Contact
from contacts.rules import Status
from contacts.selectors import suppression_reasons
from contacts.testing import SYSTEM
from delivery import ledger, sends
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable
from feedback.models import FeedbackEvent
from policy import services as policy

pytestmark = pytest.mark.django_db

FULL = "552 5.2.2 mailbox full"


def send_again(sendable: Sendable, name: str) -> Campaign:
    """Another campaign to the same list, sent to the end."""
    campaign = sendable.another(name)
    sends.start_send(campaign, actor=SYSTEM, guidelines_confirmed=True)
    for batch in ledger.batches_with_work(campaign):
        sends.run_batch(campaign.pk, batch)
    return campaign


def status_of(contact: Contact) -> str:
    return Contact.objects.get(pk=contact.pk).status


def test_a_mailbox_full_at_smtp_time_is_a_counted_soft_bounce(sendable: Sendable) -> None:
    target = sendable.contacts[2]
    sendable.smtp.refuse_recipient(target.address, FULL)
    campaign = send_again(sendable, "Eins")
    entry = SendLedgerEntry.objects.get(campaign=campaign, contact=target)
    assert (entry.state, entry.failure_class) == (LedgerState.FAILED, "soft")
    event = FeedbackEvent.objects.get(entry=entry)
    assert (event.hard, event.sender_side, event.status, event.reason) == (
        False,
        False,
        "5.2.2",
        "mailbox_full",
    )
    assert status_of(target) == Status.ACTIVE  # one soft bounce: counted, nothing more
    assert not suppression_reasons(target.address)


def test_soft_failures_at_smtp_time_reach_the_soft_bounce_rule(
    sendable: Sendable, settings: Any
) -> None:
    policy.set_value("bounce.soft_bounce_sends", "2")
    policy.set_value("bounce.soft_bounce_span_days", "0")
    target = sendable.contacts[2]
    sendable.smtp.refuse_recipient(target.address, FULL)
    send_again(sendable, "Eins")
    assert status_of(target) == Status.ACTIVE
    send_again(sendable, "Zwei")
    assert status_of(target) == Status.BOUNCED


def test_the_third_bounce_removes_the_address_whatever_its_kind(sendable: Sendable) -> None:
    """INDUSTRY-5: three soft bounces within a day never meet the soft-bounce rule (7 days),
    but the policy's third bounce removes the address all the same."""
    target, other = sendable.contacts[2], sendable.contacts[1]
    sendable.smtp.refuse_recipient(target.address, FULL)
    for name in ("Eins", "Zwei"):
        send_again(sendable, name)
        assert status_of(target) == Status.ACTIVE
    last = send_again(sendable, "Drei")
    assert status_of(target) == Status.BOUNCED
    assert "hard_bounce" in suppression_reasons(target.address)
    assert status_of(other) == Status.ACTIVE
    # Nothing more goes to it.
    assert not ledger.eligible_contacts(last).filter(pk=target.pk).exists()
