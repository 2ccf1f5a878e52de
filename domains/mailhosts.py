"""Whether a mail domain accepts mail at all (AUDIT-1 iii), and the whole address check with
it (contacts.addresses plus DNS).

A domain accepts no mail when it does not exist (NXDOMAIN), has neither MX nor A/AAAA
records, or publishes a null MX (RFC 7505: one MX whose exchange is "."). A DNS timeout or
server failure says nothing about the domain: its state is `unknown`, never `no_mail`.
Each distinct domain is asked once per call, many at a time; answers are cached for their
TTL by domains.dns.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from contacts.addresses import NO_MAIL_DOMAIN, UNKNOWN_DOMAIN_STATE, AddressCheck, check_address
from core.addresses import domain_of
from domains import dns as domain_dns
from domains.rules import TemporaryDnsError
from policy.address_rules import AddressRules
from policy.selectors import address_rules

OK = "ok"
NO_MAIL = "no_mail"
UNKNOWN = "unknown"


def domain_mail_state(domain: str) -> str:
    """`ok`, `no_mail` or `unknown` for one domain (IDNA form)."""
    try:
        exchanges = domain_dns.lookup(domain, "MX")
        if exchanges:
            # RFC 7505 §3: a null MX is the domain's only MX; "." reads as "" here.
            return NO_MAIL if all(not name for name in exchanges) else OK
        # RFC 5321 §5.1: without MX the domain itself is the mail host, if it has an address.
        if domain_dns.lookup(domain, "A") or domain_dns.lookup(domain, "AAAA"):
            return OK
        return NO_MAIL
    except TemporaryDnsError:
        return UNKNOWN


def domain_mail_states(domains: Iterable[str], *, concurrency: int = 64) -> dict[str, str]:
    """The state of each distinct domain, `concurrency` asked at a time."""
    wanted = list(dict.fromkeys(d.lower().rstrip(".") for d in domains if d))
    if not wanted:
        return {}
    workers = max(1, min(concurrency, len(wanted)))
    if workers == 1:
        states = {domain: domain_mail_state(domain) for domain in wanted}
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mailhosts") as pool:
            states = dict(zip(wanted, pool.map(domain_mail_state, wanted), strict=True))
    if NO_MAIL in states.values() and not resolver_sees_mail_domains():
        # A resolver that denies the large mailbox providers too (a machine without the
        # internet, a captive network) knows nothing of these domains either.
        return {domain: UNKNOWN if state == NO_MAIL else state for domain, state in states.items()}
    return states


def resolver_sees_mail_domains() -> bool:
    """Whether the resolver knows domains that certainly accept mail
    (settings.ADDRESS_DNS_CANARIES); with none listed it is believed."""
    canaries = list(settings.ADDRESS_DNS_CANARIES)
    return not canaries or any(domain_mail_state(domain) == OK for domain in canaries)


def check_addresses(
    addresses: Iterable[str],
    *,
    dns: bool = True,
    rules: AddressRules | None = None,
    concurrency: int = 64,
) -> list[AddressCheck]:
    """contacts.addresses.check_address of each address, in order, with the DNS classes
    added (`no_mail_domain`, `unknown_domain_state`) unless `dns` is false. The
    operator's tables are read once."""
    in_force = rules if rules is not None else address_rules()
    checks = [check_address(address, rules=in_force) for address in addresses]
    if not dns:
        return checks
    states = domain_mail_states(
        (domain_of(c.address) for c in checks if c.valid), concurrency=concurrency
    )
    return [with_domain_state(check, states) for check in checks]


def with_domain_state(check: AddressCheck, states: dict[str, str]) -> AddressCheck:
    """`check` with what DNS said of its domain."""
    if not check.valid:
        return check
    state = states.get(domain_of(check.address))
    if state == NO_MAIL:
        return check.adding(NO_MAIL_DOMAIN)
    if state == UNKNOWN:
        return check.adding(UNKNOWN_DOMAIN_STATE)
    return check
