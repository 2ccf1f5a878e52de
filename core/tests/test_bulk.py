"""Bulk-path helpers on both databases."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from core.bulk import allocate_ids, insert_rows
from imports.batches import CONTACT_COLUMNS

COLUMNS = ("id", *CONTACT_COLUMNS)


def _row(world: Any, pk: int, now: Any) -> tuple[Any, ...]:
    address = f"n{pk}@bulk.example"
    values = (world.alice_account.pk, address, address, "A", "", "", "", "{}", now, now)
    return (pk, *values, None, None, "")


def _contact(world: Any, address: str) -> Contact:
    return Contact.objects.create(
        account=world.alice_account,
        address=address,
        address_hash=address.encode().hex(),
        status="A",
        status_changed_at=timezone.now(),
    )


def test_new_ids_come_after_every_id_ever_given(world: Any) -> None:
    """An id is never given twice, also after the newest row was deleted (SQLite's
    AUTOINCREMENT counter, PostgreSQL's sequence), and rows inserted with them keep them."""
    newest_id = _contact(world, "newest@example.com").pk
    Contact.objects.filter(pk=newest_id).delete()
    with transaction.atomic():
        ids = allocate_ids(Contact, 3)
        assert len(set(ids)) == 3
        assert min(ids) > newest_id
        now = timezone.now()
        insert_rows(
            Contact,
            COLUMNS,
            [_row(world, pk, now) for pk in ids],
        )
    assert set(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True)) == set(ids)
    # The next contact the ORM makes gets an id after them.
    assert _contact(world, "later@example.com").pk > max(ids)
    assert allocate_ids(Contact, 0) == []
