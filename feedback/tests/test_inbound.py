"""`consentry inbound` over real SMTP: every message stored raw first, routed by recipient,
replies asking to unsubscribe surfaced to the account (UNSUB-3, invariant 7)."""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from contacts.models import RequestState, UnsubscribeRequest
from contacts.rules import Status
from contacts.testing import Personas
from domains.testing import TestDnsServer, free_port, verify_domain
from feedback import services
from feedback.inbound import listener
from feedback.models import InboundMessage, InboundState

MESSAGES = Path(__file__).parent / "messages"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_domain(world: Personas, dns_server: TestDnsServer) -> Any:
    return verify_domain(world.alice_account, "news.example.com", dns_server)


def deliver(
    controller: Controller, name: str, *, to: str = "news@news.example.com", sender: str = ""
) -> tuple[int, bytes]:
    raw = (MESSAGES / name).read_bytes()
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as smtp:
        smtp.ehlo("mx.example.de")
        code, reply = smtp.mail(sender or "kunde@example.de")
        assert code == 250, reply
        code, reply = smtp.rcpt(to)
        assert code == 250, reply
        return smtp.data(raw)


def latest() -> InboundMessage:
    return InboundMessage.objects.order_by("-pk")[0]


def test_unsub_003_a_german_reply_asking_to_unsubscribe_becomes_an_open_request(
    world: Personas, alice_domain: Any, inbound: Controller
) -> None:
    code, reply = deliver(inbound, "reply_de.eml")
    assert code == 250 and b"accepted" in reply
    message = latest()
    assert bytes(message.raw) == (MESSAGES / "reply_de.eml").read_bytes()
    assert (message.state, message.route, message.account) == (
        InboundState.PROCESSED,
        "reply",
        world.alice_account,
    )
    request = UnsubscribeRequest.objects.get(account=world.alice_account)
    assert (request.state, request.address, request.channel) == (
        RequestState.OPEN,
        "kunde@example.de",
        "reply",
    )
    assert request.contact == world.alice_contact and request.ref == f"inbound:{message.pk}"
    assert f"open request #{request.pk}" in message.reason
    # Surfaced, not applied: a user confirms it. Processing the message again adds nothing.
    world.alice_contact.refresh_from_db()
    assert world.alice_contact.status == Status.ACTIVE
    services.process(message)
    assert UnsubscribeRequest.objects.count() == 1


def test_a_french_reply_is_understood_too(
    world: Personas, alice_domain: Any, inbound: Controller
) -> None:
    deliver(inbound, "reply_fr.eml", sender="marie@example.fr")
    request = UnsubscribeRequest.objects.get(account=world.alice_account)
    assert request.address == "marie@example.fr" and request.contact is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("reply_question.eml", "asks for no unsubscribe"),
        ("autoreply_de.eml", "automatic reply"),
    ],
)
def test_other_replies_are_kept_and_ask_for_nothing(
    world: Personas, alice_domain: Any, inbound: Controller, name: str, reason: str
) -> None:
    assert deliver(inbound, name)[0] == 250
    message = latest()
    assert message.state == InboundState.PROCESSED and reason in message.reason
    assert not UnsubscribeRequest.objects.exists()


def test_mail_for_no_account_goes_to_the_review_queue(world: Personas, inbound: Controller) -> None:
    """Invariant 7: stored, and kept for an operator with the reason, never dropped."""
    assert deliver(inbound, "reply_de.eml", to="news@unknown.example")[0] == 250
    message = latest()
    assert message.state == InboundState.REVIEW
    assert message.reason == "no account sends from unknown.example: news@unknown.example"
    assert bytes(message.raw) == (MESSAGES / "reply_de.eml").read_bytes()


def test_a_message_that_breaks_its_handler_is_kept_for_review(
    world: Personas, alice_domain: Any, inbound: Controller, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise ValueError("parser bug")

    monkeypatch.setattr("feedback.handlers.handle_reply", broken)
    assert deliver(inbound, "reply_de.eml")[0] == 250
    message = latest()
    assert message.state == InboundState.REVIEW
    assert message.reason == "reply failed: ValueError: parser bug"
    assert not UnsubscribeRequest.objects.exists()


def test_a_message_stored_but_not_processed_is_processed_on_the_next_start(
    world: Personas, alice_domain: Any
) -> None:
    stored = services.receive(
        (MESSAGES / "reply_de.eml").read_bytes(),
        mail_from="kunde@example.de",
        rcpt_to=["news@news.example.com"],
    )
    assert stored.state == InboundState.RECEIVED
    assert services.process_waiting() == 1
    stored.refresh_from_db()
    assert stored.state == InboundState.PROCESSED
    assert UnsubscribeRequest.objects.filter(account=world.alice_account).count() == 1


def test_an_oversized_message_is_refused_at_smtp_time(world: Personas, settings: Any) -> None:
    settings.INBOUND_MAX_BYTES = 2048
    controller = listener("127.0.0.1", free_port())
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as smtp:
            smtp.ehlo("mx.example.de")
            smtp.mail("a@example.de")
            smtp.rcpt("news@news.example.com")
            code, _ = smtp.data(b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 60)
    except smtplib.SMTPDataError as exc:
        code = exc.smtp_code
    finally:
        controller.stop()
    assert code == 552
    assert not InboundMessage.objects.exists()
