"""FORM-3, IMPORT-11: no confirmation mail to an address on the operator's untrusted list,
by the address or by its whole domain, whatever the case; removed, it may sign up."""

from __future__ import annotations

from typing import Any

import pytest

from consent import doi
from consent.models import SignupAttempt
from consent.tests.test_doi import _refused, post_signup, sent_mails
from contacts import untrusted
from contacts.testing import SYSTEM

OPERATOR = "operator:olga"


@pytest.fixture
def signup_form(world: Any) -> Any:
    return doi.create_form(world.alice_list, actor=SYSTEM, name="Website")


@pytest.mark.parametrize(
    ("entry", "typed"),
    [
        ("ULLA@Example.DE", "ulla@example.de"),
        ("ulla@example.de", "Ulla@EXAMPLE.DE"),
        ("@Example.DE", "ulla@example.de"),
        ("@example.de", "ULLA@Example.De"),
    ],
)
def test_it_sends_nothing_to_an_untrusted_address_or_domain(
    client: Any, signup_form: Any, entry: str, typed: str
) -> None:
    untrusted.add(entry, "spam_trap", source=OPERATOR)
    _refused(client, signup_form, typed, "suppressed")


def test_a_subdomain_is_not_covered_and_a_removed_entry_lets_the_address_in(
    client: Any, signup_form: Any
) -> None:
    untrusted.add("@example.de", "blocked", source=OPERATOR)
    post_signup(client, signup_form, "ulla@mail.example.de")
    assert len(sent_mails()) == 1
    _refused(client, signup_form, "ulla@example.de", "suppressed", ip="192.0.2.20")
    untrusted.remove("@EXAMPLE.de", by=OPERATOR)
    post_signup(client, signup_form, "ulla@example.de", ip="192.0.2.21")
    assert SignupAttempt.objects.order_by("-pk").first().outcome != "refused"
    assert len(sent_mails()) == 2
