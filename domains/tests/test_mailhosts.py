"""AUDIT-1 (iii): domains that accept no mail, asked of a real DNS server on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from domains import dns as domain_dns
from domains.mailhosts import check_addresses, domain_mail_state, domain_mail_states
from domains.testing import TestDnsServer


@pytest.fixture
def zone(dns_server: TestDnsServer) -> TestDnsServer:
    dns_server.mx("mx.example", "mail.mx.example")
    dns_server.a("mail.mx.example", "192.0.2.25")
    dns_server.a("a-only.example", "192.0.2.26")
    dns_server.aaaa("aaaa-only.example", "2001:db8::26")
    dns_server.txt("txt-only.example", "v=spf1 -all")
    # RFC 7505: one MX, preference 0, exchange "."
    dns_server.mx("null-mx.example", ".", preference=0)
    dns_server.a("null-mx.example", "192.0.2.27")
    dns_server.mx("slow.example", "mail.slow.example")
    dns_server.silence("slow.example")
    return dns_server


def test_it_accepts_a_domain_with_mx(zone: TestDnsServer) -> None:
    assert domain_mail_state("mx.example") == "ok"


def test_it_accepts_a_domain_without_mx_but_with_an_address(zone: TestDnsServer) -> None:
    """RFC 5321 §5.1: the domain itself is the mail host (the implicit MX)."""
    assert domain_mail_state("a-only.example") == "ok"
    assert domain_mail_state("aaaa-only.example") == "ok"


def test_it_says_no_mail_for_nxdomain_no_records_and_null_mx(zone: TestDnsServer) -> None:
    assert domain_mail_state("missing.example") == "no_mail"
    assert domain_mail_state("txt-only.example") == "no_mail"
    assert domain_mail_state("null-mx.example") == "no_mail"


def test_a_timeout_is_unknown_never_no_mail(zone: TestDnsServer) -> None:
    assert domain_mail_state("slow.example") == "unknown"


def test_it_asks_each_domain_once_and_caches_the_answer(zone: TestDnsServer) -> None:
    domains = ["mx.example", "MX.example", "a-only.example", "mx.example.", "missing.example"]
    states = domain_mail_states(domains, concurrency=4)
    assert states == {"mx.example": "ok", "a-only.example": "ok", "missing.example": "no_mail"}
    asked = [q for q in zone.zone.queries if q[0] == "mx.example"]
    assert asked == [("mx.example", "MX")]
    before = len(zone.zone.queries)
    assert domain_mail_states(domains) == states  # within the TTL: from the cache
    assert len(zone.zone.queries) == before


def test_it_asks_many_domains_at_once(zone: TestDnsServer) -> None:
    """Silent domains hold their worker until the timeout; the others still get answers."""
    for n in range(6):
        zone.silence(f"slow{n}.example")
    names = [f"slow{n}.example" for n in range(6)] + ["mx.example", "missing.example"]
    states = domain_mail_states(names, concurrency=8)
    assert [states[f"slow{n}.example"] for n in range(6)] == ["unknown"] * 6
    assert states["mx.example"] == "ok"
    assert states["missing.example"] == "no_mail"


@pytest.mark.django_db
def test_check_addresses_adds_the_domain_classes(zone: TestDnsServer) -> None:
    checks = check_addresses(
        [
            "anna@mx.example",
            "bert@missing.example",
            "carl@null-mx.example",
            "dora@slow.example",
            "not an address",
            "info@a-only.example",
        ]
    )
    assert [(c.valid, c.classes) for c in checks] == [
        (True, ()),
        (False, ("no_mail_domain",)),
        (False, ("no_mail_domain",)),
        (True, ("unknown_domain_state",)),
        (False, ("invalid",)),
        (True, ("role",)),
    ]
    # An invalid address's domain is never asked.
    assert not [q for q in zone.zone.queries if "address" in q[0]]


@pytest.mark.django_db
def test_check_addresses_without_dns_asks_nothing(zone: TestDnsServer) -> None:
    before = len(zone.zone.queries)
    checks = check_addresses(["bert@missing.example"], dns=False)
    assert checks[0].valid and checks[0].classes == ()
    assert len(zone.zone.queries) == before


def test_a_resolver_that_denies_the_large_providers_too_is_not_believed(
    zone: TestDnsServer, settings: Any
) -> None:
    """An offline machine's resolver answers NXDOMAIN for every name: its "no such domain"
    says nothing, so no address is refused for it."""
    settings.ADDRESS_DNS_CANARIES = ["gmail.example", "gmx.example"]
    states = domain_mail_states(["missing.example", "mx.example", "slow.example"])
    assert states == {"missing.example": "unknown", "mx.example": "ok", "slow.example": "unknown"}
    # Once one of them answers, the resolver sees the internet and is believed.
    zone.mx("gmx.example", "mx.gmx.example")
    domain_dns.clear_cache()
    assert domain_mail_states(["missing.example"]) == {"missing.example": "no_mail"}
