"""SEND-3, IMPORT-11: a send leaves out addresses and whole domains on the operator's
untrusted list, at its start and at the re-check before each hand-over."""

from __future__ import annotations

from contacts import untrusted
from delivery import ledger
from delivery.models import SendLedgerEntry
from delivery.testing import Sendable
from delivery.tests.test_send import rows, run_all

OPERATOR = "operator:olga"


def test_send_003_the_start_leaves_out_untrusted_addresses_and_domains(
    sendable: Sendable,
) -> None:
    sendable.add("Ulla@Trap.example")
    sendable.add("mia@mail.trap.example")  # a subdomain: not covered
    sendable.add("ZOE@example.org")
    untrusted.add("@TRAP.example", "spam_trap", source=OPERATOR)
    untrusted.add("zoe@EXAMPLE.org", "blocked", source=OPERATOR)
    assert sendable.start() == 4
    assert sorted(rows(sendable.campaign)) == sorted(
        [*(c.address for c in sendable.contacts[:3]), "mia@mail.trap.example"]
    )
    run_all(sendable.campaign)
    assert not sendable.received_by("Ulla@trap.example")
    assert not sendable.received_by("ZOE@example.org")
    assert sendable.received_by("mia@mail.trap.example")


def test_send_003_an_entry_added_during_a_send_stops_the_messages_not_yet_handed_over(
    sendable: Sendable,
) -> None:
    trap = sendable.add("ulla@trap.example")
    blocked = sendable.add("ZOE@example.org")
    sendable.start()
    ids = list(
        SendLedgerEntry.objects.filter(campaign=sendable.campaign).values_list("pk", flat=True)
    )
    assert ledger.still_eligible(sendable.campaign, ids) == set(ids)
    untrusted.add("@Trap.Example", "spam_trap", source=OPERATOR)
    untrusted.add("zoe@example.org", "blocked", source=OPERATOR)
    trap_id, blocked_id = (
        SendLedgerEntry.objects.get(campaign=sendable.campaign, contact=c).pk
        for c in (trap, blocked)
    )
    dropped = {trap_id, blocked_id}
    assert ledger.still_eligible(sendable.campaign, ids) == set(ids) - dropped
    assert {r.entry_id for r in ledger.recheck(sendable.campaign, ids)} == set(ids) - dropped
    untrusted.remove("@trap.example", by=OPERATOR)
    # Removed from the list, the address is let in again.
    assert ledger.still_eligible(sendable.campaign, ids) == set(ids) - {blocked_id}
