"""The campaign pages: list and new draft, detail with sanitised preview and gate, send with
the guideline checkbox (SEND-1/2), live counts, test send, controls, the imprint page.
Every page: charlie gets 404, the wrong method 405, alice the happy path (PRIVACY-2)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from campaigns import services
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from campaigns.testing import DOMAIN, HTML
from contacts.testing import SYSTEM
from delivery import ledger
from delivery.models import SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable


def base(sendable: Sendable) -> str:
    return f"/a/alice-shop/campaigns/{sendable.campaign.pk}/"


def test_the_list_shows_alices_campaigns_and_creates_drafts(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    page = alice.get("/a/alice-shop/campaigns/")
    assert page.status_code == 200 and "Herbst" in page.content.decode()
    assert 'aria-current="page">Campaigns</a>' in page.content.decode()
    response = alice.post(
        "/a/alice-shop/campaigns/",
        {
            "name": "Winter",
            "subject": "Winter",
            "from_name": "Alice",
            "from_address": f"news@{DOMAIN}",
            "lists": [sendable.lst.pk],
            "kind": "regular",
            "language": "en",
            "html": HTML,
        },
    )
    winter = Campaign.objects.get(name="Winter")
    assert response.status_code == 302 and response["Location"].endswith(f"/{winter.pk}/")
    bad = alice.post("/a/alice-shop/campaigns/", {"name": "x", "html": "{{ nope }}"})
    assert bad.status_code == 400


def test_charlie_gets_404_everywhere(sendable: Sendable) -> None:
    charlie = sendable.world.client_for(sendable.world.charlie)
    url = base(sendable)
    for path in ("", "progress/"):
        assert charlie.get(url + path).status_code == 404
    for path in ("send/", "test/", "pause/"):
        assert charlie.post(url + path, {"confirm_guidelines": "on"}).status_code == 404
    assert charlie.get("/a/alice-shop/campaigns/").status_code == 404
    assert charlie.get("/a/alice-shop/imprint/").status_code == 404
    assert not SendLedgerEntry.objects.exists()


def test_wrong_methods_get_405(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    url = base(sendable)
    assert alice.get(url + "send/").status_code == 405
    assert alice.get(url + "pause/").status_code == 405
    assert alice.post(url + "progress/").status_code == 405
    assert alice.put(url).status_code == 405
    assert Client().get(url).status_code == 302


def test_the_detail_page_shows_a_sanitised_preview_and_the_gate(sendable: Sendable) -> None:
    services.update_campaign(
        sendable.campaign,
        actor=SYSTEM,
        html=HTML.replace(
            "</body>", "<script>alert(1)</script><img src=x onerror=alert(2)></body>"
        ),
    )
    response = sendable.world.client_for(sendable.world.alice).get(base(sendable))
    html = response.content.decode()
    # The preview lives only inside a sandboxed frame, never in the account's own page.
    [frame] = re.findall(r'<iframe class="mail-frame"[^>]*id="preview"[^>]*>', html)
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame
    preview = unescape(frame.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert "Hallo Anna!" in preview and "Alice Shop GmbH" in preview
    assert "<script" not in preview and "onerror" not in preview
    assert "default-src 'none'" in preview
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "The compliance gate passes" in html
    assert "I confirm that this send follows the anti-spam guidelines" in html


def test_send_needs_the_checkbox_then_starts_and_shows_live_counts(sendable: Sendable) -> None:
    """SEND-1: without the tick nothing starts; with it, the ledger fills."""
    alice = sendable.world.client_for(sendable.world.alice)
    url = base(sendable)
    refused = alice.post(url + "send/", follow=True)
    assert "checkbox is not ticked" in refused.content.decode()
    assert not SendLedgerEntry.objects.exists()
    assert alice.post(url + "send/", {"confirm_guidelines": "on"}).status_code == 302
    assert SendLedgerEntry.objects.count() == 3
    partial = alice.get(url + "progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-count="queued">3<' in partial and 'hx-trigger="every 2s"' in partial
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    partial = alice.get(url + "progress/").content.decode()
    assert 'data-count="sent">3<' in partial and "hx-trigger" not in partial


def test_pause_resume_and_cancel_buttons(sendable: Sendable) -> None:
    """SEND-4 from the web door."""
    alice = sendable.world.client_for(sendable.world.alice)
    url = base(sendable)
    sendable.start()
    alice.post(url + "pause/")
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.PAUSED
    alice.post(url + "resume/")
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.SENDING
    alice.post(url + "cancel/")
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.CANCELLED
    assert alice.post(url + "explode/").status_code == 404


def test_a_test_send_from_the_page(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    page = alice.post(base(sendable) + "test/", {"addresses": "alice@example.org"}, follow=True)
    assert "alice@example.org: 250" in page.content.decode()
    assert sendable.smtp.messages[0].parsed()["Subject"].startswith("[TEST]")


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_the_imprint_page(sendable: Sendable, who: str) -> None:
    """CONTENT-2: owners edit the imprint; members see it (ACCOUNT-2)."""
    client = sendable.world.client_for(getattr(sendable.world, who))
    page = client.get("/a/alice-shop/imprint/")
    assert page.status_code == 200 and "Alice Shop GmbH" in page.content.decode()
    data: dict[str, Any] = {
        "imprint_name": "Alice Shop AG",
        "imprint_address": "Hauptstr. 2\n10115 Berlin",
        "imprint_contact": "info@alice-shop.example",
    }
    response = client.post("/a/alice-shop/imprint/", data)
    sendable.world.alice_account.refresh_from_db()
    if who == "alice":
        assert response.status_code == 302
        assert sendable.world.alice_account.imprint_name == "Alice Shop AG"
    else:
        assert response.status_code == 403
        assert sendable.world.alice_account.imprint_name == "Alice Shop GmbH"


@pytest.mark.browser
def test_sending_from_the_page_in_a_browser_with_live_counts(
    transactional_db: Any, live_server: Any, page: Any, sendable: Sendable, settings: Any
) -> None:
    """SEND-1 in Chromium: tick, send, and watch the counts move by htmx polling."""
    from playwright.sync_api import expect

    # The batches wait in the task table; this test plays the worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    from contacts.testing import PASSWORD

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Herbst").click()
    expect(page.locator("#gate-heading")).to_have_text("The compliance gate passes")
    expect(page.frame_locator("#preview").locator("body")).to_contain_text("Hallo Anna!")
    page.get_by_role("checkbox", name="I confirm that this send").check()
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Sending to 3 recipients.")).to_be_visible()
    expect(page.locator('[data-count="queued"]')).to_have_text("3")
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    expect(page.locator('[data-count="sent"]')).to_have_text("3", timeout=10_000)
    assert len(sendable.smtp.messages) == 3
