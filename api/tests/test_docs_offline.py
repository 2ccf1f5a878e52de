"""/api/v1/docs works on a machine without the internet: Swagger UI comes from the
product's own static files, never from a CDN."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from api.tests.conftest import BASE


def test_the_docs_page_names_no_outside_host(db: Any) -> None:
    html = Client().get(f"{BASE}/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html


def test_the_docs_render_with_the_network_blocked(
    transactional_db: Any, live_server: Any, page: Any
) -> None:
    here = urlsplit(live_server.url).netloc
    outside: list[str] = []

    def only_here(route: Any) -> None:
        if urlsplit(route.request.url).netloc == here:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(f"{live_server.url}{BASE}/docs")
    # Swagger UI drew the operations of the OpenAPI document.
    page.wait_for_selector(".opblock-tag", timeout=15_000)
    assert page.locator(".opblock").count() > 10
    assert outside == []
