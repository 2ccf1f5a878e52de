"""/api/v1/lists/{id}/audit and friends (AUDIT-1..4), and the operator's mark (SEND-2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from admission.testing import bulk_members, mail_domains
from api.tests.conftest import BASE, KeyClient
from api.tests.test_operator_api import basic
from contacts.testing import Personas

pytestmark = pytest.mark.django_db(transaction=True)
JSON = "application/json"


def test_the_account_attests_audits_and_downloads_what_to_clean(
    world: Personas, alice_api: KeyClient, dns_server: Any
) -> None:
    lst = world.alice_list
    mail_domains(dns_server, "example.de")
    bulk_members(lst, ["info@example.de", "anna@nowhere.example"])
    client = alice_api.client
    url = f"{BASE}/lists/{lst.pk}"
    assert client.get(f"{url}/audit").status_code == 404
    refused = client.post(
        f"{url}/attestation", {"cleaned_on": "2020-01-01", "confirm": True}, content_type=JSON
    )
    assert refused.status_code == 409 and "cleaned_on" in refused.json()["details"]
    today = timezone.localdate().isoformat()
    unconfirmed = client.post(
        f"{url}/attestation", {"cleaned_on": today, "confirm": False}, content_type=JSON
    )
    assert unconfirmed.status_code in (400, 422)
    attested = client.post(
        f"{url}/attestation", {"cleaned_on": today, "confirm": True}, content_type=JSON
    )
    assert attested.status_code == 201 and "hard-bounced" in attested.json()["wording"]
    started = client.post(f"{url}/audit")
    assert started.status_code == 202
    audit = client.get(f"{url}/audit").json()  # the worker ran it at once in tests
    assert audit["state"] == "done" and audit["progress"] == 100
    assert audit["total"] == 3 and audit["problems"] == 2 and audit["admitted"] is False
    assert audit["counts"] == {"role": 1, "no_mail_domain": 1}
    problems = client.get(f"{url}/audit/problems")
    assert problems["Content-Type"].startswith("text/csv")
    assert problems.content.decode().splitlines()[1:] == [
        "info@example.de,role",
        "anna@nowhere.example,no_mail_domain",
    ]
    admission = client.get(f"{url}/admission").json()
    assert admission["standing"] == "audit_failed" and "66.7%" in admission["reason"]
    assert client.get(f"{url}/stale").json()["count"] == 0
    assert client.get(f"{url}/sample").status_code == 404
    assert client.delete(f"{url}/audit").status_code == 405


def test_charlie_never_reaches_alices_list(world: Personas, charlie_api: KeyClient) -> None:
    """PRIVACY-2."""
    url = f"{BASE}/lists/{world.alice_list.pk}"
    for path in ("admission", "audit", "audit/problems", "sample", "stale"):
        assert charlie_api.client.get(f"{url}/{path}").status_code == 404
    assert charlie_api.client.post(f"{url}/audit").status_code == 404
    assert charlie_api.client.post(f"{url}/reconfirm").status_code == 404


def test_the_operator_marks_a_list_with_a_reason(world: Personas, alice_api: KeyClient) -> None:
    """SEND-2: an account's key gets 403; the operator's mark is recorded and shown."""
    url = f"{BASE}/operator/lists/{world.alice_list.pk}/admission"
    body = {"admitted": True, "reason": "checked by hand"}
    assert alice_api.client.post(url, body, content_type=JSON).status_code == 403
    operator = basic("olga")
    assert operator.post(url, {"admitted": True, "reason": ""}, content_type=JSON).status_code in (
        400,
        422,
    )
    marked = operator.post(url, body, content_type=JSON)
    assert marked.status_code == 200, marked.content
    assert marked.json()["admitted"] and marked.json()["operator_mark"]
    world.alice_list.refresh_from_db()
    assert world.alice_list.admission_reason == "checked by hand"
    assert world.alice_list.admission_actor == f"operator:{world.operator.pk}"
