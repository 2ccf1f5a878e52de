"""Item 9: operator API keys work on /api/v1/operator/... only; account keys never do."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services as accounts
from contacts.testing import Personas
from core.audit import record_operator_action
from core.models import AuditEntry
from core.operator_keys import create_operator_key, revoke_operator_key

BASE = "/api/v1"
OPERATOR_URLS = [
    f"{BASE}/operator/dashboard",
    f"{BASE}/operator/audit-log",
    f"{BASE}/operator/suppressions",
]


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("url", OPERATOR_URLS)
def test_an_operator_key_opens_the_operator_endpoints(world: Personas, url: str) -> None:
    _key, plain = create_operator_key(world.operator, "monitoring")
    response = bearer(plain).get(url)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("url", OPERATOR_URLS)
def test_an_account_key_gets_403_there(world: Personas, url: str) -> None:
    _key, plain = accounts.create_api_key(world.alice_account, "shop")
    assert bearer(plain).get(url).status_code == 403


@pytest.mark.parametrize("url", OPERATOR_URLS)
def test_an_account_users_session_gets_no_answer_there(world: Personas, url: str) -> None:
    assert world.client_for(world.alice).get(url).status_code in (401, 403)


def test_an_operator_key_gets_403_on_an_accounts_endpoint(world: Personas) -> None:
    _key, plain = create_operator_key(world.operator, "monitoring")
    response = bearer(plain).get(f"{BASE}/contacts")
    assert response.status_code == 403
    assert "operator" in response.json()["message"]


def test_a_revoked_key_or_one_of_a_former_operator_is_refused(world: Personas) -> None:
    key, plain = create_operator_key(world.operator, "monitoring")
    other, other_plain = create_operator_key(world.operator, "backup")
    revoke_operator_key(key, actor=world.operator, reason="laptop lost")
    assert bearer(plain).get(OPERATOR_URLS[0]).status_code == 401
    world.operator.is_staff = False
    world.operator.save(update_fields=["is_staff"])
    assert bearer(other_plain).get(OPERATOR_URLS[0]).status_code == 401
    actions = list(AuditEntry.objects.filter(target_type="core.operatorkey").values_list(
        "action", "reason"))  # fmt: skip
    assert sorted(actions) == [("key_revoke", "laptop lost"), ("operator_key_create", ""),
                               ("operator_key_create", "")]  # fmt: skip
    assert other.revoked_at is None


def test_a_key_belongs_to_a_staff_user_only(world: Personas) -> None:
    with pytest.raises(Exception, match="staff"):
        create_operator_key(world.alice, "mine")


def test_the_audit_log_through_the_api_is_filtered(world: Personas) -> None:
    _key, plain = create_operator_key(world.operator, "monitoring")
    record_operator_action(world.operator, "suspend", world.alice_account, "complaints")
    client = bearer(plain)
    body = client.get(
        f"{BASE}/operator/audit-log", {"account": "alice-shop", "action": "suspend"}
    ).json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert (item["actor"], item["reason"], item["account"]) == (
        "operator:olga",
        "complaints",
        "alice-shop",
    )
    bad = client.get(f"{BASE}/operator/audit-log", {"action": "dance"})
    assert bad.status_code == 422


def test_the_dashboard_through_the_api(world: Personas) -> None:
    _key, plain = create_operator_key(world.operator, "monitoring")
    body = bearer(plain).get(f"{BASE}/operator/dashboard").json()
    assert body["accounts_by_state"] == {"pending": 0, "active": 2, "suspended": 0}
    assert body["messages_today"] == 0 and len(body["per_hour"]) == 24
    assert body["hard_bounce_rate_max"] == 0.05


def test_operator_keys_from_the_command_line(world: Personas) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("operatorkey", "create", "olga", "monitoring", stdout=out, stderr=io.StringIO())
    plain = out.getvalue().strip()
    assert bearer(plain).get(OPERATOR_URLS[0]).status_code == 200
    prefix = plain.split("_")[1]
    call_command("operatorkey", "revoke", prefix, "--reason", "rotated", stdout=io.StringIO())
    assert bearer(plain).get(OPERATOR_URLS[0]).status_code == 401
    assert AuditEntry.objects.filter(action="key_revoke", reason="rotated").exists()


def test_figures_refresh_from_the_command_line(world: Personas) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("figures", "refresh", "--days", "30", stdout=out)
    assert "rows of figures for the last 30 days" in out.getvalue()


def test_the_console_speaks_german(world: Personas) -> None:
    client = world.client_for(world.operator)
    page = client.get("/console/", headers={"Accept-Language": "de"}).content.decode()
    assert "Nachrichten heute" in page and "Prüfprotokoll" in page
