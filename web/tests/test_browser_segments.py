"""A segment in a real browser: built with the condition editor (no script), picked on the
campaign page, whose audience count follows it before the send; the page's CSP holds."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contacts.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_segment_and_see_the_campaigns_count(
    live_server: Any, page: Any, sendable: Any
) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    for n in range(2):
        sendable.add(f"koeln{n}@example.org", fields={"city": "Köln"})

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    campaign = f"{live_server.url}/a/alice-shop/campaigns/{sendable.campaign.pk}/"
    page.goto(campaign)
    expect(page.locator("#audience-recipients")).to_have_text("5")

    page.get_by_role("link", name="Segments").click()
    page.get_by_label("Name").fill("Köln")
    page.get_by_role("button", name="Create segment").click()
    expect(page).to_have_url(re.compile(r"/segments/\d+/$"))
    page.get_by_label("Add a condition on").select_option("custom")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Field name").fill("city")
    page.get_by_label("Condition").select_option("is")
    page.get_by_label("Value").fill("Köln")
    page.get_by_role("button", name="Add condition").click()
    expect(page.locator("#conditions")).to_contain_text("Custom field city is Köln")
    expect(page.locator("#segment-count")).to_have_text("2 contacts match now")

    page.goto(campaign)
    page.get_by_label("Segment").select_option(label="Köln")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#audience-recipients")).to_have_text("2")
    expect(page.locator("#audience")).to_contain_text("in the segment “Köln”")
    assert not [p for p in problems if "Content Security Policy" in p]
