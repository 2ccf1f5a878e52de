"""A list's way to sending in a real browser (AUDIT-1, AUDIT-2, AUDIT-4): attest, audit,
send the first campaign to a sample, and see the list admitted after the sample's verdict."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from admission.models import SampleSend
from admission.testing import bulk_members, mail_domains
from contacts import services as contacts
from contacts.testing import PASSWORD, SYSTEM
from delivery import sends
from policy import services as policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_audit_then_sample_then_admission(
    live_server: Any, page: Any, sendable: Any, dns_server: Any
) -> None:
    from playwright.sync_api import expect

    world = sendable.world
    mail_domains(dns_server, "example.org", "example.net", "example.de")
    policy.set_value("audit.sample_required", "true", account=world.alice_account)
    lst = contacts.set_list_admission(sendable.lst, actor=SYSTEM, admitted=False)
    bulk_members(lst, [*(f"s{n}@example.org" for n in range(196)), "info@example.org"])

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/a/alice-shop/lists/{lst.pk}/")
    standing = page.locator("#admission-standing")
    expect(standing).to_contain_text("Attest that hard bounces were removed")

    # AUDIT-4: the attestation, in the words shown.
    page.get_by_label("I confirm the text above.").check()
    page.get_by_role("button", name="Attest").click()
    expect(page.locator("#attestation-done")).to_be_visible()

    # AUDIT-1: the audit, its report and what to clean.
    page.get_by_role("button", name="Audit now").click()
    expect(page).to_have_url(re.compile(r"/audits/\d+/$"))
    expect(page.locator("#audit-verdict")).to_have_text("The list passed its audit")
    expect(page.locator("#audit-share")).to_contain_text("1 of 200 addresses")
    expect(page.locator("#problems-download")).to_be_visible()

    # AUDIT-2: the first send goes to a sample; the rest waits.
    page.goto(f"{live_server.url}/a/alice-shop/lists/{lst.pk}/")
    expect(standing).to_contain_text("random sample")
    page.goto(f"{live_server.url}/a/alice-shop/campaigns/{sendable.campaign.pk}/")
    page.locator("input[name=confirm_guidelines]").check()
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("body")).to_contain_text("Sending to 19 recipients")
    page.goto(f"{live_server.url}/a/alice-shop/lists/{lst.pk}/")
    expect(page.locator("#sample-state")).to_contain_text("19 of 199 contacts")
    expect(standing).to_contain_text("sample send is under way")

    # The waiting window passes; the verdict admits the list and the rest goes.
    sends.tend()
    SampleSend.objects.update(verdict_at=timezone.now() - timedelta(seconds=1))
    sends.tend()
    page.reload()
    expect(standing).to_have_text("The list is admitted for sending.")
    expect(page.locator("#sample-state")).to_contain_text("passed")
