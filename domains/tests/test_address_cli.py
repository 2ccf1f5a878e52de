"""`consentry address check`: the CLI door of address classification (AUDIT-1)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from domains.testing import TestDnsServer

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("address", "check", *args, stdout=out)
    return out.getvalue()


def test_it_prints_one_json_object_per_address(dns_server: TestDnsServer) -> None:
    dns_server.mx("beispiel.example", "mx.beispiel.example")
    dns_server.a("gmail.com", "192.0.2.1")
    dns_server.silence("langsam.example")
    lines = run(
        "anna@beispiel.example",
        "info@beispiel.example",
        "bert@fehlt.example",
        "carla@langsam.example",
        '"carla"@beispiel.example',
        "anna.maria@gmial.com",
        "--json",
    ).splitlines()
    objects = [json.loads(line) for line in lines]
    assert objects == [
        {"address": "anna@beispiel.example", "valid": True, "classes": [], "suggestion": None},
        {
            "address": "info@beispiel.example",
            "valid": True,
            "classes": ["role"],
            "suggestion": None,
        },
        {
            "address": "bert@fehlt.example",
            "valid": False,
            "classes": ["no_mail_domain"],
            "suggestion": None,
        },
        {
            "address": "carla@langsam.example",
            "valid": True,
            "classes": ["unknown_domain_state"],
            "suggestion": None,
        },
        {
            "address": '"carla"@beispiel.example',
            "valid": False,
            "classes": ["invalid"],
            "suggestion": None,
        },
        {
            "address": "anna.maria@gmial.com",
            "valid": False,
            "classes": ["disposable", "no_mail_domain", "typo"],
            "suggestion": "anna.maria@gmail.com",
        },
    ]


def test_without_dns_it_asks_no_server(dns_server: TestDnsServer) -> None:
    before = len(dns_server.zone.queries)
    out = run("bert@fehlt.example", "ann@yahoo.de", "--no-dns", "--json")
    assert [json.loads(line)["classes"] for line in out.splitlines()] == [[], ["provider_rule"]]
    assert len(dns_server.zone.queries) == before


def test_it_prints_a_line_a_person_reads() -> None:
    out = run("anna.maria@gmx.dee", "not-an-address", "--no-dns")
    assert out.splitlines() == [
        "anna.maria@gmx.dee  valid  typo  (did you mean anna.maria@gmx.de?)",
        "not-an-address  not valid  invalid",
    ]
