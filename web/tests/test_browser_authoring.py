"""Everyday authoring in a real browser: choose a template, write, preview at a phone's
width, pick a segment and see the count, schedule in the account's time zone, and the
scheduled send starts by itself, to the segment's contacts alone."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from campaigns.testing import DOMAIN
from contacts.testing import PASSWORD
from delivery import sends

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How far ahead the walk schedules its send: time enough to submit the form.
AHEAD = timedelta(seconds=8)


def _started(campaign: Campaign, *, attempts: int = 240) -> str:
    """The scheduler's periodic task, run as `consentry scheduler` would, until the send
    has started (or the attempts run out); the campaign's state then."""
    for _attempt in range(attempts):
        sends.start_scheduled_sends.enqueue()
        campaign.refresh_from_db()
        if campaign.state != CampaignState.DRAFT:
            break
        time.sleep(0.5)
    return campaign.state


def test_template_write_preview_on_a_phone_schedule_and_it_starts(
    live_server: Any, page: Any, sendable: Any
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The account gives its send times in Berlin time.
    page.goto(f"{live_server.url}/a/alice-shop/imprint/")
    page.locator("#time-zone").fill("Europe/Berlin")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_role("status")).to_contain_text("Time zone saved.")

    # A segment: the list's contacts in Cologne.
    for n in range(2):
        sendable.add(f"koeln{n}@example.org", fields={"city": "Köln"})
    page.goto(f"{live_server.url}/a/alice-shop/segments/")
    page.get_by_label("Name").fill("Köln")
    page.get_by_role("button", name="Create segment").click()
    expect(page).to_have_url(re.compile(r"/segments/\d+/$"))
    page.get_by_label("Add a condition on").select_option("custom")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Field name").fill("city")
    page.get_by_label("Condition").select_option("is")
    page.get_by_label("Value").fill("Köln")
    page.get_by_role("button", name="Add condition").click()
    expect(page.locator("#segment-count")).to_have_text("2 contacts match now")

    # Choose a template and write the content.
    page.goto(f"{live_server.url}/a/alice-shop/campaigns/")
    page.get_by_label("Name", exact=True).fill("Autumn")
    page.get_by_label("Subject").fill("Autumn at Alice's, {{ first_name }}")
    page.get_by_label("From name").fill("Alice Shop")
    page.get_by_label("From address").fill(f"news@{DOMAIN}")
    page.get_by_label("Target lists").select_option(label=sendable.lst.name)
    page.locator("#id_template").select_option("newsletter")
    page.locator("#id_content").fill("<p>Our autumn offer: all for the garden.</p>")
    page.locator("#id_segment").select_option(label="Köln")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    campaign = Campaign.objects.get(name="Autumn")

    # The count before sending: the list's contacts in the segment, the rest left out.
    expect(page.locator("#audience-recipients")).to_have_text("2")
    expect(page.locator("#audience")).to_contain_text("in the segment “Köln”")

    # The preview, at desktop width and then a phone's.
    frame = page.locator("#preview")
    preview = page.frame_locator("#preview")
    expect(preview.locator("body")).to_contain_text("Our autumn offer: all for the garden.")
    expect(preview.locator("body")).to_contain_text("Hello Anna")
    desktop = frame.bounding_box()
    assert desktop is not None and desktop["width"] > 500
    page.get_by_role("button", name="Mobile").click()
    expect(page.get_by_role("button", name="Mobile")).to_have_attribute("aria-pressed", "true")
    expect(frame).to_have_class("mail-frame mail-frame-mobile")
    phone = frame.bounding_box()
    assert phone is not None and phone["width"] <= 376
    inner = frame.element_handle().content_frame()
    assert inner.evaluate("document.documentElement.clientWidth") <= 375
    page.get_by_role("button", name="Desktop").click()
    expect(frame).not_to_have_class("mail-frame mail-frame-mobile")

    # Schedule a little ahead, in Berlin time.
    at = (timezone.now() + AHEAD).astimezone(ZoneInfo("Europe/Berlin"))
    page.locator("#schedule-at").fill(f"{at:%Y-%m-%dT%H:%M:%S}")
    page.locator("#schedule-confirm").check()
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator("#scheduled-at")).to_have_text(
        f"Starts by itself at {at:%Y-%m-%d %H:%M:%S} (Europe/Berlin)."
    )
    campaign.refresh_from_db()
    assert campaign.scheduled_at is not None
    assert abs(campaign.scheduled_at - at.replace(microsecond=0)) < timedelta(seconds=1)

    # The scheduler's periodic task starts it once its time has come.
    assert _started(campaign) in (CampaignState.SENDING, CampaignState.FINISHED)
    assert campaign.started_at is not None and campaign.started_at >= campaign.scheduled_at
    page.reload()
    expect(page.locator(".page-head .badge")).not_to_have_text("draft")
    expect(page.locator("#schedule")).to_have_count(0)
    assert len(sendable.smtp.messages) == 2  # the segment's two contacts, nobody else
