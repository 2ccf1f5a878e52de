"""The console is for the platform's operators only: never for an account's users."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contacts.testing import Personas

PAGES = [
    ("console:dashboard", []),
    ("console:audit_log", []),
    ("console:account", ["alice-shop"]),
    ("console:violations", []),
    ("console:policy", []),
    ("console:keys", []),
]
ACTIONS = [
    ("console:account_action", ["alice-shop", "suspend"]),
    ("console:violation_lift", [1]),
    ("console:list_admission", ["alice-shop", 1, "admit"]),
    ("console:policy", []),
    ("console:keys", []),
    ("console:key_revoke", [1]),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_an_account_owner_or_member_gets_403(world: Personas, name: str, args: list) -> None:
    for user in (world.alice, world.bob):
        assert world.client_for(user).get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args"), ACTIONS)
def test_an_account_owner_cannot_act(world: Personas, name: str, args: list) -> None:
    response = world.client_for(world.alice).post(reverse(name, args=args), {"reason": "x"})
    assert response.status_code == 403
    world.alice_account.refresh_from_db()
    assert world.alice_account.review_state == "active"


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_someone_not_logged_in_is_sent_to_the_login_page(db: None, name: str, args: list) -> None:
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_an_operator_sees_the_page_under_a_strict_csp(
    world: Personas, name: str, args: list
) -> None:
    response = world.client_for(world.operator).get(reverse(name, args=args))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
