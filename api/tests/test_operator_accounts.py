"""/operator/accounts/… and /operator/imports/…: the operator's review through the API;
an account's key and an account's user never reach it."""

from __future__ import annotations

import base64
from typing import Any

from django.test import Client

from accounts import review
from accounts.models import ReviewState
from accounts.services import create_api_key
from core.models import AuditEntry
from imports.models import ImportState
from imports.tests.conftest import run


def test_decision_by_the_operator_is_logged_and_others_are_refused(world: Any) -> None:
    from contacts.testing import PASSWORD

    auth = base64.b64encode(f"olga:{PASSWORD}".encode()).decode()
    client = Client()
    url = "/api/v1/operator/accounts/charlie-co/decision"
    body = {"decision": "refuse", "reason": "No imprint."}
    _key, plain = create_api_key(world.alice_account, "k")
    refused = client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {plain}"
    )
    assert refused.status_code == 403
    alice = world.client_for(world.alice).post(url, body, content_type="application/json")
    assert alice.status_code in (401, 403)
    world.charlie_account.review_state = ReviewState.PENDING
    world.charlie_account.save()
    done = client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    assert done.status_code == 200, done.content
    assert done.json()["review_state"] == "refused"
    assert AuditEntry.objects.get(action="refuse").reason == "No imprint."
    queue = client.get("/api/v1/operator/accounts/review", HTTP_AUTHORIZATION=f"Basic {auth}")
    assert queue.status_code == 200 and queue.json() == {"queue": []}


def test_held_import_released_through_the_api(verified: Any) -> None:
    from contacts.testing import PASSWORD

    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"olga:{PASSWORD}".encode()).decode()}
    review.set_import_review(
        verified.alice_account, held=True, operator=verified.operator, reason="New."
    )
    verified.alice_account.refresh_from_db()
    job = run(verified, "email\nanna@example.com\n")
    client = Client()
    listed = client.get("/api/v1/operator/imports/held", **auth)
    assert [j["id"] for j in listed.json()] == [job.pk]
    released = client.post(
        f"/api/v1/operator/imports/{job.pk}/release",
        {"reason": "Checked."},
        content_type="application/json",
        **auth,
    )
    assert released.status_code == 200, released.content
    job.refresh_from_db()
    assert job.state == ImportState.DONE
