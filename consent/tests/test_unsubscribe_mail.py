"""CONSENT-6: an "unsubscribe me" mail, entered by a user or found in a reply, is kept as
the evidence of its request: sealed, at most 256 KB of it, and shown in the proof."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from consent.proof import build_bundle_for_contact
from contacts import services as contacts
from contacts.rules import MAX_KEPT_MAIL_BYTES
from contacts.selectors import request_mail
from contacts.testing import SYSTEM
from core.errors import InvalidInput

MAIL = (
    b"From: Kunde <kunde@example.de>\r\nTo: service@alice-shop.example\r\n"
    b"Subject: Abmeldung\r\nMessage-ID: <stop-1@example.de>\r\n\r\n"
    b"Bitte melden Sie mich von allen Newslettern ab.\r\n"
)


def shown_mails(contact) -> list:
    return [r["mail"] for r in build_bundle_for_contact(contact)["records"] if r["mail"]]


def test_a_mail_handed_in_with_an_entered_request_is_its_evidence(world) -> None:
    """UNSUB-2 by e-mail: the user enters the request and hands in the person's mail."""
    request = contacts.enter_unsubscribe_request(
        world.alice_account,
        "kunde@example.de",
        channel="email",
        received_on=date.today(),
        actor=SYSTEM,
        mail=MAIL,
    )
    assert request_mail(request) == MAIL
    [mail] = shown_mails(world.alice_contact)
    assert mail["received"] and mail["sha256"] == hashlib.sha256(MAIL).hexdigest()
    assert mail["sha256_ok"] and "von allen Newslettern ab" in mail["text"]


def test_an_entered_mail_over_the_limit_is_refused_naming_the_field(world) -> None:
    with pytest.raises(InvalidInput) as refused:
        contacts.enter_unsubscribe_request(
            world.alice_account,
            "kunde@example.de",
            channel="email",
            received_on=date.today(),
            actor=SYSTEM,
            mail=MAIL + b"x" * MAX_KEPT_MAIL_BYTES,
        )
    assert refused.value.details == ["mail"] and "256 KB" in refused.value.message
    world.alice_contact.refresh_from_db()
    assert world.alice_contact.status == "A"  # nothing changed


def test_of_a_large_reply_the_first_256_kb_are_kept_and_the_full_size_is_recorded(
    world,
) -> None:
    """A reply cannot be refused: its start (headers and text) is kept, the rest named."""
    big = MAIL + b"A" * (MAX_KEPT_MAIL_BYTES * 2)
    request = contacts.surface_unsubscribe_request(
        world.alice_account,
        "kunde@example.de",
        received_on=date.today(),
        ref="inbound:7",
        actor=SYSTEM,
        mail=big,
    )
    kept = request_mail(request)
    assert kept == big[:MAX_KEPT_MAIL_BYTES]
    [mail] = shown_mails(world.alice_contact)
    assert (mail["size"], mail["kept_size"]) == (len(big), MAX_KEPT_MAIL_BYTES)
    assert mail["sha256_ok"] and mail["subject"] == "Abmeldung"


def test_a_mail_moved_from_another_request_does_not_open(world) -> None:
    """Each mail is sealed for its own row: a swapped blob shows nothing, never a wrong mail."""
    request = contacts.surface_unsubscribe_request(
        world.alice_account,
        "kunde@example.de",
        received_on=date.today(),
        ref="inbound:8",
        actor=SYSTEM,
        mail=MAIL,
    )
    other = contacts.surface_unsubscribe_request(
        world.alice_account,
        "kunde@example.de",
        received_on=date.today(),
        ref="inbound:9",
        actor=SYSTEM,
        mail=MAIL.replace(b"allen", b"keinen"),
    )
    # A blob sealed for another row does not open on this one.
    type(request).objects.filter(pk=request.pk).update(mail=other.mail)
    assert [m if m == "erased" else m["sha256_ok"] for m in shown_mails(world.alice_contact)] == [
        "erased",
        True,
    ]


def test_another_accounts_requests_never_show_in_a_proof(world) -> None:
    """PRIVACY-2: charlie's request about the same address stays in charlie's account."""
    contacts.surface_unsubscribe_request(
        world.charlie_account,
        "kunde@example.de",
        received_on=date.today(),
        ref="inbound:10",
        actor=SYSTEM,
        mail=MAIL,
    )
    assert shown_mails(world.alice_contact) == []
