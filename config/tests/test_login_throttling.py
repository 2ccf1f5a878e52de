"""Sign-in throttling: wrong passwords lock a username and a client address (django-axes)."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from contacts.testing import PASSWORD


def _fail(client: Client, url: str, username: str, times: int) -> list[int]:
    return [
        client.post(url, {"username": username, "password": "wrong"}).status_code
        for _ in range(times)
    ]


def test_wrong_passwords_lock_the_account_even_with_the_right_one_after(world: Any) -> None:
    client = Client()
    url = reverse("web:login")
    codes = _fail(client, url, "alice", settings.AXES_FAILURE_LIMIT)
    assert codes[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert codes[-1] == 429
    response = client.post(url, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_from_any_address(world: Any) -> None:
    url = reverse("web:login")
    _fail(Client(REMOTE_ADDR="192.0.2.1"), url, "alice", settings.AXES_FAILURE_LIMIT)
    other = Client(REMOTE_ADDR="192.0.2.99")
    response = other.post(url, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    # another user from that other address is not affected
    response = other.post(url, {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302


def test_the_lock_is_per_client_address_across_usernames(world: Any) -> None:
    url = reverse("web:login")
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for name in ("u1", "u2", "u3", "u4", "u5", "u6")[: settings.AXES_FAILURE_LIMIT]:
        _fail(guesser, url, name, 1)
    response = guesser.post(url, {"username": "bob", "password": PASSWORD})
    assert response.status_code == 429
    assert (
        Client(REMOTE_ADDR="198.51.100.8")
        .post(url, {"username": "bob", "password": PASSWORD})
        .status_code
        == 302
    )


def test_the_message_is_translated(world: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    _fail(client, reverse("web:login"), "alice", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("web:login"), {"username": "alice", "password": PASSWORD})
    assert "Zu viele fehlgeschlagene Anmeldungen" in response.content.decode()
    client = Client(HTTP_ACCEPT_LANGUAGE="fr", REMOTE_ADDR="192.0.2.5")
    response = client.post(reverse("web:login"), {"username": "alice", "password": PASSWORD})
    assert "Trop de connexions" in response.content.decode()


def test_the_admin_login_is_throttled_too(world: Any) -> None:
    client = Client()
    url = reverse("admin:login")
    codes = _fail(client, url, "olga", settings.AXES_FAILURE_LIMIT)
    assert codes[-1] == 429
    response = client.post(url, {"username": "olga", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content


def test_operator_basic_auth_is_throttled_with_a_json_answer(world: Any) -> None:
    client = Client()
    wrong = base64.b64encode(b"olga:wrong").decode()
    right = base64.b64encode(f"olga:{PASSWORD}".encode()).decode()
    url = "/api/v1/operator/suppressions"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.get(url, HTTP_AUTHORIZATION=f"Basic {wrong}")
    response = client.get(url, HTTP_AUTHORIZATION=f"Basic {right}")
    assert response.status_code == 429
    assert response.json()["error"] == "throttled"


def test_an_operator_unlocks_a_username_from_the_cli(world: Any) -> None:
    client = Client()
    url = reverse("web:login")
    _fail(client, url, "alice", settings.AXES_FAILURE_LIMIT)
    call_command("login", "unlock", "alice")
    response = client.post(url, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def test_an_operator_unlocks_an_address_from_the_cli(world: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    url = reverse("web:login")
    for name in ("x1", "x2", "x3", "x4", "x5", "x6")[: settings.AXES_FAILURE_LIMIT]:
        _fail(client, url, name, 1)
    assert client.post(url, {"username": "bob", "password": PASSWORD}).status_code == 429
    call_command("login", "unlock", "203.0.113.9")
    assert client.post(url, {"username": "bob", "password": PASSWORD}).status_code == 302


def test_the_admin_lists_the_failed_attempts(world: Any) -> None:
    _fail(Client(), reverse("web:login"), "alice", 2)
    response = world.client_for(world.operator).get("/admin/axes/accessattempt/")
    assert response.status_code == 200
    assert b"alice" in response.content


def test_a_sign_in_lasts_the_configured_hours(world: Any) -> None:
    client = Client()
    client.post(reverse("web:login"), {"username": "alice", "password": PASSWORD})
    assert client.session.get_expiry_age() == settings.CONSENTRY_SESSION_SECONDS == 12 * 3600
