"""One address identity (IMPORT-5, IMPORT-7, STATUS-2/4): mailbox providers ignore the case
of the local part, so `ULLA@example.de` and `ulla@example.de` are one person at every
door: imports, duplicates in a file, contact creation, signups, lookups, feedback."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from consent import doi
from consent import services as consent_services
from consent.models import ContactKey, EvidenceRecord
from consent.proof import build_bundle, build_bundle_for_contact
from consent.rules import import_digest
from consent.selectors import verify_chain
from consent.tests.test_doi import confirm_link, post_signup, sent_mails
from contacts import selectors
from contacts import services as contacts
from contacts.models import (
    Contact,
    Subscription,
    SubscriptionState,
    Suppression,
    SuppressionReason,
)
from contacts.rules import Status
from contacts.testing import SYSTEM
from core.addresses import address_key, identity, normalise_address
from core.crypto import keyed_hash
from core.errors import Conflict
from imports import reports
from imports.models import ImportJob
from imports.tests.conftest import run


def outcomes(job: ImportJob) -> dict[int, tuple[str, str]]:
    job.refresh_from_db()
    return {row: (outcome, reason) for row, _a, outcome, reason in reports.lines(job)}


def test_identity_folds_the_local_parts_case_and_keeps_the_address_as_entered() -> None:
    assert identity(normalise_address("ULLA@Example.DE")) == "ulla@example.de"
    assert normalise_address("ULLA@Example.DE") == "ULLA@example.de"  # kept for sending
    # Unicode: NFC first, then case-folded; the domain IDNA-encoded.
    assert identity(normalise_address("J\u0055\u0308RGEN@Bücher.de")) == (
        "j\u00fcrgen@xn--bcher-kva.de"
    )
    assert address_key("Ulla@example.de") == address_key("ulla@example.de")
    assert address_key("ulla@example.de") != address_key("ulla@example.com")


@given(st.from_regex(r"[A-Za-z0-9._%+-]{1,20}@[a-z0-9]{1,10}\.de", fullmatch=True))
def test_identity_is_the_same_for_every_spelling_of_case(address: str) -> None:
    normalised = normalise_address(address)
    assert identity(identity(normalised)) == identity(normalised)
    local, _, domain = normalised.rpartition("@")
    assert address_key(f"{local.upper()}@{domain}") == address_key(normalised)
    assert address_key(f"{local.lower()}@{domain}") == address_key(normalised)


@pytest.mark.parametrize("status", [Status.UNSUBSCRIBED, Status.BOUNCED])
def test_import_007_another_case_never_brings_a_contact_back(verified: Any, status: str) -> None:
    gone = verified.add_contact(
        verified.alice_account, "ulla@example.de", status=status, legal_basis=""
    )
    job = run(verified, "email\nULLA@example.de\nUlla@Example.de\n")
    assert outcomes(job) == {2: ("unchanged", ""), 3: ("rejected", "duplicate_in_file")}
    assert (
        Contact.objects.filter(account=verified.alice_account, status=Status.ACTIVE)
        .filter(address__iexact="ulla@example.de")
        .count()
        == 0
    )
    gone.refresh_from_db()
    assert gone.status == status


def test_import_007_a_deleted_address_in_capitals_stays_deleted(verified: Any) -> None:
    gone = verified.add_contact(verified.alice_account, "ulla@example.de")
    contacts.delete_contact(gone, actor=SYSTEM)
    job = run(verified, "email,status\nULLA@EXAMPLE.DE,A\n")
    assert outcomes(job) == {2: ("unchanged", "status_kept")}
    assert Contact.objects.filter(account=verified.alice_account).count() == 2  # + kunde@


def test_import_005_a_platform_suppression_holds_in_any_case(verified: Any) -> None:
    contacts.suppress("ulla@example.de", SuppressionReason.COMPLAINT)
    verified.add_contact(verified.charlie_account, "bert@example.de", status=Status.BOUNCED)
    job = run(verified, "email\nULLA@example.de\nBert@Example.de\n")
    assert outcomes(job) == {2: ("rejected", "suppressed"), 3: ("rejected", "bouncing")}


def test_import_005_one_file_spelling_an_address_three_ways_makes_one_contact(
    verified: Any,
) -> None:
    job = run(verified, "email\nDupe@example.de\ndupe@example.de\nDUPE@example.de\n")
    assert outcomes(job) == {
        2: ("created", ""),
        3: ("rejected", "duplicate_in_file"),
        4: ("rejected", "duplicate_in_file"),
    }
    (made,) = Contact.objects.filter(
        account=verified.alice_account, address__iexact="dupe@example.de"
    )
    assert made.address == "Dupe@example.de"  # as the file wrote it first


def test_a_contact_created_by_hand_is_one_identity(world: Any) -> None:
    world.add_contact(world.alice_account, "ulla@example.de")
    with pytest.raises(Conflict):
        world.add_contact(world.alice_account, "ULLA@example.de")
    found = selectors.contact_by_address(world.alice_account, "Ulla@EXAMPLE.de")
    assert found is not None and found.address == "ulla@example.de"
    assert selectors.suppression_reasons("ULLA@example.de") == []
    contacts.suppress("ULLA@example.de", SuppressionReason.BLOCKED)
    assert selectors.suppression_reasons("ulla@example.de") == ["blocked"]


def test_a_signup_in_other_capitals_finds_the_unsubscribed_contact(
    client: Any, world: Any, sandbox_outbox: Any
) -> None:
    """STATUS-2: only a confirmed double opt-in brings a U contact back, and it is the same
    contact, whatever the case of the address typed into the form."""
    gone = world.add_contact(
        world.alice_account,
        "ulla@example.de",
        world.alice_list,
        status=Status.UNSUBSCRIBED,
        legal_basis="",
    )
    form = doi.create_form(world.alice_list, actor=SYSTEM, name="Website")
    assert post_signup(client, form, "ULLA@Example.de").status_code == 302
    (mail,) = sent_mails()
    client.post(confirm_link(mail))
    assert Contact.objects.filter(account=world.alice_account).count() == 2  # + kunde@
    gone.refresh_from_db()
    assert gone.status == Status.ACTIVE


# --- The re-keying migration (consent 0004) ------------------------------------------------


def rekey_migration() -> Any:
    return importlib.import_module("consent.migrations.0004_address_identity")


def keyed_as_written(*contacts_: Contact) -> None:
    """Contacts (and their suppressions) as the platform keyed them before: by the address
    as written, the local part's case included."""
    for contact in contacts_:
        old = keyed_hash(contact.address)
        for row in Suppression.objects.filter(address_hash=contact.address_hash):
            Suppression.objects.create(address_hash=old, reason=row.reason, note=row.note)
            row.delete()
        Contact.objects.filter(pk=contact.pk).update(address_hash=old)


