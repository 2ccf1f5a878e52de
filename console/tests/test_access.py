"""The console is for the platform's operators only: never for an account's users."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contacts.testing import Personas

PAGES = ["console:dashboard", "console:audit_log"]


@pytest.mark.parametrize("name", PAGES)
def test_an_account_owner_or_member_gets_403(world: Personas, name: str) -> None:
    for user in (world.alice, world.bob):
        assert world.client_for(user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_someone_not_logged_in_is_sent_to_the_login_page(db: None, name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_an_operator_sees_the_page_under_a_strict_csp(world: Personas, name: str) -> None:
    response = world.client_for(world.operator).get(reverse(name))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
