"""The untrusted list in the operator's admin, in a real browser (IMPORT-11)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contacts import selectors, untrusted
from contacts.models import SuppressedDomain
from contacts.testing import PASSWORD, Personas

pytestmark = pytest.mark.browser


def test_the_operator_adds_searches_and_removes_entries_in_the_admin(
    transactional_db: Any, live_server: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    Personas()
    untrusted.add("ULLA@Example.DE", "spam_trap", source="feedback")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # A whole domain, typed in capitals: stored IDNA and lower case, with who added it.
    page.goto(f"{live_server.url}/admin/contacts/suppresseddomain/add/")
    page.get_by_label("Domain").fill("Trap.Example")
    page.get_by_label("Reason").select_option("blocked")
    page.get_by_label("Note").fill("public feed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/contacts/suppresseddomain/$"))
    expect(page.locator("#result_list")).to_contain_text("@trap.example")
    expect(page.locator("#result_list")).to_contain_text("operator:olga")
    assert selectors.suppression_reasons("who@TRAP.example") == ["blocked"]

    # An address is found by typing it, in any case; only its hash is shown.
    page.goto(f"{live_server.url}/admin/contacts/suppression/")
    page.locator("#searchbar").fill("ulla@EXAMPLE.de")
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).not_to_contain_text("ulla")

    # Removing it lets the address in again.
    rows.first.locator("input[type=checkbox]").check()
    page.locator("select[name=action]").select_option("remove_entries")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("1 entry removed")
    assert selectors.suppression_reasons("ulla@example.de") == []
    assert SuppressedDomain.objects.count() == 1
