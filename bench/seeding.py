"""Bulk seeding shared by the benchmarks: a sent campaign with its ledger, written by
bulk_create (the benchmarks measure what comes after, not the seeding)."""

from __future__ import annotations

import time
from typing import Any


def sent_campaign(count: int, domains: list[str]) -> tuple[list[Any], list[Any]]:
    """An account, a list of `count` confirmed contacts (addresses spread over `domains`)
    and a finished campaign with one `sent` ledger row each: (contacts, entries)."""
    from django.utils import timezone

    from accounts.models import Account
    from campaigns.models import Campaign
    from contacts.models import Contact, List, Subscription
    from core.addresses import address_key
    from delivery.models import LedgerState, SendLedgerEntry

    now = timezone.now()
    run = time.time_ns()
    account = Account.objects.create(slug=f"bench-{run}", name="Bench")
    lst = List.objects.create(account=account, name="News")
    addresses = [f"r{n}@{domains[n % len(domains)]}" for n in range(count)]
    contacts = Contact.objects.bulk_create(
        Contact(
            account=account,
            address=address,
            address_hash=address_key(address),
            status="A",
            legal_basis="double_opt_in",
            status_changed_at=now,
        )
        for address in addresses
    )
    Subscription.objects.bulk_create(
        Subscription(contact=c, list=lst, state="confirmed", state_changed_at=now) for c in contacts
    )
    campaign = Campaign.objects.create(
        account=account,
        name="Bench",
        subject="Bench",
        from_name="Bench",
        from_address="news@bench.example",
        html="{{ unsubscribe_url }} {{ imprint }}",
        language="de",
        state="finished",
    )
    campaign.lists.add(lst)
    entries = SendLedgerEntry.objects.bulk_create(
        SendLedgerEntry(
            campaign=campaign,
            contact=c,
            state=LedgerState.SENT,
            sent_at=now,
            # Unique to the run: a database kept between runs matches each report by
            # Message-ID to this run's message, not to an earlier run's.
            message_id=f"<{n}.{run}.bench@bench.example>",
        )
        for n, c in enumerate(contacts)
    )
    return contacts, entries
