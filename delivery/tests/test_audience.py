"""Segments narrow a send; the audience count and its reasons agree with the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services as campaigns
from contacts import segments
from contacts import services as contacts
from contacts.models import Contact, SubscriptionState, SuppressionReason
from contacts.rules import Cause, LegalBasis, Status
from contacts.testing import SYSTEM, Personas
from core.errors import InvalidInput, RuleViolation
from delivery import audience, ledger
from delivery.models import LedgerState, OneClickUnsubscribe, SendLedgerEntry
from delivery.testing import Sendable

pytestmark = pytest.mark.django_db


def matching(world: Personas, *conditions: dict[str, object], match: str = "all") -> set[str]:
    segment = segments.create_segment(
        world.alice_account,
        name=f"s{len(segments.segments_of(world.alice_account))}",
        definition={"match": match, "conditions": list(conditions)},
    )
    return {c.address for c in segments.members(segment)}


def test_every_reason_is_counted_once_and_the_recipients_are_the_ledger(
    sendable: Sendable,
) -> None:
    world = sendable.world
    gone = sendable.add("gone@example.org")
    contacts.change_status(gone, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.USER)
    left = sendable.add("left@example.org")
    contacts.set_subscription(left, sendable.lst, SubscriptionState.UNSUBSCRIBED, actor=SYSTEM)
    bounced = sendable.add("dead@example.org")
    contacts.change_status(bounced, Status.BOUNCED, actor=SYSTEM, cause=Cause.BOUNCE)
    pending = world.add_contact(world.alice_account, "pending@example.org")
    contacts.set_subscription(pending, sendable.lst, SubscriptionState.PENDING, actor=SYSTEM)
    sendable.add("trap@example.org")
    contacts.suppress("trap@example.org", SuppressionReason.SPAM_TRAP)
    sendable.add("info@example.org")
    sendable.add("kunde2@example.org", legal_basis=LegalBasis.EXISTING_CUSTOMER)
    clicked = sendable.add("clicked@example.org")
    entry = SendLedgerEntry.objects.create(
        campaign=sendable.another("earlier"), contact=clicked, batch=0, state=LedgerState.SENT
    )
    OneClickUnsubscribe.objects.create(contact=clicked, entry=entry)
    # Not on the target list at all: not counted.
    world.add_contact(world.alice_account, "elsewhere@example.org")

    found = audience.breakdown(sendable.campaign)
    assert found.left_out == {
        "deleted": 0,
        "unsubscribed": 3,
        "bounced": 1,
        "pending": 1,
        "untrusted": 1,
        "role": 1,
        "no_basis": 0,
        "scope": 1,
        "problem": 0,
        "stale": 0,
    }
    assert found.recipients == 3
    assert found.considered == 11
    assert [key for key, _label, _n in found.reasons()][:2] == ["unsubscribed", "bounced"]
    assert found.recipients == audience.eligible_contacts(sendable.campaign).count()
    assert sendable.start() == found.recipients


def test_a_segment_narrows_the_send_and_its_count(sendable: Sendable) -> None:
    world = sendable.world
    for n in range(3):
        sendable.add(f"koeln{n}@example.org", fields={"city": "Köln"})
    sendable.add("bonn@example.org", fields={"city": "Bonn"})
    segment = segments.create_segment(
        world.alice_account,
        name="Köln",
        definition={
            "conditions": [{"field": "custom", "key": "city", "op": "is", "value": "Köln"}]
        },
    )
    campaigns.update_campaign(sendable.campaign, actor=SYSTEM, segment=segment)
    sendable.campaign.refresh_from_db()
    found = audience.breakdown(sendable.campaign)
    assert (found.considered, found.recipients) == (3, 3)
    assert sendable.start() == 3
    queued = SendLedgerEntry.objects.filter(campaign=sendable.campaign)
    assert {e.contact.address for e in queued} == {f"koeln{n}@example.org" for n in range(3)}
    with pytest.raises(RuleViolation):
        segments.delete_segment(segment)


def test_each_condition_selects_what_it_says(sendable: Sendable) -> None:
    world = sendable.world
    vip = contacts.create_list(world.alice_account, "VIP", actor=SYSTEM)
    old = sendable.add("old@example.org", fields={"city": "Bonn", "vip": ""})
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    star = world.add_contact(world.alice_account, "star@example.org", vip, fields={"vip": "yes"})
    world.add_contact(
        world.alice_account, "shop@example.org", legal_basis=LegalBasis.EXISTING_CUSTOMER
    )
    Contact.objects.filter(address="ben@example.net").update(import_record=1)
    SendLedgerEntry.objects.create(
        campaign=sendable.campaign,
        contact=star,
        batch=0,
        state=LedgerState.SENT,
        sent_at=timezone.now() - timedelta(days=3),
    )
    everyone = {c.address for c in Contact.objects.filter(account=world.alice_account)}
    assert matching(world) == everyone
    assert matching(world, {"field": "list", "op": "on", "value": vip.pk}) == {"star@example.org"}
    assert "star@example.org" not in matching(
        world, {"field": "list", "op": "not_on", "value": vip.pk}
    )
    assert matching(world, {"field": "custom", "key": "vip", "op": "set"}) == {"star@example.org"}
    assert matching(world, {"field": "custom", "key": "city", "op": "contains", "value": "on"}) == {
        "old@example.org"
    }
    assert "old@example.org" not in matching(
        world, {"field": "custom", "key": "city", "op": "is_not", "value": "Bonn"}
    )
    assert "star@example.org" in matching(
        world, {"field": "custom", "key": "city", "op": "is_not", "value": "Bonn"}
    )
    cutoff = (timezone.now() - timedelta(days=100)).date().isoformat()
    assert matching(world, {"field": "signup_date", "op": "before", "value": cutoff}) == {
        "old@example.org"
    }
    assert matching(world, {"field": "signup_days", "op": "not_within", "value": 100}) == {
        "old@example.org"
    }
    assert matching(world, {"field": "signup_source", "op": "is", "value": "import"}) == {
        "ben@example.net"
    }
    assert "ben@example.net" not in matching(
        world, {"field": "signup_source", "op": "is", "value": "user"}
    )
    assert matching(
        world, {"field": "legal_basis", "op": "is", "value": LegalBasis.EXISTING_CUSTOMER}
    ) == {"shop@example.org"}
    assert matching(world, {"field": "last_delivery", "op": "within", "value": 7}) == {
        "star@example.org"
    }
    assert matching(world, {"field": "last_delivery", "op": "not_within", "value": 1}) == everyone
    assert "star@example.org" not in matching(world, {"field": "last_delivery", "op": "never"})
    assert matching(
        world,
        {"field": "list", "op": "on", "value": vip.pk},
        {"field": "custom", "key": "city", "op": "is", "value": "Bonn"},
        match="any",
    ) == {"star@example.org", "old@example.org"}
    assert matching(world, {"field": "status", "op": "is_not", "value": "A"}) == set()


def test_an_account_never_reaches_another_accounts_lists_or_segments(sendable: Sendable) -> None:
    world = sendable.world
    with pytest.raises(InvalidInput, match="condition 1: value: no list"):
        segments.create_segment(
            world.alice_account,
            name="theirs",
            definition={
                "conditions": [{"field": "list", "op": "on", "value": world.charlie_list.pk}]
            },
        )
    theirs = segments.create_segment(world.charlie_account, name="all", definition={})
    assert {c.address for c in segments.members(theirs)} == {"client@example.fr"}
    with pytest.raises(InvalidInput, match="segment:"):
        campaigns.update_campaign(sendable.campaign, actor=SYSTEM, segment=theirs)
    with pytest.raises(InvalidInput, match="name:"):
        segments.create_segment(world.alice_account, name=" ", definition={})


def test_the_ledger_fill_stays_one_statement(sendable: Sendable) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    segment = segments.create_segment(
        sendable.world.alice_account,
        name="active",
        definition={"conditions": [{"field": "status", "op": "is", "value": "A"}]},
    )
    campaigns.update_campaign(sendable.campaign, actor=SYSTEM, segment=segment)
    sendable.campaign.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        assert ledger.fill(sendable.campaign, batch_size=100) == 3
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
