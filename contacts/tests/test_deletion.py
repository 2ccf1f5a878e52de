"""Deleting a contact (STATUS-4, PRIVACY-1): D, personal data gone, proof kept, chain whole."""

from __future__ import annotations

import pytest
from django.db import connection

from consent.models import ContactKey, EvidenceRecord
from consent.proof import build_bundle
from consent.selectors import verify_chain
from contacts import selectors, services
from contacts.models import Contact
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM
from core.errors import RuleViolation

ADDRESS = "Erika.Mustermann@Beispiel.example"
STORED = "Erika.Mustermann@beispiel.example"


def _every_raw_value() -> list[tuple[str, bytes]]:
    """Every column of every row of every table, as raw bytes, read past the ORM."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        values.append((table, bytes(value)))
                    elif value is not None:
                        values.append((table, str(value).encode()))
    return values


@pytest.fixture
def erika(world):
    contact = world.add_contact(
        world.alice_account,
        ADDRESS,
        world.alice_list,
        first_name="Erika",
        last_name="Mustermann",
        fields={"city": "Köln", "customer_no": "K-4711"},
    )
    services.update_contact(contact, actor=SYSTEM, fields={"phone": "+49 221 123456"})
    services.change_status(contact, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.UNSUBSCRIBE_LINK)
    return contact


def test_it_holds_readable_personal_data_before_deletion(erika) -> None:
    """The check below can fail: before deletion the address is there to be found."""
    raw = _every_raw_value()
    assert any(STORED.encode() in value for _table, value in raw)
    assert any(b"Mustermann" in value for _table, value in raw)


def test_it_leaves_no_readable_address_in_any_raw_row(world, erika) -> None:
    """STATUS-4: after deletion the raw database rows hold no readable address or name."""
    services.delete_contact(erika, actor=SYSTEM)
    for table, value in _every_raw_value():
        for secret in (
            STORED.encode(),
            b"Erika",
            b"Mustermann",
            "Köln".encode(),
            b"K-4711",
            b"221 123456",
        ):
            assert secret.lower() not in value.lower(), f"{secret!r} readable in {table}"


def test_it_keeps_the_chain_verifiable_and_the_proof_after_deletion(world, erika) -> None:
    records_before = EvidenceRecord.objects.filter(contact=erika).count()
    services.delete_contact(erika, actor=SYSTEM, ref="request:42")
    assert verify_chain(world.alice_account).ok
    assert EvidenceRecord.objects.filter(contact=erika).count() == records_before + 1
    bundle = build_bundle(world.alice_account, ADDRESS)
    kinds = [r["kind"] for r in bundle["records"]]
    assert kinds[0] == "contact.created" and kinds[-1] == "status.changed"
    assert {"from": "A", "to": "U", "cause": "unsubscribe_link", "ref": ""} in [
        r["facts"] for r in bundle["records"]
    ]
    assert all(r["hash_ok"] for r in bundle["records"])
    assert all(r["personal"] in ("erased", {}) for r in bundle["records"])
    assert bundle["address"].startswith("(erased")


def test_it_erases_the_contact_row_and_destroys_its_key(erika) -> None:
    contact = services.delete_contact(erika, actor=SYSTEM)
    row = Contact.objects.get(pk=contact.pk)
    assert (row.status, row.address, row.first_name, row.last_name, row.fields) == (
        "D",
        "",
        "",
        "",
        {},
    )
    assert not ContactKey.objects.filter(contact=row).exists()


def test_it_still_recognises_the_address_after_deletion(world, erika) -> None:
    """The keyed hash stays, so a later import or signup finds the D contact."""
    services.delete_contact(erika, actor=SYSTEM)
    found = selectors.contact_by_address(world.alice_account, ADDRESS)
    assert found is not None and found.pk == erika.pk and found.status == "D"


def test_it_lets_nothing_but_a_confirmed_signup_bring_a_deleted_contact_back(world, erika) -> None:
    contact = services.delete_contact(erika, actor=SYSTEM)
    for cause in (Cause.IMPORT, Cause.USER, Cause.OPERATOR):
        with pytest.raises(RuleViolation):
            services.change_status(contact, Status.ACTIVE, actor=SYSTEM, cause=cause)
    with pytest.raises(RuleViolation):
        services.update_contact(contact, actor=SYSTEM, first_name="Erika")
    back = services.change_status(contact, Status.ACTIVE, actor=SYSTEM, cause=Cause.DOI_CONFIRMED)
    assert back.status == "A" and back.first_name == "" and back.fields == {}


def test_personal_data_is_sealed_not_stored_in_the_clear(world, erika) -> None:
    record = EvidenceRecord.objects.filter(contact=erika, kind="contact.created").get()
    assert record.sealed is not None and STORED.encode() not in bytes(record.sealed)
    assert "Erika" not in str(record.payload)
