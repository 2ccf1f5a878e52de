"""Fixtures for campaign and send tests: an account that may send, a campaign, real SMTP.

`sendable` builds on the personas: alice's account gets its imprint, a sender domain whose
records are published in the loopback DNS server and verified, an admitted list with three
confirmed contacts, and a campaign to it. Mail goes to the `smtp_server` fixture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dkim as dkimpy
import pytest

from accounts import services as accounts
from campaigns import services as campaigns
from campaigns.models import Campaign
from contacts import services as contacts
from contacts.models import Contact, List
from core.testing import SYSTEM, Personas
from delivery.testing import SmtpTestServer
from domains import selectors as domain_selectors
from domains import services as domains
from domains.dns import lookup
from domains.rules import DomainStatus
from domains.testing import TestDnsServer

DOMAIN = "news.alice-shop.example"
SPF_INCLUDE = "_spf.consentry.test"

HTML = """<html><head><style>p { color: #333; }</style></head><body>
<h1>Hallo {{ first_name }}!</h1>
<p>Unser Herbstangebot: alles f\u00fcr den Garten, 20 % g\u00fcnstiger.</p>
<p><a href="{{ unsubscribe_url }}">Abmelden</a></p>
{{ imprint }}
</body></html>
"""


def dkimpy_verify(message: bytes) -> bool:
    """dkimpy, its key read from the loopback DNS server through the product's resolver."""

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        records = lookup(name.decode().rstrip("."), "TXT", fresh=True)
        return records[0].encode() if records else b""

    return bool(dkimpy.verify(message, dnsfunc=dnsfunc))


def verified_domain(world: Personas, dns_server: TestDnsServer, settings: Any) -> Any:
    settings.SPF_INCLUDE = SPF_INCLUDE
    settings.SENDING_IPS = ["192.0.2.25"]
    dns_server.txt(SPF_INCLUDE, "v=spf1 ip4:192.0.2.0/24 -all")
    domain = domains.add_domain(world.alice_account, DOMAIN, actor=SYSTEM)
    domain = domain_selectors.domain_of(world.alice_account, domain.pk)
    for record in domain_selectors.records_to_publish(domain):
        if record.purpose == "spf":
            dns_server.replace_txt(record.name, record.value)
        else:
            dns_server.txt(record.name, record.value)
    checked = domains.check_domain(domain, actor=SYSTEM)
    assert checked.status == DomainStatus.VERIFIED
    return checked


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

    def start(self) -> int:
        return campaigns.start_send(self.campaign, actor=SYSTEM, guidelines_confirmed=True)

    def received_by(self, address: str) -> list[Any]:
        return [m for m in self.smtp.messages if address in m.rcpt_tos]


def set_imprint(account: Any) -> None:
    accounts.update_imprint(
        account,
        imprint_name="Alice Shop GmbH",
        imprint_address="Hauptstr. 1\n10115 Berlin",
        imprint_contact="info@alice-shop.example, +49 30 123456",
        imprint_register="Amtsgericht Berlin HRB 12345",
        imprint_vat_id="DE123456789",
        imprint_representative="Alice Adler",
    )


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
