"""ACCOUNT-1 in the account pages: a suspended account reads only, with the reason and
what to do; a pending one prepares and is told that nothing is sent yet."""

from __future__ import annotations

from typing import Any

from accounts import services as accounts
from accounts.models import ReviewState
from contacts.models import List

BASE = "/a/alice-shop"
REASON = "spam-trap hits in the list imported on 2 December"


def test_a_suspended_accounts_pages_read_with_the_reason(world: Any) -> None:
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED, note=REASON)
    client = world.client_for(world.alice)
    for page in ("/contacts/", "/lists/", "/campaigns/", "/domains/", "/imports/"):
        response = client.get(BASE + page)
        assert response.status_code == 200, page
        text = response.content.decode()
        assert "This account is suspended." in text and REASON in text
        assert "write to the platform operator" in text


def test_a_suspended_account_changes_nothing(world: Any) -> None:
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED, note=REASON)
    client = world.client_for(world.alice)
    lists_before = List.objects.filter(account=world.alice_account).count()
    response = client.post(f"{BASE}/lists/", {"name": "Neu", "language": "de"})
    assert response.status_code == 403
    assert "nothing can be changed or sent" in response.content.decode()
    assert List.objects.filter(account=world.alice_account).count() == lists_before
    # Another account's users are not affected.
    charlie = world.client_for(world.charlie)
    response = charlie.post("/a/charlie-co/lists/", {"name": "Neu", "language": "fr"})
    assert response.status_code == 302


def test_a_pending_account_prepares_and_is_told_nothing_is_sent(world: Any) -> None:
    accounts.create_account("Neu GmbH", slug="neu", owner=world.bob)
    client = world.client_for(world.bob)
    text = client.get("/a/neu/lists/").content.decode()
    assert "awaits the operator" in text and "Nothing is sent" in text
    response = client.post("/a/neu/lists/", {"name": "Kunden", "language": "de"})
    assert response.status_code == 302
    assert List.objects.filter(account__slug="neu", name="Kunden").exists()


def test_the_suspension_speaks_german_and_french(world: Any) -> None:
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED, note=REASON)
    client = world.client_for(world.alice)
    for language, banner, denied in (
        ("de", "Dieses Konto ist gesperrt.", "Nicht erlaubt"),
        ("fr", "Ce compte est suspendu.", "Non autorisé"),
    ):
        text = client.get(f"{BASE}/lists/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert banner in text and REASON in text
        response = client.post(f"{BASE}/lists/", {"name": "Neu"}, HTTP_ACCEPT_LANGUAGE=language)
        assert denied in response.content.decode()
