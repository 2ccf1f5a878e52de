"""Imports and contacts added by hand refuse what the address classification refuses
(AUDIT-1, IMPORT-5/8): one module, contacts.addresses, at every door."""

from __future__ import annotations

from typing import Any

import pytest

from contacts.models import Contact
from contacts.rules import Status
from domains.testing import TestDnsServer
from imports import manual, reports
from imports.models import ImportJob
from imports.tests.conftest import run
from imports.tests.test_untrusted import add_by_hand
from policy import services as policy_services
from policy.models import DisposableDomain


def outcomes(job: ImportJob) -> dict[str, tuple[str, str]]:
    job.refresh_from_db()
    return {address: (outcome, reason) for _row, address, outcome, reason in reports.lines(job)}


def test_import_rows_are_refused_for_disposable_domains_and_provider_rules(
    verified: Any,
) -> None:
    job = run(
        verified,
        "email;status\n"
        "anna@mailinator.com;A\n"
        "abc@gmail.com;A\n"
        "anna.maria@gmx.dee;A\n"
        "bert@mailinator.com;U\n"
        "carla.schmidt@gmail.com;A\n",
    )
    assert outcomes(job) == {
        "anna@mailinator.com": ("rejected", "disposable_address"),
        "abc@gmail.com": ("rejected", "provider_rule"),
        # A typo is only flagged (the list audit and `consentry address check` show it).
        "anna.maria@gmx.dee": ("created", ""),
        # An unsubscribed row is kept for proof whatever its address (STATUS-5).
        "bert@mailinator.com": ("created", ""),
        "carla.schmidt@gmail.com": ("created", ""),
    }


def test_import_the_operators_disposable_list_counts(verified: Any) -> None:
    entry = DisposableDomain(domain="Wegwerf.Example", note="seen in signups")
    policy_services.save_disposable_domain(entry, by=None)
    assert entry.domain == "wegwerf.example"
    assert run(verified, "anna@wegwerf.example\n").rejected == 1
    taken_off = DisposableDomain(domain="mailinator.com", disposable=False)
    policy_services.save_disposable_domain(taken_off, by=None)
    assert run(verified, "anna@mailinator.com\n").created == 1


def test_import_rows_at_domains_that_accept_no_mail_are_refused(
    verified: Any, platform: TestDnsServer, settings: Any
) -> None:
    """AUDIT-1 (iii), each domain asked once; a silent domain is let through."""
    settings.ADDRESS_DNS_CHECKS = True
    platform.mx("post.example", "mx.post.example")
    platform.mx("null.example", ".", preference=0)
    platform.silence("langsam.example")
    job = run(
        verified,
        "email;status\n"
        "anna@post.example;A\n"
        "bert@fehlt.example;A\n"
        "carl@fehlt.example;A\n"
        "dora@null.example;A\n"
        "emil@langsam.example;A\n"
        "fritz@fehlt.example;U\n",
    )
    assert outcomes(job) == {
        "anna@post.example": ("created", ""),
        "bert@fehlt.example": ("rejected", "no_mail_domain"),
        "carl@fehlt.example": ("rejected", "no_mail_domain"),
        "dora@null.example": ("rejected", "no_mail_domain"),
        "emil@langsam.example": ("created", ""),
        "fritz@fehlt.example": ("created", ""),
    }
    asked = [q for q in platform.zone.queries if q[0] == "fehlt.example"]
    assert asked.count(("fehlt.example", "MX")) == 1


def test_the_import_reader_reads_the_sandbox_dns_it_took_along(
    verified: Any, platform: TestDnsServer, settings: Any
) -> None:
    """The sandbox DNS (a demo without the internet) answers the address checks of the
    forked reader too, which may not query the database: it takes the records along."""
    from domains.models import SandboxRecord, SenderDomain

    settings.ADDRESS_DNS_CHECKS = True
    settings.DNS_SANDBOX = True
    domain = SenderDomain.objects.filter(account__slug="alice-shop").earliest("pk")
    SandboxRecord.objects.create(
        domain=domain, name="bounces.sandbox.example", type="MX", value="mx.sandbox.example"
    )
    job = run(verified, "email\nanna@bounces.sandbox.example\nbert@fehlt.example\n")
    assert outcomes(job) == {
        "anna@bounces.sandbox.example": ("created", ""),  # the sandbox's MX, not DNS's
        "bert@fehlt.example": ("rejected", "no_mail_domain"),
    }


@pytest.mark.parametrize(
    ("address", "why"),
    [("neu@mailinator.com", "disposable"), ("abc@gmail.com", "provider allows no such")],
)
def test_a_contact_added_by_hand_is_refused_like_an_import_row(
    verified: Any, address: str, why: str
) -> None:
    with pytest.raises(manual.Refused, match=why):
        add_by_hand(verified, address)
    assert not Contact.objects.filter(address=address).exists()
    assert add_by_hand(verified, "neu.kunde@gmail.com").status == Status.ACTIVE
