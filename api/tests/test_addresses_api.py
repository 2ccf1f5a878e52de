"""/api/v1/addresses/check: the API door of address classification (AUDIT-1)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from api.tests.conftest import BASE, KeyClient
from domains.testing import TestDnsServer

JSON = "application/json"


def check(api: KeyClient, body: Any) -> Any:
    return api.client.post(f"{BASE}/addresses/check", body, content_type=JSON)


def test_it_classifies_addresses_in_order(alice_api: KeyClient, dns_server: TestDnsServer) -> None:
    dns_server.mx("post.example", "mx.post.example")
    response = check(
        alice_api,
        {"addresses": ["anna@post.example", "bert@fehlt.example", "Info@Post.Example", "x y"]},
    )
    assert response.status_code == 200
    assert [(o["address"], o["valid"], o["classes"]) for o in response.json()] == [
        ("anna@post.example", True, []),
        ("bert@fehlt.example", False, ["no_mail_domain"]),
        ("Info@post.example", True, ["role"]),
        ("x y", False, ["invalid"]),
    ]


def test_without_dns_it_flags_typos_with_their_suggestion(alice_api: KeyClient) -> None:
    body = check(alice_api, {"addresses": ["anna.maria@outlok.com"], "dns": False}).json()
    assert body == [
        {
            "address": "anna.maria@outlok.com",
            "valid": True,
            "classes": ["typo"],
            "suggestion": "anna.maria@outlook.com",
        }
    ]


def test_it_bounds_its_input_and_needs_a_key(alice_api: KeyClient, client: Client) -> None:
    assert check(alice_api, {"addresses": []}).status_code == 422
    assert check(alice_api, {"addresses": ["a@b.example"] * 1001}).status_code == 422
    long = check(alice_api, {"addresses": ["a" * 5000 + "@b.example"], "dns": False})
    assert long.json()[0]["classes"] == ["invalid"]
    anonymous = client.post(
        f"{BASE}/addresses/check", {"addresses": ["a@b.example"]}, content_type=JSON
    )
    assert anonymous.status_code == 401
    assert alice_api.client.get(f"{BASE}/addresses/check").status_code == 405
