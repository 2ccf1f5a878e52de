"""Sender-domain fixtures: the platform's SPF settings and a helper publishing a domain."""

from __future__ import annotations

from typing import Any

import pytest

from domains import selectors
from domains.models import SenderDomain
from domains.testing import TestDnsServer, publish_record

SPF_INCLUDE = "_spf.consentry.test"
SENDING_IP = "192.0.2.25"
INBOUND_HOST = "mx.consentry.test"


@pytest.fixture
def platform(settings: Any, dns_server: TestDnsServer) -> TestDnsServer:
    """The platform authorises sending through an include and one IP; its include record
    is published in the test zone."""
    settings.SPF_INCLUDE = SPF_INCLUDE
    settings.SENDING_IPS = [SENDING_IP]
    settings.INBOUND_HOST = INBOUND_HOST
    dns_server.txt(SPF_INCLUDE, "v=spf1 ip4:192.0.2.0/24 -all")
    return dns_server


def publish(dns_server: TestDnsServer, domain: SenderDomain, *, skip: tuple[str, ...] = ()) -> None:
    """Publish every record the product shows for `domain`, as the account would."""
    for record in selectors.records_to_publish(domain):
        if record.purpose in skip:
            continue
        publish_record(dns_server, record, replace=record.purpose == "spf")
