"""Test support for list admission: many members at once, a list ready to be audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from contacts.models import Contact, List, Subscription, SubscriptionState
from contacts.rules import LegalBasis, Status
from core.addresses import address_keyer


def bulk_members(
    lst: List, addresses: Sequence[str], *, consent_at: datetime | None = None
) -> list[Contact]:
    """Confirmed, active members of `lst`, written in bulk (thousands for an audit's share;
    problem addresses as an old list holds them, which today's doors would refuse)."""
    key = address_keyer()
    now = timezone.now()
    at = consent_at or now
    made = Contact.objects.bulk_create(
        [
            Contact(
                account_id=lst.account_id,
                address=address,
                address_hash=key(address),
                status=Status.ACTIVE,
                legal_basis=LegalBasis.DOUBLE_OPT_IN,
                status_changed_at=at,
            )
            for address in addresses
        ],
        batch_size=1000,
    )
    if any(c.pk is None for c in made):  # SQLite before 3.35 returns no ids
        made = list(Contact.objects.filter(account_id=lst.account_id, address__in=addresses))
    Subscription.objects.bulk_create(
        [
            Subscription(
                contact=c, list=lst, state=SubscriptionState.CONFIRMED, state_changed_at=at
            )
            for c in made
        ],
        batch_size=1000,
    )
    return made


def mail_domains(dns_server: object, *domains: str) -> None:
    """Publish an MX for each domain in the loopback DNS server's zone."""
    for domain in domains:
        dns_server.mx(domain, f"mx.{domain}")  # type: ignore[attr-defined]
