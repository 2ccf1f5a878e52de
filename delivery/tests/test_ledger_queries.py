"""The per-chunk questions a worker asks about its campaign use an index, whatever the
campaign's size: at 1,000,000 recipients a scan of the campaign's rows per chunk made
the send quadratic (found by bench/send.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone

from delivery.ledger import (
    claim_update_query,
    claimable_query,
    hard_failures_query,
    held_rows_query,
    open_rows_query,
)
from delivery.models import SendLedgerEntry

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text is checked")
@pytest.mark.parametrize(
    "query",
    [
        lambda: hard_failures_query(1),
        lambda: held_rows_query(1, "owner"),
        lambda: open_rows_query(1),
    ],
    ids=["hard bounces so far", "rows a worker holds", "open rows"],
)
def test_a_worker_s_question_about_its_campaign_uses_the_campaign_state_index(
    query: Callable[[], QuerySet[SendLedgerEntry]],
) -> None:
    plan = query().explain()
    assert "ledger_campaign_state" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text is checked")
def test_a_claim_seeks_its_batch_in_the_batch_index() -> None:
    plan = claimable_query(1, 450, timezone.now()).values("pk")[:200].explain()
    assert "ledger_batch_state" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text is checked")
def test_the_claim_s_update_changes_the_rows_its_subquery_picked_by_id() -> None:
    """Not by a walk of every queued row in the ledger (which grew with every campaign)."""
    now = timezone.now()
    query = claim_update_query(1, 450, now, 200).query.chain(UpdateQuery)
    query.add_update_values({"state": "sending", "lease_owner": "owner", "updated_at": now})
    sql, params = query.get_compiler(connection.alias).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "LIST SUBQUERY" in plan and "ledger_batch_state" in plan, plan
    assert "ledger_state_lease" not in plan and "MULTI-INDEX OR" not in plan, plan
