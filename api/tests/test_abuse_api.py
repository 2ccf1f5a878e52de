"""/api/v1/operator/abuse/… for operators only (an account's key: 403, nobody: 401), and the
account's /replies and /proof-requests, each account its own only (ABUSE-1..3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from api.tests.conftest import BASE, KeyClient
from api.tests.test_operator_api import basic
from contacts.testing import Personas
from core.models import AuditEntry
from feedback import services as inbound
from governance import abuse, replies
from governance.models import AbuseCase, CaseState
from governance.testing import case_for, draft_campaign

JSON = "application/json"


@pytest.fixture
def case(world: Personas) -> AbuseCase:
    return case_for(world.alice_account, contact=world.alice_contact)


def test_no_account_key_and_no_anonymous_client_reaches_the_operator_abuse_api(
    case: AbuseCase, alice_api: KeyClient
) -> None:
    urls = [
        f"{BASE}/operator/abuse/cases",
        f"{BASE}/operator/abuse/cases/{case.pk}",
        f"{BASE}/operator/abuse/lookup?id=consentry-1-1",
    ]
    for url in urls:
        assert alice_api.client.get(url).status_code == 403, url
        assert Client().get(url).status_code == 401, url
    action = f"{BASE}/operator/abuse/cases/{case.pk}/actions"
    body = {"action": "suspend", "reason": "x"}
    assert alice_api.client.post(action, body, content_type=JSON).status_code == 403
    assert basic("alice").post(action, body, content_type=JSON).status_code == 401
    case.refresh_from_db()
    assert case.state == CaseState.OPEN


def test_abuse_1_the_operator_lists_acts_and_looks_up(world: Personas, case: AbuseCase) -> None:
    olga = basic("olga")
    listed = olga.get(f"{BASE}/operator/abuse/cases?account=alice-shop").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == case.pk
    assert listed["items"][0]["answer_due_at"]
    assert olga.get(f"{BASE}/operator/abuse/cases?kind=authority").json()["count"] == 0
    response = olga.post(
        f"{BASE}/operator/abuse/cases/{case.pk}/actions",
        {"action": "request_proof", "reason": "show the consent"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "proof_requested" and response.json()["proof_due_on"]
    assert AuditEntry.objects.get(detail__action="request_proof").actor_id == world.operator.pk
    bad = olga.post(
        f"{BASE}/operator/abuse/cases/{case.pk}/actions",
        {"action": "explode", "reason": "x"},
        content_type=JSON,
    )
    assert bad.status_code == 422
    assert olga.get(f"{BASE}/operator/abuse/cases/999999").status_code == 404
    campaign = draft_campaign(world.alice_account)
    found = olga.get(f"{BASE}/operator/abuse/lookup?id={campaign.mailing_id}").json()
    assert (found["found"], found["account"], found["campaign_id"]) == (
        True,
        "alice-shop",
        campaign.pk,
    )
    assert olga.get(f"{BASE}/operator/abuse/lookup?id=nothing").json()["found"] is False


def test_abuse_2_the_operator_opens_an_authority_case(world: Personas) -> None:
    olga = basic("olga")
    response = olga.post(
        f"{BASE}/operator/abuse/cases",
        {"kind": "authority", "text": "Letter from the Bundesnetzagentur", "account": "alice-shop"},
        content_type=JSON,
    )
    assert response.status_code == 201 and response.json()["account"] == "alice-shop"
    missing = olga.post(
        f"{BASE}/operator/abuse/cases",
        {"kind": "authority", "text": "x", "account": "nobody"},
        content_type=JSON,
    )
    assert missing.status_code == 404


def test_abuse_3_replies_and_proof_requests_are_the_accounts_own(
    world: Personas, case: AbuseCase, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    message = inbound.receive(
        b"From: kunde@example.de\r\nSubject: Frage\r\n\r\nHallo\r\n",
        mail_from="kunde@example.de",
        rcpt_to=["news@news.example.com"],
    )
    replies.receive_reply(message, "news@news.example.com", world.alice_account, False)
    mine = alice_api.client.get(f"{BASE}/replies").json()
    assert mine["count"] == 1 and mine["items"][0]["subject"] == "Frage"
    reply_id = mine["items"][0]["id"]
    assert alice_api.client.get(f"{BASE}/replies/{reply_id}").json()["text"].strip() == "Hallo"
    assert charlie_api.client.get(f"{BASE}/replies").json()["count"] == 0
    assert charlie_api.client.get(f"{BASE}/replies/{reply_id}").status_code == 404
    put = alice_api.client.put(
        f"{BASE}/replies/forwarding", {"address": "service@alice.example"}, content_type=JSON
    )
    assert put.json() == {"address": "service@alice.example"}
    bad = alice_api.client.put(f"{BASE}/replies/forwarding", {"address": "nope"}, content_type=JSON)
    assert bad.status_code == 422
    abuse.request_proof(case, actor=abuse.INTAKE, reason="show it")
    assert charlie_api.client.get(f"{BASE}/proof-requests").json() == []
    answer = f"{BASE}/proof-requests/{case.pk}/answer"
    body: dict[str, Any] = {"statement": "Double opt-in"}
    assert charlie_api.client.post(answer, body, content_type=JSON).status_code == 404
    response = alice_api.client.post(answer, body, content_type=JSON)
    assert response.status_code == 200 and response.json()["state"] == "proof_received"
