"""domains.rules over a dict of DNS answers: SPF (RFC 7208), DMARC, DKIM records, status.

DOMAIN-1 and INDUSTRY-1. The same rules run against a real DNS server in test_checks.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from domains.rules import (
    CheckKind,
    CheckResult,
    CheckState,
    DkimAlgorithm,
    DnsRecord,
    DomainStatus,
    TemporaryDnsError,
    check_dkim_record,
    check_dmarc,
    check_ownership,
    combine_dkim,
    dmarc_candidates,
    is_aligned,
    next_status,
    normalise_domain_name,
    outcome_of,
    parse_dmarc,
    parse_tags,
)
from domains.spf import (
    SpfResult,
    check_spf,
    evaluate_spf,
    expand_macros,
    suggest_spf,
)
from policy.defaults import BY_KEY

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Zone:
    """A Lookup over a dict; names listed in `silent` time out."""

    def __init__(self, records: dict[tuple[str, str], list[str]] | None = None) -> None:
        self.records = dict(records or {})
        self.silent: set[str] = set()
        self.asked: list[tuple[str, str]] = []

    def __call__(self, name: str, rdtype: str) -> list[str]:
        self.asked.append((name, rdtype))
        if name in self.silent:
            raise TemporaryDnsError(f"no answer for {rdtype} {name}")
        return list(self.records.get((name, rdtype), []))

    def txt(self, name: str, *values: str) -> Zone:
        self.records[(name, "TXT")] = list(values)
        return self


# ---- SPF ----------------------------------------------------------------------------------


def test_it_passes_an_ip_listed_directly_and_applies_the_all_qualifier() -> None:
    """RFC 7208 §4.6.2: the first matching mechanism decides; `all` matches the rest."""
    zone = Zone().txt("example.com", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all")
    assert evaluate_spf("example.com", zone, ip="192.0.2.7").result == SpfResult.PASS
    assert evaluate_spf("example.com", zone, ip="2001:db8::1").result == SpfResult.PASS
    assert evaluate_spf("example.com", zone, ip="198.51.100.1").result == SpfResult.FAIL
    soft = Zone().txt("example.com", "v=spf1 ip4:192.0.2.0/24 ~all")
    assert evaluate_spf("example.com", soft, ip="198.51.100.1").result == SpfResult.SOFTFAIL
    neutral = Zone().txt("example.com", "v=spf1 ip4:192.0.2.0/24 ?all")
    assert evaluate_spf("example.com", neutral, ip="198.51.100.1").result == SpfResult.NEUTRAL
    none = Zone().txt("example.com", "v=spf1 ip4:192.0.2.0/24")
    assert evaluate_spf("example.com", none, ip="198.51.100.1").result == SpfResult.NEUTRAL


def test_it_follows_an_include_chain() -> None:
    """INDUSTRY-1: include → include → ip4 authorises the platform's IP."""
    zone = (
        Zone()
        .txt("example.com", "v=spf1 include:_spf.provider.test -all")
        .txt("_spf.provider.test", "v=spf1 include:_netblocks.provider.test ~all")
        .txt("_netblocks.provider.test", "v=spf1 ip4:203.0.113.0/24 -all")
    )
    outcome = evaluate_spf("example.com", zone, ip="203.0.113.9")
    assert (outcome.result, outcome.lookups) == (SpfResult.PASS, 2)
    # A failing include does not match: evaluation goes on to -all.
    assert evaluate_spf("example.com", zone, ip="198.51.100.1").result == SpfResult.FAIL


def test_it_authorises_an_include_only_when_reached_with_a_pass_qualifier() -> None:
    zone = (
        Zone()
        .txt("ok.test", "v=spf1 mx include:spf.consentry.test ~all")
        .txt("minus.test", "v=spf1 -include:spf.consentry.test ~all")
        .txt("nested.test", "v=spf1 include:inner.test -all")
        .txt("inner.test", "v=spf1 include:spf.consentry.test -all")
        .txt("after-all.test", "v=spf1 -all include:spf.consentry.test")
        .txt("spf.consentry.test", "v=spf1 ip4:192.0.2.0/24 -all")
    )
    assert evaluate_spf("ok.test", zone, include="spf.consentry.test").result == SpfResult.PASS
    assert evaluate_spf("nested.test", zone, include="SPF.consentry.test.").result == "pass"
    assert evaluate_spf("minus.test", zone, include="spf.consentry.test").result == "fail"
    assert evaluate_spf("after-all.test", zone, include="spf.consentry.test").result == "fail"


