"""/api/v1/contacts: alice's key works on her contacts, charlie's key finds none of them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from api.tests.conftest import BASE, KeyClient
from consent import doi
from consent.models import EvidenceRecord
from consent.proof import build_bundle
from contacts import services as contacts_services
from contacts.models import Contact, Subscription, SubscriptionState, SuppressionReason
from contacts.rules import Cause, LegalBasis, Status
from contacts.services import change_status
from contacts.testing import SYSTEM, Personas
from imports.models import ImportJob

JSON = "application/json"


def post(api: KeyClient, path: str, body: Any, **meta: Any) -> Any:
    return api.client.post(f"{BASE}{path}", body, content_type=JSON, **meta)


def patch(api: KeyClient, path: str, body: Any) -> Any:
    return api.client.patch(f"{BASE}{path}", body, content_type=JSON)


# --- reading ------------------------------------------------------------------------------


def test_it_lists_the_accounts_contacts_newest_first(world: Personas, alice_api: KeyClient) -> None:
    """PRIVACY-2: alice's key lists alice's contacts only, with a total count."""
    world.add_contact(world.alice_account, "zweite@example.de")
    body = alice_api.client.get(f"{BASE}/contacts").json()
    assert body["count"] == 2
    assert [c["address"] for c in body["items"]] == ["zweite@example.de", "kunde@example.de"]
    first = body["items"][1]
    assert first["id"] == world.alice_contact.pk
    assert first["status"] == "A"
    assert first["legal_basis"] == "double_opt_in"


def test_it_pages_with_limit_and_offset(world: Personas, alice_api: KeyClient) -> None:
    for n in range(4):
        world.add_contact(world.alice_account, f"p{n}@example.de")
    body = alice_api.client.get(f"{BASE}/contacts", {"limit": 2, "offset": 1}).json()
    assert body["count"] == 5
    assert [c["address"] for c in body["items"]] == ["p2@example.de", "p1@example.de"]
    too_many = alice_api.client.get(f"{BASE}/contacts", {"limit": 10_000})
    assert too_many.status_code == 422
    assert too_many.json()["error"] == "invalid"
    assert any(d.startswith("limit:") for d in too_many.json()["details"])


def test_it_filters_by_status_and_search(world: Personas, alice_api: KeyClient) -> None:
    world.add_contact(world.alice_account, "weg@example.de", status=Status.UNSUBSCRIBED)
    world.add_contact(world.alice_account, "max@example.de", first_name="Maximilian")
    by_status = alice_api.client.get(f"{BASE}/contacts", {"status": "U"}).json()
    assert [c["address"] for c in by_status["items"]] == ["weg@example.de"]
    by_name = alice_api.client.get(f"{BASE}/contacts", {"search": "maximil"}).json()
    assert [c["address"] for c in by_name["items"]] == ["max@example.de"]
    bad = alice_api.client.get(f"{BASE}/contacts", {"status": "X"})
    assert bad.status_code == 422
    assert bad.json()["details"][0].startswith("status:")


def test_it_shows_one_contact(world: Personas, alice_api: KeyClient) -> None:
    response = alice_api.client.get(f"{BASE}/contacts/{world.alice_contact.pk}")
    assert response.status_code == 200
    assert response.json()["address"] == "kunde@example.de"


def test_it_answers_404_for_an_id_that_does_not_exist(
    world: Personas, alice_api: KeyClient
) -> None:
    response = alice_api.client.get(f"{BASE}/contacts/999999")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no such contact", "details": []}


# --- PRIVACY-2: charlie's key ---------------------------------------------------------------


def test_it_never_lets_charlies_key_reach_alices_contact(
    world: Personas, charlie_api: KeyClient
) -> None:
    """PRIVACY-2: each operation on alice's contact id answers 404 (not 403), changes nothing."""
    url = f"{BASE}/contacts/{world.alice_contact.pk}"
    answers = [
        charlie_api.client.get(url),
        patch(charlie_api, f"/contacts/{world.alice_contact.pk}", {"first_name": "Mallory"}),
        post(charlie_api, f"/contacts/{world.alice_contact.pk}/status", {"status": "U"}),
        charlie_api.client.delete(url),
    ]
    for response in answers:
        assert response.status_code == 404, response.content
        assert response.json()["error"] == "not_found"
        assert "kunde@example.de" not in response.content.decode()
    contact = Contact.objects.get(pk=world.alice_contact.pk)
    assert (contact.status, contact.address, contact.first_name) == ("A", "kunde@example.de", "")
    search = charlie_api.client.get(f"{BASE}/contacts", {"search": "kunde"}).json()
    assert search == {"items": [], "count": 0}


