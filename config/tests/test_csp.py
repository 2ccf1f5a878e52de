"""A Content-Security-Policy on every page: the platform's own files only, no inline script."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


def _policy(response: Any) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/healthz"])
def test_anonymous_pages_carry_the_strict_policy(db: Any, path: str) -> None:
    policy = _policy(Client().get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src-elem"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_account_pages_and_the_admin_carry_it(world: Any) -> None:
    alice = world.client_for(world.alice)
    for path in ("/a/alice-shop/contacts/", "/a/alice-shop/campaigns/"):
        response = alice.get(path)
        assert response.status_code == 200
        assert _policy(response)["script-src"] == ["'self'"]
    response = world.client_for(world.operator).get("/admin/")
    assert response.status_code == 200
    assert _policy(response)["script-src"] == ["'self'"]
    assert b"<script>" not in response.content  # the admin's scripts are files


def test_no_page_template_has_an_inline_script() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script>" not in text, template


def test_the_swagger_page_keeps_the_strict_policy(db: Any) -> None:
    """Swagger UI is served from the product's static files: its page needs no exception
    (api/tests/test_docs_offline.py draws it in Chromium under this policy)."""
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert _policy(response)["script-src"] == _policy(Client().get("/login/"))["script-src"]
    assert "https://cdn.jsdelivr.net" not in response.content.decode()


@pytest.mark.browser
def test_chromium_reports_no_policy_violation_on_the_pages(
    transactional_db: Any, live_server: Any, page: Any, sendable: Any
) -> None:
    """The policy and the pages agree: signing in, the campaign page with its preview frame
    and the admin run without a single refused script or style."""
    from playwright.sync_api import expect

    from contacts.testing import PASSWORD

    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Herbst").click()
    expect(page.frame_locator("#preview").locator("body")).to_contain_text("Hallo Anna!")
    page.goto(f"{live_server.url}/a/alice-shop/contacts/")
    page.wait_for_load_state("networkidle")
    assert violations == []
