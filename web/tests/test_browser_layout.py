"""The account pages in a 1280 px wide window: nothing needs a sideways scroll."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contacts.testing import PASSWORD, Personas

pytestmark = pytest.mark.browser


def test_the_contacts_table_fits_1280_px(
    transactional_db: Any, live_server: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    world = Personas()
    # Long values are what push a table wide: a long address and names, in German.
    world.add_contact(
        world.alice_account,
        "maximiliane.mustermann-schaefer@vertrieb.beispielunternehmen.example",
        first_name="Maximiliane",
        last_name="Mustermann-Schäfer",
    )
    page.set_viewport_size({"width": 1280, "height": 860})
    page.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("alice")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/a/alice-shop/$"))  # the dashboard
    page.goto(f"{live_server.url}/a/alice-shop/contacts/")
    expect(page.locator("#contacts-table")).to_contain_text("Mustermann-Schäfer")
    widths = page.evaluate(
        """() => {
          const scroller = document.querySelector('#contacts-table .table-scroll');
          return {
            page: document.documentElement.scrollWidth,
            window: window.innerWidth,
            table: scroller.scrollWidth,
            box: scroller.clientWidth,
          };
        }"""
    )
    assert widths["page"] <= widths["window"], widths
    assert widths["table"] <= widths["box"], widths
