"""/api/v1/campaigns/{id}/report: the report's numbers as JSON; another account's key gets
404, a write 405."""

from __future__ import annotations

from api.tests.conftest import BASE, KeyClient
from governance.testing import Sent


def test_the_report_has_the_pages_numbers(reported: Sent, alice_api: KeyClient) -> None:
    response = alice_api.client.get(f"{BASE}/campaigns/{reported.campaign.pk}/report")
    assert response.status_code == 200
    data = response.json()
    assert (data["recipients"], data["handed_over"], data["delivered"]) == (3, 3, 2)
    assert data["hard_bounces"] == 1 and data["complaints"] == 1
    assert data["rates"]["open"] is None  # not tracked: null, never 0
    assert data["bounces_by_reason"] == [{"reason": "user_unknown", "kind": "hard", "count": 1}]
    assert {"channel": "page", "count": 1} in data["unsubscribes_by_channel"]
    assert sum(p["handed_over"] for p in data["providers"]) == 3
    assert data["limits"]["hard_bounce_rate"] == 0.05
    assert [c["id"] for c in data["compared"]] == [reported.campaign.pk]
    assert data["finished_at"] is not None


def test_another_accounts_key_gets_404(
    sent: Sent, charlie_api: KeyClient, alice_api: KeyClient
) -> None:
    url = f"{BASE}/campaigns/{sent.campaign.pk}/report"
    assert charlie_api.client.get(url).status_code == 404
    assert alice_api.client.post(url).status_code == 405
