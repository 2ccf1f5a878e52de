"""Read queries for sender domains, scoped to one account (PRIVACY-2), and what the send
path asks: may this account send From this domain, and with which keys does it sign."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from core.crypto import unseal, unwrap_key
from core.errors import InvalidInput, NotFound
from domains import dkim
from domains.models import DkimKey, DomainCheck, SenderDomain
from domains.reasons import kind_label
from domains.rules import (
    CHECK_ORDER,
    CheckKind,
    CheckState,
    DkimAlgorithm,
    DnsRecord,
    DomainStatus,
    dkim_name,
    dkim_value,
    key_context,
    normalise_domain_name,
    ownership_name,
    ownership_value,
    suggest_dmarc,
)
from domains.spf import (
    spf_mechanisms,
    suggest_spf,
)

if TYPE_CHECKING:
    from accounts.models import Account


def domains_of(account: Account) -> QuerySet[SenderDomain]:
    return (
        SenderDomain.objects.filter(account=account)
        .prefetch_related(
            Prefetch("dkim_keys", queryset=DkimKey.objects.order_by("-algorithm")),
            "checks",
        )
        .order_by("name")
    )


def domain_of(account: Account, domain_id: int) -> SenderDomain:
    domain = domains_of(account).filter(pk=domain_id).first()
    if domain is None:
        raise NotFound("no such sender domain")
    return domain


def domain_by_name(account: Account, name: str) -> SenderDomain:
    try:
        normalised = normalise_domain_name(name)
    except InvalidInput:
        raise NotFound(f"no sender domain {name!r}") from None
    domain = domains_of(account).filter(name=normalised).first()
    if domain is None:
        raise NotFound(f"no sender domain {normalised}")
    return domain


def return_path_host_for(account: Account, domain_name: str) -> str:
    """The return-path host of the account's sender domain `domain_name`; "" for none."""
    try:
        normalised = normalise_domain_name(domain_name)
    except InvalidInput:
        return ""
    found = SenderDomain.objects.filter(account=account, name=normalised).values_list(
        "return_path_host", flat=True
    )
    return next(iter(found), "")


def sender_domain_of_host(host: str) -> str:
    """The sender domain whose return-path host `host` is; `host` itself for any other
    name (mail to the From domain, or a domain without its own bounce host)."""
    name = host.strip().rstrip(".").lower()
    found = (
        SenderDomain.objects.filter(return_path_host=name)
        .values_list("name", flat=True)
        .distinct()[:2]
    )
    names = list(found)
    return names[0] if len(names) == 1 else name


def checks_of(domain: SenderDomain) -> list[DomainCheck]:
    """The domain's checks in the order the page shows them (one row per kind)."""
    by_kind = {c.kind: c for c in domain.checks.all()}
    return [by_kind.get(k) or DomainCheck(domain=domain, kind=k) for k in CHECK_ORDER]


def records_to_publish(domain: SenderDomain) -> list[DnsRecord]:
    """DOMAIN-1: the exact records the account publishes in its zone."""
    existing_spf = ""
    for check in domain.checks.all():
        if check.kind == CheckKind.SPF and check.found:
            existing_spf = check.found.splitlines()[0]
    records = [
        DnsRecord(
            "ownership",
            "TXT",
            ownership_name(domain.name),
            ownership_value(domain.ownership_token),
        )
    ]
    records += [
        DnsRecord(
            "dkim",
            "TXT",
            dkim_name(domain.name, key.selector),
            dkim_value(DkimAlgorithm(key.algorithm), key.public_key),
        )
        for key in domain.dkim_keys.all()
    ]
    mechanisms = spf_mechanisms(settings.SPF_INCLUDE, settings.SENDING_IPS)
    records.append(DnsRecord("spf", "TXT", domain.name, suggest_spf(existing_spf, mechanisms)))
    dmarc = suggest_dmarc(settings.INBOUND_HOST)
    records.append(DnsRecord("dmarc", "TXT", f"_dmarc.{domain.name}", dmarc))
    host = domain.return_path_host
    if host and settings.INBOUND_HOST:
        # Bounces and mailto unsubscribes to the return-path host reach `consentry inbound`.
        records.append(DnsRecord("return_path", "MX", host, settings.INBOUND_HOST.rstrip(".")))
    if host and mechanisms:
        # Receivers check SPF on the envelope sender: the return-path host.
        records.append(DnsRecord("return_path_spf", "TXT", host, suggest_spf(None, mechanisms)))
    return records


def failing_checks(domain: SenderDomain) -> list[DomainCheck]:
    return [c for c in checks_of(domain) if c.state in (CheckState.FAIL, CheckState.UNKNOWN)]


def sending_block_reasons(account: Account, domain_name: str) -> list[str]:
    """Empty when `account` may send campaign mail From `domain_name` (SEND-2, DOMAIN-1);
    otherwise every reason it may not. An address is accepted too: its domain counts."""
    name = domain_name.rpartition("@")[2]
    try:
        domain = domain_by_name(account, name)
    except NotFound:
        return [
            _("%(domain)s is not a sender domain of this account")
            % {"domain": name.strip().lower()}
        ]
    if domain.status == DomainStatus.VERIFIED:
        if not settings.DNS_SANDBOX and domain.sandbox_records.exists():
            # Verified against the sandbox DNS, and mail can now leave the machine.
            return [
                _(
                    "%(domain)s was verified only in the sandbox DNS: publish its records "
                    "in its real DNS zone and check it again"
                )
                % {"domain": domain.name}
            ]
        return []
    if domain.status == DomainStatus.PENDING:
        reasons = [_("%(domain)s is not verified yet") % {"domain": domain.name}]
    else:
        reasons = [_("%(domain)s stopped verifying") % {"domain": domain.name}]
    return reasons + [f"{kind_label(c.kind)}: {c.shown_message}" for c in failing_checks(domain)]


def signing_keys(domain: SenderDomain) -> list[dkim.SigningKey]:
    """The domain's keys, unsealed and loaded: load once per send, sign every message."""
    keys = []
    for key in domain.dkim_keys.all():
        pem = unseal(
            unwrap_key(bytes(key.wrapped_data_key)),
            bytes(key.sealed_private_key),
            context=key_context(domain.name, key.selector),
        )
        keys.append(dkim.SigningKey(domain.name, key.selector, dkim.load_private_key(pem)))
    # RSA first: receivers that do not know Ed25519 meet the signature they verify first.
    keys.sort(key=lambda k: k.algorithm != DkimAlgorithm.RSA_SHA256)
    return keys


def signing_keys_for(account: Account, domain_name: str) -> list[dkim.SigningKey]:
    return signing_keys(domain_by_name(account, domain_name.rpartition("@")[2]))


def accounts_sending_from(domain_name: str) -> list[Account]:
    """Accounts with `domain_name` as a verified sender domain: where a reply to their mail
    belongs. Normally one; more means the zone proves ownership to several accounts."""
    from accounts.models import Account

    try:
        name = normalise_domain_name(domain_name)
    except InvalidInput:
        return []
    return list(
        Account.objects.filter(
            sender_domains__name=name, sender_domains__status=DomainStatus.VERIFIED
        ).distinct()
    )
