"""The contacts pages: table, htmx partial, adding, status (STATUS-2/6), deletion (STATUS-4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from consent.models import EvidenceRecord
from contacts import services
from contacts.models import Contact, Subscription, SubscriptionState
from contacts.rules import Cause, LegalBasis, Status
from contacts.testing import SYSTEM
from web.views import contacts as contacts_views

URL = "/a/alice-shop/contacts/"


def detail_url(contact: Contact) -> str:
    return f"/a/alice-shop/contacts/{contact.pk}/"


class TestContactTable:
    def test_it_lists_alices_contacts_only(self, world: Any) -> None:
        response = world.client_for(world.alice).get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert "kunde@example.de" in html
        assert "client@example.fr" not in html
        assert 'class="badge badge-A"' in html
        assert "Double opt-in" in html

    def test_it_lets_a_member_see_contacts(self, world: Any) -> None:
        response = world.client_for(world.bob).get(URL)
        assert response.status_code == 200
        assert b"kunde@example.de" in response.content

    def test_it_answers_404_to_charlie_privacy_2(self, world: Any) -> None:
        assert world.client_for(world.charlie).get(URL).status_code == 404

    def test_it_redirects_anonymous_to_login(self, world: Any) -> None:
        response = Client().get(URL)
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")

    def test_it_refuses_other_methods(self, world: Any) -> None:
        assert world.client_for(world.alice).delete(URL).status_code == 405

    def test_it_searches_address_and_names(self, world: Any) -> None:
        world.add_contact(world.alice_account, "maria@example.at", first_name="Maria")
        client = world.client_for(world.alice)
        html = client.get(URL, {"q": "mari"}).content.decode()
        assert "maria@example.at" in html
        assert "kunde@example.de" not in html

    def test_it_filters_by_status(self, world: Any) -> None:
        world.add_contact(world.alice_account, "weg@example.de", status=Status.UNSUBSCRIBED)
        html = world.client_for(world.alice).get(URL, {"status": "U"}).content.decode()
        assert "weg@example.de" in html
        assert "kunde@example.de" not in html

    def test_it_ignores_an_unknown_status_filter(self, world: Any) -> None:
        response = world.client_for(world.alice).get(URL, {"status": "X"})
        assert response.status_code == 200
        assert b"kunde@example.de" in response.content

    def test_it_returns_only_the_table_to_htmx(self, world: Any) -> None:
        response = world.client_for(world.alice).get(
            URL, {"q": "kunde"}, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="contacts-table"')
        assert "kunde@example.de" in html
        assert "<html" not in html
        assert "Add a contact" not in html
        assert "HX-Request" in response["Vary"]

    def test_it_returns_the_full_page_for_an_htmx_history_restore(self, world: Any) -> None:
        response = world.client_for(world.alice).get(
            URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
        )
        assert b"<html" in response.content

    def test_it_paginates_and_keeps_the_filter(
        self, world: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(contacts_views, "PAGE_SIZE", 1)
        world.add_contact(world.alice_account, "zweite@example.de")
        client = world.client_for(world.alice)
        first = client.get(URL, {"q": "example.de"}).content.decode()
        assert "zweite@example.de" in first  # newest first
        assert "kunde@example.de" not in first
        assert "?q=example.de&amp;page=2" in first
        second = client.get(URL, {"q": "example.de", "page": 2}).content.decode()
        assert "kunde@example.de" in second


def by_hand(world: Any, address: str, /, **extra: Any) -> dict[str, Any]:
    """The add form filled in completely: a business card, both statements ticked."""
    data = {
        "address": address,
        "source": "business_card",
        "evidence_ref": "Ordner Messe 2026, Karte 14",
        "subscribe_to": world.alice_list.pk,
        "attest_origin": "on",
        "attest_customer_contact": "on",
    }
    data.update(extra)
    return data


class TestAddContact:
    """ACCOUNT-4, CONSENT-1/2: adding by hand is a one-row import, with a warning first."""

    def test_it_warns_before_a_contact_is_added_by_hand(self, world: Any) -> None:
        page = world.client_for(world.alice).get(URL).content.decode()
        assert "Only add someone here if you can prove" in page
        assert "double opt-in" in page
        assert 'name="attest_origin"' in page and 'name="attest_customer_contact"' in page
        assert 'value="double_opt_in"' not in page  # not a source one can claim by hand

    def test_it_adds_a_contact_subscribed_to_the_list(self, verified: Any) -> None:
        response = verified.client_for(verified.alice).post(
            URL, by_hand(verified, "Neu@Example.DE", first_name="Nina", last_name="Neu")
        )
        contact = Contact.objects.get(account=verified.alice_account, address="Neu@example.de")
        assert response.status_code == 302
        assert response.url == detail_url(contact)
        assert contact.status == Status.ACTIVE
        assert contact.legal_basis == LegalBasis.BUSINESS_CARD
        assert (contact.first_name, contact.last_name) == ("Nina", "Neu")
        sub = Subscription.objects.get(contact=contact)
        assert (sub.list, sub.state) == (verified.alice_list, SubscriptionState.CONFIRMED)
        started = EvidenceRecord.objects.get(account=verified.alice_account, kind="import.started")
        assert started.actor == f"user:{verified.alice.pk}"  # STATUS-6: who
        assert started.payload["evidence_ref"] == "Ordner Messe 2026, Karte 14"

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ({"address": "not-an-address"}, "not an email address"),
            ({"address": "kunde@example.de"}, "exists"),
            ({"address": "sales@example.de"}, "role or generic address"),
            ({"evidence_ref": ""}, "written proof"),
            ({"attest_origin": ""}, "This field is required"),
            ({"source": "double_opt_in"}, "Select a valid choice"),
            ({"subscribe_to": ""}, "This field is required"),
        ],
    )
    def test_it_shows_why_nothing_was_added(
        self, verified: Any, extra: dict[str, str], message: str
    ) -> None:
        response = verified.client_for(verified.alice).post(
            URL, by_hand(verified, "x@y.de", **extra)
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        assert Contact.objects.filter(account=verified.alice_account).count() == 1

    def test_it_refuses_charlies_list_privacy_2(self, verified: Any) -> None:
        response = verified.client_for(verified.alice).post(
            URL, by_hand(verified, "neu@example.de", subscribe_to=verified.charlie_list.pk)
        )
        assert response.status_code == 400
        assert not Contact.objects.filter(address="neu@example.de").exists()

    def test_it_rejects_a_post_without_csrf_token(self, world: Any) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.alice)
        response = client.post(URL, by_hand(world, "neu@example.de"))
        assert response.status_code == 403
        assert not Contact.objects.filter(address="neu@example.de").exists()


class TestContactDetail:
    def test_it_shows_subscriptions_and_status_history(self, world: Any) -> None:
        services.change_status(
            world.alice_contact, Status.BOUNCED, actor=SYSTEM, cause=Cause.USER, ref="ticket 7"
        )
        response = world.client_for(world.alice).get(detail_url(world.alice_contact))
        html = response.content.decode()
        assert response.status_code == 200
        assert "kunde@example.de" in html
        assert "Newsletter" in html
        assert "pill-confirmed" in html
        assert "Created" in html and "Status changed" in html
        assert "<b>A</b> → <b>B</b>" in html
        assert "ticket 7" in html

    def test_it_lets_a_member_see_a_contact(self, world: Any) -> None:
        assert world.client_for(world.bob).get(detail_url(world.alice_contact)).status_code == 200

    def test_it_answers_404_for_another_accounts_contact_privacy_2(self, world: Any) -> None:
        charlie = world.client_for(world.charlie)
        assert charlie.get(detail_url(world.alice_contact)).status_code == 404
        # Nor through his own account's URL with alice's contact id.
        own = f"/a/charlie-co/contacts/{world.alice_contact.pk}/"
        assert charlie.get(own).status_code == 404

    def test_it_redirects_anonymous_to_login(self, world: Any) -> None:
        assert Client().get(detail_url(world.alice_contact)).status_code == 302

    def test_it_is_get_only(self, world: Any) -> None:
        client = world.client_for(world.alice)
        assert client.post(detail_url(world.alice_contact)).status_code == 405


class TestChangeStatus:
    def test_it_records_an_unsubscribe_entered_by_a_user_unsub_2(self, world: Any) -> None:
        contact = world.alice_contact
        response = world.client_for(world.bob).post(
            f"{detail_url(contact)}status/", {"status": "U", "ref": "phone call"}, follow=True
        )
        contact.refresh_from_db()
        assert contact.status == Status.UNSUBSCRIBED
        assert "Status is now Unsubscribed." in response.content.decode()
        record = EvidenceRecord.objects.filter(contact=contact, kind="status.changed").get()
        assert record.payload == {"from": "A", "to": "U", "cause": "user", "ref": "phone call"}
        assert record.actor == f"user:{world.bob.pk}"

    def test_it_shows_the_rules_reason_for_u_to_a_status_2(self, world: Any) -> None:
        contact = world.add_contact(world.alice_account, "weg@example.de", status="U")
        response = world.client_for(world.alice).post(
            f"{detail_url(contact)}status/", {"status": "A"}
        )
        assert response.status_code == 400
        assert "only a confirmed double opt-in makes a contact active again" in (
            response.content.decode()
        )
        contact.refresh_from_db()
        assert contact.status == Status.UNSUBSCRIBED

    def test_it_records_an_operator_as_the_cause_status_6(self, world: Any) -> None:
        world.client_for(world.operator).post(
            f"{detail_url(world.alice_contact)}status/", {"status": "B"}
        )
        record = EvidenceRecord.objects.get(contact=world.alice_contact, kind="status.changed")
        assert record.payload["cause"] == "operator"
        assert record.actor == f"operator:{world.operator.pk}"

    def test_it_shows_the_reason_on_a_deleted_contact_status_4(self, world: Any) -> None:
        services.delete_contact(world.alice_contact, actor=SYSTEM)
        response = world.client_for(world.alice).post(
            f"{detail_url(world.alice_contact)}status/", {"status": "U"}
        )
        assert response.status_code == 400
        assert "a deleted contact returns only through a new confirmed signup" in (
            response.content.decode()
        )

    def test_it_refuses_an_unknown_status_as_a_form_error(self, world: Any) -> None:
        response = world.client_for(world.alice).post(
            f"{detail_url(world.alice_contact)}status/", {"status": "D"}
        )
        assert response.status_code == 400
        world.alice_contact.refresh_from_db()
        assert world.alice_contact.status == Status.ACTIVE

    def test_it_is_post_only(self, world: Any) -> None:
        response = world.client_for(world.alice).get(f"{detail_url(world.alice_contact)}status/")
        assert response.status_code == 405

    def test_it_answers_404_to_charlie_privacy_2(self, world: Any) -> None:
        response = world.client_for(world.charlie).post(
            f"{detail_url(world.alice_contact)}status/", {"status": "U"}
        )
        assert response.status_code == 404
        world.alice_contact.refresh_from_db()
        assert world.alice_contact.status == Status.ACTIVE


class TestDeleteContact:
    def test_it_erases_the_address_status_4(self, world: Any) -> None:
        contact = world.alice_contact
        client = world.client_for(world.alice)
        response = client.post(f"{detail_url(contact)}delete/")
        assert response.status_code == 302
        assert response.url == detail_url(contact)
        contact.refresh_from_db()
        assert contact.status == Status.DELETED
        assert (contact.address, contact.first_name, contact.last_name) == ("", "", "")
        page = client.get(detail_url(contact)).content.decode()
        assert "kunde@example.de" not in page
        assert "Erased contact" in page
        assert "kunde@example.de" not in client.get(URL).content.decode()

    def test_it_asks_for_confirmation_before_the_real_button(self, world: Any) -> None:
        html = world.client_for(world.alice).get(detail_url(world.alice_contact)).content.decode()
        assert '<details class="confirm">' in html
        assert f'action="{detail_url(world.alice_contact)}delete/"' in html

    def test_it_is_post_only(self, world: Any) -> None:
        response = world.client_for(world.alice).get(f"{detail_url(world.alice_contact)}delete/")
        assert response.status_code == 405

    def test_it_answers_404_to_charlie_privacy_2(self, world: Any) -> None:
        response = world.client_for(world.charlie).post(f"{detail_url(world.alice_contact)}delete/")
        assert response.status_code == 404
        world.alice_contact.refresh_from_db()
        assert world.alice_contact.address == "kunde@example.de"


def test_it_gives_the_account_the_proof_bundle_of_a_contact(world) -> None:
    """CONSENT-3: the account gets every evidence record at once; charlie gets 404."""
    from django.urls import reverse

    url = reverse("web:contact_proof", args=["alice-shop", world.alice_contact.pk])
    page = world.client_for(world.bob).get(url)
    assert page.status_code == 200
    assert b"kunde@example.de" in page.content and b"hash verified" in page.content
    data = world.client_for(world.alice).get(url, {"format": "json"}).json()
    assert [r["kind"] for r in data["records"]] == ["contact.created", "subscription.changed"]
    assert world.client_for(world.charlie).get(url).status_code == 404
    other = reverse("web:contact_proof", args=["charlie-co", world.alice_contact.pk])
    assert world.client_for(world.charlie).get(other).status_code == 404
    assert world.client_for(world.alice).post(url).status_code == 405
