"""ACCOUNT-1: a suspended account's API keys neither read nor write; they learn why."""

from __future__ import annotations

from accounts import services as accounts
from accounts.models import ReviewState
from api.tests.conftest import BASE, KeyClient, key_client
from carrier.models import CapturedMessage
from consent import doi
from contacts import services as contacts
from contacts.models import Contact
from contacts.testing import SYSTEM, Personas

REASON = "complaint rate over the limit in the October newsletter"


def suspend(world: Personas) -> None:
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED, note=REASON)


def test_a_suspended_accounts_key_gets_403_with_the_reason(
    world: Personas, alice_api: KeyClient
) -> None:
    assert alice_api.client.get(f"{BASE}/lists").status_code == 200
    suspend(world)
    response = alice_api.client.get(f"{BASE}/lists")
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "forbidden"
    assert "suspended" in body["message"] and REASON in body["message"]
    assert "contact the platform operator" in body["message"]


def test_a_suspended_accounts_key_creates_nothing(world: Personas, alice_api: KeyClient) -> None:
    suspend(world)
    before = Contact.objects.count()
    response = alice_api.client.post(
        f"{BASE}/contacts",
        {"email": "neu@example.de", "source": "existing_customer"},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = alice_api.client.post(
        f"{BASE}/lists/{world.alice_list.pk}/subscribe",
        {"email": "neu@example.de"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Contact.objects.count() == before


def test_other_accounts_and_a_lifted_suspension_work_again(
    world: Personas, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    suspend(world)
    assert charlie_api.client.get(f"{BASE}/lists").status_code == 200
    accounts.change_review_state(world.alice_account, ReviewState.ACTIVE)
    assert alice_api.client.get(f"{BASE}/lists").status_code == 200


def test_a_pending_accounts_subscribe_sends_no_confirmation(
    world: Personas, alice_api: KeyClient
) -> None:
    """A pending account prepares through its keys, but nothing leaves the platform."""
    pending = accounts.create_account("Neu GmbH", slug="neu", owner=world.bob)
    lst = contacts.create_list(pending, "News", actor=SYSTEM)
    doi.create_form(lst, actor=SYSTEM, name="Shop")
    api = key_client(pending, "shop")
    assert api.client.get(f"{BASE}/lists").status_code == 200
    response = api.client.post(
        f"{BASE}/lists/{lst.pk}/subscribe",
        {"email": "person@example.de", "ip": "198.51.100.7"},
        content_type="application/json",
    )
    assert response.status_code == 202
    assert response.json() == {"accepted": False, "reason": "account_inactive"}
    assert not CapturedMessage.objects.exists()
    assert not Contact.objects.filter(account=pending).exists()
