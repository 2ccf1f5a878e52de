"""Bulk-path helpers on both databases."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts import services as accounts
from contacts import services as contacts
from contacts.models import Contact, Subscription, Suppression
from contacts.testing import SYSTEM
from core.bulk import allocate_ids, insert_rows, probe, probe_query
from imports.batches import CONTACT_COLUMNS

COLUMNS = ("id", *CONTACT_COLUMNS)


def _row_values(pk: int, now: Any) -> tuple[Any, ...]:
    """A contact's columns after its id and account."""
    address = f"n{pk}@bulk.example"
    return (address, address, "A", "", "", "", "{}", now, now, None, None, "", False, "")


def _row(world: Any, pk: int, now: Any) -> tuple[Any, ...]:
    return (pk, world.alice_account.pk, *_row_values(pk, now))


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


def _add_many(account_id: int, list_id: int, count: int) -> None:
    """`count` contacts of the account, subscribed to the list, written in bulk."""
    now = timezone.now()
    ids = allocate_ids(Contact, count)
    insert_rows(
        Contact,
        COLUMNS,
        [(pk, account_id, *_row_values(pk, now)) for pk in ids],
    )
    insert_rows(
        Subscription,
        ("contact_id", "list_id", "state", "created_at", "state_changed_at"),
        [(pk, list_id, "confirmed", now, now) for pk in ids],
    )


def _index_scans(plan: Any) -> set[tuple[str, str]]:
    """(index name, index condition) of each index a PostgreSQL plan (EXPLAIN's JSON) reads."""
    if isinstance(plan, dict):
        found = {(plan["Index Name"], plan["Index Cond"])} if "Index Name" in plan else set()
        return found.union(*(_index_scans(value) for value in plan.values()))
    if isinstance(plan, list):
        return set().union(*(_index_scans(value) for value in plan))
    return set()


@pytest.mark.parametrize(
    ("model", "column", "where", "index"),
    [
        (Contact, "address_hash", "account_id = %s", "contact_unique_address"),
        (Contact, "address_hash", "account_id = %s OR status = 'B'", "contact_unique_address"),
        (Suppression, "address_hash", "", "suppression_unique"),
        (Subscription, "contact_id", "list_id = %s", "subscription_unique"),
    ],
    ids=["the account's contacts", "and the bounced ones", "suppressed", "on the list"],
)
def test_a_probe_looks_each_value_up_in_the_index(
    world: Any, model: Any, column: str, where: str, index: str
) -> None:
    """Never a read of the whole table or of all the account's rows, however stale the
    planner's statistics: on PostgreSQL one probe per value of the index that starts with
    the probed column, in a loop over the values. The statistics here are those of a new
    account's first import on a platform with other accounts: taken before the account
    had a contact, and it has 5,000 now. With the account's condition inside the probe,
    statistics like these (in a bare table: one account known to them) made the planner
    look the new account's contacts up through (account, status) and filter them by
    hash, reading all of them for each value; the value as the probe's only index
    condition leaves no index but the one that starts with it."""
    fresh = accounts.create_account("Fresh Co", slug="fresh-co", owner=world.bob)
    fresh_list = contacts.create_list(fresh, "First", actor=SYSTEM)
    _add_many(world.charlie_account.pk, world.charlie_list.pk, 5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Contact._meta.db_table}, {Subscription._meta.db_table}")
    _add_many(fresh.pk, fresh_list.pk, 5000)
    values: list[Any] = [1, 2] if column == "contact_id" else ["a" * 64, "b" * 64]
    sql, params = probe_query(
        model,
        column,
        values,
        where=where,
        params=[fresh_list.pk if column == "contact_id" else fresh.pk] if "%s" in where else [],
    )
    plan = _plan(sql, params)
    if connection.vendor == "postgresql":
        # The value is the probe's only index condition: no other index can serve it.
        scans = _index_scans(json.loads(plan))
        assert {name for name, _ in scans} == {index}, plan
        assert all(
            re.fullmatch(rf"\(\(?{column}\)?(::text)? = probe\.v\)", cond) for _, cond in scans
        ), plan
        assert '"Node Type": "Nested Loop"' in plan and '"Function Name": "unnest"' in plan
        assert '"Node Type": "Seq Scan"' not in plan, plan
    else:
        # SQLite names a unique constraint's index sqlite_autoindex_...: the search terms
        # say which it is.
        assert "SEARCH t USING INDEX" in plan and f"{column}=?" in plan, plan
        assert "SCAN t" not in plan, plan


def test_a_probe_gives_only_the_rows_of_its_values_that_match(world: Any) -> None:
    """`where` is one condition, whatever it holds (an OR kept the account's other
    contacts on SQLite), and `select` may take its own parameters."""
    mine = [_contact(world, f"mine{n}@example.com") for n in range(3)]
    bounced = Contact.objects.create(
        account=world.charlie_account,
        address="mine0@example.com",
        address_hash=mine[0].address_hash,
        status="B",
        status_changed_at=timezone.now(),
    )
    Contact.objects.filter(pk=mine[1].pk).update(status="B")
    rows = probe(
        Contact,
        "address_hash",
        [mine[0].address_hash, mine[1].address_hash, "f" * 64],
        where="account_id = %s OR status = 'B'",
        params=[world.alice_account.pk],
        select="id, CASE WHEN account_id = %s THEN first_name END",
        select_params=[world.alice_account.pk],
    )
    assert sorted(rows) == sorted([(mine[0].pk, ""), (mine[1].pk, ""), (bounced.pk, None)])
    assert probe(Contact, "address_hash", []) == []


def test_a_probe_finds_values_with_any_character(world: Any) -> None:
    """On PostgreSQL the values go as one comma-separated text unless one holds a comma;
    then as an array: either way each value is looked up whole."""
    odd = _contact(world, "odd@example.com")
    Contact.objects.filter(pk=odd.pk).update(address_hash="with,comma")
    plain = _contact(world, "plain@example.com")
    for values, found in [
        (["with,comma", plain.address_hash], {odd.pk, plain.pk}),
        (["with", "comma", plain.address_hash], {plain.pk}),
    ]:
        rows = probe(Contact, "address_hash", values, select="id")
        assert {pk for (pk,) in rows} == found
    subscribed = probe(
        Subscription,
        "contact_id",
        [world.alice_contact.pk, plain.pk],
        where="list_id = %s",
        params=[world.alice_list.pk],
        select="contact_id",
    )
    assert subscribed == [(world.alice_contact.pk,)]
