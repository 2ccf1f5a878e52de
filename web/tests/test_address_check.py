"""The address check page (AUDIT-1): what imports and signups would say of an address.
charlie gets 404, the wrong method 405, alice and bob the happy path."""

from __future__ import annotations

from typing import Any

from django.test import Client

from domains.testing import TestDnsServer

PAGE = "/a/alice-shop/contacts/check/"


def test_bob_checks_addresses_and_reads_the_findings(world: Any, dns_server: TestDnsServer) -> None:
    dns_server.mx("post.example", "mx.post.example")
    bob = world.client_for(world.bob)
    assert bob.get(PAGE).status_code == 200
    page = bob.post(
        PAGE,
        {
            "addresses": "anna@post.example\nInfo@post.example\n\nanna@fehlt.example\n"
            "anna.maria@outlok.com\n<b>x</b>",
            "dns": "on",
        },
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "role or generic address" in body
    assert "the domain accepts no mail" in body
    assert "Did you mean anna.maria@outlook.com?" in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body and "<b>x</b>" not in body  # escaped
    assert body.count("refused") >= 3  # role, no mail, invalid
    assert "Check addresses" in bob.get("/a/alice-shop/contacts/").content.decode()


def test_it_speaks_german_and_french(world: Any) -> None:
    alice = world.client_for(world.alice)
    for language, words in (("de", "wahrscheinlich ein Tippfehler"), ("fr", "probablement")):
        page = alice.post(PAGE, {"addresses": "anna.maria@gmx.dee"}, HTTP_ACCEPT_LANGUAGE=language)
        assert words in page.content.decode(), language


def test_it_bounds_the_input_and_guards_the_account(world: Any) -> None:
    alice = world.client_for(world.alice)
    many = "\n".join(f"p{n}@example.org" for n in range(101))
    assert alice.post(PAGE, {"addresses": many}).status_code == 400
    assert world.client_for(world.charlie).get(PAGE).status_code == 404
    assert alice.put(PAGE).status_code == 405
    assert Client().get(PAGE).status_code == 302  # to the sign-in page
