"""Contacts, lists and subscriptions through the services (STATUS-1, CONSENT-1, IMPORT-7)."""

from __future__ import annotations

import pytest

from consent.models import EvidenceRecord
from contacts import selectors, services
from contacts.models import Contact, SubscriptionState, SuppressionReason
from contacts.rules import Cause, LegalBasis, Status
from contacts.testing import SYSTEM
from core.addresses import InvalidAddress, normalise_address
from core.errors import Conflict, InvalidInput, RuleViolation


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Max.Muster@Example.DE", "Max.Muster@example.de"),
        ("  jean@EXEMPLE.fr ", "jean@exemple.fr"),
        ("anna@Bücher.example", "anna@xn--bcher-kva.example"),
        ("o'neil+news@straße.de", "o'neil+news@xn--strae-oqa.de"),
    ],
)
def test_it_normalises_the_domain_and_keeps_the_local_part(raw: str, normalised: str) -> None:
    assert normalise_address(raw) == normalised


@pytest.mark.parametrize(
    "raw", ["", "no-at-sign", "@example.org", "someone@", "a b@example.org", "x@-.."]
)
def test_it_refuses_what_is_not_an_address(raw: str) -> None:
    with pytest.raises(InvalidAddress):
        normalise_address(raw)


def test_it_keeps_one_contact_per_address_and_account(world) -> None:
    """The same address in two accounts is two contacts; in one account it is one."""
    with pytest.raises(Conflict):
        world.add_contact(world.alice_account, "KUNDE@EXAMPLE.DE".replace("KUNDE", "kunde"))
    other = world.add_contact(world.charlie_account, "kunde@example.de")
    assert other.account_id != world.alice_contact.account_id


def test_it_sets_the_status_when_the_contact_is_created(world) -> None:
    """STATUS-1: every contact has exactly one status from creation on."""
    contact = world.add_contact(
        world.alice_account, "neu@example.de", status=Status.BOUNCED, legal_basis=""
    )
    assert contact.status == "B" and contact.status_changed_at is not None
    with pytest.raises(RuleViolation):
        world.add_contact(world.alice_account, "del@example.de", status=Status.DELETED)


def test_it_requires_a_legal_basis_for_an_active_contact(world) -> None:
    """CONSENT-1: anything without a basis may not be mailed."""
    with pytest.raises(InvalidInput, match="legal basis"):
        world.add_contact(world.alice_account, "nobasis@example.de", legal_basis="")
    with pytest.raises(InvalidInput, match="unknown legal basis"):
        world.add_contact(world.alice_account, "bought@example.de", legal_basis="bought_list")
    ok = world.add_contact(
        world.alice_account, "kunde2@example.de", legal_basis=LegalBasis.EXISTING_CUSTOMER
    )
    assert ok.legal_basis == "existing_customer"


def test_an_import_cannot_make_an_unsubscribed_contact_active(world) -> None:
    """IMPORT-7 through the service: refused, nothing changed, nothing recorded."""
    contact = services.change_status(
        world.alice_contact, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.UNSUBSCRIBE_LINK
    )
    count = EvidenceRecord.objects.count()
    with pytest.raises(RuleViolation, match="double opt-in"):
        services.change_status(contact, Status.ACTIVE, actor=SYSTEM, cause=Cause.IMPORT)
    assert Contact.objects.get(pk=contact.pk).status == "U"
    assert EvidenceRecord.objects.count() == count


def test_it_records_nothing_when_the_status_stays(world) -> None:
    count = EvidenceRecord.objects.count()
    services.change_status(world.alice_contact, Status.ACTIVE, actor=SYSTEM, cause=Cause.IMPORT)
    assert EvidenceRecord.objects.count() == count


def test_it_fills_only_empty_fields_unless_told_to_overwrite(world) -> None:
    """IMPORT-7: never lowers what is known about a contact."""
    contact = world.add_contact(
        world.alice_account, "felder@example.de", first_name="Fritz", fields={"city": "Bonn"}
    )
    contact = services.update_contact(
        contact,
        actor=SYSTEM,
        first_name="Franz",
        last_name="Fink",
        fields={"city": "Köln", "zip": "50667"},
        overwrite=False,
    )
    assert (contact.first_name, contact.last_name) == ("Fritz", "Fink")
    assert contact.fields == {"city": "Bonn", "zip": "50667"}
    contact = services.update_contact(contact, actor=SYSTEM, fields={"city": "Köln"})
    assert contact.fields["city"] == "Köln"


def test_it_subscribes_only_to_lists_of_the_same_account(world) -> None:
    with pytest.raises(InvalidInput):
        services.set_subscription(
            world.alice_contact, world.charlie_list, SubscriptionState.CONFIRMED, actor=SYSTEM
        )
    sub = services.set_subscription(
        world.alice_contact, world.alice_list, SubscriptionState.UNSUBSCRIBED, actor=SYSTEM
    )
    assert sub.state == "unsubscribed"
    assert (
        EvidenceRecord.objects.filter(
            contact=world.alice_contact, kind="subscription.changed"
        ).count()
        == 2
    )


def test_lists_count_their_confirmed_subscribers(world) -> None:
    world.add_contact(world.alice_account, "zwei@example.de", world.alice_list)
    [lst] = selectors.lists_of(world.alice_account)
    assert lst.confirmed == 2
    with pytest.raises(Conflict):
        services.create_list(world.alice_account, "Newsletter", actor=SYSTEM)
    with pytest.raises(InvalidInput):
        services.create_list(world.alice_account, "Andere", actor=SYSTEM, language="es")


def test_the_suppression_list_keeps_only_a_keyed_hash(world) -> None:
    """IMPORT-5: platform-wide, recognisable, not readable."""
    row = services.suppress("Trap@Example.COM", SuppressionReason.SPAM_TRAP)
    assert "trap" not in row.address_hash.lower() and len(row.address_hash) == 64
    assert selectors.suppression_reasons("Trap@example.com") == ["spam_trap"]
    # One address identity: the local part's case does not matter.
    assert selectors.suppression_reasons("trap@example.com") == ["spam_trap"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_name": "Nul\x00Byte"}, "first name: control characters"),
        ({"last_name": "x" * 101}, "last name: at most 100"),
        ({"fields": {"ci\x07ty": "Bonn"}}, "custom field name: control characters"),
        ({"fields": {"note": "bell\x07"}}, "control characters"),
    ],
)
def test_it_refuses_control_characters_and_overlong_text(world, kwargs, message) -> None:
    """DESIGN invariant 7: a clear error, nothing stored (PostgreSQL cannot even hold NUL)."""
    with pytest.raises(InvalidInput, match=message):
        world.add_contact(world.alice_account, "text@example.de", **kwargs)
    assert selectors.contact_by_address(world.alice_account, "text@example.de") is None
    with pytest.raises(InvalidInput, match="control characters"):
        services.create_list(world.alice_account, "News\x00letter", actor=SYSTEM)
    with pytest.raises(InvalidAddress):
        normalise_address("nul\x00@example.de")
    multiline = world.add_contact(world.alice_account, "ok@example.de", fields={"note": "a\nb"})
    assert multiline.fields == {"note": "a\nb"}
