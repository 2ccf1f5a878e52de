"""CONSENT-7: the confirmation mail of a double opt-in, as sent, is part of the evidence,
sealed like other personal data, and shown in the proof bundle."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.urls import reverse

from consent import doi
from consent.models import Confirmation, EvidenceRecord
from consent.proof import build_bundle_for_contact, render_bundle_html
from consent.selectors import readable_personal
from contacts import services as contacts
from contacts.models import Contact
from contacts.testing import SYSTEM
from core.actors import Actor

from .test_doi import confirm_link, post_signup, sent_mails


@pytest.fixture
def signup_form(world: Any):
    return doi.create_form(world.alice_list, actor=SYSTEM, name="Website")


def sent_record(contact: Contact) -> EvidenceRecord:
    return EvidenceRecord.objects.get(contact=contact, kind=doi.CONFIRMATION_SENT)


def test_it_keeps_the_mail_byte_for_byte_as_the_relay_received_it(
    world, client, signup_form, smtp_server, settings
) -> None:
    """CONSENT-7: what the SMTP server got is what the evidence holds, envelope included."""
    settings.SMTP_URL = smtp_server.url()
    post_signup(client, signup_form, "relay@example.de")
    [received] = smtp_server.messages
    contact = Contact.objects.get(address="relay@example.de")
    record = sent_record(contact)
    assert record.payload["sha256"] == hashlib.sha256(received.raw).hexdigest()
    assert record.payload["size"] == len(received.raw)
    assert record.payload["message_id"] == received.parsed()["Message-ID"]
    assert record.payload["response"].startswith("250")
    [mail] = [r["mail"] for r in build_bundle_for_contact(contact)["records"] if r["mail"]]
    assert mail["source"].encode() == received.raw.replace(b"\r\n", b"\n")
    assert mail["sha256_ok"] and mail["rcpt_to"] == received.rcpt_tos
    assert mail["mail_from"] == received.mail_from


def test_the_mail_is_sealed_with_the_contacts_key_not_stored_in_clear(
    world, client, signup_form
) -> None:
    """CONSENT-7: the address and the confirmation link never sit readable in the ledger."""
    post_signup(client, signup_form, "versiegelt@example.de")
    record = sent_record(Contact.objects.get(address="versiegelt@example.de"))
    link = confirm_link(sent_mails()[0]).encode()
    sealed = bytes(record.sealed or b"")
    assert sealed and b"versiegelt" not in sealed and link not in sealed
    assert "versiegelt" not in str(record.payload)
    # The pending copy is gone once the mail is handed over: the evidence keeps it.
    assert Confirmation.objects.get().sealed_mail is None


def test_the_proof_shows_the_mail_as_a_page_and_as_data(world, client, signup_form) -> None:
    """CONSENT-3/7: subject, text with the consent wording and the link, the full source."""
    post_signup(client, signup_form, "beweis@example.de")
    mail = sent_mails()[0]
    client.post(confirm_link(mail))
    contact = Contact.objects.get(address="beweis@example.de")
    bundle = build_bundle_for_contact(contact)
    kinds = [r["kind"] for r in bundle["records"]]
    assert kinds.index("signup.submitted") < kinds.index(doi.CONFIRMATION_SENT)
    assert kinds.index(doi.CONFIRMATION_SENT) < kinds.index("signup.confirmed")
    [shown] = [r for r in bundle["records"] if r["mail"]]
    assert shown["mail"]["subject"] == mail["Subject"]
    assert "Ja, ich möchte den Newsletter" in shown["mail"]["text"]
    assert confirm_link(mail) in shown["mail"]["text"]
    assert f"Message-ID: {mail['Message-ID']}" in shown["mail"]["source"]
    assert "raw" not in str(shown["personal"])  # shown as a mail, not as a field
    client.force_login(world.alice)
    url = reverse("web:contact_proof", args=["alice-shop", contact.pk])
    page = client.get(url).content.decode()
    assert "Confirmation mail as sent" in page and mail["Subject"] in page
    assert "the mail has the SHA-256 its record names" in page
    data = client.get(url, {"format": "json"}).json()
    assert [r["mail"]["sha256_ok"] for r in data["records"] if r["mail"]] == [True]
    client.force_login(world.charlie)
    assert client.get(url).status_code == 404


def test_erasing_the_contact_makes_the_kept_mail_unreadable(world, client, signup_form) -> None:
    """STATUS-4: the sealed mail stays in the chain but nobody can read it any more."""
    post_signup(client, signup_form, "weg@example.de")
    contact = Contact.objects.get(address="weg@example.de")
    contact = contacts.delete_contact(contact, actor=SYSTEM)
    record = sent_record(contact)
    assert record.sealed and readable_personal([record]) == [None]
    bundle = build_bundle_for_contact(contact)
    [shown] = [r for r in bundle["records"] if r["kind"] == doi.CONFIRMATION_SENT]
    assert shown["personal"] == "erased" and shown["mail"] == "erased" and shown["hash_ok"]
    assert "weg@example.de" not in render_bundle_html(bundle)


def test_a_refused_mail_is_no_sent_mail(world, client, signup_form, smtp_server, settings) -> None:
    """Only a mail the relay accepted is evidence of what the person received."""
    settings.SMTP_URL = smtp_server.url()
    smtp_server.refuse_recipient("nein@example.de", "550 5.1.1 no such user")
    post_signup(client, signup_form, "nein@example.de")
    contact = Contact.objects.get(address="nein@example.de")
    assert not EvidenceRecord.objects.filter(contact=contact, kind=doi.CONFIRMATION_SENT).exists()
    assert Confirmation.objects.get().send_error.startswith("550")


def test_a_mail_sent_after_its_contact_was_erased_keeps_only_its_facts(
    world, client, signup_form, settings
) -> None:
    """STATUS-4: a hand-over that finishes after an erasure makes no new key for the address."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    post_signup(client, signup_form, "spaet@example.de")
    confirmation = Confirmation.objects.get()
    recipient, raw = doi.pending_mail(confirmation) or ("", b"")
    doi.expire_pending(now=confirmation.expires_at)
    contact = Contact.objects.get(pk=confirmation.contact_id)
    assert contact.status == "D"
    from carrier.transports import OutboundMessage

    doi.mark_sent(
        confirmation.pk,
        sent=OutboundMessage(mail_from="x@example.org", rcpt_to=(recipient,), raw=raw),
        response="250 ok",
    )
    record = sent_record(contact)
    assert record.sealed is None and record.payload["sha256"] == hashlib.sha256(raw).hexdigest()
    assert record.actor == Actor.system("confirmation").label
