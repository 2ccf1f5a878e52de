"""/api/v1/unsubscribe-requests: the API door to UNSUB-2/3."""

from __future__ import annotations

from django.utils import timezone

from api.tests.conftest import BASE, KeyClient
from contacts import services
from contacts.rules import Status
from contacts.testing import SYSTEM, Personas

JSON = "application/json"


def test_it_enters_a_request_that_takes_effect_at_once(
    world: Personas, alice_api: KeyClient
) -> None:
    response = alice_api.client.post(
        f"{BASE}/unsubscribe-requests",
        {"address": "kunde@example.de", "channel": "letter", "received_on": "2026-11-27"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["due_on"], body["urgency"]) == ("done", "2026-12-02", "closed")
    world.alice_contact.refresh_from_db()
    assert world.alice_contact.status == Status.UNSUBSCRIBED
    listed = alice_api.client.get(f"{BASE}/unsubscribe-requests").json()
    assert [r["id"] for r in listed] == [body["id"]]


def test_it_refuses_a_reply_channel_and_a_bad_address(
    world: Personas, alice_api: KeyClient
) -> None:
    for payload in (
        {"address": "kunde@example.de", "channel": "reply", "received_on": "2026-11-27"},
        {"address": "no address", "channel": "phone", "received_on": "2026-11-27"},
    ):
        response = alice_api.client.post(f"{BASE}/unsubscribe-requests", payload, content_type=JSON)
        assert response.status_code in (400, 422), response.content
    world.alice_contact.refresh_from_db()
    assert world.alice_contact.status == Status.ACTIVE


def test_open_requests_are_completed_and_charlie_cannot_touch_them(
    world: Personas, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    item = services.surface_unsubscribe_request(
        world.alice_account,
        "kunde@example.de",
        received_on=timezone.localdate(),
        ref="inbound:7",
        actor=SYSTEM,
    )
    path = f"{BASE}/unsubscribe-requests/{item.pk}/complete"
    assert charlie_api.client.post(path).status_code == 404
    assert charlie_api.client.get(f"{BASE}/unsubscribe-requests").json() == []
    response = alice_api.client.post(path)
    assert response.status_code == 200 and response.json()["state"] == "done"
    assert alice_api.client.post(path).status_code == 409
    assert alice_api.client.get(path).status_code == 405


def test_a_request_by_email_keeps_the_mail_as_evidence(
    world: Personas, alice_api: KeyClient
) -> None:
    """CONSENT-6: the raw mail handed in is kept with the request; too large is refused."""
    from contacts.models import UnsubscribeRequest
    from contacts.selectors import request_mail

    mail = "From: kunde@example.de\r\nSubject: Abmeldung\r\n\r\nBitte abmelden.\r\n"
    base = {"address": "kunde@example.de", "channel": "email", "received_on": "2026-11-27"}
    too_big = alice_api.client.post(
        f"{BASE}/unsubscribe-requests", {**base, "mail": "x" * 262_145}, content_type=JSON
    )
    assert too_big.status_code in (400, 422) and not UnsubscribeRequest.objects.exists()
    response = alice_api.client.post(
        f"{BASE}/unsubscribe-requests", {**base, "mail": mail}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    assert request_mail(UnsubscribeRequest.objects.get()) == mail.encode()