def test_it_gives_permerror_past_ten_dns_lookups() -> None:
    """RFC 7208 §4.6.4: the 11th DNS-querying term is a permerror."""
    chain = Zone().txt("example.com", "v=spf1 include:l1.test -all")
    for i in range(1, 11):
        chain.txt(f"l{i}.test", f"v=spf1 include:l{i + 1}.test -all")
    chain.txt("l11.test", "v=spf1 ip4:192.0.2.1 -all")
    outcome = evaluate_spf("example.com", chain, ip="192.0.2.1")
    assert outcome.result == SpfResult.PERMERROR
    assert "more than 10 DNS lookups" in outcome.reason
    # Ten are allowed.
    chain.txt("l10.test", "v=spf1 ip4:192.0.2.1 -all")
    assert evaluate_spf("example.com", chain, ip="192.0.2.1").lookups == 10
    assert evaluate_spf("example.com", chain, ip="192.0.2.1").result == SpfResult.PASS


def test_it_counts_a_mx_exists_ptr_and_redirect_as_lookups_but_not_ip4() -> None:
    record = "v=spf1 a mx ptr exists:%{i}.x.test ip4:192.0.2.1 " + " ".join(
        f"ip4:198.51.100.{i}" for i in range(20)
    )
    zone = (
        Zone().txt("example.com", record + " redirect=other.test").txt("other.test", "v=spf1 -all")
    )
    zone.records[("example.com", "A")] = ["192.0.2.50"]
    zone.records[("example.com", "MX")] = ["mx.example.com"]
    zone.records[("mx.example.com", "A")] = ["192.0.2.51"]
    zone.records[("198.51.100.99.x.test", "A")] = ["127.0.0.2"]
    outcome = evaluate_spf("example.com", zone, ip="203.0.113.1")
    # a, mx, ptr, exists, redirect = 5; exists looks up the void name: one void.
    assert (outcome.result, outcome.lookups, outcome.void_lookups) == ("fail", 5, 1)
    assert evaluate_spf("example.com", zone, ip="198.51.100.99").result == SpfResult.PASS
    assert evaluate_spf("example.com", zone, ip="192.0.2.51").result == SpfResult.PASS


def test_it_gives_permerror_after_two_void_lookups() -> None:
    """RFC 7208 §4.6.4: more than two lookups answering nothing is a permerror."""
    zone = Zone().txt("example.com", "v=spf1 a:gone1.test a:gone2.test a:gone3.test -all")
    outcome = evaluate_spf("example.com", zone, ip="192.0.2.1")
    assert outcome.result == SpfResult.PERMERROR
    assert "more than 2 lookups returned nothing" in outcome.reason
    two = Zone().txt("example.com", "v=spf1 a:gone1.test a:gone2.test -all")
    assert evaluate_spf("example.com", two, ip="192.0.2.1").result == SpfResult.FAIL


def test_it_follows_redirect_only_without_an_all() -> None:
    zone = (
        Zone()
        .txt("example.com", "v=spf1 redirect=_spf.example.net")
        .txt("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("with-all.test", "v=spf1 ?all redirect=_spf.example.net")
    )
    assert evaluate_spf("example.com", zone, ip="192.0.2.3").result == SpfResult.PASS
    assert evaluate_spf("example.com", zone, ip="198.51.100.3").result == SpfResult.FAIL
    assert evaluate_spf("with-all.test", zone, ip="192.0.2.3").result == SpfResult.NEUTRAL
    missing = Zone().txt("example.com", "v=spf1 redirect=nothing.test")
    assert evaluate_spf("example.com", missing, ip="192.0.2.3").result == SpfResult.PERMERROR


def test_it_matches_a_and_mx_with_cidr_lengths() -> None:
    zone = Zone().txt("example.com", "v=spf1 a/24 mx:mail.test//64 -all")
    zone.records[("example.com", "A")] = ["192.0.2.10"]
    zone.records[("mail.test", "MX")] = ["mx1.mail.test"]
    zone.records[("mx1.mail.test", "AAAA")] = ["2001:db8:1:2::25"]
    assert evaluate_spf("example.com", zone, ip="192.0.2.200").result == SpfResult.PASS
    assert evaluate_spf("example.com", zone, ip="2001:db8:1:2::99").result == SpfResult.PASS
    assert evaluate_spf("example.com", zone, ip="192.0.3.1").result == SpfResult.FAIL


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("v=spf1 foo:bar -all", "unknown mechanism"),
        ("v=spf1 ip4:300.1.1.1 -all", "bad network"),
        ("v=spf1 ip4:2001:db8::/32 -all", "bad network"),
        ("v=spf1 include: -all", "needs a value"),
        ("v=spf1 redirect=a.test redirect=b.test", "appears twice"),
        ("v=spf1 a/33 -all", "bad CIDR"),
        ("v=spf1 include:%{z}.test -all", "unknown macro"),
    ],
)
def test_it_gives_permerror_on_syntax_errors(record: str, reason: str) -> None:
    zone = Zone().txt("example.com", record)
    outcome = evaluate_spf("example.com", zone, ip="192.0.2.1")
    assert outcome.result == SpfResult.PERMERROR
    assert reason in outcome.reason


