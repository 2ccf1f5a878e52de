"""Test support for campaigns: an account that may send (imprint, a sender domain
published in the loopback DNS server and verified), a template, a DKIM check by dkimpy.

The `sendable` fixture (delivery.testing) builds a ready campaign on these.
"""

from __future__ import annotations

from typing import Any

import dkim as dkimpy

from accounts import services as accounts
from contacts.testing import SYSTEM, Personas
from domains import selectors as domain_selectors
from domains import services as domains
from domains.dns import lookup
from domains.rules import DomainStatus
from domains.testing import TestDnsServer, check_published, publish_record

DOMAIN = "news.alice-shop.example"
SPF_INCLUDE = "_spf.consentry.test"
INBOUND_HOST = "mx.consentry.test"

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
    settings.INBOUND_HOST = INBOUND_HOST
    dns_server.txt(SPF_INCLUDE, "v=spf1 ip4:192.0.2.0/24 -all")
    domain = domains.add_domain(world.alice_account, DOMAIN, actor=SYSTEM)
    domain = domain_selectors.domain_of(world.alice_account, domain.pk)
    for record in domain_selectors.records_to_publish(domain):
        publish_record(dns_server, record, replace=record.purpose == "spf")
    checked = check_published(domain)
    assert checked.status == DomainStatus.VERIFIED, [
        (c.kind, c.message) for c in domain_selectors.checks_of(checked)
    ]
    return checked


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
