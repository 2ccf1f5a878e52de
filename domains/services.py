"""Sender domains: the only write path (DOMAIN-1).

DNS is asked outside any transaction (a lookup may take seconds); the answers are then
written, the status moved by domains.rules and the evidence recorded in one transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import evidence
from core.actors import Actor
from core.crypto import new_data_key, seal, wrap_key
from core.errors import Conflict, InvalidInput
from domains import dkim
from domains import dns as domain_dns
from domains.models import DkimKey, DomainCheck, SandboxRecord, SenderDomain
from domains.rules import (
    CHECK_ORDER,
    CheckResult,
    CheckState,
    DkimAlgorithm,
    DomainStatus,
    Lookup,
    TemporaryDnsError,
    check_dkim_record,
    check_dmarc,
    check_ownership,
    check_return_path,
    combine_dkim,
    default_return_path,
    key_context,
    next_status,
    normalise_domain_name,
    outcome_of,
    return_path_problem,
)
from domains.selectors import records_to_publish
from domains.signals import domain_status_changed
from domains.spf import (
    check_spf,
)
from policy.selectors import value as policy_value

if TYPE_CHECKING:
    from accounts.models import Account

log = logging.getLogger(__name__)


def _new_key(domain: SenderDomain, selector: str, algorithm: DkimAlgorithm) -> DkimKey:
    private_key = dkim.generate_private_key(algorithm)
    data_key = new_data_key()
    return DkimKey.objects.create(
        domain=domain,
        selector=selector,
        algorithm=algorithm,
        public_key=dkim.public_key_b64(private_key),
        sealed_private_key=seal(
            data_key,
            dkim.private_key_bytes(private_key),
            context=key_context(domain.name, selector),
        ),
        wrapped_data_key=wrap_key(data_key),
    )


@transaction.atomic
def add_domain(
    account: Account,
    name: str,
    *,
    actor: Actor,
    ed25519: bool = False,
    return_path_host: str = "",
) -> SenderDomain:
    """A new sender domain with its ownership token and DKIM key(s), checks pending.

    RSA-2048 always; with `ed25519` a second key signs too (RFC 8463), for receivers that
    verify it, while the RSA signature serves all others. The return-path host (default
    bounce.<domain>) receives the bounces.
    """
    domain_name = normalise_domain_name(name)
    host = default_return_path(domain_name)
    try:
        if return_path_host.strip():
            host = normalise_domain_name(return_path_host)
        problem = return_path_problem(host, domain_name)
    except InvalidInput as exc:
        problem = exc.message
    if problem:
        raise InvalidInput(_("return-path host: %(problem)s") % {"problem": problem})
    if SenderDomain.objects.filter(account=account, name=domain_name).exists():
        raise Conflict(
            _("%(domain)s is already a sender domain of this account") % {"domain": domain_name}
        )
    now = timezone.now()
    domain = SenderDomain.objects.create(
        account=account,
        name=domain_name,
        ownership_token=secrets.token_urlsafe(24),
        return_path_host=host,
        status=DomainStatus.PENDING,
        status_changed_at=now,
    )
    # Unique per key pair, so two accounts claiming one zone never share a selector.
    selector = f"cs{now:%Y%m}-{secrets.token_hex(3)}"
    keys = [_new_key(domain, selector, DkimAlgorithm.RSA_SHA256)]
    if ed25519:
        keys.append(_new_key(domain, f"{selector}-ed", DkimAlgorithm.ED25519_SHA256))
    DomainCheck.objects.bulk_create(DomainCheck(domain=domain, kind=kind) for kind in CHECK_ORDER)
    evidence.record(
        account,
        "domain.added",
        actor=actor,
        payload={
            "domain": domain.pk,
            "name": domain_name,
            "return_path_host": host,
            "dkim": [{"selector": k.selector, "algorithm": k.algorithm} for k in keys],
        },
    )
    return domain


@transaction.atomic
def publish_in_sandbox(domain: SenderDomain, *, actor: Actor) -> list[SandboxRecord]:
    """Publish the domain's records to publish in the sandbox DNS (settings.DNS_SANDBOX):
    what the account would do at its DNS provider, for a machine whose mail goes only to
    the sandbox mailbox. The next check reads them. Publishing again replaces them."""
    if not settings.DNS_SANDBOX:
        raise Conflict(
            _(
                "the sandbox DNS is off: mail leaves this platform, so publish the records "
                "in the domain's real DNS zone"
            )
        )
    SandboxRecord.objects.filter(domain=domain).delete()
    published = SandboxRecord.objects.bulk_create(
        SandboxRecord(domain=domain, name=r.name.lower().rstrip("."), type=r.type, value=r.value)
        for r in records_to_publish(domain)
    )
    evidence.record(
        domain.account,
        "domain.sandbox_published",
        actor=actor,
        payload={"domain": domain.pk, "name": domain.name, "records": len(published)},
    )
    return published


def _memo_lookup(fresh: bool) -> Lookup:
    """One check asks DNS once per name: SPF's several walks share the answers (and a
    timeout is not waited for twice)."""
    answers: dict[tuple[str, str], list[str] | TemporaryDnsError] = {}

    def lookup(name: str, rdtype: str) -> list[str]:
        key = (name.lower().rstrip("."), rdtype)
        if key not in answers:
            try:
                answers[key] = domain_dns.lookup(key[0], rdtype, fresh=fresh)
            except TemporaryDnsError as exc:
                answers[key] = exc
        found = answers[key]
        if isinstance(found, TemporaryDnsError):
            raise found
        return list(found)

    return lookup


def run_checks(domain: SenderDomain, lookup: Lookup) -> list[CheckResult]:
    """Every check of DOMAIN-1/INDUSTRY-1 against DNS; writes nothing."""
    keys = list(domain.dkim_keys.all())
    dkim_results = [
        check_dkim_record(
            domain.name, key.selector, DkimAlgorithm(key.algorithm), key.public_key, lookup
        )
        for key in keys
    ]
    return [
        check_ownership(domain.name, domain.ownership_token, lookup),
        combine_dkim(dkim_results),
        check_spf(
            domain.name, lookup, include=settings.SPF_INCLUDE, ips=list(settings.SENDING_IPS)
        ),
        # Signatures carry d=<domain>; the Return-Path is on the same domain.
        check_dmarc(domain.name, lookup, dkim_domain=domain.name, spf_domain=domain.name),
        check_return_path(domain.return_path_host, settings.INBOUND_HOST, lookup),
    ]


def check_domain(
    domain: SenderDomain, *, actor: Actor, periodic: bool = False, now: datetime | None = None
) -> SenderDomain:
    """Check every record now and move the status (DOMAIN-1).

    A check someone asked for bypasses the DNS cache (they just edited their zone) and is
    recorded as evidence; a periodic recheck is recorded only when the status changes.
    """
    results = run_checks(domain, _memo_lookup(fresh=not periodic))
    return _apply(domain, results, actor=actor, record_check=not periodic, now=now)


@transaction.atomic
def _apply(
    domain: SenderDomain,
    results: list[CheckResult],
    *,
    actor: Actor,
    record_check: bool,
    now: datetime | None,
) -> SenderDomain:
    now = now or timezone.now()
    locked = SenderDomain.objects.select_for_update().get(pk=domain.pk)
    for result in results:
        DomainCheck.objects.update_or_create(
            domain=locked,
            kind=result.kind,
            defaults={
                "state": result.state,
                "message": result.message[:2000],
                "found": result.found[:5000],
                "checked_at": now,
            },
        )
    outcome = outcome_of(r.state for r in results)
    previous = DomainStatus(locked.status)
    grace = timedelta(hours=int(policy_value("domain.unknown_grace_hours", locked.account)))
    status = next_status(
        previous, outcome, last_passed_at=locked.last_passed_at, now=now, grace=grace
    )
    fields = ["last_checked_at"]
    locked.last_checked_at = now
    if outcome == CheckState.PASS:
        locked.last_passed_at = now
        fields.append("last_passed_at")
    if status != previous:
        locked.status = status
        locked.status_changed_at = now
        fields += ["status", "status_changed_at"]
        if status == DomainStatus.VERIFIED:
            locked.verified_at = now
            fields.append("verified_at")
    locked.save(update_fields=fields)
    payload = {
        "domain": locked.pk,
        "name": locked.name,
        "status": status.value,
        "checks": {r.kind.value: r.state.value for r in results},
    }
    if status != previous:
        evidence.record(
            locked.account,
            "domain.status_changed",
            actor=actor,
            payload={**payload, "from": previous.value},
        )
        if status == DomainStatus.FAILED:
            # DOMAIN-1: sends from it are blocked from now on; the page shows why.
            log.warning(
                "sender domain %s of account %s stopped verifying", locked.name, locked.account_id
            )
        # Running sends from it pause, and resume once it passes again (delivery).
        domain_status_changed.send(
            SenderDomain,
            domain=locked,
            previous=previous.value,
            status=status.value,
            reason="; ".join(
                f"{r.kind.value}: {r.message}" for r in results if r.state != CheckState.PASS
            )[:400],
        )
    elif record_check:
        evidence.record(locked.account, "domain.checked", actor=actor, payload=payload)
    return locked


def recheck_verified_domains() -> dict[str, int]:
    """The periodic recheck: every verified (and failed, so it can recover) domain.

    One domain's error is logged and the others still run; the counts say how many
    ended in each status.
    """
    actor = Actor.system("domain-recheck")
    counts: Counter[str] = Counter()
    query = SenderDomain.objects.filter(
        status__in=[DomainStatus.VERIFIED, DomainStatus.FAILED]
    ).order_by("pk")
    for domain in query.iterator():
        try:
            checked = check_domain(domain, actor=actor, periodic=True)
        except Exception:
            log.exception("recheck of sender domain %s failed", domain.pk)
            counts["error"] += 1
        else:
            counts[checked.status] += 1
    return dict(counts)
