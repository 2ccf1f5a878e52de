"""The audience count before a send: recipients and the reasons the others are left out
(delivery.audience.breakdown) for a campaign targeting two lists narrowed to a segment.

Run: .venv/bin/python bench/segments.py [CONTACTS]   (default 100,000; a throw-away SQLite
database, or DATABASE_URL). Limit: 1 s for the count.

The account's contacts: 90 % active, 4 % unsubscribed, 3 % bounced, 1 % deleted, 2 %
without a legal basis; 1 % role addresses, 1 % on the untrusted list, 5 % existing
customers; all confirmed on the first list, every other one on the second too; a custom
field "city" of ten values, signup dates spread over two years, and a finished campaign
that was delivered to a third of them 10 days ago. The segment, all of: the city contains
"ö" (two of the ten), no delivery within the last 30 days, signed up within 500 days.

Printed next to it, from the same run: counting the account's contacts (one pass over the
rows), counting the ledger fill's own selection of the whole lists (the same rule without
the reasons: the floor of any count that applies it) and the breakdown without a segment.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

LIMIT = 1.0
CITIES = ["Köln", "Bonn", "Berlin", "Hamburg", "München", "Paris", "Lyon", "Wien", "Graz", "Bern"]


def best(fn: Callable[[], Any], rounds: int = 5) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def seed(count: int) -> Any:
    from accounts.models import Account
    from campaigns.models import Campaign
    from contacts.models import Contact, List, Subscription, Suppression, SuppressionReason
    from core.addresses import address_key
    from delivery.models import LedgerState, SendLedgerEntry

    now = timezone.now()
    account = Account.objects.create(slug=f"bench-{time.time_ns()}", name="Bench")
    first = List.objects.create(account=account, name="News")
    second = List.objects.create(account=account, name="Offers")

    draw = random.Random(24)  # noqa: S311 (test data, not a secret)
    people = [(draw.random(), draw.random(), draw.random(), draw.random()) for _ in range(count)]

    def status(n: int) -> str:
        x = people[n][0]
        return "U" if x < 0.04 else "B" if x < 0.07 else "D" if x < 0.08 else "A"

    def address(n: int) -> str:
        if people[n][1] < 0.01:
            return f"info@r{n}.bench.example"
        return f"r{n}@d{n % 500}.bench.example"

    def basis(n: int) -> str:
        x = people[n][2]
        return "" if x < 0.02 else "existing_customer" if x < 0.07 else "double_opt_in"

    contacts = Contact.objects.bulk_create(
        (
            Contact(
                account=account,
                address=address(n),
                address_hash=address_key(address(n)),
                status=status(n),
                legal_basis=basis(n),
                fields={"city": CITIES[int(people[n][3] * len(CITIES))]},
                status_changed_at=now,
                signup_source="signup",
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    Contact.objects.filter(account=account).update(created_at=now - timedelta(days=10))
    old = [c.pk for n, c in enumerate(contacts) if n % 3 == 0]
    for start in range(0, len(old), 5000):
        Contact.objects.filter(pk__in=old[start : start + 5000]).update(
            created_at=now - timedelta(days=700)
        )
    Suppression.objects.bulk_create(
        (
            Suppression(address_hash=c.address_hash, reason=SuppressionReason.SPAM_TRAP)
            for n, c in enumerate(contacts)
            if 0.01 <= people[n][1] < 0.02
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    Subscription.objects.bulk_create(
        (
            Subscription(contact=c, list=lst, state="confirmed", state_changed_at=now)
            for n, c in enumerate(contacts)
            for lst in ((first, second) if n % 2 else (first,))
        ),
        batch_size=5000,
    )

    def campaign(name: str, state: str) -> Campaign:
        return Campaign.objects.create(
            account=account,
            name=name,
            subject=name,
            from_name="Bench",
            from_address="news@bench.example",
            html="{{ unsubscribe_url }} {{ imprint }}",
            state=state,
        )

    earlier = campaign("Earlier", "finished")
    SendLedgerEntry.objects.bulk_create(
        (
            SendLedgerEntry(
                campaign=earlier,
                contact=c,
                state=LedgerState.SENT,
                sent_at=now - timedelta(days=10),
            )
            for n, c in enumerate(contacts)
            if n % 3 == 1
        ),
        batch_size=5000,
    )
    draft = campaign("Draft", "draft")
    draft.lists.add(first, second)
    return account, draft


def main() -> None:
    from contacts import segments
    from contacts.models import Contact
    from delivery import audience

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    account, draft = seed(count)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started
    segment = segments.create_segment(
        account,
        name="Bench",
        definition={
            "conditions": [
                {"field": "custom", "key": "city", "op": "contains", "value": "ö"},
                {"field": "last_delivery", "op": "not_within", "value": 30},
                {"field": "signup_days", "op": "within", "value": 500},
            ]
        },
    )
    floor, total = best(lambda: Contact.objects.filter(account=account).count())
    whole, whole_result = best(lambda: audience.breakdown(draft))

    def fill_select_count() -> int:
        with audience.without_jit():
            return audience.eligible_contacts(draft).count()

    fill_select, _n = best(fill_select_count)
    draft.segment = segment
    draft.save(update_fields=["segment"])
    narrowed, result = best(lambda: audience.breakdown(draft))
    eligible = audience.eligible_contacts(draft).count()
    assert eligible == result.recipients, (eligible, result.recipients)
    print(f"database: {connection.vendor}; {total} contacts (seeded in {seeded:.1f} s)")
    print(f"floor, counting the account's contacts: {floor * 1000:.1f} ms")
    print(f"the fill's own selection, counted (no reasons): {fill_select * 1000:.1f} ms")
    print(
        f"audience of the whole lists: {whole * 1000:.1f} ms "
        f"({whole_result.recipients} of {whole_result.considered})"
    )
    print(
        f"audience narrowed to the segment: {narrowed * 1000:.1f} ms "
        f"({result.recipients} of {result.considered}); limit {LIMIT * 1000:.0f} ms: "
        + ("met" if narrowed <= LIMIT and whole <= LIMIT else "MISSED")
    )
    print("left out: " + ", ".join(f"{key} {n}" for key, _label, n in result.reasons()))


if __name__ == "__main__":
    main()
