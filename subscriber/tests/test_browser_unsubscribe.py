"""Unsubscribing in a real browser (UNSUB-1, FORM-4): open the link of a campaign mail in the
sandbox mailbox, press the button, read the confirmation in German, manage preferences."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from campaigns import services as campaigns
from campaigns.testing import DOMAIN, HTML, set_imprint, verified_domain
from carrier.models import CapturedMessage
from contacts import services as contacts
from contacts.models import Subscription
from contacts.testing import PASSWORD, SYSTEM, Personas
from core.browser import PNG_SIGNATURE
from delivery import sends
from domains.testing import TestDnsServer

pytestmark = pytest.mark.browser


def test_a_person_unsubscribes_from_a_sandbox_mail_and_manages_preferences(
    transactional_db: Any,
    live_server: Any,
    page: Any,
    settings: Any,
    dns_server: TestDnsServer,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    settings.BASE_URL = live_server.url  # the links in the mail lead to this server
    settings.SMTP_URL = ""  # the sandbox mailbox
    world = Personas()
    verified_domain(world, dns_server, settings)
    set_imprint(world.alice_account)
    lst = contacts.set_list_admission(world.alice_list, actor=SYSTEM, admitted=True)
    anna = world.add_contact(world.alice_account, "anna@example.org", lst, first_name="Anna")
    campaign = campaigns.create_campaign(
        world.alice_account,
        actor=SYSTEM,
        lists=[lst],
        name="Herbst",
        subject="Herbst bei Alice, {{ first_name }}",
        from_name="Alice Shop",
        from_address=f"news@{DOMAIN}",
        html=HTML,
    )
    sends.start_send(campaign, actor=SYSTEM, guidelines_confirmed=True)
    assert CapturedMessage.objects.filter(rcpt_to=["anna@example.org"]).exists()

    # Alice opens the mail Anna got in the sandbox mailbox; the link is the mail's own.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/a/alice-shop/sandbox/")
    page.get_by_role("link", name=re.compile("Herbst bei Alice, Anna")).click()
    link = page.locator('a[href*="/u/"]').first
    href = link.get_attribute("href")
    assert href is not None and href.startswith(f"{live_server.url}/u/")
    link.click()

    # A page with one button; the GET changed nothing.
    expect(page.locator("h1")).to_have_text("Abmelden")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert Subscription.objects.get(contact=anna, list=lst).state == "confirmed"
    page.get_by_role("button", name="Abmelden").click()
    expect(page.locator("h1")).to_have_text("Sie sind abgemeldet")
    assert Subscription.objects.get(contact=anna, list=lst).state == "unsubscribed"
    page.screenshot(path=str(tmp_path / "unsubscribed.png"), full_page=True)

    # The preference centre: the data held, and the way back (a fresh confirmation).
    page.get_by_role("link", name="Einstellungen verwalten").click()
    expect(page.locator("h1")).to_have_text("Ihre Einstellungen")
    expect(page.locator("dl")).to_contain_text("anna@example.org")
    expect(page.locator("dl")).to_contain_text("erhält keine Newsletter")
    page.get_by_label(lst.name, exact=True).check()
    page.get_by_role("button", name="Auswahl speichern").click()
    expect(page.locator(".notice")).to_contain_text("Bestätigen Sie sie")
    assert Subscription.objects.get(contact=anna, list=lst).state == "pending"
    assert (tmp_path / "unsubscribed.png").read_bytes().startswith(PNG_SIGNATURE)