def test_it_does_not_subscribe_to_another_accounts_list(
    world: Personas, charlie_api: KeyClient
) -> None:
    """PRIVACY-2: alice's list id in charlie's request is unknown, and nothing is created."""
    response = post(charlie_api, "/contacts", by_hand("x@example.fr", [world.alice_list.pk]))
    assert response.status_code == 422
    assert response.json()["message"] == "no such list"
    assert not Contact.objects.filter(
        account=world.charlie_account, address="x@example.fr"
    ).exists()


# --- adding by hand: a one-row import (CONSENT-1/2, IMPORT-2/3/5/8) --------------------------


def by_hand(address: str, list_ids: list[int], **extra: Any) -> dict[str, Any]:
    """A complete request: an existing customer of last month, both statements confirmed."""
    body = {
        "address": address,
        "source": "existing_customer",
        "last_contact": (date.today() - timedelta(days=30)).isoformat(),
        "product_category": "Gartenmöbel",
        "list_ids": list_ids,
        "attest_origin": True,
        "attest_customer_contact": True,
    }
    body.update(extra)
    return body


def nothing_was_added(world: Personas, address: str) -> bool:
    files = list((Path(settings.VAR_DIR) / "imports").glob("*"))
    return (
        not Contact.objects.filter(account=world.alice_account, address__iexact=address).exists()
        and not ImportJob.objects.exists()
        and not files
    )


