"""The operator's audit log (ACCOUNT-2): entries are appended, never changed or removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from contacts.testing import Personas
from core.actors import Actor
from core.audit import audit_entries, record_operator_action
from core.errors import InvalidInput
from core.models import AuditAction, AuditEntry, AuditImmutable


def test_account_002_an_entry_says_who_did_what_to_whom_and_why(world: Personas) -> None:
    entry = record_operator_action(
        world.operator, AuditAction.SUSPEND, world.alice_account, "spam complaints"
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == "operator:olga" and stored.actor_id == world.operator.pk
    assert stored.action == "suspend" and stored.reason == "spam complaints"
    assert (stored.target_type, stored.target_id) == (
        "accounts.account",
        str(world.alice_account.pk),
    )
    assert (stored.account_id, stored.account_slug) == (world.alice_account.pk, "alice-shop")
    assert stored.at is not None


def test_account_002_an_entry_is_never_updated_or_deleted(world: Personas) -> None:
    entry = record_operator_action(Actor.system("quality"), "lift", "policy", "why")
    entry.reason = "another reason"
    with pytest.raises(AuditImmutable):
        entry.save()
    with pytest.raises(AuditImmutable):
        entry.delete()
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "why"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_account_002_the_database_refuses_changes_past_the_model(world: Personas) -> None:
    entry = record_operator_action(world.operator, "lift", world.alice_account, "fixed")
    for sql in ("UPDATE core_auditentry SET reason = 'x' WHERE id = %s",
                "DELETE FROM core_auditentry WHERE id = %s"):  # fmt: skip
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "fixed"


def test_an_unknown_action_or_an_overlong_reason_is_refused(world: Personas) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match="action"):
        record_operator_action(world.operator, "dance", world.alice_account, "x")
    with pytest.raises(InvalidInput, match="reason"):
        record_operator_action(world.operator, "lift", world.alice_account, "x" * 2001)
    assert AuditEntry.objects.count() == before


def test_the_log_is_filtered_by_account_action_actor_and_dates(world: Personas) -> None:
    arranged = set(AuditEntry.objects.values_list("pk", flat=True))  # the world's activations

    def found(**filters: object) -> list[AuditEntry]:
        return [e for e in audit_entries(**filters) if e.pk not in arranged]

    suspend = record_operator_action(world.operator, "suspend", world.alice_account, "a")
    lift = record_operator_action("system:quality", "lift", world.charlie_account, "b")
    assert found(account="alice-shop") == [suspend]
    assert found(action="lift") == [lift]
    assert found(actor="olga") == [suspend]
    today = timezone.localdate()
    assert found(since=today, until=today) == [lift, suspend]
    assert found(since=today + timedelta(days=1)) == []
    assert found(until=today - timedelta(days=1)) == []
