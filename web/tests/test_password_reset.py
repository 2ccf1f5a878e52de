"""A forgotten password: a reset link by e-mail through the platform's transport, limited,
and the same answer for every address."""

from __future__ import annotations

import re
from typing import Any

from django.core.cache import cache
from django.test import Client

from carrier.testing import SandboxOutbox
from contacts.testing import PASSWORD


def _ask(client: Client, email: str) -> Any:
    return client.post("/password-reset/", {"email": email}, follow=True)


def test_alice_resets_her_password_by_the_mailed_link(
    world: Any, sandbox_outbox: SandboxOutbox
) -> None:
    cache.clear()
    client = Client()
    assert b"/password-reset/" in client.get("/login/").content
    response = _ask(client, "alice@example.org")
    assert response.status_code == 200 and b"Check your mailbox" in response.content
    mail = sandbox_outbox.parsed()
    assert mail["To"] == "alice@example.org"
    assert mail["Subject"] == "Reset your consentry password"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/password-reset/\S+/\S+/", body)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(f"/{path}", follow=True)
    assert b"new_password1" in form.content
    new = "a-new-l0ng-password"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert b"Password changed" in done.content
    assert Client().post("/login/", {"username": "alice", "password": new}).status_code == 302
    assert Client().post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 200
    # The link works once.
    again = client.get(f"/{path}", follow=True)
    assert b"not valid any more" in again.content


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    world: Any, sandbox_outbox: SandboxOutbox
) -> None:
    cache.clear()
    known = _ask(Client(), "alice@example.org")
    unknown = _ask(Client(), "nobody@example.org")
    assert unknown.status_code == known.status_code == 200
    assert unknown.redirect_chain == known.redirect_chain
    token = re.compile(rb'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub(b"", unknown.content) == token.sub(b"", known.content)
    assert [m.rcpt_to for m in sandbox_outbox.messages()] == [["alice@example.org"]]


def test_requests_are_limited_per_address_silently_and_per_client(
    world: Any, sandbox_outbox: SandboxOutbox
) -> None:
    cache.clear()
    for n in range(5):
        response = _ask(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), "alice@example.org")
        assert b"Check your mailbox" in response.content
    assert len(sandbox_outbox.messages()) == 3  # PER_ADDRESS_PER_HOUR
    client = Client(REMOTE_ADDR="198.51.100.1")
    codes = [_ask(client, f"x{n}@example.org").status_code for n in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_the_pages_are_translated(world: Any) -> None:
    assert "Passwort" in Client(HTTP_ACCEPT_LANGUAGE="de").get("/password-reset/").content.decode()
    assert (
        "mot de passe" in Client(HTTP_ACCEPT_LANGUAGE="fr").get("/password-reset/").content.decode()
    )
