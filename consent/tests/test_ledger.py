"""The evidence ledger: append-only, hash-chained per account (CONSENT-2, DESIGN invariant 3)."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from consent import services
from consent.models import EvidenceImmutable, EvidenceRecord, Wording
from consent.selectors import verify_chain
from contacts import services as contacts
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM


def _raw(sql: str, params: list[object]) -> None:
    """Change rows behind the product's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch triggers off for a session; the chain must still tell.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_it_chains_every_record_to_the_one_before(world) -> None:
    records = list(EvidenceRecord.objects.filter(account=world.alice_account).order_by("seq"))
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    assert verify_chain(world.alice_account).ok


def test_it_keeps_one_chain_per_account(world) -> None:
    alice = EvidenceRecord.objects.filter(account=world.alice_account)
    charlie = EvidenceRecord.objects.filter(account=world.charlie_account)
    assert alice.filter(seq=1).exists() and charlie.filter(seq=1).exists()
    assert verify_chain(world.charlie_account).ok


def test_it_refuses_to_update_a_record_through_the_model(world) -> None:
    """CONSENT-2: no code path updates or deletes an evidence record."""
    record = EvidenceRecord.objects.filter(account=world.alice_account).first()
    record.kind = "forged"
    with pytest.raises(EvidenceImmutable):
        record.save()
    with pytest.raises(EvidenceImmutable):
        record.delete()
    with pytest.raises(EvidenceImmutable):
        EvidenceRecord.objects.filter(pk=record.pk).update(kind="forged")
    with pytest.raises(EvidenceImmutable):
        EvidenceRecord.objects.filter(pk=record.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_it_refuses_updates_and_deletes_in_the_database_on_postgresql(world) -> None:
    from django.db import DatabaseError

    record = EvidenceRecord.objects.filter(account=world.alice_account).first()
    for sql in (
        "UPDATE consent_evidencerecord SET kind = 'forged' WHERE id = %s",
        "DELETE FROM consent_evidencerecord WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [record.pk])
    assert EvidenceRecord.objects.get(pk=record.pk).kind == record.kind


def test_it_detects_a_changed_record_and_names_it(world) -> None:
    """DESIGN invariant 3: tampering is detected."""
    target = EvidenceRecord.objects.get(account=world.alice_account, seq=2)
    _raw(
        "UPDATE consent_evidencerecord SET payload = %s WHERE id = %s",
        ['{"forged": true}', target.pk],
    )
    report = verify_chain(world.alice_account)
    assert not report.ok and report.broken.seq == 2
    assert "changed" in report.broken.reason
    assert verify_chain(world.charlie_account).ok


def test_it_detects_a_removed_record(world) -> None:
    target = EvidenceRecord.objects.get(account=world.alice_account, seq=2)
    _raw("DELETE FROM consent_evidencerecord WHERE id = %s", [target.pk])
    report = verify_chain(world.alice_account)
    assert report.broken.seq == 2 and "missing" in report.broken.reason


def test_it_detects_records_cut_off_the_end(world) -> None:
    last = EvidenceRecord.objects.filter(account=world.alice_account).order_by("-seq").first()
    _raw("DELETE FROM consent_evidencerecord WHERE id = %s", [last.pk])
    report = verify_chain(world.alice_account)
    assert not report.ok and report.broken.seq == last.seq


def test_it_detects_a_rewritten_chain_tail_with_recomputed_hashes(world) -> None:
    """Even a forger who recomputes the changed record's own hash breaks the next link."""
    from consent.rules import link_hash
    from consent.selectors import CHAIN_FIELDS

    row = (
        EvidenceRecord.objects.filter(account=world.alice_account, seq=2)
        .values(*CHAIN_FIELDS)
        .get()
    )
    row["payload"] = {"forged": True}
    _raw(
        "UPDATE consent_evidencerecord SET payload = %s, hash = %s "
        "WHERE account_id = %s AND seq = 2",
        ['{"forged": true}', link_hash(row["prev_hash"], row), world.alice_account.pk],
    )
    report = verify_chain(world.alice_account)
    assert report.broken.seq == 3 and "link" in report.broken.reason


def test_the_command_names_the_first_broken_record(world, capsys) -> None:
    call_command("evidence", "verify", "alice-shop")
    assert "alice-shop: ok" in capsys.readouterr().out
    target = EvidenceRecord.objects.get(account=world.alice_account, seq=3)
    _raw("UPDATE consent_evidencerecord SET actor = %s WHERE id = %s", ["someone else", target.pk])
    with pytest.raises(CommandError, match="broken"):
        call_command("evidence", "verify")
    out = capsys.readouterr().out
    assert "alice-shop: BROKEN at record #3" in out
    assert "charlie-co: ok" in out


@pytest.mark.django_db(transaction=True)
def test_it_writes_evidence_only_inside_the_change_transaction() -> None:
    from accounts.services import create_account

    account = create_account("Loose Ltd")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.record(account, "loose", actor=SYSTEM)
    assert not EvidenceRecord.objects.filter(account=account).exists()


def test_it_writes_the_status_change_and_its_record_together(world) -> None:
    """STATUS-6: a change that fails leaves no record, and a record never lacks its change."""
    before = EvidenceRecord.objects.filter(account=world.alice_account).count()
    with pytest.raises(RuntimeError), transaction.atomic():
        contacts.change_status(
            world.alice_contact,
            Status.UNSUBSCRIBED,
            actor=SYSTEM,
            cause=Cause.UNSUBSCRIBE_LINK,
            ref="campaign:7",
        )
        raise RuntimeError("crash after the change")
    world.alice_contact.refresh_from_db()
    assert world.alice_contact.status == Status.ACTIVE
    assert EvidenceRecord.objects.filter(account=world.alice_account).count() == before
    contacts.change_status(
        world.alice_contact,
        Status.UNSUBSCRIBED,
        actor=SYSTEM,
        cause=Cause.UNSUBSCRIBE_LINK,
        ref="campaign:7",
    )
    last = EvidenceRecord.objects.filter(account=world.alice_account).order_by("-seq").first()
    assert last.kind == "status.changed"
    assert last.payload == {
        "from": "A",
        "to": "U",
        "cause": "unsubscribe_link",
        "ref": "campaign:7",
    }
    assert last.actor == "system:tests"


def test_it_versions_wordings_instead_of_editing_them(world) -> None:
    first = services.publish_wording(
        "form.consent", "Ja, ich möchte den Newsletter.", language="de"
    )
    same = services.publish_wording("form.consent", "Ja, ich möchte den Newsletter.", language="de")
    second = services.publish_wording(
        "form.consent", "Ja, ich möchte den Newsletter erhalten.", language="de"
    )
    assert first.pk == same.pk and (first.version, second.version) == (1, 2)
    first.text = "changed"
    with pytest.raises(EvidenceImmutable):
        first.save()
    assert Wording.objects.get(pk=first.pk).text == "Ja, ich möchte den Newsletter."
