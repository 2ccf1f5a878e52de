"""CONSENT-4 through the API and the CLI: a campaign's engagement, a contact's flag."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client

from api.tests.conftest import key_client
from contacts.testing import SYSTEM
from contacts.tracking import set_tracking_consent
from tracking.testing import hrefs
from tracking.tests.test_tracking import BROWSER, local, message_html

pytestmark = pytest.mark.django_db


def test_the_api_gives_the_engagement_to_the_account_only(sent, client: Client) -> None:
    sendable, campaign, anna = sent
    client.get(local(hrefs(message_html(sendable, "anna@example.org"))[0]), HTTP_USER_AGENT=BROWSER)
    world = sendable.world
    alice = key_client(world.alice_account, "alice").client
    answer = alice.get(f"/api/v1/campaigns/{campaign.pk}/engagement")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["delivered"], body["tracked"], body["clicked"], body["opened"]) == (3, 1, 1, 1)
    assert body["links"][0]["url"] == "https://shop.example/herbst?a=1&b=2"
    contact = alice.get(f"/api/v1/contacts/{anna.pk}").json()
    assert contact["tracking_consent"] is True and contact["tracking_basis"] == "preference_centre"
    charlie = key_client(world.charlie_account, "charlie").client
    assert charlie.get(f"/api/v1/campaigns/{campaign.pk}/engagement").status_code == 404
    assert alice.post(f"/api/v1/campaigns/{campaign.pk}/engagement").status_code == 405


def test_the_cli_prints_the_engagement_and_the_contacts_flag(sent, capsys) -> None:
    _sendable, campaign, anna = sent
    call_command("engagement", str(campaign.pk), "--json")
    document = json.loads(capsys.readouterr().out)
    assert document["tracked"] == 1 and document["open_rate"] == 0.0
    call_command("engagement", str(campaign.pk))
    assert "to contacts who agreed to tracking 1" in capsys.readouterr().out
    call_command("contact", "show", "alice-shop", "anna@example.org")
    assert "tracking of opens and clicks: yes (preference_centre)" in capsys.readouterr().out
    set_tracking_consent(anna, False, actor=SYSTEM)
    call_command("contact", "show", "alice-shop", "anna@example.org")
    assert "tracking of opens and clicks: no" in capsys.readouterr().out
