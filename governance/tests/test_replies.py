"""ABUSE-3: every mail to a campaign's From and Reply-To that is no unsubscribe, bounce or
report reaches the account: shown in its inbox (its own replies only) and forwarded to the
address it names, through the outbound path, marked as forwarded and limited per hour."""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from contacts.models import UnsubscribeRequest
from contacts.testing import Personas
from domains.testing import TestDnsServer, verify_domain
from governance import replies
from governance.models import Reply
from governance.selectors import replies_of

MESSAGES = Path(__file__).parents[2] / "feedback" / "tests" / "messages"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_domain(world: Personas, dns_server: TestDnsServer) -> Any:
    return verify_domain(world.alice_account, "news.example.com", dns_server)


def deliver(controller: Controller, name: str, to: str = "news@news.example.com") -> None:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as smtp:
        smtp.sendmail("kunde@example.de", [to], (MESSAGES / name).read_bytes())


def test_abuse_3_a_question_reaches_the_inbox_of_the_sending_account_only(
    world: Personas, alice_domain: Any, inbound: Controller
) -> None:
    deliver(inbound, "reply_question.eml")
    reply = Reply.objects.get()
    assert (reply.account, reply.sender, reply.subject) == (
        world.alice_account,
        "kunde@example.de",
        "Re: Herbstkollektion",
    )
    assert "ship to Austria" in reply.text and not reply.automatic
    assert list(replies_of(world.alice_account)) == [reply]
    assert not replies_of(world.charlie_account).exists()


def test_abuse_3_an_unsubscribe_reply_is_a_request_not_an_inbox_entry(
    world: Personas, alice_domain: Any, inbound: Controller
) -> None:
    deliver(inbound, "reply_de.eml")
    assert UnsubscribeRequest.objects.count() == 1 and not Reply.objects.exists()


def test_abuse_3_an_automatic_reply_is_shown_but_never_forwarded(
    world: Personas, alice_domain: Any, inbound: Controller, settings: Any, smtp_server: Any
) -> None:
    settings.SMTP_URL = smtp_server.url()
    replies.set_forwarding(world.alice_account, "service@alice.example")
    deliver(inbound, "autoreply_de.eml")
    reply = Reply.objects.get()
    assert reply.automatic and reply.forwarded_at is None and "automatic" in reply.forward_note
    assert smtp_server.messages == []


def test_abuse_3_a_reply_is_forwarded_marked_and_limited_per_hour(
    world: Personas, alice_domain: Any, inbound: Controller, settings: Any, smtp_server: Any
) -> None:
    settings.SMTP_URL = smtp_server.url()
    settings.REPLY_FORWARDS_PER_HOUR = 1
    from django.core.cache import cache

    cache.clear()
    replies.set_forwarding(world.alice_account, "Service@Alice.example")
    deliver(inbound, "reply_question.eml")
    reply = Reply.objects.get()
    assert reply.forwarded_to == "Service@alice.example" and reply.forwarded_at is not None
    (sent,) = smtp_server.messages
    assert sent.rcpt_tos == ["Service@alice.example"]
    parsed = sent.parsed()
    assert parsed["X-Consentry-Forwarded"] == f"reply {reply.pk}"
    assert parsed["Reply-To"] == "kunde@example.de"
    assert "ship to Austria" in parsed.get_content()
    second = Path(MESSAGES / "reply_question.eml").read_bytes().replace(b"reply-2@", b"reply-3@")
    with smtplib.SMTP(inbound.hostname, inbound.port, timeout=10) as smtp:
        smtp.sendmail("kunde@example.de", ["news@news.example.com"], second)
    latest = Reply.objects.latest("pk")
    assert latest.forwarded_at is None and "hourly limit" in latest.forward_note
    assert len(smtp_server.messages) == 1
