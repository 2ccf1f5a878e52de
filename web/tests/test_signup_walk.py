"""ACCOUNT-1 end to end in Chromium: sign up → confirm the owner's address by the mailed link
→ the operator reviews and activates with a reason → the owner verifies a sender domain,
creates a list with a contact and a campaign → the operator admits the list → the owner
reads the guidelines before the list's first send and sends it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.models import Account, GuidelinesAcceptance, ReviewState
from contacts.testing import PASSWORD
from core.models import AuditEntry
from domains.models import SenderDomain
from domains.tests.conftest import publish

OWNER_PASSWORD = "a long enough passphrase 42"


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_sign_up_review_activation_and_first_send(
    transactional_db: Any,
    live_server: Any,
    page: Any,
    world: Any,
    platform: Any,
    sandbox_outbox: Any,
    settings: Any,
) -> None:
    from playwright.sync_api import expect

    settings.BASE_URL = live_server.url
    url = live_server.url

    # The public sign-up page.
    page.goto(f"{url}/signup/")
    page.locator("#id_company").fill("Beispiel GmbH")
    page.locator("#id_address").fill("Hauptstr. 1\n10115 Berlin")
    page.locator("#id_register").fill("HRB 12345, Amtsgericht Berlin")
    page.locator("#id_representative").fill("Erika Muster")
    page.locator("#id_website").fill("beispiel.example")
    page.locator("#id_expected_volume").fill("5000")
    page.locator("#id_frequency").select_option("monthly")
    page.locator("#id_address_sources").fill("Newsletter form in our shop.")
    page.locator("#id_consent_method").fill("Double opt-in, confirmation mail logged.")
    page.locator("#id_username").fill("erika")
    page.locator("#id_email").fill("erika@beispiel.example")
    page.locator("#id_password").fill(OWNER_PASSWORD)
    expect(page.locator("#guidelines")).to_contain_text("Anti-spam guidelines")
    page.locator("#id_accept").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#signup-sent")).to_contain_text("erika@beispiel.example")
    account = Account.objects.get(slug="beispiel-gmbh")
    assert account.review_state == ReviewState.PENDING

    # The owner's confirmation mail waits in the sandbox mailbox; its link confirms.
    body = sandbox_outbox.parsed().get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/signup/confirm/\S+/", body)
    assert link, body
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.locator("h1")).to_have_text("Address confirmed")

    # The operator reviews the answers and activates with a reason.
    sign_in(page, url, "olga", PASSWORD)
    page.goto(f"{url}/console/review/")
    page.locator("#review-queue").get_by_role("link", name="Beispiel GmbH").click()
    expect(page.locator("#answers")).to_contain_text("Newsletter form in our shop.")
    page.get_by_label("Reason (the account reads it)").fill("Sources and imprint checked.")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#review-state")).to_contain_text("active")
    account.refresh_from_db()
    assert account.review_state == ReviewState.ACTIVE
    entry = AuditEntry.objects.get(account_id=account.pk, action="activate")
    assert entry.reason == "Sources and imprint checked." and entry.actor == "operator:olga"

    # The owner verifies a sender domain, creates a list, a contact and a campaign.
    sign_in(page, url, "erika", OWNER_PASSWORD)
    page.goto(f"{url}/a/beispiel-gmbh/domains/")
    page.get_by_role("textbox", name="Domain").fill("news.beispiel.example")
    page.get_by_role("button", name="Add domain").click()
    publish(platform, SenderDomain.objects.get(account=account))
    page.get_by_role("button", name="Check now").click()
    expect(page.locator("body")).to_contain_text("verified")
    page.goto(f"{url}/a/beispiel-gmbh/lists/")
    page.locator("#id_name").fill("Kunden")
    page.get_by_role("button", name="Create list").click()
    page.goto(f"{url}/a/beispiel-gmbh/contacts/")
    page.get_by_label("Email address").fill("kunde@example.de")
    page.get_by_label("Where the address comes from").select_option("business_card")
    page.get_by_label("List the contact joins").select_option(label="Kunden")
    page.get_by_label("Where the written proof is kept").fill("Messe 2026, Karte 14")
    page.locator("#id_attest_origin").check()
    page.locator("#id_attest_customer_contact").check()
    page.get_by_role("button", name="Add contact").click()
    expect(page.locator("h1")).to_have_text("kunde@example.de")
    page.goto(f"{url}/a/beispiel-gmbh/campaigns/")
    page.locator("#id_name").fill("Herbst")
    page.locator("#id_subject").fill("Herbst bei Beispiel")
    page.locator("#id_from_name").fill("Beispiel")
    page.locator("#id_from_address").fill("news@news.beispiel.example")
    page.get_by_label("Target lists").select_option(label="Kunden")
    page.locator("#id_html").fill(
        "<p>Hallo {{ first_name }}</p><p><a href='{{ unsubscribe_url }}'>Abmelden</a></p>"
        "{{ imprint }}"
    )
    page.get_by_role("button", name="Save draft").click()
    campaign_url = page.url

    # No audit of the list yet: the operator admits it (the operator's override).
    sign_in(page, url, "olga", PASSWORD)
    page.goto(f"{url}/console/review/beispiel-gmbh/")
    page.get_by_role("button", name="Admit (operator's override)").click()
    expect(page.locator("#lists")).to_contain_text("Kunden · admitted")

    # The owner sees the guidelines before the list's first send, ticks and sends.
    sign_in(page, url, "erika", OWNER_PASSWORD)
    page.goto(campaign_url)
    expect(page.locator("#gate-heading")).to_have_text("The compliance gate passes")
    expect(page.locator("#first-send-guidelines")).to_contain_text("Anti-spam guidelines")
    page.get_by_role("checkbox", name="I confirm that this send").check()
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Sending to 1 recipients.")).to_be_visible()
    sent = [m for m in sandbox_outbox.messages() if "kunde@example.de" in m.rcpt_to]
    assert sent, [m.rcpt_to for m in sandbox_outbox.messages()]
    accepted = GuidelinesAcceptance.objects.filter(account=account).order_by("pk")
    assert [a.context for a in accepted] == ["signup", "first_send"]
