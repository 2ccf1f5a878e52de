"""/api/v1/lists: alice's key works on her lists, charlie's key finds none of them."""

from __future__ import annotations

from typing import Any

from api.tests.conftest import BASE, KeyClient
from consent.models import EvidenceRecord
from contacts.models import List, SubscriptionState
from contacts.services import set_subscription
from contacts.testing import SYSTEM, Personas

JSON = "application/json"


def post(api: KeyClient, path: str, body: Any) -> Any:
    return api.client.post(f"{BASE}{path}", body, content_type=JSON)


def test_it_lists_the_accounts_lists_with_confirmed_counts(
    world: Personas, alice_api: KeyClient
) -> None:
    """PRIVACY-2: alice's key sees her lists only; STATUS-1: confirmed subscriptions counted."""
    pending = world.add_contact(world.alice_account, "offen@example.de")
    set_subscription(pending, world.alice_list, SubscriptionState.PENDING, actor=SYSTEM)
    response = alice_api.client.get(f"{BASE}/lists")
    assert response.status_code == 200
    assert [(lst["id"], lst["name"], lst["confirmed"]) for lst in response.json()] == [
        (world.alice_list.pk, "Newsletter", 1)
    ]


def test_it_creates_a_list(world: Personas, alice_api: KeyClient) -> None:
    response = post(alice_api, "/lists", {"name": " Angebote ", "language": "fr"})
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["language"], body["confirmed"]) == ("Angebote", "fr", 0)
    lst = List.objects.get(pk=body["id"])
    assert lst.account_id == world.alice_account.pk
    record = EvidenceRecord.objects.get(kind="list.created", payload__list=lst.pk)
    assert record.actor == f"api_key:{alice_api.key.pk}"


def test_it_refuses_a_duplicate_or_malformed_list(world: Personas, alice_api: KeyClient) -> None:
    """Invariant 7: a clear error body; nothing stored."""
    duplicate = post(alice_api, "/lists", {"name": "Newsletter"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "conflict"
    unknown_language = post(alice_api, "/lists", {"name": "Neu", "language": "es"})
    assert unknown_language.status_code == 422
    assert unknown_language.json()["details"][0].startswith("language:")
    blank = post(alice_api, "/lists", {"name": "   "})
    assert blank.status_code == 422
    assert blank.json()["error"] == "invalid"
    assert List.objects.filter(account=world.alice_account).count() == 1


def test_it_lets_charlie_use_a_name_alice_uses(world: Personas, charlie_api: KeyClient) -> None:
    """PRIVACY-2: list names are unique per account, so the answer reveals nothing of alice's."""
    assert post(charlie_api, "/lists", {"name": "Newsletter"}).status_code == 201


def test_it_shows_one_list(world: Personas, alice_api: KeyClient) -> None:
    response = alice_api.client.get(f"{BASE}/lists/{world.alice_list.pk}")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["confirmed"]) == ("Newsletter", 1)


def test_it_lists_the_contacts_on_a_list(world: Personas, alice_api: KeyClient) -> None:
    """STATUS-1: each contact with its subscription state; `state` filters by it."""
    pending = world.add_contact(world.alice_account, "offen@example.de")
    set_subscription(pending, world.alice_list, SubscriptionState.PENDING, actor=SYSTEM)
    world.add_contact(world.alice_account, "anderswo@example.de")  # on no list
    url = f"{BASE}/lists/{world.alice_list.pk}/contacts"
    everyone = alice_api.client.get(url).json()
    assert everyone["count"] == 2
    assert {(c["address"], c["subscription_state"]) for c in everyone["items"]} == {
        ("kunde@example.de", "confirmed"),
        ("offen@example.de", "pending"),
    }
    confirmed = alice_api.client.get(url, {"state": "confirmed"}).json()
    assert [c["address"] for c in confirmed["items"]] == ["kunde@example.de"]
    assert confirmed["count"] == 1


def test_it_never_lets_charlies_key_reach_alices_list(
    world: Personas, charlie_api: KeyClient
) -> None:
    """PRIVACY-2: alice's list id answers 404 (not 403) and shows none of her contacts."""
    for path in (f"/lists/{world.alice_list.pk}", f"/lists/{world.alice_list.pk}/contacts"):
        response = charlie_api.client.get(f"{BASE}{path}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": "no such list", "details": []}
        assert "kunde@example.de" not in response.content.decode()
    assert [lst["name"] for lst in charlie_api.client.get(f"{BASE}/lists").json()] == ["News"]


def test_it_answers_405_for_a_wrong_method(world: Personas, alice_api: KeyClient) -> None:
    assert alice_api.client.delete(f"{BASE}/lists/{world.alice_list.pk}").status_code == 405
    assert alice_api.client.put(f"{BASE}/lists").status_code == 405
    assert alice_api.client.post(f"{BASE}/lists/{world.alice_list.pk}/contacts").status_code == 405
