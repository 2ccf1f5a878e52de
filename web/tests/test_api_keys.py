"""API keys: owners and operators manage them (ACCOUNT-2); the plain key is shown once."""

from __future__ import annotations

from typing import Any

from django.test import Client

from accounts import services
from accounts.models import ApiKey
from accounts.selectors import account_for_api_key

URL = "/a/alice-shop/api-keys/"


class TestApiKeysPage:
    def test_it_creates_a_key_and_shows_it_exactly_once(self, world: Any) -> None:
        client = world.client_for(world.alice)
        response = client.post(URL, {"name": "shop backend"})
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        key = ApiKey.objects.get(account=world.alice_account)
        plain = response.context["plain_key"]
        assert plain.startswith(f"cs_{key.prefix}_")
        assert plain in response.content.decode()
        assert account_for_api_key(plain) == (world.alice_account, key)
        assert key.created_by == world.alice
        later = client.get(URL).content.decode()
        assert plain not in later
        assert f"cs_{key.prefix}_" in later  # listed by its prefix

    def test_it_lists_keys_with_prefix_and_last_use(self, world: Any) -> None:
        key, plain = services.create_api_key(world.alice_account, "crm")
        account_for_api_key(plain)  # marks it used
        html = world.client_for(world.alice).get(URL).content.decode()
        assert "crm" in html
        assert f"cs_{key.prefix}_…" in html
        assert "never" not in html

    def test_it_requires_a_name(self, world: Any) -> None:
        response = world.client_for(world.alice).post(URL, {"name": ""})
        assert response.status_code == 400
        assert not ApiKey.objects.exists()

    def test_it_lets_an_operator_manage_keys(self, world: Any) -> None:
        response = world.client_for(world.operator).post(URL, {"name": "support"})
        assert response.status_code == 200
        assert ApiKey.objects.filter(account=world.alice_account, name="support").exists()

    def test_it_forbids_members(self, world: Any) -> None:
        bob = world.client_for(world.bob)
        assert bob.get(URL).status_code == 403
        assert bob.post(URL, {"name": "mine"}).status_code == 403
        assert not ApiKey.objects.exists()

    def test_it_answers_404_to_charlie_privacy_2(self, world: Any) -> None:
        assert world.client_for(world.charlie).get(URL).status_code == 404

    def test_it_redirects_anonymous_to_login(self, world: Any) -> None:
        assert Client().get(URL).status_code == 302

    def test_it_refuses_other_methods(self, world: Any) -> None:
        assert world.client_for(world.alice).delete(URL).status_code == 405


class TestRevoke:
    def test_it_revokes_a_key(self, world: Any) -> None:
        key, plain = services.create_api_key(world.alice_account, "crm")
        response = world.client_for(world.alice).post(f"{URL}{key.pk}/revoke/", follow=True)
        key.refresh_from_db()
        assert key.revoked_at is not None
        assert account_for_api_key(plain) is None
        assert "revoked" in response.content.decode()

    def test_it_is_post_only(self, world: Any) -> None:
        key, _ = services.create_api_key(world.alice_account, "crm")
        assert world.client_for(world.alice).get(f"{URL}{key.pk}/revoke/").status_code == 405

    def test_it_forbids_members(self, world: Any) -> None:
        key, _ = services.create_api_key(world.alice_account, "crm")
        assert world.client_for(world.bob).post(f"{URL}{key.pk}/revoke/").status_code == 403
        key.refresh_from_db()
        assert key.revoked_at is None

    def test_it_answers_404_for_another_accounts_key_privacy_2(self, world: Any) -> None:
        key, _ = services.create_api_key(world.alice_account, "crm")
        charlie = world.client_for(world.charlie)
        assert charlie.post(f"{URL}{key.pk}/revoke/").status_code == 404
        assert charlie.post(f"/a/charlie-co/api-keys/{key.pk}/revoke/").status_code == 404
        key.refresh_from_db()
        assert key.revoked_at is None
