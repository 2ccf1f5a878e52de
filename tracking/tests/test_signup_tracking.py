"""CONSENT-4: the optional, separate tracking consent of a signup form: a versioned text,
recorded with the signup, switched on by the confirmation and shown in the proof."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from consent import doi, tracking
from consent.proof import build_bundle, render_bundle_html
from consent.tests.test_doi import confirm_link, post_signup, sent_mails
from contacts.models import Contact
from contacts.testing import SYSTEM

pytestmark = pytest.mark.django_db

TEXT = "Ja, Öffnungen und Klicks dürfen gezählt werden."


@pytest.fixture
def asking_form(world: Any):
    return doi.create_form(world.alice_list, actor=SYSTEM, name="Website", tracking_text=TEXT)


def test_it_asks_only_where_the_form_has_a_tracking_text(world, client) -> None:
    plain = doi.create_form(world.alice_list, actor=SYSTEM, name="Plain")
    assert 'name="tracking"' not in client.get(f"/f/{plain.public_id}/").content.decode()
    asking = doi.create_form(world.alice_list, actor=SYSTEM, tracking_text=TEXT)
    page = client.get(f"/f/{asking.public_id}/").content.decode()
    assert 'name="tracking"' in page and TEXT in page
    tracking.set_tracking_text(asking, "", actor=SYSTEM)  # the form stops asking
    assert 'name="tracking"' not in client.get(f"/f/{asking.public_id}/").content.decode()


def test_a_ticked_box_switches_tracking_on_at_confirmation_with_its_wording_in_the_proof(
    world, client, asking_form
) -> None:
    post_signup(client, asking_form, "ja@example.de", tracking="yes")
    contact = Contact.objects.get(address="ja@example.de")
    assert not contact.tracking_consent  # not before the confirmation
    client.post(confirm_link(sent_mails()[0]))
    contact.refresh_from_db()
    assert (contact.tracking_consent, contact.tracking_basis) == (True, "signup_form")
    bundle = build_bundle(world.alice_account, "ja@example.de")
    assert bundle["contact"]["tracking_consent"] is True
    records = {r["kind"]: r for r in bundle["records"]}
    assert records["tracking.consented"]["wording"]["text"] == TEXT
    wording_id = records["signup.submitted"]["facts"]["tracking_wording"]
    assert wording_id == tracking.tracking_wording(asking_form).pk
    with translation.override("de"):
        page = render_bundle_html(bundle)
    assert "ja, im Anmeldeformular zugestimmt" in page and TEXT in page


def test_a_signup_without_the_tick_subscribes_untracked(world, client, asking_form) -> None:
    post_signup(client, asking_form, "nein@example.de")
    client.post(confirm_link(sent_mails()[0]))
    contact = Contact.objects.get(address="nein@example.de")
    assert contact.status == "A" and not contact.tracking_consent
    kinds = [r["kind"] for r in build_bundle(world.alice_account, "nein@example.de")["records"]]
    assert "tracking.consented" not in kinds
