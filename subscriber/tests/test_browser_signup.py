"""The whole double opt-in in a real browser (FORM-1/2, CONSENT-2/3): sign up on the hosted
page, read the confirmation mail in the sandbox mailbox, follow its link, confirm."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from consent import doi
from consent.proof import build_bundle
from contacts.models import Contact, Subscription
from contacts.testing import PASSWORD, SYSTEM, Personas
from core.browser import PNG_SIGNATURE

pytestmark = pytest.mark.browser


def test_a_person_signs_up_confirms_from_the_sandbox_mail_and_becomes_active(
    transactional_db: Any, live_server: Any, page: Any, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    settings.BASE_URL = live_server.url  # the link in the mail must lead to this server
    world = Personas()
    form = doi.create_form(world.alice_list, actor=SYSTEM, name="Website")

    # 1. The hosted signup page, in the list's language (German).
    page.goto(f"{live_server.url}/f/{form.public_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("E-Mail-Adresse").fill("lena.berg@example.de")
    page.get_by_label("Vorname").fill("Lena")
    page.get_by_label("Ja, ich möchte den Newsletter").check()
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("h1")).to_have_text("Bitte prüfen Sie Ihr Postfach")
    contact = Contact.objects.get(account=world.alice_account, address="lena.berg@example.de")
    assert Subscription.objects.get(contact=contact).state == "pending"

    # 2. Alice reads the confirmation mail in the sandbox mailbox.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/a/alice-shop/sandbox/")
    page.get_by_role("link", name=re.compile("Bitte bestätigen Sie Ihre Anmeldung")).click()
    expect(page.locator("body")).to_contain_text("Ja, ich möchte den Newsletter")
    page.screenshot(path=str(tmp_path / "sandbox.png"), full_page=True)

    # 3. The link opens a page with a button; only the button confirms.
    page.locator('a[href*="/c/"]').first.click()
    expect(page.locator("h1")).to_have_text("Anmeldung bestätigen")
    assert Subscription.objects.get(contact=contact).state == "pending"
    page.get_by_role("button", name="Ja, Anmeldung bestätigen").click()
    expect(page.locator("h1")).to_have_text("Anmeldung bestätigt")

    contact.refresh_from_db()
    assert contact.status == "A" and contact.first_name == "Lena"
    assert Subscription.objects.get(contact=contact).state == "confirmed"
    kinds = [
        r["kind"] for r in build_bundle(world.alice_account, "lena.berg@example.de")["records"]
    ]
    assert "signup.submitted" in kinds and "signup.confirmed" in kinds
    assert (tmp_path / "sandbox.png").read_bytes().startswith(PNG_SIGNATURE)
