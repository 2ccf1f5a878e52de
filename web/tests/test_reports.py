"""The dashboard and the campaign report pages: their numbers, the CSV, the chart data in
a JSON block (no inline script), tenant isolation and GET only."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client

from governance.testing import Sent


def chart_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html)
    assert found, "no chart data"
    return json.loads(found.group(1))


def test_the_dashboard_shows_contacts_todos_growth_and_campaigns(reported: Sent) -> None:
    alice = reported.sendable.world.client_for(reported.sendable.world.alice)
    page = alice.get("/a/alice-shop/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="mailable-count">0<' in html
    assert 'data-status="B">1<' in html and 'data-status="U">1<' in html
    assert 'data-total="bounces">1<' in html and 'data-total="complaints">1<' in html
    assert f'data-campaign="{reported.campaign.pk}"' in html
    assert 'data-rate="open">—<' in html
    data = chart_data(html)
    assert set(data) == {"growth-30", "growth-90", "campaigns"}
    assert len(data["growth-90"]["labels"]) == 90
    assert "<script>" not in html  # CSP: the charts come from a static file
    assert "web/charts.js" in html


def test_the_report_page_and_its_csv(reported: Sent) -> None:
    alice = reported.sendable.world.client_for(reported.sendable.world.alice)
    url = f"/a/alice-shop/campaigns/{reported.campaign.pk}/report/"
    html = alice.get(url).content.decode()
    assert 'data-count="hard_bounces">1 <small class="muted">33.33%</small>' in html
    assert 'data-count="complaints">1 ' in html
    assert 'data-reason="user_unknown" data-kind="hard"' in html
    assert "Address does not exist" in html and "user_unknown</td>" not in html
    assert 'data-channel="page"' in html
    assert 'id="finished-at">' in html and 'id="finished-at">—<' not in html
    data = chart_data(html)
    assert sum(data["timeline"]["series"][0]["data"]) == 3
    assert [limit["value"] for limit in data["compared"]["limits"]] == [0.05, 0.005]
    csv = alice.get(url.replace("/report/", "/report.csv"))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "attachment" in csv["Content-Disposition"]
    assert "bounce_reason,user_unknown,hard,1," in csv.content.decode()


def test_the_campaign_page_links_its_report(reported: Sent) -> None:
    alice = reported.sendable.world.client_for(reported.sendable.world.alice)
    html = alice.get(f"/a/alice-shop/campaigns/{reported.campaign.pk}/").content.decode()
    assert f"/campaigns/{reported.campaign.pk}/report/" in html


def test_charlie_sees_neither_and_only_get_is_answered(sent: Sent) -> None:
    world = sent.sendable.world
    charlie, alice = world.client_for(world.charlie), world.client_for(world.alice)
    url = f"/a/alice-shop/campaigns/{sent.campaign.pk}/report/"
    assert charlie.get(url).status_code == 404
    assert charlie.get(url.replace("/report/", "/report.csv")).status_code == 404
    assert charlie.get("/a/alice-shop/").status_code == 404
    assert alice.post(url).status_code == 405
    assert Client().get(url).status_code == 302
    # Charlie's own dashboard holds none of alice's campaigns.
    assert (
        f'data-campaign="{sent.campaign.pk}"' not in charlie.get("/a/charlie-co/").content.decode()
    )


def test_the_pages_speak_german(reported: Sent) -> None:
    alice = reported.sendable.world.client_for(reported.sendable.world.alice)
    dashboard = alice.get("/a/alice-shop/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Was zu tun ist" in dashboard and "Listenwachstum, letzte 30 Tage" in dashboard
    url = f"/a/alice-shop/campaigns/{reported.campaign.pk}/report/"
    report = alice.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Adresse existiert nicht" in report and "Bounces nach Grund" in report
    assert "Address does not exist" not in report
    data = chart_data(report)
    assert data["compared"]["limits"][0]["label"] == "Hard-Bounce-Grenzwert"