def test_it_refuses_two_spf_records_and_finds_none_among_other_txt() -> None:
    two = Zone().txt("example.com", "v=spf1 -all", "v=spf1 ~all")
    assert evaluate_spf("example.com", two, ip="192.0.2.1").result == SpfResult.PERMERROR
    other = Zone().txt("example.com", "google-site-verification=abc", "v=spf10 nope")
    assert evaluate_spf("example.com", other, ip="192.0.2.1").result == SpfResult.NONE


def test_it_gives_temperror_when_dns_times_out() -> None:
    zone = Zone().txt("example.com", "v=spf1 include:slow.test -all")
    zone.silent.add("slow.test")
    assert evaluate_spf("example.com", zone, ip="192.0.2.1").result == SpfResult.TEMPERROR


def test_it_expands_macros() -> None:
    """RFC 7208 §7.4's examples."""
    ip4 = __import__("ipaddress").ip_address("192.0.2.3")
    sender = "strong-bad@email.example.com"
    expand = lambda spec: expand_macros(spec, domain="email.example.com", sender=sender, ip=ip4)  # noqa: E731
    assert expand("%{s}") == "strong-bad@email.example.com"
    assert expand("%{o}") == "email.example.com"
    assert expand("%{d}") == "email.example.com"
    assert expand("%{d4}") == "email.example.com"
    assert expand("%{d3}") == "email.example.com"
    assert expand("%{d2}") == "example.com"
    assert expand("%{d1}") == "com"
    assert expand("%{dr}") == "com.example.email"
    assert expand("%{d2r}") == "example.email"
    assert expand("%{l}") == "strong-bad"
    assert expand("%{l-}") == "strong.bad"
    assert expand("%{lr}") == "strong-bad"
    assert expand("%{lr-}") == "bad.strong"
    assert expand("%{l1r-}") == "strong"
    assert expand("%{ir}.%{v}._spf.%{d2}") == "3.2.0.192.in-addr._spf.example.com"
    assert expand("%{lr-}.lp._spf.%{d2}") == "bad.strong.lp._spf.example.com"
    ip6 = __import__("ipaddress").ip_address("2001:db8::cb01")
    assert (
        expand_macros("%{ir}.%{v}._spf.%{d2}", domain="email.example.com", sender=sender, ip=ip6)
        == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )


def test_the_spf_check_names_what_is_missing() -> None:
    """INDUSTRY-1: the check authorises the configured include and every sending IP."""
    zone = Zone().txt("_spf.consentry.test", "v=spf1 ip4:192.0.2.0/24 -all")
    assert check_spf("example.com", zone, include="_spf.consentry.test", ips=[]).message == (
        "no SPF record (TXT v=spf1) at example.com"
    )
    zone.txt("example.com", "v=spf1 mx ~all")
    zone.records[("example.com", "MX")] = ["mx.example.com"]
    zone.records[("mx.example.com", "A")] = ["198.51.100.1"]
    result = check_spf("example.com", zone, include="_spf.consentry.test", ips=["192.0.2.25"])
    assert result.state == CheckState.FAIL
    assert "does not authorise include:_spf.consentry.test: softfail" in result.message
    assert result.found == "v=spf1 mx ~all"
    zone.txt("example.com", "v=spf1 mx include:_spf.consentry.test ~all")
    result = check_spf("example.com", zone, include="_spf.consentry.test", ips=["192.0.2.25"])
    assert result.state == CheckState.PASS
    assert result.message == (
        "SPF authorises include:_spf.consentry.test, 192.0.2.25 (2 of 10 DNS lookups)"
    )
    refused = check_spf("example.com", zone, include="", ips=["203.0.113.5"])
    assert refused.state == CheckState.FAIL and "does not authorise 203.0.113.5" in refused.message


