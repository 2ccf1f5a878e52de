"""What the unsubscribe link and address of a campaign mail open: the ledger row behind a
token (INDUSTRY-2, UNSUB-1, UNSUB-3).

The token names the row, the row names campaign and contact; nothing in the link names the
address. Every way a token can be wrong — malformed, forged, too old, a row that no longer
exists — is one NotFound, so an answer never tells whether an address is known.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from campaigns.models import Campaign
from carrier.tokens import UNSUBSCRIBE, BadToken, TokenContent, read_token
from contacts import services as contacts
from contacts.models import Contact, List, Subscription
from core.actors import Actor
from core.errors import NotFound
from delivery.models import OneClickUnsubscribe, SendLedgerEntry

if TYPE_CHECKING:
    from consent.models import Wording

_DAY = 86_400


def _validity_days(account_id: int) -> int:
    """INDUSTRY-2: how long the account's links keep working (at least a year: the
    policy's floor is 366 days); cached, the one-click path must stay fast."""
    from accounts.models import Account
    from policy.selectors import cached_value

    return int(cached_value("unsub.token_validity_days", Account(pk=account_id)))


def _read(token: str) -> TokenContent:
    try:
        return read_token(UNSUBSCRIBE, token)
    except BadToken:
        raise NotFound("no such link") from None


def _check_age(content: TokenContent, account_id: int) -> None:
    if time.time() - content.issued > _validity_days(account_id) * _DAY:
        raise NotFound("no such link")


def entry_for_unsubscribe_token(token: str) -> SendLedgerEntry:
    """The ledger row of a valid unsubscribe token, with its campaign, lists and contact."""
    content = _read(token)
    entry = (
        SendLedgerEntry.objects.select_related("campaign__account", "contact")
        .prefetch_related(Prefetch("campaign__lists", queryset=List.objects.order_by("name")))
        .filter(pk=content.entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("no such link")
    _check_age(content, entry.campaign.account_id)
    return entry


def receive_one_click(token: str, *, ip: str, user_agent: str) -> None:
    """RFC 8058 one-click: one read and one INSERT, committed before the POST is answered;
    nothing else on the way (apply_one_click_unsubscribes does the rest). Plain SQL: the
    ORM's query building cost more than both statements (bench/one_click.py)."""
    content = _read(token)
    with connection.cursor() as cursor:
        cursor.execute(_ROW_SQL, [content.entry_id])
        row = cursor.fetchone()
        if row is None:
            raise NotFound("no such link")
        contact_id, account_id = row
        _check_age(content, account_id)
        cursor.execute(
            _INSERT_SQL,
            [content.entry_id, contact_id, timezone.now(), ip[:45], user_agent[:500]],
        )


# Table names from the models' metadata; every value goes in as a parameter.
_ROW_SQL = (
    f"SELECT e.contact_id, c.account_id FROM {SendLedgerEntry._meta.db_table} e"  # noqa: S608
    f" JOIN {Campaign._meta.db_table} c ON c.id = e.campaign_id WHERE e.id = %s"
)
_INSERT_SQL = (
    f"INSERT INTO {OneClickUnsubscribe._meta.db_table}"  # noqa: S608
    " (entry_id, contact_id, received_at, ip, user_agent) VALUES (%s, %s, %s, %s, %s)"
)


def apply_one_click_unsubscribes(limit: int = 500) -> int:
    """Apply received one-click unsubscribes: off the campaign's lists, with evidence that
    keeps the time, IP and user agent of the click. Each in its own transaction, oldest
    first; several workers may run it (rows are locked, others skip them)."""
    applied = 0
    pending = (
        OneClickUnsubscribe.objects.filter(applied_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(pending):
        with transaction.atomic():
            event = (
                OneClickUnsubscribe.objects.select_for_update(skip_locked=True)
                .select_related("entry__campaign", "entry__contact")
                .filter(pk=pk, applied_at__isnull=True)
                .first()
            )
            if event is None:
                continue
            actor = Actor("public", f"ledger:{event.entry_id}", event.ip or None, event.user_agent)
            contacts.unsubscribe(
                event.entry.contact,
                actor=actor,
                method="one_click",
                lists=campaign_lists(event.entry.campaign),
                ref=f"campaign:{event.entry.campaign_id}:ledger:{event.entry_id}"
                f":received:{event.received_at.isoformat()}",
            )
            event.applied_at, event.ip, event.user_agent = timezone.now(), "", ""
            event.save(update_fields=["applied_at", "ip", "user_agent"])
            applied += 1
    return applied


def campaign_lists(campaign: Campaign) -> list[List]:
    return list(campaign.lists.all())


def unsubscribe_through_link(
    entry: SendLedgerEntry,
    *,
    actor: Actor,
    method: str,
    everywhere: bool = False,
    wording: Wording | None = None,
) -> Contact:
    """One-click, the page's button or the mailto address: off the campaign's lists, or off
    every list of the account (status U) when the person chose that. `wording`: the
    version of the page's text the person saw (CONSENT-6)."""
    return contacts.unsubscribe(
        entry.contact,
        actor=actor,
        method=method,
        lists=None if everywhere else campaign_lists(entry.campaign),
        ref=f"campaign:{entry.campaign_id}:ledger:{entry.pk}",
        wording=wording,
    )


def subscriptions_of(contact: Contact) -> list[Subscription]:
    """The contact's subscriptions in its account, for the preference centre."""
    return list(
        Subscription.objects.filter(contact=contact).select_related("list").order_by("list__name")
    )
