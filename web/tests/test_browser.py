"""The UI in a real browser: Playwright drives Debian's Chromium against a live server."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from contacts.models import Contact
from core.testing import PASSWORD, Personas

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# the database calls the test makes around it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture
def page() -> Any:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("CONSENTRY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CONSENTRY_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()
        # While Playwright's loop runs, Django keeps this thread's connections in a separate
        # (async) slot; close them before the loop stops, or they outlive the test database.
        connections.close_all()


def test_it_signs_in_filters_with_htmx_and_adds_a_contact(
    transactional_db: Any, live_server: Any, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    world = Personas()
    world.add_contact(world.alice_account, "maria@example.at", first_name="Maria")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
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
    page.get_by_label("Legal basis").select_option("existing_customer")
    page.get_by_label("Subscribe to list").select_option(label="Newsletter")
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
