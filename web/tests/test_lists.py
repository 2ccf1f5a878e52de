"""The lists pages: confirmed-subscriber counts, creating a list, one list's contacts."""

from __future__ import annotations

from typing import Any

from django.test import Client

from contacts import services
from contacts.models import List, SubscriptionState
from contacts.testing import SYSTEM

URL = "/a/alice-shop/lists/"


class TestListsPage:
    def test_it_counts_confirmed_subscribers_only(self, world: Any) -> None:
        pending = world.add_contact(world.alice_account, "wartet@example.de")
        services.set_subscription(
            pending, world.alice_list, SubscriptionState.PENDING, actor=SYSTEM
        )
        response = world.client_for(world.alice).get(URL)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Newsletter" in html
        assert '<td class="num">1</td>' in html
        assert "News</a>" not in html  # charlie's list

    def test_it_lets_a_member_see_lists(self, world: Any) -> None:
        assert world.client_for(world.bob).get(URL).status_code == 200

    def test_it_answers_404_to_charlie_privacy_2(self, world: Any) -> None:
        assert world.client_for(world.charlie).get(URL).status_code == 404

    def test_it_redirects_anonymous_to_login(self, world: Any) -> None:
        assert Client().get(URL).status_code == 302

    def test_it_creates_a_list(self, world: Any) -> None:
        response = world.client_for(world.alice).post(
            URL, {"name": "Angebote", "language": "fr", "description": "Monatlich"}
        )
        lst = List.objects.get(account=world.alice_account, name="Angebote")
        assert response.status_code == 302
        assert response.url == f"{URL}{lst.pk}/"
        assert (lst.language, lst.description) == ("fr", "Monatlich")

    def test_it_shows_a_duplicate_name_as_a_form_error(self, world: Any) -> None:
        response = world.client_for(world.alice).post(URL, {"name": "Newsletter", "language": "de"})
        assert response.status_code == 400
        assert "a list named &#x27;Newsletter&#x27; exists" in response.content.decode()

    def test_it_refuses_an_unknown_language(self, world: Any) -> None:
        response = world.client_for(world.alice).post(URL, {"name": "X", "language": "it"})
        assert response.status_code == 400
        assert not List.objects.filter(name="X").exists()

    def test_it_refuses_other_methods(self, world: Any) -> None:
        assert world.client_for(world.alice).put(URL).status_code == 405


class TestListDetail:
    def url(self, world: Any) -> str:
        return f"{URL}{world.alice_list.pk}/"

    def test_it_shows_the_lists_contacts(self, world: Any) -> None:
        response = world.client_for(world.alice).get(self.url(world))
        html = response.content.decode()
        assert response.status_code == 200
        assert "kunde@example.de" in html
        assert "pill-confirmed" in html
        assert "1 confirmed subscriber" in html

    def test_it_lets_a_member_see_a_list(self, world: Any) -> None:
        assert world.client_for(world.bob).get(self.url(world)).status_code == 200

    def test_it_answers_404_for_another_accounts_list_privacy_2(self, world: Any) -> None:
        charlie = world.client_for(world.charlie)
        assert charlie.get(self.url(world)).status_code == 404
        assert charlie.get(f"/a/charlie-co/lists/{world.alice_list.pk}/").status_code == 404

    def test_it_is_get_only(self, world: Any) -> None:
        assert world.client_for(world.alice).post(self.url(world)).status_code == 405
