"""/api/v1/segments and a campaign's audience: alice's key works on her segments, charlie's
finds none of them (PRIVACY-2); bad definitions answer 422 naming the condition."""

from __future__ import annotations

from typing import Any

from api.tests.conftest import BASE, KeyClient
from campaigns.models import Campaign
from contacts import services as contacts
from contacts.models import Segment
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM
from delivery.testing import Sendable

JSON = "application/json"
KOELN = {"conditions": [{"field": "custom", "key": "city", "op": "is", "value": "Köln"}]}


def call(api: KeyClient, method: str, path: str, body: Any = None) -> Any:
    send = getattr(api.client, method)
    if body is None:
        return send(f"{BASE}{path}")
    return send(f"{BASE}{path}", body, content_type=JSON)


def test_segments_are_created_read_changed_and_deleted(
    sendable: Sendable, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    sendable.add("koeln@example.org", fields={"city": "Köln"})
    created = call(alice_api, "post", "/segments", {"name": "Köln", "definition": KOELN})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["contacts"] == 1
    assert body["summary"] == ["Custom field city is Köln"]
    assert body["definition"]["conditions"][0]["key"] == "city"
    path = f"/segments/{body['id']}"
    assert [s["name"] for s in call(alice_api, "get", "/segments").json()] == ["Köln"]
    assert call(charlie_api, "get", "/segments").json() == []
    assert call(charlie_api, "get", path).status_code == 404
    assert call(charlie_api, "patch", path, {"name": "mine"}).status_code == 404
    assert call(charlie_api, "delete", path).status_code == 404
    changed = call(
        alice_api,
        "patch",
        path,
        {
            "name": "Aktive",
            "definition": {"conditions": [{"field": "status", "op": "is", "value": "A"}]},
        },
    )
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["contacts"]) == ("Aktive", 4)
    assert call(alice_api, "get", path).json()["summary"] == ["Status is Active"]
    assert call(alice_api, "delete", path).json() == {"deleted": body["id"]}
    assert not Segment.objects.exists()


def test_bad_definitions_and_names_answer_clearly(
    sendable: Sendable, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    bad_field = call(
        alice_api,
        "post",
        "/segments",
        {"name": "x", "definition": {"conditions": [{"field": "age", "op": "is", "value": 3}]}},
    )
    assert bad_field.status_code == 422
    assert bad_field.json()["message"].startswith("condition 1: field: unknown field 'age'")
    their_list = {
        "conditions": [{"field": "list", "op": "on", "value": sendable.world.alice_list.pk}]
    }
    refused = call(charlie_api, "post", "/segments", {"name": "x", "definition": their_list})
    assert refused.status_code == 422 and "no list" in refused.json()["message"]
    too_many = {"conditions": [{"field": "status", "op": "is", "value": "A"}] * 21}
    assert (
        call(alice_api, "post", "/segments", {"name": "x", "definition": too_many}).status_code
        == 422
    )
    assert call(alice_api, "post", "/segments", {"name": "dup"}).status_code == 201
    duplicate = call(alice_api, "post", "/segments", {"name": "dup"})
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "conflict"
    fields = {f["name"]: f for f in call(alice_api, "get", "/segments/fields").json()}
    assert "last_delivery" in fields and fields["custom"]["keyed"]
    assert fields["status"]["choices"]["A"] == "Active"


def test_the_campaign_audience_counts_and_explains(
    sendable: Sendable, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    gone = sendable.add("gone@example.org")
    contacts.change_status(gone, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.USER)
    sendable.add("info@example.org")
    path = f"/campaigns/{sendable.campaign.pk}"
    found = call(alice_api, "get", f"{path}/audience").json()
    assert (found["considered"], found["recipients"]) == (5, 3)
    assert [(r["reason"], r["contacts"]) for r in found["left_out"]] == [
        ("unsubscribed", 1),
        ("role", 1),
    ]
    assert call(charlie_api, "get", f"{path}/audience").status_code == 404

    segment = call(alice_api, "post", "/segments", {"name": "Köln", "definition": KOELN}).json()
    theirs = call(charlie_api, "post", "/segments", {"name": "all"}).json()
    assert call(alice_api, "put", f"{path}/segment", {"segment": theirs["id"]}).status_code == 404
    chosen = call(alice_api, "put", f"{path}/segment", {"segment": segment["id"]})
    assert chosen.status_code == 200 and chosen.json()["segment"] == segment["id"]
    assert call(alice_api, "get", f"{path}/audience").json()["recipients"] == 0
    in_use = call(alice_api, "delete", f"/segments/{segment['id']}")
    assert in_use.status_code == 409 and in_use.json()["error"] == "refused"
    cleared = call(alice_api, "put", f"{path}/segment", {"segment": None})
    assert cleared.json()["segment"] is None
    assert Campaign.objects.get(pk=sendable.campaign.pk).segment_id is None
