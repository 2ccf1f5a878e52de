"""The dashboard in a real browser: the charts are drawn, with no console error and no
Content-Security-Policy violation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from contacts.testing import PASSWORD, Personas
from core.models import HourlySends, SendFigures
from governance.figures import ALL, ALL_ACCOUNTS

pytestmark = pytest.mark.browser

# Collects the page's CSP violations before any of its own scripts runs.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_the_operator_sees_the_charts_drawn(
    transactional_db: Any, live_server: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    world = Personas()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for hours_ago, sent in ((0, 120), (1, 300), (5, 40)):
        HourlySends.objects.create(hour=now - timedelta(hours=hours_ago), sent=sent)
    today = timezone.localdate()
    # One account's day at one provider, with the totals governance.figures adds.
    alice = world.alice_account.pk
    for account, provider in ((alice, "gmail"), (alice, ALL), (ALL_ACCOUNTS, "gmail"),
                              (ALL_ACCOUNTS, ALL)):  # fmt: skip
        SendFigures.objects.create(
            day=today, account_id=account, provider=provider,
            sent=460, hard_bounces=30, complaints=1,
        )  # fmt: skip
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.add_init_script(WATCH_CSP)

    page.goto(f"{live_server.url}/login/?next=/console/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    # The login page is the accounts' page (its own favicon request aside); the console
    # is judged on a load of its own.
    errors.clear()
    missing.clear()
    page.reload()
    expect(page.locator("#messages-today")).to_have_text("460")
    expect(page.locator("body")).to_have_attribute("data-charts", "drawn")
    for canvas in ("#chart-per-hour", "#chart-providers-7", "#chart-providers-30"):
        drawn = page.evaluate(
            """(selector) => {
              const canvas = document.querySelector(selector);
              const chart = Chart.getChart(canvas);
              const pixels = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
              let painted = 0;
              for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
              return {chart: !!chart, painted: painted, width: canvas.width};
            }""",
            canvas,
        )
        assert drawn["chart"] and drawn["width"] > 0 and drawn["painted"] > 500, (canvas, drawn)
    bars = page.evaluate("Chart.getChart('chart-per-hour').data.datasets[0].data")
    assert bars[-1] == 120 and bars[-2] == 300 and sum(bars) == 460
    assert page.evaluate("window.__csp") == []
    assert missing == [] and errors == []
