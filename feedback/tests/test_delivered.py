"""A success report (RFC 3464 Action: delivered) is kind `delivered`: through the inbound
path it is processed, records no feedback and leaves the contact as it was (BOUNCE-1)."""

from __future__ import annotations

import smtplib

import pytest
from aiosmtpd.controller import Controller

from contacts.rules import Status
from delivery import ledger
from delivery.sends import run_batch
from delivery.testing import Sendable
from feedback.models import FeedbackEvent, InboundMessage, InboundState
from feedback.parsers import parse_feedback
from feedback.simulate import dsn

pytestmark = pytest.mark.django_db(transaction=True)


def delivered(recipient: str, message_id: str) -> bytes:
    """A DSN as a server writes it when asked to report success (NOTIFY=SUCCESS)."""
    raw = dsn(recipient, "2.0.0", "250 2.0.0 Ok: queued as 4Xb2", message_id)
    return raw.replace(b"Action: failed", b"Action: delivered")


def test_a_delivered_report_is_its_own_kind_and_bounces_nobody() -> None:
    report = parse_feedback(delivered("anna@example.org", "<m1@example.com>"))
    assert report.kind == "delivered"
    assert not report.failed
    (result,) = report.recipients
    assert (result.recipient, result.action, result.hard, result.reason) == (
        "anna@example.org",
        "delivered",
        False,
        "",
    )


def test_a_delivered_report_through_inbound_changes_nothing(
    sendable: Sendable, inbound: Controller
) -> None:
    sendable.start()
    for batch in sorted(ledger.batches_with_work(sendable.campaign)):
        run_batch(sendable.campaign.pk, batch)
    message = sendable.smtp.messages[0]
    with smtplib.SMTP(inbound.hostname, inbound.port, timeout=10) as smtp:
        smtp.sendmail(
            "", [message.mail_from], delivered(message.rcpt_tos[0], message.parsed()["Message-ID"])
        )
    stored = InboundMessage.objects.get()
    assert stored.state == InboundState.PROCESSED
    assert "delivered" in stored.reason
    assert not FeedbackEvent.objects.exists()
    contact = next(c for c in sendable.contacts if c.address == message.rcpt_tos[0])
    contact.refresh_from_db()
    assert contact.status == Status.ACTIVE
