"""The unsubscribe-requests page (UNSUB-2/3): enter, see deadlines, handle open ones."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client
from django.utils import timezone

from contacts import services
from contacts.models import RequestState, UnsubscribeRequest
from contacts.rules import Status
from contacts.testing import SYSTEM, Personas

URL = "/a/alice-shop/unsubscribe-requests/"


def surface(world: Personas, address: str, received_on: date, ref: str) -> UnsubscribeRequest:
    return services.surface_unsubscribe_request(
        world.alice_account, address, received_on=received_on, ref=ref, actor=SYSTEM
    )


class TestPage:
    def test_it_lists_open_requests_by_deadline_with_overdue_ones_marked(
        self, world: Personas
    ) -> None:
        today = timezone.localdate()
        surface(world, "spaet@example.de", today - timedelta(days=30), "r1")
        surface(world, "frisch@example.de", today, "r2")
        services.surface_unsubscribe_request(
            world.charlie_account, "x@example.fr", received_on=today, ref="r3", actor=SYSTEM
        )
        response = world.client_for(world.bob).get(URL)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.index("spaet@example.de") < html.index("frisch@example.de")
        assert 'data-urgency="overdue"' in html and 'id="overdue-count">1 overdue' in html
        assert "x@example.fr" not in html
        assert 'aria-current="page">Unsubscribes' in html
        # UNSUB-2: every page of the account warns of the requests due by tomorrow.
        contacts_page = world.client_for(world.bob).get("/a/alice-shop/contacts/").content.decode()
        assert 'id="unsubscribes-due"' in contacts_page and ">1</span>" in contacts_page

    def test_unsub_002_a_user_enters_a_phone_request_and_it_takes_effect(
        self, world: Personas
    ) -> None:
        bob = world.client_for(world.bob)
        response = bob.post(
            URL,
            {
                "address": "kunde@example.de",
                "channel": "phone",
                "received_on": timezone.localdate().isoformat(),
                "note": "Anruf",
            },
        )
        assert response.status_code == 302
        world.alice_contact.refresh_from_db()
        assert world.alice_contact.status == Status.UNSUBSCRIBED
        page = bob.get(URL).content.decode()
        assert "kunde@example.de is unsubscribed from every list of the account." in page
        assert 'id="closed-requests"' in page

    def test_bad_input_is_shown_on_the_form(self, world: Personas) -> None:
        response = world.client_for(world.alice).post(
            URL,
            {"address": "nobody", "channel": "phone", "received_on": "2026-11-30"},
        )
        assert response.status_code == 400
        assert "not an email address" in response.content.decode()
        assert not UnsubscribeRequest.objects.exists()

    def test_open_requests_are_confirmed_or_dismissed(self, world: Personas) -> None:
        first = surface(world, "kunde@example.de", timezone.localdate(), "r1")
        second = surface(world, "other@example.de", timezone.localdate(), "r2")
        alice = world.client_for(world.alice)
        assert alice.post(f"{URL}{first.pk}/complete/").status_code == 302
        assert alice.post(f"{URL}{second.pk}/dismiss/", {"note": "no"}).status_code == 302
        first.refresh_from_db()
        second.refresh_from_db()
        world.alice_contact.refresh_from_db()
        assert (first.state, second.state) == (RequestState.DONE, RequestState.DISMISSED)
        assert world.alice_contact.status == Status.UNSUBSCRIBED
        assert alice.post(f"{URL}{first.pk}/explode/").status_code == 404

    def test_charlie_gets_404_privacy_2(self, world: Personas) -> None:
        item = surface(world, "kunde@example.de", timezone.localdate(), "r1")
        charlie = world.client_for(world.charlie)
        assert charlie.get(URL).status_code == 404
        assert charlie.post(f"{URL}{item.pk}/complete/").status_code == 404
        item.refresh_from_db()
        assert item.state == RequestState.OPEN

    def test_wrong_methods_and_anonymous(self, world: Personas) -> None:
        item = surface(world, "kunde@example.de", timezone.localdate(), "r1")
        alice = world.client_for(world.alice)
        assert alice.put(URL).status_code == 405
        assert alice.get(f"{URL}{item.pk}/complete/").status_code == 405
        assert Client().get(URL).status_code == 302


class TestMailEvidence:
    """CONSENT-6: a request by e-mail keeps the person's mail as its evidence."""

    MAIL = b"From: kunde@example.de\r\nSubject: Abmeldung\r\n\r\nBitte abmelden.\r\n"

    def post(self, world: Personas, mail: bytes) -> object:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return world.client_for(world.bob).post(
            URL,
            {
                "address": "kunde@example.de",
                "channel": "email",
                "received_on": timezone.localdate().isoformat(),
                "mail": SimpleUploadedFile("abmeldung.eml", mail, "message/rfc822"),
            },
        )

    def test_the_uploaded_mail_is_kept_and_shown_in_the_proof(self, world: Personas) -> None:
        from contacts.selectors import request_mail

        assert self.post(world, self.MAIL).status_code == 302
        assert request_mail(UnsubscribeRequest.objects.get()) == self.MAIL
        proof = world.client_for(world.bob).get(
            f"/a/alice-shop/contacts/{world.alice_contact.pk}/proof/"
        )
        assert "Unsubscribe mail as received" in proof.content.decode()
        assert "Bitte abmelden." in proof.content.decode()

    def test_a_mail_over_256_kb_is_refused_on_the_form(self, world: Personas) -> None:
        response = self.post(world, self.MAIL + b"x" * 262_144)
        assert response.status_code == 400
        assert "larger than 256 KB" in response.content.decode()
        assert not UnsubscribeRequest.objects.exists()
