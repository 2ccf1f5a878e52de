"""/api/v1/operator/suppressions: the untrusted list for the operator only (IMPORT-11).

An account's key is refused with 403 whichever account it belongs to; a staff user
authenticates with HTTP Basic or the admin's session."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from api.tests.conftest import BASE, KeyClient
from contacts import selectors, untrusted
from contacts.models import SuppressedDomain, Suppression
from contacts.testing import PASSWORD, Personas
from core.addresses import address_key

URL = f"{BASE}/operator/suppressions"
JSON = "application/json"


def basic(username: str, password: str = PASSWORD) -> Client:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return Client(headers={"Authorization": f"Basic {token}"})


@pytest.fixture
def operator(world: Personas) -> Client:
    return basic("olga")


def add(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, body, content_type=JSON)


def remove(client: Client, body: dict[str, Any]) -> Any:
    return client.delete(URL, body, content_type=JSON)


def test_import_011_the_operator_adds_an_address_and_it_matches_in_any_case(
    operator: Client,
) -> None:
    response = add(operator, {"entry": "ULLA@Example.DE", "reason": "spam_trap", "note": "feed"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "address" and body["domain"] is None
    assert body["address_hash"] == address_key("ulla@example.de")
    assert (body["reason"], body["source"], body["note"]) == ("spam_trap", "api:olga", "feed")
    assert body["created_at"]
    assert selectors.suppression_reasons("ulla@example.de") == ["spam_trap"]
    again = add(operator, {"entry": "ulla@example.de", "reason": "spam_trap"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_import_011_the_operator_adds_a_whole_domain(operator: Client) -> None:
    response = add(operator, {"entry": "@Trap.Example", "reason": "blocked"})
    assert response.status_code == 201
    assert response.json()["domain"] == "trap.example"
    assert response.json()["address_hash"] is None
    assert selectors.suppression_reasons("Anyone@TRAP.example") == ["blocked"]


def test_it_lists_the_entries_a_page_at_a_time(operator: Client) -> None:
    for n in range(3):
        untrusted.add(f"t{n}@example.de", "spam_trap", source="cli:root")
    untrusted.add("@trap.example", "blocked", source="cli:root")
    page = operator.get(URL, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 4
    assert [item["address_hash"] for item in page["items"]] == [
        address_key("t2@example.de"),
        address_key("t1@example.de"),
    ]
    first = operator.get(URL, {"limit": 1}).json()["items"][0]
    assert (first["kind"], first["domain"], first["source"]) == (
        "domain",
        "trap.example",
        "cli:root",
    )
    domains = operator.get(URL, {"kind": "domain"}).json()
    assert domains["count"] == 1
    assert operator.get(URL, {"reason": "spam_trap"}).json()["count"] == 3
    assert operator.get(URL, {"kind": "people"}).status_code == 422
    assert operator.get(URL, {"limit": 10_000}).status_code == 422


def test_removing_an_entry_lets_the_address_in_again(operator: Client) -> None:
    untrusted.add("ulla@example.de", "spam_trap", source="cli:root")
    untrusted.add("ulla@example.de", "blocked", source="cli:root")
    untrusted.add("@example.de", "blocked", source="cli:root")
    one = remove(operator, {"entry": "ULLA@example.DE", "reason": "blocked"})
    assert one.status_code == 200 and one.json() == {"removed": 1}
    assert remove(operator, {"entry": "@Example.de"}).json() == {"removed": 1}
    assert remove(operator, {"entry": "ulla@example.de"}).json() == {"removed": 1}
    assert selectors.suppression_reasons("ulla@example.de") == []
    gone = remove(operator, {"entry": "ulla@example.de"})
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"entry": "example.de", "reason": "spam_trap"}, "not an address or @domain"),
        ({"entry": "@", "reason": "spam_trap"}, "not a domain"),
        ({"entry": "a@example.de", "reason": "trusted"}, "reason"),
        ({"entry": "a@example.de", "reason": "spam_trap", "note": "x" * 201}, "note"),
        ({"entry": "a" * 261 + "@example.de", "reason": "spam_trap"}, "entry"),
        ({"reason": "spam_trap"}, "entry"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    operator: Client, body: dict[str, Any], mentions: str
) -> None:
    response = add(operator, body)
    assert response.status_code == 422, response.content
    answer = response.json()
    assert mentions in answer["message"] + " ".join(answer["details"])
    assert not Suppression.objects.exists() and not SuppressedDomain.objects.exists()


def test_an_accounts_api_key_gets_403(alice_api: KeyClient, charlie_api: KeyClient) -> None:
    untrusted.add("ulla@example.de", "spam_trap", source="cli:root")
    for api in (alice_api, charlie_api):
        assert api.client.get(URL).status_code == 403
        response = add(api.client, {"entry": "x@example.de", "reason": "spam_trap"})
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
        assert remove(api.client, {"entry": "ulla@example.de"}).status_code == 403
        # The account's key still works where it belongs.
        assert api.client.get(f"{BASE}/lists").status_code == 200
    assert Suppression.objects.count() == 1


def test_non_operators_and_wrong_credentials_are_refused(world: Personas) -> None:
    assert Client().get(URL).status_code == 401
    assert basic("olga", "wrong").get(URL).status_code == 401
    assert basic("alice").get(URL).status_code == 401  # an account owner is no operator
    assert Client(headers={"Authorization": "Bearer cs_nonsense_x"}).get(URL).status_code == 401
    response = add(basic("alice"), {"entry": "x@example.de", "reason": "spam_trap"})
    assert response.status_code == 401
    assert not Suppression.objects.exists()


def test_a_staff_user_needs_the_admins_permissions(world: Personas) -> None:
    from django.contrib.auth.models import Permission

    User = get_user_model()
    user = User.objects.create_user("sven", password=PASSWORD, is_staff=True)
    client = basic("sven")
    assert client.get(URL).status_code == 403
    assert add(client, {"entry": "x@example.de", "reason": "spam_trap"}).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_suppression"))
    assert add(client, {"entry": "x@example.de", "reason": "spam_trap"}).status_code == 201
    # Adding addresses is not adding domains, nor removing anything.
    assert add(client, {"entry": "@example.de", "reason": "spam_trap"}).status_code == 403
    assert remove(client, {"entry": "x@example.de"}).status_code == 403
    assert selectors.suppression_reasons("x@example.de") == ["spam_trap"]


def test_the_admins_session_works_with_its_csrf_token(world: Personas) -> None:
    session = Client(enforce_csrf_checks=True)
    session.force_login(world.operator)
    assert session.get(URL).status_code == 200
    refused = add(session, {"entry": "x@example.de", "reason": "spam_trap"})
    assert refused.status_code in (401, 403)
    assert not Suppression.objects.exists()
    alice = Client()
    alice.force_login(world.alice)
    assert alice.get(URL).status_code == 401


def test_too_many_attempts_from_one_address_are_throttled(
    world: Personas, monkeypatch: Any
) -> None:
    from api import operator as operator_api

    monkeypatch.setattr(operator_api, "ATTEMPTS_PER_MINUTE", 3)
    guesser = basic("olga", "guess")
    assert [guesser.get(URL, REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)] == [
        401,
        401,
        401,
        429,
    ]
    # Even the right password waits: the guesser must not learn it is right.
    assert basic("olga").get(URL, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert basic("olga").get(URL, REMOTE_ADDR="203.0.113.10").status_code == 200
