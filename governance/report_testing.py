"""Fixture of the report tests: a campaign really sent to a loopback SMTP server, then one
hard bounce (a DSN), one complaint (an ARF report) and one unsubscribe through its link, all
taken in by the same code as in production."""

from __future__ import annotations

import pytest

from contacts.testing import SYSTEM
from delivery import links
from feedback import services as feedback
from feedback.simulate import arf, dsn
from governance.testing import Sent

BOUNCED, COMPLAINED, LEFT = "anna@example.org", "ben@example.net", "kunde@example.de"


def feedback_about(sent: Sent, address: str, kind: str) -> None:
    message = sent.message_to(address)
    mid = message.parsed()["Message-ID"]
    if kind == "complaint":
        domain = message.mail_from.rpartition("@")[2]
        raw, to = arf(address, mid), f"fbl@{domain}"
    else:
        raw, to = dsn(address, "5.1.1", "550 5.1.1 user unknown", mid), message.mail_from
    feedback.process(feedback.receive(raw, mail_from="", rcpt_to=[to], peer="test"))


@pytest.fixture
def reported(sent: Sent) -> Sent:
    feedback_about(sent, BOUNCED, "hard_bounce")
    feedback_about(sent, COMPLAINED, "complaint")
    links.unsubscribe_through_link(sent.entry_for(LEFT), actor=SYSTEM, method="page")
    sent.campaign.refresh_from_db()
    return sent
