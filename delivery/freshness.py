"""Freshness of consent (AUDIT-3, INDUSTRY-8) in SQL, over the send ledger: who is stale,
held back from sends and listed, and the re-confirmation mailing that makes them fresh.

`admission.rules.is_stale` is the rule; `stale_expression` says the same for a query of
contacts, the tests hold both to it. A contact's consent is its confirmed subscription
(to the lists in question) or its latest confirmed double opt-in, whichever is newer; a
mailing is a message of a send handed over to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from admission.rules import Freshness
from admission.selectors import stale_rule
from consent.models import Confirmation
from contacts.models import Contact, List, Subscription, SubscriptionState
from contacts.rules import Status
from delivery.models import LedgerState, SendLedgerEntry

if TYPE_CHECKING:
    from accounts.models import Account
    from core.actors import Actor


def _consent_since(list_ids: Sequence[int], cutoff: datetime, contact_ref: str) -> Q:
    subscribed = Subscription.objects.filter(
        contact_id=OuterRef(contact_ref),
        list_id__in=list(list_ids),
        state=SubscriptionState.CONFIRMED,
        state_changed_at__gte=cutoff,
    )
    confirmed = Confirmation.objects.filter(
        contact_id=OuterRef(contact_ref),
        state=Confirmation.State.CONFIRMED,
        ended_at__gte=cutoff,
    )
    return Q(Exists(subscribed)) | Q(Exists(confirmed))


def _mailed(contact_ref: str, since: datetime | None = None) -> Q:
    sent = SendLedgerEntry.objects.filter(contact_id=OuterRef(contact_ref), state=LedgerState.SENT)
    if since is not None:
        sent = sent.filter(sent_at__gte=since)
    return Q(Exists(sent))


def stale_expression(
    list_ids: Sequence[int],
    rule: Freshness,
    *,
    now: datetime | None = None,
    contact_ref: str = "pk",
) -> Q:
    """A Q over contacts: true for a stale one (admission.rules.is_stale)."""
    first_cutoff, unused_cutoff = rule.cutoffs(now or timezone.now())
    never_mailed_and_old = ~_mailed(contact_ref) & ~_consent_since(
        list_ids, first_cutoff, contact_ref
    )
    unused = ~_consent_since(list_ids, unused_cutoff, contact_ref) & ~_mailed(
        contact_ref, unused_cutoff
    )
    return never_mailed_and_old | unused


def stale_contacts(lst: List, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The list's confirmed, active contacts whose consent is stale: held back from sends
    and listed on the list's page until they confirm again (AUDIT-3)."""
    return (
        Contact.objects.filter(
            account_id=lst.account_id,
            status=Status.ACTIVE,
            subscriptions__list=lst,
            subscriptions__state=SubscriptionState.CONFIRMED,
        )
        .exclude(address="")
        .filter(stale_expression([lst.pk], stale_rule(lst.account), now=now))
        .order_by("pk")
    )


def fresh_filter(account: Account, list_ids: Sequence[int]) -> Q:
    """For a send's start: only contacts whose consent is fresh."""
    return ~stale_expression(list_ids, stale_rule(account))


def request_reconfirmations(lst: List, *, actor: Actor, limit: int = 10_000) -> int:
    """The re-confirmation mailing (AUDIT-3): a double opt-in mail to each stale contact of
    the list that has none pending; who confirms is fresh again. Returns the mails asked."""
    from consent import doi

    pending = Confirmation.objects.filter(
        contact_id=OuterRef("pk"), state=Confirmation.State.PENDING
    )
    subscriptions = {
        s.contact_id: s
        for s in Subscription.objects.filter(list=lst, state=SubscriptionState.CONFIRMED)
        .filter(contact__in=stale_contacts(lst).exclude(Exists(pending))[:limit])
        .select_related("contact", "list__account")
    }
    for subscription in subscriptions.values():
        contact = subscription.contact
        entry = doi.Entry(
            address=contact.address,
            first_name=contact.first_name,
            last_name=contact.last_name,
            fields={},
        )
        doi.request_reconfirmation(
            subscription, entry, actor=actor, source=lst.name, ref="freshness"
        )
    return len(subscriptions)
