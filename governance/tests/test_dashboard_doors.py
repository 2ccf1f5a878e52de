"""The dashboard's other two doors: `GET /api/v1/dashboard` and `consentry dashboard show
SLUG [--json]` give the home page's numbers, each of its own account alone."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contacts.rules import Status
from governance.account_dashboard import dashboard
from governance.testing import Sent

pytestmark = pytest.mark.django_db


def show(*args: str) -> str:
    out = StringIO()
    call_command("dashboard", "show", *args, stdout=out)
    return out.getvalue()


def test_the_api_gives_the_pages_numbers_of_the_keys_account_alone(reported: Sent) -> None:
    from api.tests.conftest import key_client

    world = reported.sendable.world
    body = key_client(world.alice_account, "shop").client.get("/api/v1/dashboard").json()
    page = dashboard(world.alice_account)
    assert body["mailable"] == page.mailable == 0
    assert body["statuses"][Status.BOUNCED] == 1 and body["contacts"] == page.contacts
    assert [g["days"] for g in body["growth"]] == [30, 90]
    assert sum(body["growth"][0]["complaints"]) == 1
    assert [c["id"] for c in body["campaigns"]] == [reported.campaign.pk]
    assert body["campaigns"][0]["hard_bounces"] == 1
    other = key_client(world.charlie_account, "other").client.get("/api/v1/dashboard").json()
    assert other["campaigns"] == [] and sum(other["growth"][0]["complaints"]) == 0
    from django.test import Client

    assert Client().get("/api/v1/dashboard").status_code == 401


def test_the_command_prints_the_numbers_and_json(reported: Sent) -> None:
    text = show("alice-shop")
    assert "contacts 3, mailable 0" in text
    assert "last 30 days:" in text and "complaints 1" in text
    assert f"#{reported.campaign.pk} Herbst" in text and "33.33%" in text
    data = json.loads(show("alice-shop", "--json"))
    assert data == json.loads(json.dumps(dashboard(reported.campaign.account).as_json()))


def test_an_unknown_account_is_a_clear_error(db: object) -> None:
    with pytest.raises(CommandError, match="nobody"):
        show("nobody")
