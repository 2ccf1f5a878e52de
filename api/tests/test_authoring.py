"""/templates, /account/time-zone, /campaigns/{id}/duplicate and /schedule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from api.tests.conftest import BASE, KeyClient, key_client
from campaigns import layouts
from campaigns.models import Campaign, Template
from campaigns.testing import DOMAIN
from delivery import sends
from delivery.testing import Sendable

JSON = "application/json"


def _post(api: KeyClient, path: str, body: dict[str, Any]) -> Any:
    return api.client.post(f"{BASE}{path}", body, content_type=JSON)


def test_templates_saved_listed_changed_and_deleted(alice_api: KeyClient) -> None:
    starters = alice_api.client.get(f"{BASE}/templates/starters").json()
    assert [s["name"] for s in starters] == list(layouts.STARTERS)
    made = _post(alice_api, "/templates", {"name": "House", "starter": "letter"})
    assert made.status_code == 201
    template = made.json()
    assert "{{ content }}" in template["html"]
    assert _post(alice_api, "/templates", {"name": "House", "starter": "letter"}).status_code == 409
    listed = alice_api.client.get(f"{BASE}/templates").json()
    assert [t["name"] for t in listed] == ["House"]
    changed = alice_api.client.put(
        f"{BASE}/templates/{template['id']}",
        {"name": "House 2", "html": template["html"], "text": ""},
        content_type=JSON,
    )
    assert changed.status_code == 200 and changed.json()["name"] == "House 2"
    assert alice_api.client.delete(f"{BASE}/templates/{template['id']}").status_code == 204
    assert not Template.objects.exists()


def test_a_template_error_is_422_with_the_line(alice_api: KeyClient) -> None:
    bad = "{{ content }}\n<p>{{ unsubscribe_url }}</p>\n{{ first_name|shout }}"
    answer = _post(alice_api, "/templates", {"name": "Bad", "html": bad})
    assert answer.status_code == 422
    assert "line 3" in answer.json()["message"]
    no_area = _post(alice_api, "/templates", {"name": "Bad", "html": "<p>x</p>"})
    assert no_area.status_code == 422 and "content area" in no_area.json()["message"]


def test_another_account_never_sees_a_template(
    alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    made = _post(alice_api, "/templates", {"name": "House", "starter": "letter"}).json()
    assert charlie_api.client.get(f"{BASE}/templates/{made['id']}").status_code == 404
    assert charlie_api.client.get(f"{BASE}/templates").json() == []
    assert charlie_api.client.delete(f"{BASE}/templates/{made['id']}").status_code == 404


def test_the_time_zone(alice_api: KeyClient) -> None:
    assert alice_api.client.get(f"{BASE}/account/time-zone").json() == {"time_zone": "UTC"}
    put = alice_api.client.put(
        f"{BASE}/account/time-zone", {"time_zone": "Europe/Berlin"}, content_type=JSON
    )
    assert put.status_code == 200 and put.json() == {"time_zone": "Europe/Berlin"}
    bad = alice_api.client.put(
        f"{BASE}/account/time-zone", {"time_zone": "Europe/Nowhere"}, content_type=JSON
    )
    assert bad.status_code == 422 and "time zone" in bad.json()["message"]


def test_a_campaign_from_a_starter_duplicated_and_scheduled(
    sendable: Sendable, django_capture_on_commit_callbacks: Any
) -> None:
    api = key_client(sendable.world.alice_account, "authoring")
    made = _post(
        api,
        "/campaigns",
        {
            "name": "Autumn",
            "subject": "Autumn, {{ first_name }}",
            "from_name": "Alice",
            "from_address": f"news@{DOMAIN}",
            "template": "newsletter",
            "content": "<p>Our autumn offer.</p>",
            "lists": [sendable.lst.pk],
        },
    )
    assert made.status_code == 201, made.content
    campaign = Campaign.objects.get(pk=made.json()["id"])
    assert "Our autumn offer." in campaign.html and "Newsletter" in campaign.html
    copy = _post(api, f"/campaigns/{campaign.pk}/duplicate", {})
    assert copy.status_code == 201 and copy.json()["name"] == "Autumn (copy)"
    at = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    refused = _post(
        api,
        f"/campaigns/{campaign.pk}/schedule",
        {"at": at.isoformat(), "confirm_guidelines": False},
    )
    assert refused.status_code == 409 and refused.json()["details"]
    past = _post(
        api,
        f"/campaigns/{campaign.pk}/schedule",
        {"at": "2020-01-01T10:00:00", "confirm_guidelines": True},
    )
    assert past.status_code == 422 and "passed" in past.json()["message"]
    scheduled = _post(
        api,
        f"/campaigns/{campaign.pk}/schedule",
        {"at": at.isoformat(), "confirm_guidelines": True},
    )
    assert scheduled.status_code == 200, scheduled.content
    assert scheduled.json()["scheduled_at"] is not None
    assert (
        api.client.delete(f"{BASE}/campaigns/{campaign.pk}/schedule").json()["scheduled_at"] is None
    )
    assert api.client.delete(f"{BASE}/campaigns/{campaign.pk}/schedule").status_code == 409
    _post(
        api,
        f"/campaigns/{campaign.pk}/schedule",
        {"at": at.isoformat(), "confirm_guidelines": True},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sends.start_due_schedules(now=at + timedelta(seconds=1))["started"] == 1
    shown = api.client.get(f"{BASE}/campaigns/{campaign.pk}").json()
    assert shown["state"] in ("sending", "finished") and shown["started_at"]


def test_another_account_cannot_schedule_or_duplicate(sendable: Sendable) -> None:
    charlie = key_client(sendable.world.charlie_account, "other")
    pk = sendable.campaign.pk
    at = (timezone.now() + timedelta(hours=1)).isoformat()
    assert _post(charlie, f"/campaigns/{pk}/duplicate", {}).status_code == 404
    answer = _post(charlie, f"/campaigns/{pk}/schedule", {"at": at, "confirm_guidelines": True})
    assert answer.status_code == 404


def test_the_preview_as_a_chosen_contact(sendable: Sendable) -> None:
    api = key_client(sendable.world.alice_account, "preview")
    sendable.add("zora@example.org", first_name="Zora")
    url = f"{BASE}/campaigns/{sendable.campaign.pk}/preview"
    shown = api.client.get(url, {"contact": "zora@example.org"}).json()
    assert "Hallo Zora!" in shown["html"] and shown["subject"] == "Herbst bei Alice, Zora"
    assert "Hallo Anna!" in api.client.get(url).json()["html"]
    assert api.client.get(url, {"contact": "client@example.fr"}).status_code == 404
    charlie = key_client(sendable.world.charlie_account, "other")
    assert charlie.client.get(url).status_code == 404
