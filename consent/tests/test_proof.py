"""Proof on demand (CONSENT-3): every record of an address, as JSON and as a page."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consent.proof import build_bundle
from contacts import services
from contacts.models import SubscriptionState
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM
from core.actors import Actor


def test_the_bundle_holds_every_record_with_its_personal_data(world) -> None:
    visitor = Actor("public", "form:3", "203.0.113.7", "Mozilla/5.0 (X11)")
    services.change_status(
        world.alice_contact,
        Status.UNSUBSCRIBED,
        actor=visitor,
        cause=Cause.UNSUBSCRIBE_LINK,
        ref="campaign:12",
    )
    bundle = build_bundle(world.alice_account, "Kunde@Example.DE".replace("Kunde", "kunde"))
    assert bundle["contact"]["status"] == "U"
    kinds = [r["kind"] for r in bundle["records"]]
    assert kinds == ["contact.created", "subscription.changed", "status.changed"]
    first, last = bundle["records"][0], bundle["records"][-1]
    assert first["personal"]["address"] == "kunde@example.de"
    assert last["personal"] == {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (X11)"}
    assert last["facts"]["ref"] == "campaign:12" and last["actor"] == "public:form:3"
    assert all(r["hash_ok"] for r in bundle["records"])


def test_the_bundle_of_hundreds_of_records_takes_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
) -> None:
    """Well under a second for hundreds of records: no query per record."""
    contact = world.alice_contact
    for n in range(150):
        state = SubscriptionState.CONFIRMED if n % 2 else SubscriptionState.UNSUBSCRIBED
        services.set_subscription(contact, world.alice_list, state, actor=SYSTEM, ref=f"n{n}")
    for n in range(3):  # unsubscribe mails (CONSENT-6): two queries, however many
        services.surface_unsubscribe_request(
            world.alice_account,
            "kunde@example.de",
            received_on=date.today(),
            ref=f"inbound:{n}",
            actor=SYSTEM,
            mail=b"Subject: stop\r\n\r\nPlease unsubscribe me.\r\n",
        )
    with django_assert_max_num_queries(8):
        bundle = build_bundle(world.alice_account, "kunde@example.de")
    assert len(bundle["records"]) == 155


def test_the_command_prints_json_and_html(world, capsys, tmp_path) -> None:
    call_command("proof", "alice-shop", "kunde@example.de", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["address"] == "kunde@example.de" and data["records"]
    out = tmp_path / "proof.html"
    call_command("proof", "alice-shop", "kunde@example.de", "--format", "html", "-o", str(out))
    html = out.read_text()
    assert "Proof of consent" in html and "kunde@example.de" in html and "hash verified" in html


def test_the_command_refuses_an_address_of_another_account(world) -> None:
    """PRIVACY-2: charlie's account has no such contact, whatever alice holds."""
    with pytest.raises(CommandError, match="no contact"):
        call_command("proof", "charlie-co", "kunde@example.de")


def test_the_admin_page_shows_the_bundle_to_operators_only(world) -> None:
    from django.urls import reverse

    url = reverse("admin:consent_proof")
    query = {"account": "alice-shop", "address": "kunde@example.de", "format": "html"}
    response = world.client_for(world.operator).get(url, query)
    assert response.status_code == 200 and b"kunde@example.de" in response.content
    as_json = world.client_for(world.operator).get(url, {**query, "format": "json"})
    assert as_json.json()["contact"]["id"] == world.alice_contact.pk
    per_contact = reverse("admin:consent_proof_contact", args=[world.alice_contact.pk])
    assert b"hash verified" in world.client_for(world.operator).get(per_contact).content
    assert world.client_for(world.alice).get(url, query).status_code == 302  # not staff: to login
