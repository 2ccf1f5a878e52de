"""/api/v1/campaigns: drafts, the gate, test sends, start, progress, pause/resume/cancel.
charlie's key gets 404 for alice's campaigns, wrong methods 405 (PRIVACY-2)."""

from __future__ import annotations

from typing import Any

from api.tests.conftest import BASE, KeyClient
from campaigns.models import Campaign
from campaigns.testing import DOMAIN
from delivery import ledger
from delivery.models import SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable

JSON = "application/json"


def post(api: KeyClient, path: str, body: Any = None) -> Any:
    return api.client.post(f"{BASE}{path}", body or {}, content_type=JSON)


def test_it_creates_a_draft_and_shows_the_gate(sendable: Sendable, alice_api: KeyClient) -> None:
    response = post(
        alice_api,
        "/campaigns",
        {
            "name": "Winter",
            "subject": "Winter, {{ first_name }}",
            "from_name": "Alice",
            "from_address": f"news@{DOMAIN}",
            "html": "<p>{{ imprint }}</p>",
            "lists": [sendable.lst.pk],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["lists"] == [sendable.lst.pk]
    assert {
        "service": "campaigns",
        "reason": "the HTML body lacks the tag {{ unsubscribe_url }}",
    } in body["gate"]
    bad = post(alice_api, "/campaigns", {**body, "html": "{{ secret }}", "lists": []})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid"


def test_start_needs_the_confirmation_and_lists_every_reason(
    sendable: Sendable, alice_api: KeyClient
) -> None:
    """SEND-1/2 through the API."""
    path = f"/campaigns/{sendable.campaign.pk}/send"
    refused = post(alice_api, path, {"confirm_guidelines": False})
    assert refused.status_code == 409 and refused.json()["error"] == "refused"
    assert refused.json()["details"] == [
        "the anti-spam guideline checkbox is not ticked (your confirmation)"
    ]
    started = post(alice_api, path, {"confirm_guidelines": True})
    assert started.status_code == 202 and started.json() == {"recipients": 3}
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    progress = alice_api.client.get(f"{BASE}/campaigns/{sendable.campaign.pk}/progress").json()
    assert progress["state"] == "finished" and progress["counts"]["sent"] == 3


def test_pause_resume_cancel_and_test_send(sendable: Sendable, alice_api: KeyClient) -> None:
    pk = sendable.campaign.pk
    tested = post(alice_api, f"/campaigns/{pk}/test", {"addresses": ["bob@example.org"]})
    assert tested.status_code == 200 and tested.json()[0]["outcome"].startswith("250")
    sendable.start()
    assert post(alice_api, f"/campaigns/{pk}/pause").json()["state"] == "paused"
    assert post(alice_api, f"/campaigns/{pk}/resume").json()["state"] == "sending"
    cancelled = post(alice_api, f"/campaigns/{pk}/cancel").json()
    assert cancelled["state"] == "cancelled" and cancelled["counts"]["skipped"] == 3
    assert post(alice_api, f"/campaigns/{pk}/resume").status_code == 409


def test_charlie_gets_404_and_wrong_methods_405(
    sendable: Sendable, charlie_api: KeyClient, alice_api: KeyClient
) -> None:
    pk = sendable.campaign.pk
    for path in ("", "/progress"):
        assert charlie_api.client.get(f"{BASE}/campaigns/{pk}{path}").status_code == 404
    for path in ("/send", "/pause", "/test"):
        body = {"confirm_guidelines": True, "addresses": ["x@example.org"]}
        assert post(charlie_api, f"/campaigns/{pk}{path}", body).status_code == 404
    assert charlie_api.client.get(f"{BASE}/campaigns").json() == []
    assert not SendLedgerEntry.objects.exists()
    assert alice_api.client.delete(f"{BASE}/campaigns/{pk}").status_code == 405
    assert alice_api.client.get(f"{BASE}/campaigns/{pk}/send").status_code == 405
    assert Campaign.objects.count() == 1


def test_a_test_send_is_no_relay_and_counts_per_day(
    sendable: Sendable, alice_api: KeyClient
) -> None:
    """SEND-2: a stranger 409 named in details; past test_send.max_per_day 429."""
    from policy import services as policy

    pk = sendable.campaign.pk
    refused = post(
        alice_api, f"/campaigns/{pk}/test", {"addresses": ["alice@example.org", "x@evil.example"]}
    )
    assert refused.status_code == 409
    assert refused.json()["error"] == "refused" and refused.json()["details"] == ["x@evil.example"]
    policy.set_value("test_send.max_per_day", "2", account=sendable.world.alice_account)
    for address in ("alice@example.org", "bob@example.org"):
        assert post(alice_api, f"/campaigns/{pk}/test", {"addresses": [address]}).status_code == 200
    throttled = post(alice_api, f"/campaigns/{pk}/test", {"addresses": ["alice@example.org"]})
    assert throttled.status_code == 429 and throttled.json()["error"] == "throttled"
    assert "2 recipients a day" in throttled.json()["message"]
    assert len(sendable.smtp.messages) == 2


def test_the_guidelines_come_with_a_lists_first_send_only(
    sendable: Sendable, alice_api: KeyClient
) -> None:
    """ACCOUNT-4 through the API: the draft carries the guidelines to show until the list's
    first send; the next campaign to the same list does not."""
    path = f"{BASE}/campaigns/{sendable.campaign.pk}"
    assert "Anti-spam guidelines" in alice_api.client.get(path).json()["guidelines"]
    post(alice_api, f"/campaigns/{sendable.campaign.pk}/send", {"confirm_guidelines": True})
    second = sendable.another("Winter")
    assert alice_api.client.get(f"{BASE}/campaigns/{second.pk}").json()["guidelines"] is None
