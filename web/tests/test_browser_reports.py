"""The dashboard and a campaign report in a real browser, in English and German: every
chart is drawn by the vendored Chart.js from the page's JSON block, with no console error,
no failed request and no Content-Security-Policy violation. Screenshots are kept under
var/test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contacts.testing import PASSWORD
from governance.testing import Sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""

PAINTED = """(canvas) => {
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
  return {chart: !!chart, painted: painted};
}"""


def charts_drawn(page: Any, expected: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-charts", "drawn")
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() == expected
    for n in range(expected):
        drawn = canvases.nth(n).evaluate(PAINTED)
        assert drawn["chart"] and drawn["painted"] > 500, (n, drawn)


@pytest.mark.parametrize(
    ("language", "heading", "report_heading"),
    [
        ("en", "What needs doing", "Bounces by reason"),
        ("de", "Was zu tun ist", "Bounces nach Grund"),
    ],
)
def test_dashboard_and_report_draw_their_charts(
    reported: Sent, live_server: Any, page: Any, language: str, heading: str, report_heading: str
) -> None:
    from playwright.sync_api import expect

    page.set_extra_http_headers({"Accept-Language": language})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.add_init_script(WATCH_CSP)

    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("alice")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#todos h2")).to_have_text(heading)
    errors.clear()
    failed.clear()
    page.reload()
    charts_drawn(page, 3)  # growth over 30 and 90 days, the last campaigns
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{language}.png"), full_page=True)

    page.locator(f'#last-campaigns a[href$="/campaigns/{reported.campaign.pk}/report/"]').click()
    expect(page.locator("#reasons-heading")).to_have_text(report_heading)
    charts_drawn(page, 3)  # hand-overs over time, bounces by reason, the last campaigns
    limits = page.evaluate(
        "Chart.getChart(document.querySelector('[data-chart=compared]'))"
        ".data.datasets.filter(d => d.type === 'line').map(d => d.data[0])"
    )
    assert limits == [0.05, 0.005]  # the policy's limits, drawn as lines
    page.screenshot(path=str(ARTIFACTS / f"report-{language}.png"), full_page=True)
    assert page.evaluate("window.__csp") == []
    assert failed == [] and errors == []
