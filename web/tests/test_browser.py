"""The UI in a real browser: Playwright drives Debian's Chromium against a live server."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from contacts.models import Contact
from contacts.testing import PASSWORD, SYSTEM, Personas
from core.browser import PNG_SIGNATURE
from domains import services as domains
from domains.rules import DomainStatus
from domains.tests.conftest import publish

pytestmark = pytest.mark.browser


def test_it_signs_in_filters_with_htmx_and_adds_a_contact(
    transactional_db: Any, live_server: Any, page: Any, tmp_path: Path, platform: Any
) -> None:
    from playwright.sync_api import expect

    world = Personas()
    # Adding by hand is a one-row import: the account needs a verified sender domain.
    domain = domains.add_domain(world.alice_account, "news.alice.example", actor=SYSTEM)
    publish(platform, domain)
    assert domains.check_domain(domain, actor=SYSTEM).status == DomainStatus.VERIFIED
    world.add_contact(world.alice_account, "maria@example.at", first_name="Maria")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Signing in lands on the account's dashboard; its navigation leads to the contacts.
    expect(page).to_have_url(re.compile(r"/a/alice-shop/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page).to_have_url(re.compile(r"/a/alice-shop/contacts/$"))
    table = page.locator("#contacts-table")
    expect(table).to_contain_text("kunde@example.de")
    expect(table).to_contain_text("maria@example.at")

    # Typing filters through htmx: the table is swapped, the page is not reloaded.
    page.evaluate("window.__same_page = true")
    page.get_by_placeholder("Search address or name").fill("maria")
    expect(table).not_to_contain_text("kunde@example.de")
    expect(table).to_contain_text("maria@example.at")
    expect(page).to_have_url(re.compile(r"\?q=maria"))
    assert page.evaluate("window.__same_page") is True

    page.get_by_label("Email address").fill("neu@example.de")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Where the address comes from").select_option("existing_customer")
    page.get_by_label("List the contact joins").select_option(label="Newsletter")
    last_month = (date.today() - timedelta(days=30)).isoformat()
    page.get_by_label("Last purchase or contact").fill(last_month)
    page.get_by_label("Product category bought").fill("Shoes")
    page.locator("#id_attest_origin").check()
    page.locator("#id_attest_customer_contact").check()
    page.get_by_role("button", name="Add contact").click()
    expect(page.locator("h1")).to_have_text("neu@example.de")
    expect(page.get_by_role("status")).to_contain_text("Contact added.")
    contact = Contact.objects.get(account=world.alice_account, address="neu@example.de")
    assert contact.first_name == "Nina"

    page.get_by_role("link", name="← Contacts").click()
    expect(page.locator("#contacts-table")).to_contain_text("neu@example.de")
    shot = tmp_path / "contacts.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 1000


def test_a_member_adds_a_test_address_and_confirms_it_by_its_link(
    transactional_db: Any, live_server: Any, page: Any, sandbox_outbox: Any
) -> None:
    """SEND-2, no relay: test mail goes to addresses a member confirmed by their link."""
    from playwright.sync_api import expect

    Personas()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/a/alice-shop/test-addresses/")
    table = page.locator("#test-addresses")
    expect(table).to_contain_text("bob@example.org")  # a login address needs no link
    page.get_by_label("Email address").fill("bob.privat@example.net")
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_role("status")).to_contain_text(
        "A confirmation mail went to bob.privat@example.net"
    )
    row = table.locator('[data-address="bob.privat@example.net"]')
    expect(row).to_contain_text("waiting for the link")

    mail = sandbox_outbox.parsed()
    assert mail["To"] == "bob.privat@example.net"
    found = re.search(r"https?://[^/\s]+(/test-address/[^/\s]+/)", mail.get_content())
    assert found, mail.get_content()
    page.goto(f"{live_server.url}{found.group(1)}")
    expect(page.locator("h1")).to_have_text("Confirm the test address")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("Address confirmed")

    page.goto(f"{live_server.url}/a/alice-shop/test-addresses/")
    expect(row).to_contain_text("confirmed")
    expect(row).not_to_contain_text("waiting")
