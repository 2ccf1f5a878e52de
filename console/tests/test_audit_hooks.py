"""ACCOUNT-2: each operator action, through each of its doors, writes one audit log entry
naming who did it and why."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts import services as accounts
from accounts.models import ReviewState
from contacts.testing import PASSWORD, SYSTEM, Personas
from core.actors import Actor
from core.models import AuditEntry
from delivery import sends
from delivery.testing import Sendable
from governance import services as governance
from governance.tests.test_violations import BREACH
from policy.models import PolicySetting


def new_entries(before: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("id")[before:])


def count() -> int:
    return AuditEntry.objects.count()


def test_suspend_and_activate_from_the_command_line(world: Personas) -> None:
    before = count()
    call_command("account", "suspend", "alice-shop", "--reason", "complaints from GMX")
    call_command("account", "activate", "alice-shop", "--reason", "proof received")
    suspend, activate = new_entries(before)
    assert (suspend.action, suspend.reason, suspend.account_slug) == (
        "suspend", "complaints from GMX", "alice-shop",
    )  # fmt: skip
    assert suspend.actor.startswith("system:cli:")
    assert (activate.action, activate.reason) == ("activate", "proof received")
    assert activate.detail == {"from": "suspended", "to": "active"}


def test_suspend_in_the_admin_names_the_operator(world: Personas) -> None:
    before = count()
    client = world.client_for(world.operator)
    response = client.post(
        reverse("admin:accounts_account_changelist"),
        {"action": "make_suspended", "_selected_action": [world.alice_account.pk]},
    )
    assert response.status_code == 302
    (entry,) = new_entries(before)
    assert (entry.action, entry.actor, entry.actor_id) == (
        "suspend",
        "operator:olga",
        world.operator.pk,
    )
    assert entry.reason == "by decision of the platform operator"


def test_reduced_speed_and_its_lift(world: Personas) -> None:
    before = count()
    accounts.set_reduced_speed(world.alice_account, True, actor=world.operator, reason="slow")
    accounts.set_reduced_speed(world.alice_account, True, actor=world.operator, reason="again")
    accounts.set_reduced_speed(world.alice_account, False, actor=world.operator, reason="fine")
    slow, lift = new_entries(before)  # setting what is already set records nothing
    assert (slow.action, slow.reason, lift.action, lift.reason) == (
        "reduce_speed", "slow", "lift", "fine",
    )  # fmt: skip


def test_a_breach_and_its_lift_are_recorded_with_the_violation_as_reason(
    sendable: Sendable,
) -> None:
    before = count()
    (violation,) = governance.record_breaches(sendable.campaign, [BREACH], stop=sends.stop_send)
    measures = new_entries(before)
    assert {e.action for e in measures} == {"block_list", "reduce_speed"}
    assert all(e.actor == "system:quality-breaker" for e in measures)
    assert all(e.reason == violation.explanation for e in measures)
    governance.state_remediation(violation, "We removed the old addresses.", actor=SYSTEM)
    before = count()
    operator = Actor.for_user(sendable.world.operator)
    governance.lift(violation, actor=operator, reason="remediation checked")
    lifted = new_entries(before)
    assert {e.action for e in lifted} == {"unblock_list", "lift"}
    assert {e.actor for e in lifted} == {"operator:olga"}
    assert {e.reason for e in lifted} == {"remediation checked"}


def test_list_admission_in_the_admin(world: Personas) -> None:
    before = count()
    response = world.client_for(world.operator).post(
        reverse("admin:contacts_list_changelist"),
        {"action": "admit", "_selected_action": [world.alice_list.pk]},
    )
    assert response.status_code == 302
    (entry,) = new_entries(before)
    assert (entry.action, entry.actor, entry.account_slug) == (
        "admit_list",
        "operator:olga",
        "alice-shop",
    )
    assert entry.target_type == "contacts.list" and entry.reason == "changed in the Django admin"


def test_a_policy_change_from_the_command_line_and_the_admin(world: Personas) -> None:
    before = count()
    call_command(
        "policy", "set", "quality.violations_before_suspension", "3", "--reason", "too strict"
    )
    (entry,) = new_entries(before)
    assert (entry.action, entry.reason) == ("policy_change", "too strict")
    assert entry.detail == {"key": "quality.violations_before_suspension", "old": None, "new": "3"}
    row = PolicySetting.objects.get(key="quality.violations_before_suspension", account=None)
    response = world.client_for(world.operator).post(
        reverse("admin:policy_policysetting_change", args=[row.pk]),
        {"key": row.key, "account": "", "value": "4"},
    )
    assert response.status_code == 302, response.content
    (changed,) = new_entries(before + 1)
    assert changed.actor == "operator:olga" and changed.detail["old"] == "3"
    assert PolicySetting.objects.get(pk=row.pk).value == "4"


def basic(username: str) -> Client:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return Client(headers={"Authorization": f"Basic {token}"})


def test_the_untrusted_list_through_the_operator_api(world: Personas) -> None:
    before = count()
    client, url = basic("olga"), "/api/v1/operator/suppressions"
    body: dict[str, Any] = {"entry": "trap@example.de", "reason": "spam_trap", "note": "feed X"}
    assert client.post(url, body, content_type="application/json").status_code == 201
    body = {"entry": "trap@example.de", "note": "a person, not a trap"}
    assert client.delete(url, body, content_type="application/json").status_code == 200
    added, removed = new_entries(before)
    assert (added.action, added.actor, added.reason) == ("suppression_add", "api:olga", "feed X")
    assert (removed.action, removed.reason) == ("suppression_remove", "a person, not a trap")
    assert "trap@example.de" not in added.target + removed.target  # only the keyed hash


@pytest.mark.parametrize("door", ["web", "admin", "cli"])
def test_an_api_key_revoked(world: Personas, door: str) -> None:
    key, _plain = accounts.create_api_key(world.alice_account, "shop")
    before = count()
    if door == "web":
        url = reverse("web:api_key_revoke", args=["alice-shop", key.pk])
        assert world.client_for(world.alice).post(url).status_code == 302
        actor = "user:alice"
    elif door == "admin":
        response = world.client_for(world.operator).post(
            reverse("admin:accounts_apikey_changelist"),
            {"action": "revoke", "_selected_action": [key.pk]},
        )
        assert response.status_code == 302
        actor = "operator:olga"
    else:
        call_command("apikey", "revoke", "alice-shop", key.prefix, "--reason", "leaked")
        actor = ""
    (entry,) = new_entries(before)
    assert entry.action == "key_revoke" and entry.account_slug == "alice-shop"
    assert entry.actor.startswith(actor or "system:cli:")
    accounts.revoke_api_key(key, actor=world.operator, reason="twice")
    assert count() == before + 1  # a key revoked already is not revoked again


def test_the_world_is_arranged_with_its_accounts_active(world: Personas) -> None:
    assert world.alice_account.review_state == ReviewState.ACTIVE
