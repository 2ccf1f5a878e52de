"""API-key authentication, the actor recorded in evidence, and the OpenAPI document."""

from __future__ import annotations

from django.test import Client

from accounts.models import ApiKey
from accounts.services import revoke_api_key
from api.tests.conftest import BASE, KeyClient
from consent.models import EvidenceRecord
from consent.selectors import readable_personal
from contacts.testing import Personas


def _assert_unauthorized(response: object) -> None:
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_a_request_without_a_key(world: Personas) -> None:
    """PRIVACY-2: nothing of an account is reachable without its key."""
    response = Client().get(f"{BASE}/contacts")
    _assert_unauthorized(response)
    assert "kunde@example.de" not in response.content.decode()


def test_it_refuses_a_bad_key(world: Personas, alice_api: KeyClient) -> None:
    """PRIVACY-2: a made-up key, a tampered key or another scheme gives 401."""
    tampered = alice_api.plain[:-4] + ("AAAA" if not alice_api.plain.endswith("AAAA") else "BBBB")
    for header in (
        "Bearer cs_00000000_not-a-real-key",
        f"Bearer {tampered}",
        "Bearer not-even-our-format",
        f"Token {alice_api.plain}",
        "Bearer",
    ):
        _assert_unauthorized(Client().get(f"{BASE}/contacts", headers={"Authorization": header}))


def test_it_refuses_a_revoked_key(world: Personas, alice_api: KeyClient) -> None:
    """PRIVACY-2: a revoked key stops working at once."""
    assert alice_api.client.get(f"{BASE}/contacts").status_code == 200
    revoke_api_key(alice_api.key)
    _assert_unauthorized(alice_api.client.get(f"{BASE}/contacts"))


def test_it_scopes_a_key_to_its_own_account(
    world: Personas, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    """PRIVACY-2: each key sees its own account's contacts and no one else's."""
    alice_seen = [c["address"] for c in alice_api.client.get(f"{BASE}/contacts").json()["items"]]
    charlie_seen = [
        c["address"] for c in charlie_api.client.get(f"{BASE}/contacts").json()["items"]
    ]
    assert alice_seen == ["kunde@example.de"]
    assert charlie_seen == ["client@example.fr"]


def test_it_notes_when_a_key_was_last_used(world: Personas, alice_api: KeyClient) -> None:
    assert alice_api.key.last_used_at is None
    alice_api.client.get(f"{BASE}/lists")
    assert ApiKey.objects.get(pk=alice_api.key.pk).last_used_at is not None


def test_it_records_the_key_as_the_actor_of_a_change(world: Personas, alice_api: KeyClient) -> None:
    """STATUS-6: the evidence names the API key, and keeps the caller's IP and user agent."""
    response = alice_api.client.patch(
        f"{BASE}/contacts/{world.alice_contact.pk}",
        {"first_name": "Karla"},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    records = list(
        EvidenceRecord.objects.filter(contact=world.alice_contact, kind="contact.updated")
    )
    assert [r.actor for r in records] == [f"api_key:{alice_api.key.pk}"]
    personal = readable_personal(records)[0]
    assert personal is not None
    assert personal["ip"] == "203.0.113.9"
    assert personal["user_agent"] == "consentry-tests/1"


def test_it_serves_the_openapi_document_with_every_path(world: Personas) -> None:
    """The API describes itself, bearer scheme included, without needing a key."""
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert set(document["paths"]) >= {
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/contacts/{contact_id}/status",
        "/api/v1/lists",
        "/api/v1/lists/{list_id}",
        "/api/v1/lists/{list_id}/contacts",
    }
    assert set(document["paths"]["/api/v1/contacts/{contact_id}"]) == {"get", "patch", "delete"}
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    assert document["paths"]["/api/v1/contacts"]["get"]["security"]


def test_it_serves_interactive_docs(world: Personas) -> None:
    assert Client().get(f"{BASE}/docs").status_code == 200
