"""/api/v1/forms: signup forms through the API door (FORM-1, PRIVACY-2)."""

from __future__ import annotations

from typing import Any

from api.tests.conftest import BASE


def _create(api: Any, list_id: int, **extra: Any) -> Any:
    return api.client.post(
        f"{BASE}/forms", {"list_id": list_id, **extra}, content_type="application/json"
    )


def test_it_creates_a_form_with_its_hosted_url_and_consent_text(world, alice_api) -> None:
    response = _create(
        alice_api,
        world.alice_list.pk,
        name="Shop footer",
        custom_fields=[{"name": "city", "label": "Stadt", "required": True}],
    )
    assert response.status_code == 201
    body = response.json()
    assert body["hosted_url"].endswith(f"/f/{body['public_id']}/")
    assert body["consent_text"].startswith("Ja, ich möchte") and body["consent_version"] == 1
    assert body["custom_fields"] == [{"name": "city", "label": "Stadt", "required": True}]
    listed = alice_api.client.get(f"{BASE}/forms").json()
    assert [f["id"] for f in listed] == [body["id"]]


def test_a_new_consent_text_is_a_new_version(world, alice_api) -> None:
    form_id = _create(alice_api, world.alice_list.pk).json()["id"]
    response = alice_api.client.post(
        f"{BASE}/forms/{form_id}/consent-text",
        {"text": "Neuer Wortlaut."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["consent_text"], response.json()["consent_version"]) == (
        "Neuer Wortlaut.",
        2,
    )


def test_charlie_reaches_neither_alices_forms_nor_her_lists(world, alice_api, charlie_api) -> None:
    form_id = _create(alice_api, world.alice_list.pk).json()["id"]
    assert charlie_api.client.get(f"{BASE}/forms/{form_id}").status_code == 404
    assert charlie_api.client.get(f"{BASE}/forms").json() == []
    assert _create(charlie_api, world.alice_list.pk).status_code == 404
    text = charlie_api.client.post(
        f"{BASE}/forms/{form_id}/consent-text", {"text": "x"}, content_type="application/json"
    )
    assert text.status_code == 404


def test_bad_input_gets_a_clear_error(world, alice_api) -> None:
    bad = _create(alice_api, world.alice_list.pk, custom_fields=[{"name": "not a name"}])
    assert bad.status_code == 422 and "letters, digits" in bad.json()["message"]
    assert alice_api.client.delete(f"{BASE}/forms").status_code == 405
