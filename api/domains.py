"""/domains: the account's sender domains, the DNS records to publish and their checks."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.auth import account_of, actor_of
from api.schemas import ERRORS
from domains import selectors, services
from domains.models import SenderDomain
from domains.rules import CheckKind, CheckState, DomainStatus

router = Router(tags=["domains"])


class DnsRecordOut(Schema):
    purpose: str = Field(description="ownership, dkim, spf or dmarc")
    type: str
    name: str = Field(description="fully qualified name, without the trailing dot")
    value: str = Field(description="the whole TXT value (split into 255-byte strings in DNS)")
    zone_line: str = Field(description="the record as a zone file line")


class CheckOut(Schema):
    kind: CheckKind
    state: CheckState = Field(
        description="pending, pass, fail, unknown (DNS timed out) or unjudged (the platform's "
        "settings leave nothing to check against; does not keep the domain from verifying)"
    )
    message: str
    found: str = Field(description="the record(s) DNS answered with")
    checked_at: datetime | None


class DomainOut(Schema):
    id: int
    name: str
    return_path_host: str = Field(description="the envelope sender's host, receives bounces")
    status: DomainStatus = Field(
        description="pending (never verified), verified, or failed (stopped verifying: "
        "campaign sends from it are blocked)"
    )
    created_at: datetime
    verified_at: datetime | None
    last_checked_at: datetime | None
    records: list[DnsRecordOut]
    checks: list[CheckOut]
    block_reasons: list[str] = Field(
        description="why campaign mail From this domain is refused; empty when it may send"
    )


class DomainIn(Schema):
    name: str = Field(min_length=1, max_length=300, description="e.g. news.example.com")
    ed25519: bool = Field(False, description="also sign with an Ed25519 key (RFC 8463)")
    return_path_host: str = Field(
        "",
        max_length=300,
        description="the host that receives bounces: a name below the domain whose MX points "
        "at the platform's inbound host; empty: bounce.<name>",
    )


def domain_out(domain: SenderDomain) -> DomainOut:
    return DomainOut(
        id=domain.pk,
        name=domain.name,
        return_path_host=domain.return_path_host,
        status=DomainStatus(domain.status),
        created_at=domain.created_at,
        verified_at=domain.verified_at,
        last_checked_at=domain.last_checked_at,
        records=[
            DnsRecordOut(
                purpose=r.purpose, type=r.type, name=r.name, value=r.value, zone_line=r.zone_line()
            )
            for r in selectors.records_to_publish(domain)
        ],
        checks=[
            CheckOut(
                kind=CheckKind(c.kind),
                state=CheckState(c.state),
                message=c.message,
                found=c.found,
                checked_at=c.checked_at,
            )
            for c in selectors.checks_of(domain)
        ],
        block_reasons=selectors.sending_block_reasons(domain.account, domain.name),
    )


def get_domain_for_key(request: HttpRequest, domain_id: int) -> SenderDomain:
    """The domain if it belongs to the key's account; 404 otherwise (PRIVACY-2)."""
    return selectors.domain_of(account_of(request), domain_id)


@router.get("/domains", response={200: list[DomainOut], **ERRORS}, summary="List sender domains")
def list_domains(request: HttpRequest) -> list[DomainOut]:
    return [domain_out(d) for d in selectors.domains_of(account_of(request))]


@router.post("/domains", response={201: DomainOut, **ERRORS}, summary="Add a sender domain")
def add_domain(request: HttpRequest, payload: DomainIn) -> tuple[int, DomainOut]:
    """DOMAIN-1: generates the DKIM key(s) and answers with the records to publish.
    A name the account already has answers 409 `conflict`; a malformed one 422."""
    account = account_of(request)
    domain = services.add_domain(
        account,
        payload.name,
        actor=actor_of(request),
        ed25519=payload.ed25519,
        return_path_host=payload.return_path_host,
    )
    return 201, domain_out(selectors.domain_of(account, domain.pk))


@router.get("/domains/{domain_id}", response={200: DomainOut, **ERRORS}, summary="A sender domain")
def get_domain(request: HttpRequest, domain_id: int) -> DomainOut:
    return domain_out(get_domain_for_key(request, domain_id))


@router.post(
    "/domains/{domain_id}/check",
    response={200: DomainOut, **ERRORS},
    summary="Check a sender domain's DNS records now",
)
def check_domain(request: HttpRequest, domain_id: int) -> DomainOut:
    """Asks DNS now (no cache). A check DNS did not answer in time is `unknown`; it never
    turns a verified domain into a failed one at once."""
    account = account_of(request)
    checked = services.check_domain(get_domain_for_key(request, domain_id), actor=actor_of(request))
    return domain_out(selectors.domain_of(account, checked.pk))


@router.post(
    "/domains/{domain_id}/sandbox-dns",
    response={200: DomainOut, **ERRORS},
    summary="Publish a sender domain's records in the sandbox DNS and check it",
)
def sandbox_publish(request: HttpRequest, domain_id: int) -> DomainOut:
    """Only while the platform's mail goes to its sandbox mailbox (nothing leaves the
    machine): the records to publish are held by the platform's sandbox DNS instead of a
    DNS provider, and the domain is checked against them. Otherwise 409 `conflict`."""
    account = account_of(request)
    domain = get_domain_for_key(request, domain_id)
    services.publish_in_sandbox(domain, actor=actor_of(request))
    checked = services.check_domain(domain, actor=actor_of(request))
    return domain_out(selectors.domain_of(account, checked.pk))
