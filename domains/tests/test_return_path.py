"""The return-path host (bounces and mailto unsubscribes reach `consentry inbound`), the
DMARC record asking for aggregate reports, and the checks that cannot judge without the
platform's settings (DOMAIN-1, INDUSTRY-1)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from contacts.testing import SYSTEM
from core.errors import InvalidInput
from domains import selectors, services
from domains.models import SenderDomain
from domains.rules import CheckState, DomainStatus, check_return_path
from domains.spf import check_spf
from domains.testing import TestDnsServer
from domains.tests.conftest import INBOUND_HOST, publish
from domains.tests.test_checks import DOMAIN, messages, states


def test_a_domain_asks_for_a_return_path_host_below_it(world: Any) -> None:
    default = services.add_domain(world.alice_account, DOMAIN, actor=SYSTEM)
    assert default.return_path_host == f"bounce.{DOMAIN}"
    chosen = services.add_domain(
        world.alice_account, "b.example.com", actor=SYSTEM, return_path_host="RP.b.example.com."
    )
    assert chosen.return_path_host == "rp.b.example.com"
    for wrong in ("bounce.example.org", "b.example.com", "not a host"):
        with pytest.raises(InvalidInput) as refused:
            services.add_domain(
                world.alice_account, "c.example.com", actor=SYSTEM, return_path_host=wrong
            )
        assert refused.value.message.startswith("return-path host: ")
    assert not SenderDomain.objects.filter(name="c.example.com").exists()


def test_the_return_path_mx_must_point_at_the_inbound_host(
    world: Any, platform: TestDnsServer
) -> None:
    domain = services.add_domain(world.alice_account, DOMAIN, actor=SYSTEM)
    publish(platform, selectors.domain_of(world.alice_account, domain.pk))
    checked = services.check_domain(domain, actor=SYSTEM)
    assert checked.status == DomainStatus.VERIFIED
    platform.remove(f"bounce.{DOMAIN}", "MX")
    platform.mx(f"bounce.{DOMAIN}", "mail.example.com")
    checked = services.check_domain(checked, actor=SYSTEM)
    assert checked.status == DomainStatus.FAILED
    assert states(checked)["return_path"] == CheckState.FAIL
    assert messages(checked)["return_path"] == (
        f"the MX of bounce.{DOMAIN} must point at {INBOUND_HOST} only, so bounces reach the "
        "platform"
    )
    assert selectors.sending_block_reasons(world.alice_account, DOMAIN)


def test_the_records_ask_for_dmarc_reports_and_a_bounce_mx(
    world: Any, platform: TestDnsServer
) -> None:
    domain = services.add_domain(world.alice_account, DOMAIN, actor=SYSTEM)
    lines = [r.zone_line() for r in selectors.records_to_publish(domain)]
    assert f"bounce.{DOMAIN}. 3600 IN MX 10 {INBOUND_HOST}." in lines
    assert (
        f'_dmarc.{DOMAIN}. 3600 IN TXT "v=DMARC1; p=none; adkim=r; aspf=r; '
        f'rua=mailto:dmarc@{INBOUND_HOST}"'
    ) in lines
    # Receivers check SPF on the envelope sender: the return-path host gets its own record.
    assert any(line.startswith(f'bounce.{DOMAIN}. 3600 IN TXT "v=spf1 include:') for line in lines)


def test_without_platform_settings_spf_and_return_path_cannot_be_judged(
    world: Any, dns_server: TestDnsServer, settings: Any
) -> None:
    """`v=spf1 ~all` used to pass: with no sending host named there is nothing to judge."""
    settings.SPF_INCLUDE, settings.SENDING_IPS, settings.INBOUND_HOST = "", [], ""
    dns_server.txt(DOMAIN, "v=spf1 ~all")
    lookup = dns_server.lookup
    spf = check_spf(DOMAIN, lookup, include="", ips=[])
    assert (spf.state, spf.message) == (
        CheckState.UNJUDGED,
        "cannot judge: the platform's operator has not named its sending hosts",
    )
    assert check_spf(DOMAIN, lookup, include="", ips=["192.0.2.25"]).state == CheckState.FAIL
    unjudged = check_return_path(f"bounce.{DOMAIN}", "", lookup)
    assert unjudged.state == CheckState.UNJUDGED
    assert unjudged.message.startswith("cannot judge: ")
    # The MX record is asked for only once the inbound host is known.
    domain = services.add_domain(world.alice_account, DOMAIN, actor=SYSTEM)
    assert "MX" not in {r.type for r in selectors.records_to_publish(domain)}


def test_check_deploy_warns_when_mail_leaves_without_sending_hosts(settings: Any) -> None:
    from carrier.checks import check_sender_records

    settings.SMTP_URL = "smtp://relay.example:25"
    settings.SPF_INCLUDE, settings.SENDING_IPS, settings.INBOUND_HOST = "", [], ""
    assert [w.id for w in check_sender_records()] == ["delivery.W003", "delivery.W004"]
    settings.SPF_INCLUDE, settings.INBOUND_HOST = "_spf.relay.example", "mx.relay.example"
    assert check_sender_records() == []
    settings.SMTP_URL, settings.SPF_INCLUDE = "", ""
    assert check_sender_records() == []  # the sandbox mailbox: no mail leaves


def test_the_cli_takes_the_return_path_host(world: Any, platform: TestDnsServer) -> None:
    out = StringIO()
    call_command("domain", "add", "alice-shop", DOMAIN, "--return-path", f"rp.{DOMAIN}", stdout=out)
    assert f"Return path (bounces): rp.{DOMAIN}" in out.getvalue()
    assert f"rp.{DOMAIN}. 3600 IN MX 10 {INBOUND_HOST}." in out.getvalue()
