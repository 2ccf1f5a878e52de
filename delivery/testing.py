"""Test support for sends: a campaign ready to send to a real SMTP server on loopback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from campaigns import services as campaigns
from campaigns.models import Campaign
from campaigns.testing import DOMAIN, HTML, set_imprint, verified_domain
from carrier.testing import SmtpTestServer
from contacts import services as contacts
from contacts.models import Contact, List
from contacts.testing import SYSTEM, Personas
from delivery import sends
from domains.testing import TestDnsServer


@dataclass
class Sendable:
    world: Personas
    campaign: Campaign
    lst: List
    contacts: list[Contact]
    smtp: SmtpTestServer

    def add(self, address: str, **kwargs: Any) -> Contact:
        contact = self.world.add_contact(self.world.alice_account, address, self.lst, **kwargs)
        self.contacts.append(contact)
        return contact

    def another(self, name: str) -> Campaign:
        """A second campaign like the first, to the same list (a draft)."""
        return campaigns.create_campaign(
            self.world.alice_account,
            actor=SYSTEM,
            lists=[self.lst],
            name=name,
            subject=name,
            from_name="Alice Shop",
            from_address=self.campaign.from_address,
            html=self.campaign.html,
        )

    def start(self) -> int:
        return sends.start_send(self.campaign, actor=SYSTEM, guidelines_confirmed=True)

    def received_by(self, address: str) -> list[Any]:
        return [m for m in self.smtp.messages if address in m.rcpt_tos]


@pytest.fixture
def sendable(
    world: Personas, dns_server: TestDnsServer, settings: Any, smtp_server: Any
) -> Sendable:
    settings.SMTP_URL = smtp_server.url()
    settings.BASE_URL = "https://mail.consentry.test"
    verified_domain(world, dns_server, settings)
    set_imprint(world.alice_account)
    lst = contacts.set_list_admission(world.alice_list, actor=SYSTEM, admitted=True)
    people = [world.alice_contact]
    for address in ("anna@example.org", "ben@example.net"):
        people.append(world.add_contact(world.alice_account, address, lst, first_name="Anna"))
    campaign = campaigns.create_campaign(
        world.alice_account,
        actor=SYSTEM,
        lists=[lst],
        name="Herbst",
        subject="Herbst bei Alice, {{ first_name }}",
        from_name="Alice Shop",
        from_address=f"news@{DOMAIN}",
        reply_to="service@alice-shop.example",
        html=HTML,
    )
    world.alice_account.refresh_from_db()
    campaign.refresh_from_db()
    return Sendable(world, campaign, lst, people, smtp_server)


def most_in_any_span(messages: list[Any], seconds: float) -> int:
    """SEND-5: the most messages the server received within any `seconds` in a row.

    A shared rate lets at most `a` messages per second through in the windows it counts
    (delivery.rules); a message arrives a little after its hand-over, and a span may cut
    into one more window, so a rate that holds never shows more than (seconds + 1) * a."""
    times = sorted(m.received_at for m in messages)
    most = 0
    first = 0
    for last, at in enumerate(times):
        while times[first] <= at - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most
