"""Fixtures of the abuse desk's tests: a campaign really sent to a loopback SMTP server,
and complaints about one of its messages as people and mailbox providers write them."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.utils import formatdate, make_msgid
from typing import Any

import pytest

from campaigns.models import Campaign
from carrier.testing import ReceivedMessage
from delivery import ledger
from delivery.models import SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable


@dataclass
class Sent:
    sendable: Sendable

    @property
    def campaign(self) -> Campaign:
        return self.sendable.campaign

    def message_to(self, address: str) -> ReceivedMessage:
        return self.sendable.received_by(address)[0]

    def entry_for(self, address: str) -> SendLedgerEntry:
        return SendLedgerEntry.objects.get(campaign=self.campaign, contact__address=address)


@pytest.fixture
def sent(sendable: Sendable) -> Sent:
    """Alice's campaign, sent to her three contacts (kunde@example.de among them)."""
    sendable.start()
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    return Sent(sendable)


def forwarded_complaint(original: bytes, *, sender: str = "kunde@example.de") -> bytes:
    """A person forwards the mailing they did not want to abuse@, attached whole."""
    return (
        (
            f"From: Kunde <{sender}>\r\n"
            "To: abuse@mail.consentry.test\r\n"
            "Subject: Spam von Alice Shop\r\n"
            f"Date: {formatdate()}\r\n"
            f"Message-ID: {make_msgid(domain='example.de')}\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="fwd-1"\r\n'
            "\r\n"
            "--fwd-1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Ich habe diesen Newsletter nie bestellt. Bitte abstellen.\r\n\r\n"
            "--fwd-1\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + original
        + b"\r\n--fwd-1--\r\n"
    )


def quoted_complaint(mailing_id: str, *, sender: str = "kunde@example.de") -> bytes:
    """A person writes the mailing ID in the text, nothing attached."""
    return (
        f"From: {sender}\r\nTo: abuse@mail.consentry.test\r\nSubject: Beschwerde\r\n"
        f"Date: {formatdate()}\r\nMessage-ID: {make_msgid(domain='example.de')}\r\n\r\n"
        f"Unerwuenschte Werbung, Mailing-ID {mailing_id}.\r\n"
    ).encode()


def deliver(host: str, port: int, to: str, raw: bytes, *, sender: str = "kunde@example.de") -> None:
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.sendmail(sender, [to], raw)


def case_for(
    account: Any, *, kind: str = "complaint", text: str = "Spam", contact: Any = None
) -> Any:
    """A case the operator entered about `account` (and `contact`, when given)."""
    from governance import abuse
    from governance.models import AbuseCase

    case = abuse.open_by_operator(
        kind=kind, reporter="", text=text, quoted="", actor=abuse.INTAKE, account=account
    )
    if contact is not None:
        AbuseCase.objects.filter(pk=case.pk).update(contact=contact)
        case.refresh_from_db()
    return case


def draft_campaign(account: Any, name: str = "Herbst") -> Campaign:
    """A campaign row for the lookup: its mailing ID is all a lookup needs."""
    return Campaign.objects.create(
        account=account, name=name, subject=name, from_address="news@alice-shop.example"
    )
