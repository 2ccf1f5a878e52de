"""CONTENT-6 end to end: every link of a campaign is checked before its send against the
operator's URL blocklist (console, operator API, CLI) and the DNS domain blocklists asked
through the loopback DNS server; the operator stops a running send for its content with a
reason the account sees (CLI, console, API), each in the audit log."""

from __future__ import annotations

import base64
import html
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.selectors import gate_result
from contacts.testing import PASSWORD, SYSTEM
from core.errors import RuleViolation
from core.models import AuditEntry
from delivery import sends
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable
from domains.dns import clear_cache
from domains.testing import TestDnsServer
from policy import services as policy
from policy.models import BlockedUrl

pytestmark = pytest.mark.django_db

LINKS = (
    '<p><a href="https://shop.example/herbst">Angebot</a> '
    '<a href="https://www.bad.example/kit">Kit</a></p>'
)


def with_links(sendable: Sendable) -> Campaign:
    campaign = sendable.campaign
    campaign.html = campaign.html.replace("</body>", LINKS + "</body>")
    campaign.save(update_fields=["html"])
    return campaign


def reasons(campaign: Campaign) -> list[str]:
    return [r.reason for r in gate_result(campaign, guidelines_ticked=True)]


def basic(username: str) -> Client:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return Client(headers={"Authorization": f"Basic {token}"})


def test_a_blocked_link_is_a_gate_reason_naming_it(sendable: Sendable) -> None:
    campaign = with_links(sendable)
    assert reasons(campaign) == []
    policy.add_blocked_url("bad.example", by=SYSTEM, reason="malware host")
    expected = (
        "the link https://www.bad.example/kit is on the platform's URL blocklist (bad.example)"
    )
    assert reasons(campaign) == [expected]
    with pytest.raises(RuleViolation) as refused:
        sendable.start()
    assert expected in str(refused.value.message) + " ".join(refused.value.details)
    assert not SendLedgerEntry.objects.filter(campaign=campaign).exists()


def test_a_link_on_a_dns_domain_blocklist_is_a_gate_reason(
    sendable: Sendable, dns_server: TestDnsServer, settings: Any
) -> None:
    campaign = with_links(sendable)
    settings.LINK_BLOCKLIST_ZONES = ["dbl.test"]
    dns_server.a("bad.example.dbl.test", "127.0.1.2")
    dns_server.a("shop.example.dbl.test", "127.255.255.254")  # an error answer, no listing
    clear_cache()
    assert reasons(campaign) == [
        "the link https://www.bad.example/kit is on the domain blocklist dbl.test"
    ]
    asked = len(dns_server.zone.queries)
    reasons(campaign)
    assert len(dns_server.zone.queries) == asked  # answered from the cache
    settings.LINK_BLOCKLIST_ZONES = []
    assert reasons(campaign) == []


def test_the_blocklist_through_the_cli_the_api_and_the_console(sendable: Sendable) -> None:
    out = StringIO()
    call_command(
        "blocklist", "url", "add", "bad.example", "--reason", "malware", "--json", stdout=out
    )
    assert json.loads(out.getvalue())["pattern"] == "bad.example"
    with pytest.raises(CommandError, match="already on the blocklist"):
        call_command("blocklist", "url", "add", "https://bad.example/", stdout=StringIO())
    api, url = basic("olga"), "/api/v1/operator/blocklist/urls"
    added = api.post(url, {"pattern": "files.example/x", "reason": "phishing"}, "application/json")
    assert added.status_code == 201 and added.json()["pattern"] == "files.example/x"
    assert api.post(url, {"pattern": "no host"}, "application/json").status_code == 422
    listed = api.get(url).json()
    assert [e["pattern"] for e in listed] == ["bad.example", "files.example/x"]
    gone = api.delete(url, {"pattern": "files.example/x", "reason": "cleaned"}, "application/json")
    assert gone.status_code == 204
    assert api.delete(url, {"pattern": "files.example/x"}, "application/json").status_code == 404
    key_client = Client(headers={"Authorization": "Bearer nonsense"})
    assert key_client.get(url).status_code == 401
    console = sendable.world.client_for(sendable.world.operator)
    page = console.get(reverse("console:content"))
    assert page.status_code == 200 and "bad.example" in page.content.decode()
    console.post(
        reverse("console:content"),
        {"action": "add", "add-pattern": "evil.example", "add-reason": "extremist content"},
    )
    console.post(
        reverse("console:content"),
        {"action": "remove", "remove-pattern": "bad.example", "remove-reason": "false alarm"},
    )
    assert list(BlockedUrl.objects.values_list("pattern", flat=True)) == ["evil.example"]
    listing = StringIO()
    call_command("blocklist", "url", "list", stdout=listing)
    assert "evil.example" in listing.getvalue()
    changes = AuditEntry.objects.filter(action="policy_change").order_by("id")
    assert [e.reason for e in changes] == [
        "malware", "phishing", "cleaned", "extremist content", "false alarm",
    ]  # fmt: skip
    assert sendable.world.client_for(sendable.world.alice).get(
        reverse("console:content")
    ).status_code in (302, 403, 404)


@pytest.mark.parametrize("door", ["cli", "console", "api"])
def test_the_operator_stops_a_running_send_for_its_content(sendable: Sendable, door: str) -> None:
    assert sendable.start() == 3
    campaign = sendable.campaign
    reason = "links to a counterfeit shop"
    if door == "cli":
        out = StringIO()
        call_command("content", "stop", str(campaign.pk), "--reason", reason, stdout=out)
        assert "cancelled" in out.getvalue()
    elif door == "console":
        client = sendable.world.client_for(sendable.world.operator)
        response = client.post(
            reverse("console:content"),
            {"action": "stop", "stop-campaign": campaign.pk, "stop-reason": reason},
        )
        assert response.status_code == 302
    else:
        url = f"/api/v1/operator/campaigns/{campaign.pk}/stop"
        response = basic("olga").post(url, {"reason": reason}, "application/json")
        assert response.status_code == 200 and response.json()["state"] == "cancelled"
        again = basic("olga").post(url, {"reason": reason}, "application/json")
        assert again.status_code == 409
    campaign.refresh_from_db()
    assert campaign.state == "cancelled"
    assert campaign.pause_reason == f"{sends.CONTENT_STOP}{reason}"
    assert not SendLedgerEntry.objects.filter(
        campaign=campaign, state__in=(LedgerState.QUEUED, LedgerState.DEFERRED)
    ).exists()
    entry = AuditEntry.objects.get(action="content_stop")
    assert (entry.reason, entry.account_slug) == (reason, "alice-shop")
    page = sendable.world.client_for(sendable.world.alice).get(
        reverse("web:campaign", args=["alice-shop", campaign.pk])
    )
    assert reason in page.content.decode()  # the account sees why
    german = sendable.world.client_for(sendable.world.alice).get(
        reverse("web:campaign", args=["alice-shop", campaign.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    said = html.unescape(german.content.decode())
    assert f"Vom Betreiber der Plattform wegen des Inhalts gestoppt: {reason}" in said