def test_the_spf_check_fails_a_record_that_needs_too_many_lookups() -> None:
    """A record that passes for the include may still break for other senders: the
    worst case is counted (every term, as for mail no term authorises)."""
    zone = Zone().txt("_spf.consentry.test", "v=spf1 ip4:192.0.2.0/24 -all")
    includes = " ".join(f"include:p{i}.test" for i in range(11))
    zone.txt("example.com", f"v=spf1 include:_spf.consentry.test {includes} -all")
    for i in range(11):
        zone.txt(f"p{i}.test", "v=spf1 -all")
    result = check_spf("example.com", zone, include="_spf.consentry.test", ips=[])
    assert result.state == CheckState.FAIL
    assert result.message.startswith("SPF permerror: more than 10 DNS lookups")


def test_the_spf_check_is_unknown_on_a_timeout() -> None:
    zone = Zone()
    zone.silent.add("example.com")
    result = check_spf("example.com", zone, include="x.test", ips=[])
    assert result.state == CheckState.UNKNOWN


def test_it_suggests_an_spf_record_merged_into_the_existing_one() -> None:
    terms = ["include:_spf.consentry.test", "ip4:192.0.2.25"]
    assert suggest_spf(None, terms) == "v=spf1 include:_spf.consentry.test ip4:192.0.2.25 ~all"
    assert suggest_spf("v=spf1 mx -all", terms) == (
        "v=spf1 mx include:_spf.consentry.test ip4:192.0.2.25 -all"
    )
    assert suggest_spf("v=spf1 include:_spf.consentry.test mx ~all", terms) == (
        "v=spf1 include:_spf.consentry.test mx ip4:192.0.2.25 ~all"
    )
    assert suggest_spf("v=spf1 redirect=x.test", terms[:1]) == (
        "v=spf1 include:_spf.consentry.test redirect=x.test"
    )


# ---- DMARC --------------------------------------------------------------------------------


