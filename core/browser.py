"""A real browser for UI tests: Playwright driving Debian's Chromium (fixture `page`).

Without /usr/bin/chromium the tests skip, unless CONSENTRY_REQUIRE_BROWSER=1 (set by CI,
which installs the package) turns the skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

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


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("CONSENTRY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CONSENTRY_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
    # the database calls the test makes around it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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
