"""The operator's actions in the console: each says why and lands in the audit log."""

from __future__ import annotations

from django.urls import reverse

from contacts.testing import SYSTEM, Personas
from core.models import AuditEntry
from delivery import sends
from delivery.testing import Sendable
from governance import services as governance
from governance.models import ViolationState
from governance.tests.test_violations import BREACH
from policy.selectors import value


def test_suspend_from_the_account_page_with_a_reason(world: Personas) -> None:
    client = world.client_for(world.operator)
    url = reverse("console:account_action", args=["alice-shop", "suspend"])
    client.post(url, {"reason": ""})
    world.alice_account.refresh_from_db()
    assert world.alice_account.review_state == "active"  # no reason, no action
    client.post(url, {"reason": "complaints from a spam trap"})
    world.alice_account.refresh_from_db()
    assert world.alice_account.review_state == "suspended"
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor, entry.reason) == (
        "suspend", "operator:olga", "complaints from a spam trap",
    )  # fmt: skip
    page = client.get(reverse("console:account", args=["alice-shop"])).content.decode()
    assert "complaints from a spam trap" in page  # the account's page shows its log


def test_a_policy_value_changed_in_the_console(world: Personas) -> None:
    client = world.client_for(world.operator)
    url = reverse("console:policy")
    key = "quality.min_volume"
    bad = client.post(url, {"key": key, "value": "lots", "reason": "x"})
    assert bad.status_code == 400
    response = client.post(url, {"key": key, "value": "500", "reason": "small senders"})
    assert response.status_code == 302 and value(key) == 500
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.reason, entry.detail["new"]) == (
        "policy_change", "small senders", "500",
    )  # fmt: skip
    client.post(url, {"key": key, "value": "", "reason": "back to the default"})
    assert value(key) == 200


def test_a_violation_lifted_in_the_console(sendable: Sendable) -> None:
    (violation,) = governance.record_breaches(sendable.campaign, [BREACH], stop=sends.stop_send)
    governance.state_remediation(violation, "We removed the old addresses.", actor=SYSTEM)
    client = sendable.world.client_for(sendable.world.operator)
    page = client.get(reverse("console:violations")).content.decode()
    assert "We removed the old addresses." in page
    client.post(reverse("console:violation_lift", args=[violation.pk]), {"reason": "checked"})
    violation.refresh_from_db()
    assert violation.state == ViolationState.LIFTED
    assert AuditEntry.objects.filter(action="lift", reason="checked").exists()


def test_a_list_admitted_and_blocked_from_the_account_page(world: Personas) -> None:
    client = world.client_for(world.operator)
    lst = world.alice_list

    def url(change: str) -> str:
        return reverse("console:list_admission", args=["alice-shop", lst.pk, change])

    client.post(url("admit"), {"reason": "list audit passed"})
    client.post(url("block"), {"reason": "spam trap hits"})
    lst.refresh_from_db()
    assert lst.admitted and lst.blocked
    admit, block = AuditEntry.objects.filter(target_type="contacts.list").order_by("id")
    assert (admit.action, admit.reason, admit.actor) == (
        "admit_list",
        "list audit passed",
        "operator:olga",
    )
    assert (block.action, block.reason) == ("block_list", "spam trap hits")
    other = reverse("console:list_admission", args=["alice-shop", world.charlie_list.pk, "admit"])
    assert client.post(other, {"reason": "x"}).status_code == 404  # another account's list
