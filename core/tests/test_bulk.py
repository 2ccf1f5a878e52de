"""Bulk-path helpers on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Contact, Subscription, Suppression
from core.bulk import allocate_ids, insert_rows, probe_query
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


def _plan(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            return json.dumps(cursor.fetchone()[0])
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "column", "where", "index"),
    [
        (Contact, "address_hash", "account_id = %s", "contact_unique_address"),
        (Contact, "address_hash", "status = 'B' AND account_id <> %s", "contact_bouncing"),
        (Suppression, "address_hash", "", "suppression_unique"),
        (Subscription, "contact_id", "list_id = %s", "subscription_unique"),
    ],
    ids=["the account's contacts", "bouncing elsewhere", "suppressed", "on the list"],
)
def test_a_probe_looks_each_value_up_in_the_index(
    db: Any, model: Any, column: str, where: str, index: str
) -> None:
    """Never a read of the whole table, however stale the planner's statistics: on
    PostgreSQL one index probe per value, in a loop over the values (as `= ANY` the
    planner read every contact of the account for each import batch)."""
    values: list[Any] = [1, 2] if column == "contact_id" else ["a" * 64, "b" * 64]
    sql, params = probe_query(
        model, column, values, where=where, params=[1] if "%s" in where else []
    )
    plan = _plan(sql, params)
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        assert f'"Index Name": "{index}"' in plan, plan
        assert '"Node Type": "Nested Loop"' in plan and '"Function Name": "unnest"' in plan
        assert '"Node Type": "Seq Scan"' not in plan, plan
    else:
        # SQLite names a unique constraint's index sqlite_autoindex_...: the search terms
        # say which it is.
        assert f"SEARCH {table} USING INDEX" in plan and f"{column}=?" in plan, plan
        assert f"SCAN {table}" not in plan, plan