def test_it_parses_dmarc_records() -> None:
    record = parse_dmarc("v=DMARC1; p=quarantine; sp=reject; adkim=s; pct=50; rua=mailto:d@x")
    assert (record.p, record.sp, record.adkim, record.aspf, record.pct) == (
        "quarantine",
        "reject",
        "s",
        "r",
        50,
    )
    assert parse_dmarc("v=DMARC1;p=none").sp == "none"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("p=none; v=DMARC1", "starts with v=DMARC1"),
        ("v=DMARC1", "p= must be"),
        ("v=DMARC1; p=monitor", "p= must be"),
        ("v=DMARC1; p=none; adkim=x", "adkim= must be"),
        ("v=DMARC1; p=none; pct=150", "pct= must be 0 to 100"),
        ("v=DMARC1; p=none; p=reject", "appears twice"),
    ],
)
def test_it_refuses_malformed_dmarc_records(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_dmarc(text)


def test_it_walks_up_the_tree_for_dmarc_but_never_to_the_tld() -> None:
    assert dmarc_candidates("news.mail.example.com") == [
        "news.mail.example.com",
        "mail.example.com",
        "example.com",
    ]
    assert dmarc_candidates("example.com") == ["example.com"]
    long = ".".join(f"l{i}" for i in range(12)) + ".example.com"
    assert len(dmarc_candidates(long)) == 7  # the domain, then at most 7 labels down to 2


def test_it_judges_alignment_strict_and_relaxed() -> None:
    """RFC 7489 §3.1."""
    assert is_aligned("example.com", "example.com", "s", "example.com")
    assert not is_aligned("mail.example.com", "example.com", "s", "example.com")
    assert is_aligned("mail.example.com", "news.example.com", "r", "example.com")
    assert not is_aligned("example.net", "example.com", "r", "example.com")


def test_the_dmarc_check_passes_p_none_and_finds_the_organisational_record() -> None:
    """INDUSTRY-1: at least p=none, From aligned to DKIM or SPF."""
    zone = Zone().txt("_dmarc.example.com", "v=DMARC1; p=none; sp=quarantine")
    own = check_dmarc("example.com", zone, dkim_domain="example.com", spf_domain="example.com")
    assert own.state == CheckState.PASS
    assert own.message.startswith("DMARC policy none at _dmarc.example.com; From aligns through")
    sub = check_dmarc(
        "news.example.com", zone, dkim_domain="news.example.com", spf_domain="bounce.other.test"
    )
    assert sub.state == CheckState.PASS
    assert "policy quarantine at _dmarc.example.com" in sub.message
    assert "DKIM (d=news.example.com, adkim=r)" in sub.message and "SPF" not in sub.message


def test_the_dmarc_check_fails_with_the_record_found() -> None:
    zone = Zone()
    missing = check_dmarc("example.com", zone, dkim_domain="example.com", spf_domain="example.com")
    assert (missing.state, missing.message) == (
        CheckState.FAIL,
        "no DMARC record at _dmarc.example.com or above",
    )
    zone.txt("_dmarc.example.com", "v=DMARC1; p=nonee")
    broken = check_dmarc("example.com", zone, dkim_domain="example.com", spf_domain="example.com")
    assert broken.state == CheckState.FAIL and "p= must be" in broken.message
    assert broken.found == "v=DMARC1; p=nonee"
    zone.txt("_dmarc.example.com", "v=DMARC1; p=reject; adkim=s; aspf=s")
    unaligned = check_dmarc(
        "news.example.com", zone, dkim_domain="example.com", spf_domain="example.com"
    )
    assert unaligned.state == CheckState.FAIL and "aligns with neither" in unaligned.message
    zone.txt("_dmarc.example.com", "v=DMARC1; p=none", "v=DMARC1; p=reject")
    two = check_dmarc("example.com", zone, dkim_domain="example.com", spf_domain="example.com")
    assert two.state == CheckState.FAIL and "2 DMARC records" in two.message
    zone.silent.add("_dmarc.example.com")
    slow = check_dmarc("example.com", zone, dkim_domain="example.com", spf_domain="example.com")
    assert slow.state == CheckState.UNKNOWN


# ---- DKIM key record and ownership -------------------------------------------------------


def test_the_dkim_check_compares_the_published_key() -> None:
    name = "sel._domainkey.example.com"
    check = lambda zone: check_dkim_record(  # noqa: E731
        "example.com", "sel", DkimAlgorithm.RSA_SHA256, "MIIBkey", zone
    )
    assert check(Zone()).message == f"no DKIM key record at {name}"
    assert check(Zone().txt(name, "v=DKIM1; k=rsa; p=MIIB key")).state == CheckState.PASS
    assert check(Zone().txt(name, "p=MIIBkey")).state == CheckState.PASS
    other = check(Zone().txt(name, "v=DKIM1; k=rsa; p=MIIBother"))
    assert (other.state, other.message) == (
        CheckState.FAIL,
        f"the record at {name} publishes a different public key",
    )
    assert other.found == "v=DKIM1; k=rsa; p=MIIBother"
    assert "revoked" in check(Zone().txt(name, "v=DKIM1; p=")).message
    assert "k=ed25519" in check(Zone().txt(name, "v=DKIM1; k=ed25519; p=MIIBkey")).message
    assert "2 TXT records" in check(Zone().txt(name, "p=MIIBkey", "p=MIIBkey")).message
    assert "sha256" in check(Zone().txt(name, "v=DKIM1; h=sha1; p=MIIBkey")).message
    assert "malformed" in check(Zone().txt(name, "v=DKIM1; p")).message
    silent = Zone()
    silent.silent.add(name)
    assert check(silent).state == CheckState.UNKNOWN


def test_the_dkim_state_of_a_domain_needs_every_key() -> None:
    ok = CheckResult(CheckKind.DKIM, CheckState.PASS, "rsa ok")
    bad = CheckResult(CheckKind.DKIM, CheckState.FAIL, "ed missing")
    slow = CheckResult(CheckKind.DKIM, CheckState.UNKNOWN, "timeout")
    assert combine_dkim([ok]).state == CheckState.PASS
    assert combine_dkim([ok, slow]).state == CheckState.UNKNOWN
    assert combine_dkim([slow, bad]).message == "ed missing"
    assert combine_dkim([]).state == CheckState.FAIL


def test_the_ownership_check_wants_the_token() -> None:
    """DOMAIN-1: the TXT token proves the account controls the zone."""
    zone = Zone()
    assert check_ownership("example.com", "tok", zone).message == (
        "no TXT record at _consentry.example.com"
    )
    zone.txt("_consentry.example.com", "consentry-verification=other")
    wrong = check_ownership("example.com", "tok", zone)
    assert wrong.state == CheckState.FAIL and wrong.found == "consentry-verification=other"
    zone.txt("_consentry.example.com", "consentry-verification=other", "consentry-verification=tok")
    assert check_ownership("example.com", "tok", zone).state == CheckState.PASS


def test_it_parses_tag_lists() -> None:
    assert parse_tags(" v = DKIM1 ; k=rsa;p=abc; ") == {"v": "DKIM1", "k": "rsa", "p": "abc"}
    with pytest.raises(ValueError, match="malformed"):
        parse_tags("v=DKIM1; =x")


# ---- Overall state ------------------------------------------------------------------------


def test_a_failed_check_wins_over_a_timeout() -> None:
    assert outcome_of([CheckState.PASS] * 4) == CheckState.PASS
    assert outcome_of([CheckState.PASS, CheckState.UNKNOWN]) == CheckState.UNKNOWN
    assert outcome_of([CheckState.UNKNOWN, CheckState.FAIL]) == CheckState.FAIL
    assert outcome_of([CheckState.PASS, CheckState.PENDING]) == CheckState.PENDING


# The platform default of policy item domain.unknown_grace_hours.
GRACE = timedelta(hours=int(BY_KEY["domain.unknown_grace_hours"].default))


@pytest.mark.parametrize(
    ("current", "outcome", "passed_ago", "expected"),
    [
        ("pending", "pass", None, "verified"),
        ("pending", "fail", None, "pending"),
        ("pending", "unknown", None, "pending"),
        ("verified", "pass", 1, "verified"),
        ("verified", "fail", 1, "failed"),
        # A timeout never flips a verified domain at once ...
        ("verified", "unknown", 1, "verified"),
        ("verified", "unknown", 72, "verified"),
        # ... only when it has not passed for longer than the grace period.
        ("verified", "unknown", 73, "failed"),
        ("failed", "unknown", 1, "failed"),
        ("failed", "fail", 1, "failed"),
        ("failed", "pass", 100, "verified"),
    ],
)
def test_it_moves_the_domain_status(
    current: str, outcome: str, passed_ago: int | None, expected: str
) -> None:
    """DOMAIN-1: a domain that stops verifying blocks sends; a timeout alone does not."""
    last = NOW - timedelta(hours=passed_ago) if passed_ago is not None else None
    assert (
        next_status(
            DomainStatus(current), CheckState(outcome), last_passed_at=last, now=NOW, grace=GRACE
        )
        == expected
    )


@given(st.lists(st.sampled_from(list(CheckState)), min_size=1, max_size=6))
def test_a_timeout_alone_never_fails_a_recently_verified_domain(states: list[CheckState]) -> None:
    outcome = outcome_of(states)
    status = next_status(
        DomainStatus.VERIFIED,
        outcome,
        last_passed_at=NOW - timedelta(hours=1),
        now=NOW,
        grace=GRACE,
    )
    assert (status == DomainStatus.FAILED) == (CheckState.FAIL in states)


# ---- Names and records ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Example.COM.", "example.com"),
        (" news.example.com ", "news.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_it_normalises_domain_names(raw: str, name: str) -> None:
    assert normalise_domain_name(raw) == name


@pytest.mark.parametrize(
    "raw", ["", "localhost", "user@example.com", "exa mple.com", "-bad.com", "1.2.3.4", "a/b.com"]
)
def test_it_refuses_what_is_not_a_domain(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_domain_name(raw)


def test_a_long_txt_value_is_several_strings_in_a_zone_line() -> None:
    record = DnsRecord("dkim", "TXT", "s._domainkey.example.com", "p=" + "A" * 300)
    line = record.zone_line()
    assert line.startswith('s._domainkey.example.com. 3600 IN TXT "p=AAA')
    assert line.count('"') == 4
