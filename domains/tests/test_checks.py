"""Sender-domain checks against a real DNS server on loopback (DOMAIN-1, INDUSTRY-1).

The product's resolver (dnspython) asks the dnslib server of the `dns_server` fixture,
whose zone each test writes and changes while it runs.
"""

from __future__ import annotations

from typing import Any

import pytest

from consent.models import EvidenceRecord
from contacts.testing import SYSTEM
from core.errors import Conflict, InvalidInput
from domains import selectors, services, tasks
from domains.dns import clear_cache
from domains.models import DomainCheck, SenderDomain
from domains.rules import CheckState, DomainStatus
from domains.testing import TestDnsServer
from domains.tests.conftest import SENDING_IP, SPF_INCLUDE, publish

DOMAIN = "news.example.com"


def states(domain: SenderDomain) -> dict[str, str]:
    return {c.kind: c.state for c in selectors.checks_of(domain)}


def messages(domain: SenderDomain) -> dict[str, str]:
    return {c.kind: c.message for c in selectors.checks_of(domain)}


def reload(domain: SenderDomain) -> SenderDomain:
    return selectors.domain_of(domain.account, domain.pk)


@pytest.fixture
def domain(world: Any, platform: TestDnsServer) -> SenderDomain:
    return services.add_domain(world.alice_account, DOMAIN, actor=SYSTEM)


@pytest.fixture
def verified(domain: SenderDomain, platform: TestDnsServer) -> SenderDomain:
    publish(platform, reload(domain))
    checked = services.check_domain(domain, actor=SYSTEM)
    assert checked.status == DomainStatus.VERIFIED, messages(checked)
    return reload(checked)


def test_it_adds_a_domain_with_a_key_and_the_records_to_publish(
    world: Any, domain: SenderDomain
) -> None:
    """DOMAIN-1: the product generates an RSA-2048 key and shows every record to publish."""
    domain = reload(domain)
    assert (domain.status, domain.account_id) == ("pending", world.alice_account.pk)
    records = {r.purpose: r for r in selectors.records_to_publish(domain)}
    assert set(records) == {"ownership", "dkim", "spf", "dmarc", "return_path", "return_path_spf"}
    assert records["return_path_spf"].name == f"bounce.{DOMAIN}"
    assert records["return_path"].zone_line() == (
        f"bounce.{DOMAIN}. 3600 IN MX 10 mx.consentry.test."
    )
    assert records["ownership"].name == f"_consentry.{DOMAIN}"
    assert records["ownership"].value == f"consentry-verification={domain.ownership_token}"
    key = domain.dkim_keys.get()
    assert (key.algorithm, len(key.public_key)) == ("rsa-sha256", 392)  # 2048-bit SPKI
    assert records["dkim"].name == f"{key.selector}._domainkey.{DOMAIN}"
    assert records["dkim"].value == f"v=DKIM1; k=rsa; p={key.public_key}"
    assert records["spf"].value == f"v=spf1 include:{SPF_INCLUDE} ip4:{SENDING_IP} ~all"
    # Aggregate reports go to the platform's inbound host, where `consentry inbound` keeps them.
    assert records["dmarc"].value == (
        "v=DMARC1; p=none; adkim=r; aspf=r; rua=mailto:dmarc@mx.consentry.test"
    )
    assert states(domain) == dict.fromkeys(
        ("ownership", "dkim", "spf", "dmarc", "return_path"), "pending"
    )
    record = EvidenceRecord.objects.get(kind="domain.added")
    assert record.payload["name"] == DOMAIN and record.account_id == world.alice_account.pk


def test_it_keeps_one_domain_per_name_and_account(world: Any, domain: SenderDomain) -> None:
    with pytest.raises(Conflict):
        services.add_domain(world.alice_account, "NEWS.example.com.", actor=SYSTEM)
    other = services.add_domain(world.charlie_account, DOMAIN, actor=SYSTEM)
    # Two accounts claiming one zone never share a selector.
    assert other.dkim_keys.get().selector != domain.dkim_keys.get().selector
    with pytest.raises(InvalidInput):
        services.add_domain(world.alice_account, "not a domain", actor=SYSTEM)


def test_every_check_passes_on_correct_records(verified: SenderDomain) -> None:
    """INDUSTRY-1: ownership, DKIM, SPF (include and IP) and DMARC p=none all pass."""
    assert states(verified) == dict.fromkeys(
        ("ownership", "dkim", "spf", "dmarc", "return_path"), "pass"
    )
    text = messages(verified)
    assert text["return_path"] == f"bounces to bounce.{DOMAIN} reach mx.consentry.test"
    assert text["ownership"] == f"token found at _consentry.{DOMAIN}"
    assert (
        text["spf"] == f"SPF authorises include:{SPF_INCLUDE}, {SENDING_IP} (1 of 10 DNS lookups)"
    )
    assert text["dmarc"].startswith(f"DMARC policy none at _dmarc.{DOMAIN}")
    assert verified.verified_at is not None and verified.last_passed_at is not None
    assert selectors.sending_block_reasons(verified.account, DOMAIN) == []
    assert selectors.sending_block_reasons(verified.account, f"news@{DOMAIN}") == []
    assert EvidenceRecord.objects.filter(kind="domain.status_changed").count() == 1


