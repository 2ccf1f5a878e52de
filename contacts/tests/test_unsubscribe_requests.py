"""Unsubscribing (STATUS-2) and unsubscribe requests received another way (UNSUB-2, UNSUB-3)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from consent.models import EvidenceRecord
from contacts import selectors, services
from contacts.models import Contact, RequestState, Subscription, SubscriptionState
from contacts.rules import Cause, LegalBasis, Status, request_urgency
from contacts.testing import SYSTEM, Personas
from core.errors import Conflict, InvalidInput


def kinds(contact: Contact) -> list[str]:
    return list(
        EvidenceRecord.objects.filter(contact=contact)
        .order_by("seq")
        .values_list("kind", flat=True)
    )


def states(contact: Contact) -> dict[str, str]:
    return {s.list.name: s.state for s in Subscription.objects.filter(contact=contact)}


class TestUnsubscribe:
    def test_status_2_leaving_every_list_withdraws_consent(self, world: Personas) -> None:
        contact = world.alice_contact
        services.unsubscribe(contact, actor=SYSTEM, method="page")
        contact.refresh_from_db()
        assert contact.status == Status.UNSUBSCRIBED
        assert states(contact) == {"Newsletter": SubscriptionState.UNSUBSCRIBED}
        record = EvidenceRecord.objects.filter(contact=contact, kind="unsubscribed").get()
        assert record.payload["method"] == "page" and record.payload["everywhere"] is True

    def test_leaving_one_list_keeps_the_others_and_the_status(self, world: Personas) -> None:
        other = services.create_list(world.alice_account, "Offers", actor=SYSTEM)
        contact = world.alice_contact
        services.set_subscription(contact, other, SubscriptionState.CONFIRMED, actor=SYSTEM)
        services.unsubscribe(contact, actor=SYSTEM, method="one_click", lists=[world.alice_list])
        contact.refresh_from_db()
        assert contact.status == Status.ACTIVE
        assert states(contact) == {"Newsletter": "unsubscribed", "Offers": "confirmed"}


class TestEnteredRequests:
    def test_unsub_002_an_entered_request_takes_effect_at_once(self, world: Personas) -> None:
        item = services.enter_unsubscribe_request(
            world.alice_account,
            "kunde@example.de",
            channel="phone",
            received_on=date(2026, 11, 27),
            actor=SYSTEM,
            note="called the hotline",
        )
        contact = world.alice_contact
        contact.refresh_from_db()
        assert contact.status == Status.UNSUBSCRIBED and item.contact_id == contact.pk
        assert item.state == RequestState.DONE and item.due_on == date(2026, 12, 2)
        assert kinds(contact)[-2:] == ["unsubscribed", "unsubscribe_request.entered"]
        assert (
            EvidenceRecord.objects.get(
                contact=contact, kind="status.changed", payload__to="U"
            ).payload["cause"]
            == Cause.USER
        )

    def test_an_unknown_address_is_kept_as_unsubscribed(self, world: Personas) -> None:
        """The person said no: a later import or a contact form cannot add it as active."""
        services.enter_unsubscribe_request(
            world.alice_account,
            "neu@example.de",
            channel="letter",
            received_on=timezone.localdate(),
            actor=SYSTEM,
        )
        contact = selectors.contact_by_address(world.alice_account, "neu@example.de")
        assert contact is not None and contact.status == Status.UNSUBSCRIBED
        with pytest.raises(Conflict):
            world.add_contact(world.alice_account, "neu@example.de")
        # Charlie's account knows nothing of it (PRIVACY-2).
        assert selectors.contact_by_address(world.charlie_account, "neu@example.de") is None

    def test_bad_input_is_refused_and_changes_nothing(self, world: Personas) -> None:
        for kwargs, message in (
            ({"channel": "pigeon"}, "unknown channel"),
            ({"received_on": date(2999, 1, 1)}, "future"),
            ({"address": "not an address"}, "not an email address"),
        ):
            args: dict[str, Any] = {
                "address": "kunde@example.de",
                "channel": "phone",
                "received_on": timezone.localdate(),
                **kwargs,
            }
            with pytest.raises(InvalidInput, match=message):
                services.enter_unsubscribe_request(world.alice_account, actor=SYSTEM, **args)
        world.alice_contact.refresh_from_db()
        assert world.alice_contact.status == Status.ACTIVE
        assert not selectors.unsubscribe_requests_of(world.alice_account).exists()


class TestSurfacedRequests:
    def surface(self, world: Personas, ref: str = "inbound:1") -> Any:
        return services.surface_unsubscribe_request(
            world.alice_account,
            "kunde@example.de",
            received_on=date(2025, 12, 24),
            ref=ref,
            actor=SYSTEM,
            note="Reply: bitte abmelden",
        )

    def test_unsub_003_a_reply_waits_open_until_a_user_confirms(self, world: Personas) -> None:
        item = self.surface(world)
        world.alice_contact.refresh_from_db()
        assert item.state == RequestState.OPEN and world.alice_contact.status == Status.ACTIVE
        assert item.due_on == date(2025, 12, 31)
        assert self.surface(world).pk == item.pk  # the same message twice: one request
        done = services.complete_unsubscribe_request(item, actor=SYSTEM)
        world.alice_contact.refresh_from_db()
        assert done.state == RequestState.DONE and world.alice_contact.status == Status.UNSUBSCRIBED
        with pytest.raises(Conflict):
            services.complete_unsubscribe_request(item, actor=SYSTEM)

    def test_a_misread_reply_can_be_dismissed(self, world: Personas) -> None:
        item = services.dismiss_unsubscribe_request(
            self.surface(world), actor=SYSTEM, note="asked about delivery"
        )
        world.alice_contact.refresh_from_db()
        assert item.state == RequestState.DISMISSED and world.alice_contact.status == Status.ACTIVE
        assert "asked about delivery" in item.note

    def test_open_requests_come_most_urgent_first(self, world: Personas) -> None:
        late = services.surface_unsubscribe_request(
            world.alice_account,
            "a@example.de",
            received_on=date(2026, 11, 2),
            ref="r1",
            actor=SYSTEM,
        )
        early = services.surface_unsubscribe_request(
            world.alice_account,
            "b@example.de",
            received_on=date(2026, 10, 1),
            ref="r2",
            actor=SYSTEM,
        )
        found = list(selectors.unsubscribe_requests_of(world.alice_account, state="open"))
        assert found == [early, late]
        assert request_urgency(late.due_on, date(2026, 11, 6), open_=True) == "overdue"
        assert request_urgency(late.due_on, late.due_on, open_=True) == "due"
        assert request_urgency(late.due_on, date(2026, 11, 2), open_=True) == "on_time"

    def test_deleting_the_contact_erases_the_address_in_its_requests(self, world: Personas) -> None:
        item = self.surface(world)
        services.delete_contact(world.alice_contact, actor=SYSTEM)
        item.refresh_from_db()
        assert item.address == "" and item.note == ""


def test_the_cli_enters_and_lists_requests(world: Personas, capsys: Any) -> None:
    call_command(
        "unsubscribe",
        "add",
        "alice-shop",
        "kunde@example.de",
        "--channel",
        "email",
        "--received",
        "2026-11-30",
    )
    out = capsys.readouterr().out
    assert "unsubscribed (deadline 2026-12-03)" in out
    call_command("unsubscribe", "list", "alice-shop")
    assert (
        "done\tclosed\t2026-11-30\t2026-12-03\temail\tkunde@example.de" in capsys.readouterr().out
    )
    world.alice_contact.refresh_from_db()
    assert world.alice_contact.status == Status.UNSUBSCRIBED
    assert world.alice_contact.legal_basis == LegalBasis.DOUBLE_OPT_IN


def test_a_second_unsubscribe_changes_nothing_and_records_nothing(world: Personas) -> None:
    services.unsubscribe(world.alice_contact, actor=SYSTEM, method="one_click")
    before = EvidenceRecord.objects.filter(contact=world.alice_contact).count()
    services.unsubscribe(world.alice_contact, actor=SYSTEM, method="one_click")
    services.unsubscribe(world.alice_contact, actor=SYSTEM, method="page", lists=[world.alice_list])
    assert EvidenceRecord.objects.filter(contact=world.alice_contact).count() == before
