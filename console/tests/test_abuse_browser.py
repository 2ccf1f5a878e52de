"""The abuse desk in a real browser (ABUSE-1, INDUSTRY-5): a complaint mailed to abuse@
through the inbound listener appears as a case resolved to account, campaign and contact
with its deadline; the operator unsubscribes the complainant from the case page and the
action shows in the case's audit log. An account user is refused the desk."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from contacts.rules import Status
from contacts.testing import PASSWORD
from governance.models import AbuseCase
from governance.testing import Sent, deliver, forwarded_complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_abuse_1_a_mailed_complaint_is_handled_on_the_case_page(
    sent: Sent, inbound: Controller, live_server: Any, page: Any, settings: Any
) -> None:
    from playwright.sync_api import expect

    settings.ABUSE_ADDRESSES = ["abuse@mail.consentry.test"]
    original = sent.message_to("kunde@example.de").raw
    deliver(
        inbound.hostname, inbound.port, "abuse@mail.consentry.test", forwarded_complaint(original)
    )
    case = AbuseCase.objects.get()

    login(page, live_server.url, "alice")
    response = page.goto(f"{live_server.url}/console/abuse/{case.pk}/")
    assert response is not None and response.status == 403
    page.context.clear_cookies()

    login(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/console/abuse/")
    row = page.locator(f"#abuse-cases tr[data-case='{case.pk}']")
    expect(row).to_contain_text("Alice Shop")
    expect(row).to_contain_text("Herbst")
    expect(row).to_contain_text(case.answer_due_at.strftime("%Y-%m-%d %H:%M"))
    row.get_by_role("link", name=f"#{case.pk}").click()

    expect(page.locator("#case-account")).to_contain_text("alice-shop")
    expect(page.locator("#case-campaign")).to_contain_text(sent.campaign.mailing_id)
    expect(page.locator("#case-contact")).to_contain_text("kunde@example.de")
    page.get_by_label("Unsubscribe the complainant").check()
    page.get_by_label("Reason or note").fill("The complainant never subscribed")
    page.get_by_role("button", name="Carry out").click()
    expect(page).to_have_url(re.compile(rf"/console/abuse/{case.pk}/$"))
    expect(page.locator(".flash")).to_contain_text("Unsubscribe the complainant")
    expect(page.locator("#audit-log")).to_contain_text("The complainant never subscribed")
    contact = sent.sendable.world.alice_contact
    contact.refresh_from_db()
    assert contact.status == Status.UNSUBSCRIBED