def test_each_check_fails_with_its_message_on_missing_records(
    domain: SenderDomain, platform: TestDnsServer
) -> None:
    checked = services.check_domain(domain, actor=SYSTEM)
    assert checked.status == DomainStatus.PENDING
    assert states(checked) == dict.fromkeys(
        ("ownership", "dkim", "spf", "dmarc", "return_path"), "fail"
    )
    selector = checked.dkim_keys.get().selector
    assert messages(checked) == {
        "ownership": f"no TXT record at _consentry.{DOMAIN}",
        "dkim": f"no DKIM key record at {selector}._domainkey.{DOMAIN}",
        "spf": f"no SPF record (TXT v=spf1) at {DOMAIN}",
        "dmarc": f"no DMARC record at _dmarc.{DOMAIN} or above",
        "return_path": f"no MX record at bounce.{DOMAIN}",
    }
    reasons = selectors.sending_block_reasons(checked.account, DOMAIN)
    assert reasons[0] == f"{DOMAIN} is not verified yet"
    assert f"DKIM: no DKIM key record at {selector}._domainkey.{DOMAIN}" in reasons
    # A check someone asked for is evidence, whatever its result.
    assert EvidenceRecord.objects.filter(kind="domain.checked").count() == 1


def test_each_check_fails_on_wrong_records_and_shows_what_it_found(
    domain: SenderDomain, platform: TestDnsServer
) -> None:
    selector = domain.dkim_keys.get().selector
    platform.txt(f"_consentry.{DOMAIN}", "consentry-verification=someone-else")
    platform.txt(f"{selector}._domainkey.{DOMAIN}", "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0B")
    platform.txt(DOMAIN, "v=spf1 mx -all")
    platform.mx(DOMAIN, f"mx.{DOMAIN}")
    platform.a(f"mx.{DOMAIN}", "198.51.100.7")
    platform.txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=off")
    checked = reload(services.check_domain(domain, actor=SYSTEM))
    found = {c.kind: c for c in selectors.checks_of(checked)}
    assert found["ownership"].message == (
        f"the TXT record at _consentry.{DOMAIN} does not hold this domain's token"
    )
    assert found["ownership"].found == "consentry-verification=someone-else"
    assert found["dkim"].message == (
        f"the record at {selector}._domainkey.{DOMAIN} publishes a different public key"
    )
    assert found["spf"].message == (
        f"the SPF record of {DOMAIN} does not authorise include:{SPF_INCLUDE}: "
        f"fail ({DOMAIN}: -all matched (fail))"
    )
    assert found["spf"].found == "v=spf1 mx -all"
    assert found["dmarc"].message == (
        f"the DMARC record at _dmarc.{DOMAIN}: p= must be none, quarantine or reject, got 'off'"
    )
    # The SPF value to publish now keeps the account's own terms.
    spf = next(r for r in selectors.records_to_publish(checked) if r.purpose == "spf")
    assert spf.value == f"v=spf1 mx include:{SPF_INCLUDE} ip4:{SENDING_IP} -all"


def test_spf_passes_through_an_include_chain(domain: SenderDomain, platform: TestDnsServer) -> None:
    """The platform's include may sit two includes deep in the account's record."""
    publish(platform, reload(domain), skip=("spf",))
    platform.txt(DOMAIN, "v=spf1 include:_spf.example.com -all")
    platform.txt("_spf.example.com", "v=spf1 ip4:198.51.100.0/24 include:_mail.example.com ~all")
    platform.txt("_mail.example.com", f"v=spf1 include:{SPF_INCLUDE} ip4:{SENDING_IP} -all")
    checked = services.check_domain(domain, actor=SYSTEM)
    assert checked.status == DomainStatus.VERIFIED, messages(checked)
    assert messages(checked)["spf"].endswith("(3 of 10 DNS lookups)")


def test_spf_fails_past_ten_lookups(domain: SenderDomain, platform: TestDnsServer) -> None:
    """RFC 7208 §4.6.4, evaluated over real DNS answers."""
    publish(platform, reload(domain), skip=("spf",))
    chain = " ".join(f"include:_s{i}.example.com" for i in range(10))
    platform.txt(DOMAIN, f"v=spf1 include:{SPF_INCLUDE} {chain} -all")
    for i in range(10):
        platform.txt(f"_s{i}.example.com", f"v=spf1 ip4:198.51.100.{i} -all")
    checked = services.check_domain(domain, actor=SYSTEM)
    assert states(checked)["spf"] == "fail"
    assert messages(checked)["spf"].startswith("SPF permerror: more than 10 DNS lookups")
    assert checked.status == DomainStatus.PENDING
    # One include fewer: ten lookups are allowed.
    platform.replace_txt(DOMAIN, f"v=spf1 include:{SPF_INCLUDE} {chain.rsplit(' ', 1)[0]} -all")
    assert services.check_domain(domain, actor=SYSTEM).status == DomainStatus.VERIFIED


