"""A user reads the account pages in the language of their profile, else their browser's."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.selectors import language_of
from core.errors import InvalidInput

CONTACTS = "/a/alice-shop/contacts/"


class TestProfileLanguage:
    def test_the_browser_chooses_while_the_profile_has_none(self, world: Any) -> None:
        client = world.client_for(world.alice)
        html = client.get(CONTACTS, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert '<html lang="fr">' in html
        assert "Contacts" in html and "Listes" in html

    def test_the_profile_wins_over_the_browser(self, world: Any) -> None:
        client = world.client_for(world.alice)
        response = client.post("/profile/", {"language": "de"}, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 302
        assert language_of(world.alice) == "de"
        page = client.get(CONTACTS, HTTP_ACCEPT_LANGUAGE="fr")
        assert page["Content-Language"] == "de"
        html = page.content.decode()
        assert '<html lang="de">' in html and "Listen" in html and "Kontakte" in html
        # Bob, in the same account, still follows his browser.
        bob = world.client_for(world.bob).get(CONTACTS, HTTP_ACCEPT_LANGUAGE="fr")
        assert bob["Content-Language"] == "fr"

    def test_following_the_browser_again(self, world: Any) -> None:
        client = world.client_for(world.alice)
        client.post("/profile/", {"language": "de"})
        client.post("/profile/", {"language": ""})
        html = client.get(CONTACTS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<html lang="en">' in html and "Lists" in html

    def test_an_unknown_language_is_refused_by_field(self, world: Any) -> None:
        client = world.client_for(world.alice)
        response = client.post("/profile/", {"language": "xx"})
        assert response.status_code == 400
        assert "language" in response.context["form"].errors
        assert language_of(world.alice) == ""

    def test_the_page_needs_a_sign_in(self, client: Any) -> None:
        assert client.get("/profile/").status_code == 302

    def test_the_service_names_the_field(self, world: Any) -> None:
        from accounts.services import set_language

        with pytest.raises(InvalidInput, match="Language"):
            set_language(world.alice, "klingon")


class TestLanguageCommand:
    def test_it_sets_shows_and_clears_the_language(self, world: Any) -> None:
        name = world.alice.get_username()
        out = StringIO()
        call_command("account", "language", name, "fr", stdout=out)
        assert language_of(world.alice) == "fr"
        assert out.getvalue().strip() == f"{name}: fr"
        out = StringIO()
        call_command("account", "language", name, stdout=out)
        assert out.getvalue().strip() == f"{name}: fr"
        call_command("account", "language", name, "browser", stdout=StringIO())
        assert language_of(world.alice) == ""

    def test_an_unknown_user_is_an_error(self, world: Any) -> None:
        with pytest.raises(CommandError, match="no user"):
            call_command("account", "language", "nobody", "de", stdout=StringIO())
