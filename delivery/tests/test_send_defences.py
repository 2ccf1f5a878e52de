"""Defence in depth at send time (SEND-3, CONSENT-1, IMPORT-8): whatever door created a
contact, the ledger admits no role address and no contact without a legal basis, at the
start of a send and again at hand-over."""

from __future__ import annotations

import pytest

from contacts.models import Contact
from delivery import ledger
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable
from delivery.tests.test_send import rows, run_all

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address", ["info@example.org", "Sales@example.org", "noreply+news@example.org"]
)
def test_a_role_address_never_enters_the_ledger(sendable: Sendable, address: str) -> None:
    # Created below the doors (as an old row or a future door might): the ledger refuses it.
    sendable.add(address)
    assert sendable.start() == 3
    assert address not in rows(sendable.campaign)


def test_look_alikes_of_role_addresses_are_people(sendable: Sendable) -> None:
    for address in ("information.desk@example.org", "mr.info@example.org", "salesman@example.org"):
        sendable.add(address)
    assert sendable.start() == 6


def test_a_contact_without_a_legal_basis_never_enters_the_ledger(sendable: Sendable) -> None:
    nobody = sendable.add("ohne@example.org")
    Contact.objects.filter(pk=nobody.pk).update(legal_basis="")
    odd = sendable.add("odd@example.org")
    Contact.objects.filter(pk=odd.pk).update(legal_basis="bought_list")
    assert sendable.start() == 3
    assert {"ohne@example.org", "odd@example.org"}.isdisjoint(rows(sendable.campaign))


def test_the_hand_over_re_check_drops_them_too(sendable: Sendable) -> None:
    """A row already in the ledger whose contact changed to a role address or lost its
    basis is skipped at hand-over, and the periodic re-check by id agrees."""
    sendable.start()
    first, second = sendable.contacts[1], sendable.contacts[2]
    Contact.objects.filter(pk=first.pk).update(address="support@example.org")
    Contact.objects.filter(pk=second.pk).update(legal_basis="")
    ids = list(
        SendLedgerEntry.objects.filter(campaign=sendable.campaign).values_list("pk", flat=True)
    )
    full = {r.entry_id for r in ledger.recheck(sendable.campaign, ids)}
    assert len(full) == 1
    assert ledger.still_eligible(sendable.campaign, ids) == full
    run_all(sendable.campaign)
    states = rows(sendable.campaign)
    assert states["support@example.org"] == LedgerState.SKIPPED
    assert states[second.address] == LedgerState.SKIPPED
    assert sendable.received_by("support@example.org") == []


def test_the_hand_over_skips_what_the_address_classification_refuses(
    sendable: Sendable,
) -> None:
    """AUDIT-1: a disposable address, one its provider cannot have, or an impossible one,
    stored below the doors (or before the rules changed), is skipped at hand-over."""
    for address in ("anna@mailinator.com", "abc@gmail.com", '"anna"@example.org'):
        sendable.add(address)
    assert sendable.start() == len(sendable.contacts)  # the ledger takes them at the start
    run_all(sendable.campaign)
    states = rows(sendable.campaign)
    for address in ("anna@mailinator.com", "abc@gmail.com", '"anna"@example.org'):
        assert states[address] == LedgerState.SKIPPED
        assert sendable.received_by(address) == []
    people = [c.address for c in sendable.contacts[:-3]]
    assert {states[a] for a in people} == {LedgerState.SENT}
