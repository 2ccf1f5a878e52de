"""The mailbox poller (BOUNCE-2) against a real Dovecot on loopback, by IMAP and by POP3:
a bounce dropped into the mailbox is stored, routed by its Delivered-To address, applied,
and only then deleted from the mailbox."""

from __future__ import annotations

import imaplib
import poplib
from typing import Any

import pytest
from django.core.management import call_command

from contacts.rules import Status
from delivery import ledger
from delivery.sends import run_batch
from delivery.testing import Sendable
from feedback.mailbox import MailboxConfig, poll, recipient_of
from feedback.models import InboundMessage, InboundState
from feedback.simulate import dsn
from feedback.testing import PASSWORD, USER, MailServer

pytestmark = pytest.mark.django_db


def drop(server: MailServer, raw: bytes) -> None:
    """What the MTA does: deliver into the mailbox."""
    client = imaplib.IMAP4("127.0.0.1", server.imap_port)
    client.login(USER, PASSWORD)
    client.append("INBOX", None, None, raw)
    client.logout()


def count(server: MailServer) -> int:
    client = poplib.POP3("127.0.0.1", server.pop3_port)
    client.user(USER)
    client.pass_(PASSWORD)
    total = client.stat()[0]
    client.quit()
    return total


def bounce_for(sendable: Sendable) -> tuple[Any, bytes]:
    sendable.start()
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    message = sendable.smtp.messages[0]
    report = dsn(
        message.rcpt_tos[0], "5.1.1", "550 5.1.1 no such user", message.parsed()["Message-ID"]
    )
    return message, f"Delivered-To: {message.mail_from}\r\n".encode() + report


@pytest.mark.parametrize("scheme", ["imap", "pop3"])
def test_bounce_2_a_bounce_in_the_mailbox_is_stored_applied_and_removed(
    sendable: Sendable, mail_server: MailServer, scheme: str
) -> None:
    message, raw = bounce_for(sendable)
    drop(mail_server, raw)
    drop(mail_server, b"Subject: not for us\r\nTo: nobody@example.org\r\n\r\nHello\r\n")
    result = poll(MailboxConfig.from_url(mail_server.url(scheme)))
    assert (result.fetched, result.stored) == (2, 2)
    assert count(mail_server) == 0
    bounce, other = InboundMessage.objects.order_by("pk")
    assert bounce.route == "bounce" and bounce.state == InboundState.PROCESSED
    assert other.state == InboundState.REVIEW  # kept for an operator, never dropped
    contact = next(c for c in sendable.contacts if c.address == message.rcpt_tos[0])
    contact.refresh_from_db()
    assert contact.status == Status.BOUNCED


def test_the_command_polls_the_configured_mailbox(
    sendable: Sendable, mail_server: MailServer, settings: Any, capsys: Any
) -> None:
    _, raw = bounce_for(sendable)
    drop(mail_server, raw)
    settings.MAILBOX_URL = mail_server.url("imap")
    call_command("mailbox", "poll")
    assert "1 fetched, 1 stored" in capsys.readouterr().out
    assert count(mail_server) == 0


def test_the_recipient_is_the_address_the_mta_delivered_to() -> None:
    raw = b"X-Original-To: bounces+a.b.c@x.example\r\nTo: someone@else.example\r\n\r\n"
    assert recipient_of(raw) == "bounces+a.b.c@x.example"
    assert recipient_of(b"Subject: x\r\n\r\n", "fallback@x.example") == "fallback@x.example"


def test_a_bad_mailbox_url_is_refused_with_its_reason() -> None:
    from django.core.exceptions import ImproperlyConfigured

    for url, reason in (("ftp://u@h", "scheme"), ("imap://host", "user@host")):
        with pytest.raises(ImproperlyConfigured, match=reason):
            MailboxConfig.from_url(url)


@pytest.mark.parametrize("scheme", ["imap", "pop3"])
def test_a_poll_stores_in_batches_and_one_that_dies_loses_nothing(
    mail_server: MailServer, scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch is stored in one transaction and only then deleted from the mailbox: a
    poll that dies while storing its second batch leaves that batch and the rest there,
    and the next poll stores each of them once."""
    from feedback import mailbox, services

    for n in range(7):
        drop(mail_server, f"Subject: note {n}\r\nTo: someone@example.org\r\n\r\n{n}\r\n".encode())
    monkeypatch.setattr(mailbox, "STORE_BATCH", 3)
    receive_many = services.receive_many
    calls: list[int] = []

    def dies_on_the_second(arrivals: Any) -> Any:
        calls.append(len(arrivals))
        if len(calls) == 2:
            raise OSError("the database went away")
        return receive_many(arrivals)

    monkeypatch.setattr(services, "receive_many", dies_on_the_second)
    config = MailboxConfig.from_url(mail_server.url(scheme))
    with pytest.raises(OSError, match="went away"):
        poll(config)
    assert InboundMessage.objects.count() == 3
    assert count(mail_server) == 4

    monkeypatch.setattr(services, "receive_many", receive_many)
    poll(config)
    assert count(mail_server) == 0
    bodies = [bytes(m.raw).rsplit(b"\r\n\r\n", 1)[1] for m in InboundMessage.objects.all()]
    assert sorted(bodies) == sorted(f"{n}\r\n".encode() for n in range(7))
    assert all(m.state != InboundState.RECEIVED for m in InboundMessage.objects.all())


def test_a_large_poll_is_parsed_by_readers_that_end_with_it(
    mail_server: MailServer, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedback.readers import readers

    settings.INBOUND_PARSE_PROCESSES = 2
    for n in range(40):
        drop(
            mail_server,
            f"Delivered-To: fbl@news.example.com\r\nSubject: {n}\r\n\r\n{n}\r\n".encode(),
        )
    forked: list[int] = []
    take = readers._take

    def noted(count: int) -> Any:
        children = take(count)
        forked.extend(c.pid for c in children)
        return children

    monkeypatch.setattr(readers, "_take", noted)
    result = poll(MailboxConfig.from_url(mail_server.url("imap")))
    assert (result.fetched, result.stored) == (40, 40)
    assert forked and readers._children == []  # a reader parsed, and none is left
    states = set(InboundMessage.objects.values_list("route", "state"))
    assert states == {("fbl", InboundState.REVIEW)}  # no report in them: each for review
