"""Signing in and out, landing in the right account, and the navigation shell."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as accounts
from contacts.testing import PASSWORD


class TestLogin:
    def test_it_shows_the_login_page(self, db: Any) -> None:
        response = Client().get(reverse("web:login"))
        assert response.status_code == 200
        assert b'name="username"' in response.content
        assert b"csrfmiddlewaretoken" in response.content

    def test_it_signs_alice_in_and_lands_her_in_her_account(self, world: Any) -> None:
        client = Client()
        response = client.post(
            reverse("web:login"), {"username": "alice", "password": PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/a/alice-shop/"
        assert b'id="mailable-count"' in response.content

    def test_it_refuses_a_wrong_password(self, world: Any) -> None:
        response = Client().post(reverse("web:login"), {"username": "alice", "password": "nope"})
        assert response.status_code == 200
        assert b"form-error" in response.content
        assert "_auth_user_id" not in response.client.session

    def test_it_logs_out_by_post_only(self, world: Any) -> None:
        client = world.client_for(world.alice)
        assert client.get(reverse("web:logout")).status_code == 405
        response = client.post(reverse("web:logout"))
        assert response.status_code == 302
        assert response.url == reverse("web:login")
        assert client.get(reverse("web:home")).status_code == 302  # signed out


class TestHome:
    def test_it_redirects_anonymous_to_login(self, db: Any) -> None:
        response = Client().get(reverse("web:home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("web:login"))

    def test_it_sends_a_one_account_user_to_that_account(self, world: Any) -> None:
        response = world.client_for(world.bob).get(reverse("web:home"))
        assert response.status_code == 302
        assert response.url == "/a/alice-shop/"

    def test_it_shows_a_picker_to_a_user_of_several_accounts(self, world: Any) -> None:
        accounts.create_account("Alice Outlet", slug="alice-outlet", owner=world.alice)
        response = world.client_for(world.alice).get(reverse("web:home"))
        assert response.status_code == 200
        assert b"/a/alice-shop/" in response.content
        assert b"/a/alice-outlet/" in response.content
        assert b"/a/charlie-co/" not in response.content

    def test_it_shows_the_picker_on_request(self, world: Any) -> None:
        response = world.client_for(world.bob).get(reverse("web:home"), {"all": "1"})
        assert response.status_code == 200
        assert b"/a/alice-shop/" in response.content

    def test_it_tells_a_user_without_account_what_to_do(self, world: Any) -> None:
        loner = accounts.create_user("dora", PASSWORD)
        response = world.client_for(loner).get(reverse("web:home"))
        assert response.status_code == 200
        assert b"do not belong to any account" in response.content

    def test_it_sends_operators_to_their_dashboard(self, world: Any) -> None:
        response = world.client_for(world.operator).get(reverse("web:home"))
        assert response.status_code == 302 and response["Location"] == "/console/"

    def test_it_shows_operators_every_account(self, world: Any) -> None:
        response = world.client_for(world.operator).get(reverse("web:home"), {"all": "1"})
        assert response.status_code == 200
        assert b"/a/alice-shop/" in response.content
        assert b"/a/charlie-co/" in response.content

    def test_it_is_get_only(self, world: Any) -> None:
        assert world.client_for(world.alice).post(reverse("web:home")).status_code == 405


class TestAccountShell:
    def test_the_account_root_is_its_dashboard(self, world: Any) -> None:
        response = world.client_for(world.alice).get("/a/alice-shop/")
        assert response.status_code == 200
        assert 'aria-current="page">Dashboard</a>' in response.content.decode()

    @pytest.mark.parametrize("slug", ["alice-shop", "no-such-account"])
    def test_it_answers_404_for_an_account_charlie_is_not_in_privacy_2(
        self, world: Any, slug: str
    ) -> None:
        assert world.client_for(world.charlie).get(f"/a/{slug}/").status_code == 404

    def test_it_shows_owners_the_api_keys_link_and_hides_admin(self, world: Any) -> None:
        html = world.client_for(world.alice).get("/a/alice-shop/contacts/").content.decode()
        assert "/a/alice-shop/api-keys/" in html
        assert reverse("admin:index") not in html
        assert "Alice Shop" in html  # the account worked in
        assert reverse("web:logout") in html

    def test_it_hides_api_keys_from_members(self, world: Any) -> None:
        html = world.client_for(world.bob).get("/a/alice-shop/contacts/").content.decode()
        assert "/a/alice-shop/api-keys/" not in html
        assert "/a/alice-shop/lists/" in html

    def test_it_shows_operators_the_admin_link(self, world: Any) -> None:
        html = world.client_for(world.operator).get("/a/alice-shop/contacts/").content.decode()
        assert reverse("admin:index") in html
        assert "/a/alice-shop/api-keys/" in html

    def test_it_offers_the_users_other_accounts_in_the_switcher(self, world: Any) -> None:
        accounts.create_account("Alice Outlet", slug="alice-outlet", owner=world.alice)
        html = world.client_for(world.alice).get("/a/alice-shop/contacts/").content.decode()
        assert "/a/alice-outlet/" in html
        assert "/a/charlie-co/" not in html