def test_a_dns_timeout_leaves_the_state_unknown(
    domain: SenderDomain, platform: TestDnsServer
) -> None:
    publish(platform, reload(domain))
    platform.silence(f"_dmarc.{DOMAIN}")
    checked = services.check_domain(domain, actor=SYSTEM)
    assert states(checked)["dmarc"] == CheckState.UNKNOWN
    assert "no answer from DNS" in messages(checked)["dmarc"]
    assert checked.status == DomainStatus.PENDING


def test_a_timeout_never_flips_a_verified_domain_to_failed(
    verified: SenderDomain, platform: TestDnsServer
) -> None:
    """DOMAIN-1: DNS not answering is not the same as the records being gone."""
    platform.silence(DOMAIN)
    checked = services.check_domain(verified, actor=SYSTEM, periodic=True)
    assert checked.status == DomainStatus.VERIFIED
    assert states(checked)["spf"] == CheckState.UNKNOWN
    assert selectors.sending_block_reasons(checked.account, DOMAIN) == []


def test_a_verified_domain_that_loses_its_dkim_record_blocks_sends(
    world: Any, verified: SenderDomain, platform: TestDnsServer
) -> None:
    """DOMAIN-1: the periodic recheck finds the key gone; sends From the domain are refused
    and the account sees why."""
    selector = verified.dkim_keys.get().selector
    platform.remove(f"{selector}._domainkey.{DOMAIN}")
    counts = tasks.recheck_verified_domains.enqueue().return_value
    assert counts == {"failed": 1}
    failed = reload(verified)
    assert failed.status == DomainStatus.FAILED
    assert states(failed)["dkim"] == CheckState.FAIL
    assert selectors.sending_block_reasons(world.alice_account, f"news@{DOMAIN}") == [
        f"{DOMAIN} stopped verifying",
        f"DKIM: no DKIM key record at {selector}._domainkey.{DOMAIN}",
    ]
    change = EvidenceRecord.objects.filter(kind="domain.status_changed").latest("seq")
    assert (change.payload["from"], change.payload["status"]) == ("verified", "failed")
    assert change.actor == "system:domain-recheck"
    # Published again, the next recheck lifts the block.
    publish(platform, failed, skip=("ownership", "spf", "dmarc"))
    assert services.recheck_verified_domains() == {"verified": 1}
    assert selectors.sending_block_reasons(world.alice_account, DOMAIN) == []


def test_the_periodic_recheck_records_no_evidence_when_nothing_changes(
    verified: SenderDomain,
) -> None:
    before = EvidenceRecord.objects.count()
    assert services.recheck_verified_domains() == {"verified": 1}
    assert EvidenceRecord.objects.count() == before
    assert DomainCheck.objects.filter(domain=verified, state="pass").count() == 5


def test_the_periodic_recheck_uses_the_dns_cache_and_a_check_now_does_not(
    verified: SenderDomain, platform: TestDnsServer
) -> None:
    """Answers are cached for their TTL; "Check now" asks DNS again."""
    clear_cache()
    platform.zone.queries.clear()
    services.recheck_verified_domains()
    first = len(platform.zone.queries)
    assert first == 6  # one query per name: SPF's walks share the answers
    services.recheck_verified_domains()
    assert len(platform.zone.queries) == first  # all from the cache
    services.check_domain(verified, actor=SYSTEM)
    assert len(platform.zone.queries) == 2 * first


def test_sends_are_refused_from_a_domain_the_account_does_not_have(world: Any) -> None:
    assert selectors.sending_block_reasons(world.alice_account, "other.example") == [
        "other.example is not a sender domain of this account"
    ]


def test_an_ed25519_key_must_be_published_too(world: Any, platform: TestDnsServer) -> None:
    domain = services.add_domain(world.alice_account, DOMAIN, actor=SYSTEM, ed25519=True)
    domain = reload(domain)
    ed = next(r for r in selectors.records_to_publish(domain) if "k=ed25519" in r.value)
    publish(platform, domain)
    assert services.check_domain(domain, actor=SYSTEM).status == DomainStatus.VERIFIED
    platform.remove(ed.name)
    checked = services.check_domain(domain, actor=SYSTEM)
    assert checked.status == DomainStatus.FAILED
    assert messages(checked)["dkim"] == f"no DKIM key record at {ed.name}"
