"""CONSENT-4 in a real browser: a consenting contact's mail loads the pixel and its link
goes through the signed redirect, both counted and shown on the campaign page; a
non-consenting contact's mail has no pixel and no rewritten link, and sends nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contacts.models import Contact
from contacts.testing import PASSWORD, SYSTEM
from contacts.tracking import set_tracking_consent
from delivery.testing import Sendable
from tracking import selectors
from tracking.models import TrackingEvent
from tracking.testing import html_part, links_campaign, pixel_src, send

pytestmark = pytest.mark.browser

# A desktop browser's agent: Playwright's own names it headless, as a scanner would be.
DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126 "
    "Safari/537.36"
)


def test_a_consenting_contacts_open_and_click_are_counted_and_nobody_elses(
    transactional_db: Any,
    live_server: Any,
    page: Any,
    sendable: Sendable,
    settings: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    settings.BASE_URL = live_server.url  # the pixel and the links lead to this server
    anna = Contact.objects.get(address="anna@example.org")
    set_tracking_consent(anna, True, actor=SYSTEM, basis="preference_centre")
    campaign = links_campaign(sendable, "Herbst")
    send(sendable, campaign)

    def mail_of(address: str) -> str:
        return html_part(sendable.received_by(address)[0].raw)

    # The shop itself is not part of the test: the browser gets a page of our own for it.
    page.route(
        "https://shop.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Shop</h1>"),
    )
    page.set_extra_http_headers({"User-Agent": DESKTOP})
    ours: list[str] = []
    page.on("request", lambda r: ours.append(r.url) if r.url.startswith(live_server.url) else None)

    # Ben did not consent: his mail, shown in the browser, calls nothing of ours.
    plain = mail_of("ben@example.net")
    assert pixel_src(plain) is None and "/t/" not in plain
    page.set_content(plain)
    page.wait_for_load_state("networkidle")
    assert ours == []
    assert page.get_by_role("link", name="Zum Angebot").get_attribute("href") == (
        "https://shop.example/herbst?a=1&b=2"
    )

    # Anna consented: opening her mail loads the pixel, her click goes through the redirect.
    page.set_content(mail_of("anna@example.org"))
    page.wait_for_load_state("networkidle")
    assert any("/t/o/" in url for url in ours)
    page.get_by_role("link", name="Zum Angebot").click()
    page.wait_for_url("https://shop.example/herbst?a=1&b=2")
    expect(page.locator("h1")).to_have_text("Shop")
    assert set(TrackingEvent.objects.values_list("kind", "machine")) == {
        ("open", ""),
        ("click", ""),
    }
    totals = selectors.engagement_rates([campaign.pk])[campaign.pk]
    assert (totals.tracked, totals.opened, totals.clicked) == (1, 1, 1)

    # Alice sees the counts on the campaign's page.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/a/alice-shop/campaigns/{campaign.pk}/")
    expect(page.locator("#engagement-opened")).to_have_text("1")
    expect(page.locator("#engagement-clicked")).to_have_text("1")
    expect(page.locator("#engagement-links")).to_contain_text("https://shop.example/herbst")
    page.locator("#engagement").screenshot(path=str(tmp_path / "engagement.png"))