def test_it_adds_a_contact_by_hand_as_a_one_row_import(
    verified: Personas, alice_api: KeyClient
) -> None:
    """The source, its proof and both statements are the evidence of the new contact."""
    response = post(
        alice_api,
        "/contacts",
        by_hand(
            "Neu@Example.DE",
            [verified.alice_list.pk],
            first_name="Nina",
            last_name="Neumann",
            fields={"kundennummer": 4711, "city": "Köln"},
        ),
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # The domain is normalised, the local part kept as written (core.addresses).
    assert body["address"] == "Neu@example.de"
    assert body["status"] == "A"
    assert body["fields"] == {
        "kundennummer": "4711",
        "city": "Köln",
        "product_category": "Gartenmöbel",  # CONSENT-5: what similar products are
    }
    contact = Contact.objects.get(pk=body["id"])
    assert contact.account_id == verified.alice_account.pk
    assert contact.legal_basis == LegalBasis.EXISTING_CUSTOMER
    assert Subscription.objects.get(contact=contact).state == SubscriptionState.CONFIRMED
    bundle = build_bundle(verified.alice_account, "neu@example.de")
    kinds = [r["kind"] for r in bundle["records"]]
    assert kinds.count("import.attested") == 2 and "import.started" in kinds
    assert bundle["import"]["digest_ok"] is True
    started = next(r for r in bundle["records"] if r["kind"] == "import.started")
    assert started["facts"]["source"] == "existing_customer"
    assert started["facts"]["product_category"] == "Gartenmöbel"
    assert started["actor"] == f"api_key:{alice_api.key.pk}"
    assert started["personal"]["ip"] == "203.0.113.9"
    attested = next(r for r in bundle["records"] if r["kind"] == "import.attested")
    assert attested["wording"]["version"] >= 1  # the exact words confirmed


@pytest.mark.parametrize(
    ("extra", "status", "mentions"),
    [
        ({"source": "double_opt_in"}, 409, "double opt-in cannot be asserted by hand"),
        ({"source": "bought_list"}, 409, "may not be imported"),
        ({"attest_customer_contact": False}, 409, "confirm both statements"),
        ({"address": "info@example.de"}, 409, "role or generic address"),
        ({"address": "trap@example.de"}, 409, "untrusted list"),
        ({"last_contact": "2020-01-01"}, 409, "older than the allowed window"),
        ({"source": "business_card"}, 409, "written proof"),
        ({"address": "not-an-address"}, 422, "not an email address"),
        ({"list_ids": []}, 422, "list_ids"),
        ({"first_name": "x" * 101}, 422, "first_name:"),
    ],
)
def test_a_refused_add_adds_nothing(
    verified: Personas,
    alice_api: KeyClient,
    extra: dict[str, Any],
    status: int,
    mentions: str,
) -> None:
    """Invariant 7: a clear error, and no contact, no import and no file is left."""
    contacts_services.suppress("trap@example.de", SuppressionReason.SPAM_TRAP)
    body = by_hand("neu@example.de", [verified.alice_list.pk])
    body.update(extra)
    response = post(alice_api, "/contacts", body)
    assert response.status_code == status, response.content
    answer = response.json()
    assert mentions in answer["message"] + " ".join(answer["details"])
    assert nothing_was_added(verified, body.get("address", ""))


def test_it_refuses_a_duplicate_address_with_409(verified: Personas, alice_api: KeyClient) -> None:
    """The same address (one address identity) is one contact per account."""
    response = post(alice_api, "/contacts", by_hand("KUNDE@EXAMPLE.de", [verified.alice_list.pk]))
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "exists" in response.json()["message"]
    assert Contact.objects.filter(account=verified.alice_account).count() == 1


def test_it_never_raises_an_unsubscribed_contact_by_hand(
    verified: Personas, alice_api: KeyClient
) -> None:
    """IMPORT-7: U stays U, whatever a hand-added row claims."""
    gone = verified.add_contact(
        verified.alice_account, "weg@example.de", status=Status.UNSUBSCRIBED
    )
    response = post(alice_api, "/contacts", by_hand("Weg@example.de", [verified.alice_list.pk]))
    assert response.status_code == 409
    gone.refresh_from_db()
    assert gone.status == Status.UNSUBSCRIBED


# --- subscribing: double opt-in through the API (FORM-2) -------------------------------------


def test_subscribe_starts_a_double_opt_in(
    world: Personas, alice_api: KeyClient, sandbox_outbox: Any
) -> None:
    """How a shop adds people: a confirmation mail, the contact pending until the click."""
    form = doi.create_form(world.alice_list, actor=SYSTEM, name="Shop")
    response = post(
        alice_api,
        f"/lists/{world.alice_list.pk}/subscribe",
        {"email": "Kaeufer@example.de", "first_name": "Karl", "ip": "198.51.100.20"},
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": True, "reason": ""}
    contact = Contact.objects.get(account=world.alice_account, address="Kaeufer@example.de")
    sub = Subscription.objects.get(contact=contact, list=world.alice_list)
    assert sub.state == SubscriptionState.PENDING
    (mail,) = sandbox_outbox.messages()
    assert mail.rcpt_to == ["Kaeufer@example.de"]
    signup = EvidenceRecord.objects.get(contact=contact, kind="signup.submitted")
    assert signup.payload["form"] == form.pk
    again = post(alice_api, f"/lists/{world.alice_list.pk}/subscribe", {"email": "info@example.de"})
    assert again.json()["accepted"] is False and again.json()["reason"]


def test_subscribe_needs_a_form_and_an_ip_that_is_one(
    world: Personas, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    url = f"/lists/{world.alice_list.pk}/subscribe"
    answer = post(alice_api, url, {"email": "a@example.de"})
    assert answer.status_code == 422 and "signup form" in answer.json()["message"]
    doi.create_form(world.alice_list, actor=SYSTEM)
    assert post(alice_api, url, {"email": "a@example.de", "ip": "x"}).status_code == 422
    assert post(charlie_api, url, {"email": "a@example.de"}).status_code == 404


def test_it_answers_400_for_a_body_that_is_not_json(world: Personas, alice_api: KeyClient) -> None:
    response = alice_api.client.post(f"{BASE}/contacts", "{not json", content_type=JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


# --- editing --------------------------------------------------------------------------------


def test_it_edits_names_and_merges_fields(world: Personas, alice_api: KeyClient) -> None:
    url = f"/contacts/{world.alice_contact.pk}"
    assert patch(alice_api, url, {"fields": {"city": "Bonn", "plz": "53111"}}).status_code == 200
    response = patch(alice_api, url, {"first_name": "Klara", "fields": {"city": "Köln"}})
    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["last_name"]) == ("Klara", "")
    assert body["fields"] == {"city": "Köln", "plz": "53111"}
    assert Contact.objects.get(pk=world.alice_contact.pk).first_name == "Klara"


# --- status ---------------------------------------------------------------------------------


def test_it_unsubscribes_a_contact_with_cause_user(world: Personas, alice_api: KeyClient) -> None:
    """STATUS-6: the change is recorded with cause user and the caller's reference."""
    response = post(
        alice_api,
        f"/contacts/{world.alice_contact.pk}/status",
        {"status": "U", "ref": "phone call"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "U"
    record = EvidenceRecord.objects.get(contact=world.alice_contact, kind="status.changed")
    assert record.payload == {"from": "A", "to": "U", "cause": "user", "ref": "phone call"}
    assert record.actor == f"api_key:{alice_api.key.pk}"


def test_it_never_makes_an_unsubscribed_contact_active(
    world: Personas, alice_api: KeyClient
) -> None:
    """STATUS-2: only a confirmed double opt-in returns U to A; the API answers 409 with why."""
    change_status(world.alice_contact, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.USER)
    response = post(alice_api, f"/contacts/{world.alice_contact.pk}/status", {"status": "A"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "refused",
        "message": "only a confirmed double opt-in makes a contact active again",
        "details": [],
    }
    assert Contact.objects.get(pk=world.alice_contact.pk).status == Status.UNSUBSCRIBED


def test_it_accepts_no_cause_but_user(world: Personas, alice_api: KeyClient) -> None:
    """STATUS-2/6: a key cannot claim a double opt-in confirmation (or a bounce) happened."""
    change_status(world.alice_contact, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.USER)
    response = post(
        alice_api,
        f"/contacts/{world.alice_contact.pk}/status",
        {"status": "A", "cause": "doi_confirmed"},
    )
    assert response.status_code == 422
    assert response.json()["details"][0].startswith("cause:")
    assert Contact.objects.get(pk=world.alice_contact.pk).status == Status.UNSUBSCRIBED


def test_it_leaves_deletion_to_the_delete_operation(world: Personas, alice_api: KeyClient) -> None:
    """STATUS-4: D is reached only by erasure, never by a bare status change."""
    response = post(alice_api, f"/contacts/{world.alice_contact.pk}/status", {"status": "D"})
    assert response.status_code == 409
    assert response.json()["error"] == "refused"
    assert Contact.objects.get(pk=world.alice_contact.pk).address == "kunde@example.de"


# --- deleting -------------------------------------------------------------------------------


def test_it_erases_a_deleted_contacts_personal_data(world: Personas, alice_api: KeyClient) -> None:
    """STATUS-4, PRIVACY-1: D, address and names erased in the answer and in the row."""
    contact = world.add_contact(
        world.alice_account, "weg@example.de", first_name="Wanda", fields={"city": "Ulm"}
    )
    response = alice_api.client.delete(f"{BASE}/contacts/{contact.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "D"
    assert (body["address"], body["first_name"], body["fields"]) == ("", "", {})
    assert "weg@example.de" not in response.content.decode()
    row = Contact.objects.get(pk=contact.pk)
    assert (row.status, row.address, row.first_name, row.fields) == ("D", "", "", {})
    # The keyed hash stays, so a later signup or import is recognised (STATUS-4).
    assert row.address_hash == contact.address_hash
    # Once deleted, there is nothing left to edit.
    edited = patch(alice_api, f"/contacts/{contact.pk}", {"first_name": "Wanda"})
    assert edited.status_code == 409
    assert edited.json()["error"] == "refused"


# --- methods --------------------------------------------------------------------------------


def test_it_answers_405_for_a_wrong_method(world: Personas, alice_api: KeyClient) -> None:
    assert alice_api.client.put(f"{BASE}/contacts/{world.alice_contact.pk}").status_code == 405
    assert alice_api.client.delete(f"{BASE}/contacts").status_code == 405
    status_url = f"{BASE}/contacts/{world.alice_contact.pk}/status"
    assert alice_api.client.get(status_url).status_code == 405


def test_a_search_with_a_nul_byte_is_a_clear_400(world: Personas, alice_api: KeyClient) -> None:
    """Invariant 7: PostgreSQL cannot even compare a NUL; the answer says what is wrong."""
    response = alice_api.client.get(f"{BASE}/contacts", {"search": "kunde\x00"})
    assert response.status_code in (400, 422)
    assert "control characters" in response.json()["message"]
