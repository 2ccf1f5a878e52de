"""CONSENT-6: an "unsubscribe me" reply is kept, sealed, as the evidence of its request and
shown in the proof of the person it is about."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from consent.models import EvidenceRecord
from consent.proof import build_bundle_for_contact, render_bundle_html
from contacts import services as contacts
from contacts.models import UnsubscribeRequest
from contacts.rules import Cause, Status
from contacts.selectors import request_mail
from contacts.testing import SYSTEM, Personas
from domains.testing import TestDnsServer, verify_domain

from .test_inbound import deliver

MESSAGES = Path(__file__).parent / "messages"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_domain(world: Personas, dns_server: TestDnsServer) -> Any:
    return verify_domain(world.alice_account, "news.example.com", dns_server)


def mail_records(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in bundle["records"] if r["mail"]]


def test_the_reply_is_kept_sealed_with_its_request_and_shown_in_the_proof(
    world: Personas, alice_domain: Any, inbound: Controller
) -> None:
    raw = (MESSAGES / "reply_de.eml").read_bytes()
    assert deliver(inbound, "reply_de.eml")[0] == 250
    request = UnsubscribeRequest.objects.get(account=world.alice_account)
    assert request_mail(request) == raw
    assert b"abmelden" not in bytes(request.mail) and b"kunde@example.de" not in bytes(request.mail)
    record = EvidenceRecord.objects.get(kind="unsubscribe_request.received")
    assert record.payload["mail"] == {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
        "kept": len(raw),
    }
    contacts.complete_unsubscribe_request(request, actor=SYSTEM)
    bundle = build_bundle_for_contact(world.alice_contact)
    [shown] = mail_records(bundle)
    assert shown["kind"] == "unsubscribe_request.received" and shown["mail"]["received"]
    assert shown["mail"]["sha256_ok"] and shown["mail"]["subject"].startswith("AW: Herbst")
    assert "ich möchte mich abmelden" in shown["mail"]["text"]
    assert "Message-ID: <reply-1@example.de>" in shown["mail"]["source"]
    html = render_bundle_html(bundle)
    assert "Unsubscribe mail as received" in html and "ich möchte mich abmelden" in html


def test_a_reply_from_an_address_not_yet_known_joins_the_proof_of_its_new_contact(
    world: Personas, alice_domain: Any, inbound: Controller
) -> None:
    """The request waits without a contact; confirmed, it makes the U contact whose proof
    starts with the mail that asked for it."""
    deliver(inbound, "reply_fr.eml", sender="marie@example.fr")
    request = UnsubscribeRequest.objects.get(account=world.alice_account)
    assert request.contact is None
    done = contacts.complete_unsubscribe_request(request, actor=SYSTEM)
    contact = done.contact
    assert contact is not None
    bundle = build_bundle_for_contact(contact)
    [shown] = mail_records(bundle)
    assert "je ne veux plus recevoir" in shown["mail"]["text"] and shown["mail"]["sha256_ok"]
    kinds = [r["kind"] for r in bundle["records"]]
    assert kinds[0] == "unsubscribe_request.received" and "unsubscribe_request.done" in kinds
    assert not mail_records(build_bundle_for_contact(world.alice_contact))


def test_erasing_the_contact_erases_the_kept_mail_of_its_requests(
    world: Personas, alice_domain: Any, inbound: Controller
) -> None:
    """STATUS-4: matched or not, a request about the erased address keeps no mail."""
    deliver(inbound, "reply_de.eml")
    deliver(inbound, "reply_fr.eml", sender="marie@example.fr")
    marie = contacts.create_contact(
        world.alice_account,
        "marie@example.fr",
        actor=SYSTEM,
        cause=Cause.USER,
        status=Status.UNSUBSCRIBED,
    )
    contacts.delete_contact(world.alice_contact, actor=SYSTEM)
    contacts.delete_contact(marie, actor=SYSTEM)
    assert list(UnsubscribeRequest.objects.values_list("mail", "address")) == [
        (None, ""),
        (None, ""),
    ]
    for contact in (world.alice_contact, marie):
        contact.refresh_from_db()
        shown = [r for r in build_bundle_for_contact(contact)["records"] if r["mail"]]
        assert [r["mail"] for r in shown] == ["erased"]
