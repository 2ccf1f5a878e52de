"""Signup forms refuse what the address classification refuses (AUDIT-1, FORM-3): the
submitter sees the neutral page, the attempt is logged with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from consent.tests.test_doi import _refused, post_signup, sent_mails, signup_form  # noqa: F401
from contacts.models import Contact
from domains.testing import TestDnsServer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("anna@mailinator.com", "disposable_address"),
        ("abc@gmail.com", "provider_rule"),
        ("info@mailinator.com", "role_address"),  # the role address is named first
    ],
)
def test_it_sends_nothing_to_addresses_the_classification_refuses(
    client: Any,
    signup_form: Any,  # noqa: F811
    address: str,
    reason: str,
) -> None:
    _refused(client, signup_form, address, reason)
    assert not Contact.objects.filter(address=address).exists()


def test_it_asks_dns_whether_the_domain_accepts_mail(
    client: Any,
    signup_form: Any,  # noqa: F811
    dns_server: TestDnsServer,
    settings: Any,
) -> None:
    settings.ADDRESS_DNS_CHECKS = True
    dns_server.mx("post.example", "mx.post.example")
    dns_server.silence("langsam.example")
    _refused(client, signup_form, "anna@fehlt.example", "no_mail_domain")
    post_signup(client, signup_form, "anna@post.example")
    post_signup(client, signup_form, "bert@langsam.example")  # no answer: not the address's fault
    assert len(sent_mails()) == 2
