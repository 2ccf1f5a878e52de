"""ACCOUNT-3: accounts of one customer form a group; a person who unsubscribed in one of
them gets no mail from the others unless they consented there since."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services as accounts
from contacts import services as contacts
from contacts.models import Subscription, SubscriptionState
from contacts.testing import SYSTEM
from core.models import AuditEntry
from delivery import ledger
from delivery.models import LedgerState, SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable

pytestmark = pytest.mark.django_db


def send(sendable: Sendable) -> dict[str, str]:
    sendable.start()
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    return dict(
        SendLedgerEntry.objects.filter(campaign=sendable.campaign).values_list(
            "contact__address", "state"
        )
    )


def leave_in_charlie(world: Any, address: str, *, whole_account: bool = True) -> None:
    """The person is on Charlie's list too and leaves it there, after consenting at Alice's."""
    lst = contacts.create_list(world.charlie_account, "Charlie news", actor=SYSTEM)
    other = world.add_contact(world.charlie_account, address, lst)
    contacts.unsubscribe(other, actor=SYSTEM, method="link", lists=None if whole_account else [lst])


def group(world: Any) -> None:
    accounts.set_customer_group(
        world.alice_account, "Kunde GmbH", actor=SYSTEM, reason="one customer"
    )
    accounts.set_customer_group(
        world.charlie_account, "Kunde GmbH", actor=SYSTEM, reason="one customer"
    )
    world.alice_account.refresh_from_db()
    world.charlie_account.refresh_from_db()


@pytest.mark.parametrize("whole_account", [True, False])
def test_an_unsubscribe_in_one_account_holds_in_the_group(
    world: Any, sendable: Sendable, whole_account: bool
) -> None:
    group(world)
    leave_in_charlie(world, "anna@example.org", whole_account=whole_account)
    states = send(sendable)
    assert states["anna@example.org"] == LedgerState.SKIPPED
    assert states["ben@example.net"] == LedgerState.SENT
    assert not sendable.received_by("anna@example.org")


def test_without_a_group_the_other_account_is_not_concerned(world: Any, sendable: Sendable) -> None:
    leave_in_charlie(world, "anna@example.org")
    assert send(sendable)["anna@example.org"] == LedgerState.SENT


def test_a_consent_given_since_the_unsubscribe_counts(world: Any, sendable: Sendable) -> None:
    group(world)
    leave_in_charlie(world, "anna@example.org")
    # Anna confirmed Alice's newsletter again after she left Charlie's.
    Subscription.objects.filter(
        contact__account=world.alice_account, contact__address="anna@example.org"
    ).update(state=SubscriptionState.CONFIRMED, state_changed_at=timezone.now() + timedelta(1))
    assert send(sendable)["anna@example.org"] == LedgerState.SENT


def test_grouping_is_an_operator_action_in_the_audit_log(world: Any) -> None:
    group(world)
    entries = AuditEntry.objects.filter(action="customer_group")
    assert entries.count() == 2 and {e.reason for e in entries} == {"one customer"}
    out = StringIO()
    call_command("account", "group", "alice-shop", "--none", "--reason", "split", stdout=out)
    world.alice_account.refresh_from_db()
    assert world.alice_account.customer_group is None
    assert "alice-shop: no customer group" in out.getvalue()
    call_command("account", "group", "alice-shop", "Kunde GmbH", "--reason", "again", stdout=out)
    world.alice_account.refresh_from_db()
    assert world.alice_account.customer_group.name == "Kunde GmbH"
