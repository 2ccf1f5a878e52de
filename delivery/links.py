"""What the unsubscribe link and address of a campaign mail open: the ledger row behind a
token (INDUSTRY-2, UNSUB-1, UNSUB-3).

The token names the row, the row names campaign and contact; nothing in the link names the
address. Every way a token can be wrong — malformed, forged, too old, a row that no longer
exists — is one NotFound, so an answer never tells whether an address is known.
"""

from __future__ import annotations

import time

from django.db.models import Prefetch

from campaigns.models import Campaign
from contacts import services as contacts
from contacts.models import Contact, List, Subscription
from core.actors import Actor
from core.errors import NotFound
from delivery.models import SendLedgerEntry
from delivery.tokens import UNSUBSCRIBE, BadToken, read_token

_DAY = 86_400


def entry_for_unsubscribe_token(token: str) -> SendLedgerEntry:
    """The ledger row of a valid unsubscribe token, with its campaign, lists and contact."""
    from policy.selectors import value as policy_value

    try:
        content = read_token(UNSUBSCRIBE, token)
    except BadToken:
        raise NotFound("no such link") from None
    entry = (
        SendLedgerEntry.objects.select_related("campaign__account", "contact")
        .prefetch_related(Prefetch("campaign__lists", queryset=List.objects.order_by("name")))
        .filter(pk=content.entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("no such link")
    # INDUSTRY-2: a link keeps working at least a year (the policy's floor is 366 days).
    days = int(policy_value("unsub.token_validity_days", entry.campaign.account))
    if time.time() - content.issued > days * _DAY:
        raise NotFound("no such link")
    return entry


def campaign_lists(campaign: Campaign) -> list[List]:
    return list(campaign.lists.all())


def unsubscribe_through_link(
    entry: SendLedgerEntry, *, actor: Actor, method: str, everywhere: bool = False
) -> Contact:
    """One-click, the page's button or the mailto address: off the campaign's lists, or off
    every list of the account (status U) when the person chose that."""
    return contacts.unsubscribe(
        entry.contact,
        actor=actor,
        method=method,
        lists=None if everywhere else campaign_lists(entry.campaign),
        ref=f"campaign:{entry.campaign_id}:ledger:{entry.pk}",
    )


def subscriptions_of(contact: Contact) -> list[Subscription]:
    """The contact's subscriptions in its account, for the preference centre."""
    return list(
        Subscription.objects.filter(contact=contact).select_related("list").order_by("list__name")
    )
