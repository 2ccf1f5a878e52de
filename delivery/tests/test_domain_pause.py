"""DOMAIN-1: a sender domain that stops passing its checks pauses every running send from
it, with the reason on the campaign page; passing again resumes exactly those sends."""

from __future__ import annotations

import html
from typing import Any

import pytest

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from campaigns.testing import DOMAIN
from contacts.testing import SYSTEM
from core.errors import RuleViolation
from delivery import sends
from delivery.testing import Sendable
from delivery.tests.test_send import run_all
from domains import selectors as domain_selectors
from domains import services as domains
from domains.models import SenderDomain
from domains.rules import DomainStatus

pytestmark = pytest.mark.django_db


def dkim_record(sendable: Sendable) -> Any:
    domain = SenderDomain.objects.get(name=DOMAIN)
    (record,) = [r for r in domain_selectors.records_to_publish(domain) if r.purpose == "dkim"]
    return domain, record


def state(campaign: Campaign) -> Campaign:
    return Campaign.objects.get(pk=campaign.pk)


def test_a_failing_domain_pauses_the_send_and_passing_resumes_it(
    sendable: Sendable, dns_server: Any
) -> None:
    sendable.start()
    domain, record = dkim_record(sendable)
    dns_server.remove(record.name)  # the DKIM key vanished from the zone
    assert domains.check_domain(domain, actor=SYSTEM).status == DomainStatus.FAILED

    paused = state(sendable.campaign)
    assert paused.state == CampaignState.PAUSED
    assert DOMAIN in paused.pause_reason and "dkim" in paused.pause_reason
    run_all(sendable.campaign)
    assert sendable.smtp.messages == []  # nothing leaves while it fails

    # A user cannot resume it around the failing domain either.
    with pytest.raises(RuleViolation, match="sender domain fails"):
        sends.resume_send(paused, actor=SYSTEM)

    dns_server.txt(record.name, record.value)
    assert domains.check_domain(domain, actor=SYSTEM).status == DomainStatus.VERIFIED
    resumed = state(sendable.campaign)
    assert (resumed.state, resumed.pause_reason, resumed.paused_for_domain) == ("sending", "", "")
    run_all(sendable.campaign)
    assert len(sendable.smtp.messages) == 3


def test_a_send_a_user_paused_stays_paused_when_the_domain_passes(
    sendable: Sendable, dns_server: Any
) -> None:
    sendable.start()
    sends.pause_send(sendable.campaign, actor=SYSTEM)
    running = sendable.another("Zwei")
    sends.start_send(running, actor=SYSTEM, guidelines_confirmed=True)
    domain, record = dkim_record(sendable)
    dns_server.remove(record.name)
    domains.check_domain(domain, actor=SYSTEM)
    assert state(sendable.campaign).pause_reason == ""  # the user's pause, not the platform's
    assert state(running).paused_for_domain == DOMAIN  # the platform's
    dns_server.txt(record.name, record.value)
    domains.check_domain(domain, actor=SYSTEM)
    assert state(sendable.campaign).state == CampaignState.PAUSED
    assert state(running).state == CampaignState.SENDING


def test_the_campaign_page_and_the_api_say_why(sendable: Sendable, dns_server: Any) -> None:
    from api.tests.conftest import key_client

    sendable.start()
    domain, record = dkim_record(sendable)
    dns_server.remove(record.name)
    domains.check_domain(domain, actor=SYSTEM)
    world = sendable.world
    page = world.client_for(world.alice).get(f"/a/alice-shop/campaigns/{sendable.campaign.pk}/")
    text = page.content.decode()
    assert "The platform paused this send." in text
    assert f"the sender domain {DOMAIN} stopped passing its checks" in text
    # A German reader gets the platform's words and the check's reason in German.
    english = state(sendable.campaign).pause_reason
    check_reason = english.split("(dkim: ", 1)[1].rstrip(")")
    german = world.client_for(world.alice).get(
        f"/a/alice-shop/campaigns/{sendable.campaign.pk}/", HTTP_ACCEPT_LANGUAGE="de"
    )
    german_text = html.unescape(german.content.decode())
    assert f"die Absenderdomain {DOMAIN} besteht ihre Prüfungen nicht mehr (DKIM: " in german_text
    assert check_reason not in german_text and "stopped passing" not in german_text
    api = key_client(world.alice_account, "shop")
    body = api.client.get(f"/api/v1/campaigns/{sendable.campaign.pk}").json()
    assert body["state"] == "paused" and DOMAIN in body["pause_reason"]
