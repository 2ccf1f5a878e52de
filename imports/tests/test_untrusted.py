"""IMPORT-5/11: the operator's untrusted list, addresses and whole domains, keeps rows out
of an import and out of a contact added by hand, whatever the case of the address."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from contacts import untrusted
from contacts.models import Contact
from contacts.rules import Status
from contacts.testing import SYSTEM
from imports import manual, reports, services
from imports.models import ImportJob
from imports.tests.conftest import run

OPERATOR = "operator:olga"


def outcomes(job: ImportJob) -> dict[int, tuple[str, str]]:
    job.refresh_from_db()
    return {row: (outcome, reason) for row, _a, outcome, reason in reports.lines(job)}


def test_import_005_addresses_and_whole_domains_on_the_list_are_rejected(verified: Any) -> None:
    untrusted.add("ULLA@Example.DE", "spam_trap", source=OPERATOR)
    untrusted.add("@Trap.Example", "blocked", source=OPERATOR)
    job = run(
        verified,
        "email\nulla@example.de\nUlla@EXAMPLE.de\nanna@example.de\nwho@trap.example\n"
        "Who2@TRAP.Example\nsub@mail.trap.example\n",
    )
    assert outcomes(job) == {
        2: ("rejected", "suppressed"),
        3: ("rejected", "duplicate_in_file"),
        4: ("created", ""),
        5: ("rejected", "suppressed"),
        6: ("rejected", "suppressed"),
        7: ("created", ""),  # a domain entry covers that domain, not its subdomains
    }
    assert not Contact.objects.filter(address__icontains="trap.example").exclude(
        address="sub@mail.trap.example"
    )


def test_import_005_a_removed_entry_lets_the_address_in_again(verified: Any) -> None:
    untrusted.add("@trap.example", "spam_trap", source=OPERATOR)
    assert run(verified, "who@trap.example\n").rejected == 1
    untrusted.remove("@TRAP.example", by=OPERATOR)
    assert run(verified, "who@trap.example\n").created == 1


def test_import_005_own_mail_server_accounts_may_import_an_untrusted_domain(
    verified: Any,
) -> None:
    untrusted.add("@trap.example", "spam_trap", source=OPERATOR)
    verified.alice_account.own_mail_server = True
    verified.alice_account.save(update_fields=["own_mail_server"])
    assert run(verified, "who@trap.example\n").rejected == 1
    assert run(verified, "who@trap.example\n", import_untrusted=True).created == 1


def test_import_005_unsubscribed_rows_of_an_untrusted_domain_still_lower_a_contact(
    verified: Any,
) -> None:
    """What is known is never lowered by the list: a U row is no mailing (IMPORT-7)."""
    verified.add_contact(verified.alice_account, "who@trap.example", verified.alice_list)
    untrusted.add("@trap.example", "spam_trap", source=OPERATOR)
    run(verified, "email;status\nwho@trap.example;U\n")
    contact = Contact.objects.get(account=verified.alice_account, address="who@trap.example")
    assert contact.status == Status.UNSUBSCRIBED


def add_by_hand(world: Any, address: str) -> Contact:
    return manual.add_contact(
        world.alice_account,
        [world.alice_list],
        address,
        actor=SYSTEM,
        source="existing_customer",
        attested=services.ATTESTATIONS,
        last_contact=date.today() - timedelta(days=30),
        product_category="Gartenmöbel",
    )


@pytest.mark.parametrize("entry", ["NEU@Example.DE", "@EXAMPLE.de"])
def test_import_005_a_contact_added_by_hand_is_refused_when_untrusted(
    verified: Any, entry: str
) -> None:
    untrusted.add(entry, "spam_trap", source=OPERATOR)
    with pytest.raises(manual.Refused, match="untrusted"):
        add_by_hand(verified, "neu@example.de")
    assert not Contact.objects.filter(address="neu@example.de").exists()
    assert not ImportJob.objects.exists()
    untrusted.remove(entry, by=OPERATOR)
    assert add_by_hand(verified, "neu@example.de").status == Status.ACTIVE