def imported_as_before(world: Any, address: str) -> Contact:
    """A contact an import created before, its batch digest made over the key as written."""
    made = world.add_contact(world.alice_account, address)
    keyed_as_written(made)
    made.refresh_from_db()
    with transaction.atomic():
        batch = consent_services.record(
            world.alice_account,
            "import.batch",
            actor=SYSTEM,
            payload={
                "contacts": [made.pk, made.pk],
                "digest": import_digest([(1, made.pk, made.address_hash, "A")]),
            },
        )
    Contact.objects.filter(pk=made.pk).update(
        import_record=batch.seq, import_row=1, import_status="A"
    )
    made.refresh_from_db()
    assert build_bundle_for_contact(made)["import"]["digest_ok"] is True
    return made


def test_the_migration_rekeys_and_merges_collisions_keeping_the_strictest_state(
    verified: Any,
) -> None:
    account, lst = verified.alice_account, verified.alice_list
    other = contacts.create_list(account, "Angebote", actor=SYSTEM)
    add = verified.add_contact
    # Before one address identity these were separate contacts, keyed as written.
    ulla_caps = add(account, "ULLA@example.de", lst, first_name="Ulla")
    keyed_as_written(ulla_caps)
    ulla = add(account, "ulla@example.de", lst, status=Status.UNSUBSCRIBED, legal_basis="")
    contacts.set_subscription(ulla, lst, SubscriptionState.UNSUBSCRIBED, actor=SYSTEM)
    dupe = add(account, "Dupe@example.de", lst, first_name="Dora")
    keyed_as_written(dupe)
    dupe_caps = add(account, "DUPE@example.de", other, last_name="Dupont")
    keyed_as_written(dupe_caps)
    solo = add(account, "Solo@example.de", lst)
    contacts.suppress("Solo@example.de", SuppressionReason.HARD_BOUNCE)
    keyed_as_written(solo)
    elsewhere = add(verified.charlie_account, "ULLA@example.de", verified.charlie_list)
    keyed_as_written(elsewhere)
    made = imported_as_before(verified, "Imported@example.de")

    rekeyed, merged = rekey_migration().rekey(django_apps, batch=2, log=None)

    assert (rekeyed, merged) == (6, 2)
    # ulla (U) survives; the active duplicate is retired, nothing is re-activated.
    ulla.refresh_from_db()
    ulla_caps.refresh_from_db()
    assert (ulla.status, ulla.address_hash) == (Status.UNSUBSCRIBED, address_key("ulla@example.de"))
    assert ulla.first_name == "Ulla"  # what the duplicate knew is kept
    assert (ulla_caps.status, ulla_caps.address) == (Status.DELETED, "")
    assert Subscription.objects.get(contact=ulla, list=lst).state == SubscriptionState.UNSUBSCRIBED
    assert not Subscription.objects.filter(contact=ulla_caps).exists()
    # Two actives: the older survives with both lists and both names.
    dupe.refresh_from_db()
    assert dupe.status == Status.ACTIVE and (dupe.first_name, dupe.last_name) == ("Dora", "Dupont")
    assert set(Subscription.objects.filter(contact=dupe).values_list("list_id", flat=True)) == {
        lst.pk,
        other.pk,
    }
    # Re-keyed alone, with its suppression; another account's contact is its own.
    solo.refresh_from_db()
    assert solo.address_hash == address_key("solo@example.de")
    assert selectors.suppression_reasons("SOLO@example.de") == ["hard_bounce"]
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.ACTIVE
    assert elsewhere.address_hash == address_key("ulla@example.de")
    # Evidence: each merge on both contacts; the chains verify; the import still proves.
    merges = EvidenceRecord.objects.filter(account=account, kind="contact.merged")
    assert sorted(merges.values_list("contact_id", flat=True)) == sorted(
        [ulla.pk, ulla_caps.pk, dupe.pk, dupe_caps.pk]
    )
    assert verify_chain(account).ok and verify_chain(verified.charlie_account).ok
    made.refresh_from_db()
    assert made.import_hash == keyed_hash("Imported@example.de")
    assert build_bundle(account, "imported@example.de")["import"]["digest_ok"] is True
    bundle = build_bundle(account, "ULLA@EXAMPLE.DE")
    assert {r["kind"] for r in bundle["records"]} >= {"contact.created", "contact.merged"}
    assert ulla_caps.pk in {r["facts"].get("from") for r in bundle["records"]}
    # Run again (an interrupted migration is resumed this way): nothing left to do.
    assert rekey_migration().rekey(django_apps, log=None) == (0, 0)
    # Erasing the survivor erases the duplicate's sealed data too (STATUS-4).
    assert ContactKey.objects.filter(contact=ulla_caps).exists()
    contacts.delete_contact(ulla, actor=SYSTEM)
    assert not ContactKey.objects.filter(contact=ulla_caps).exists()


def test_the_migration_merges_into_a_deleted_contact_and_erases_the_duplicate(
    verified: Any,
) -> None:
    account = verified.alice_account
    back = verified.add_contact(account, "ULLA@example.de", first_name="Ulla")
    keyed_as_written(back)
    gone = verified.add_contact(account, "ulla@example.de")
    contacts.delete_contact(gone, actor=SYSTEM)
    assert rekey_migration().rekey(django_apps, log=None) == (1, 1)
    back.refresh_from_db()
    assert (back.status, back.address, back.first_name) == (Status.DELETED, "", "")
    assert not ContactKey.objects.filter(contact=back).exists()
    assert verify_chain(account).ok
