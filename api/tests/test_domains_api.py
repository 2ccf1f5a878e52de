"""/api/v1/domains: alice's key adds, shows and checks her sender domains (DOMAIN-1)."""

from __future__ import annotations

from typing import Any

from api.tests.conftest import BASE, KeyClient
from consent.models import EvidenceRecord
from contacts.testing import SYSTEM, Personas
from domains import selectors, services
from domains.models import SenderDomain
from domains.testing import TestDnsServer

JSON = "application/json"


def post(api: KeyClient, path: str, body: Any = None) -> Any:
    return api.client.post(f"{BASE}{path}", body or {}, content_type=JSON)


def test_it_adds_a_domain_and_answers_the_records_to_publish(
    world: Personas, alice_api: KeyClient
) -> None:
    response = post(alice_api, "/domains", {"name": "News.Example.com", "ed25519": True})
    assert response.status_code == 201
    body = response.json()
    domain = SenderDomain.objects.get(pk=body["id"])
    assert (body["name"], body["status"], domain.account_id) == (
        "news.example.com",
        "pending",
        world.alice_account.pk,
    )
    purposes = [r["purpose"] for r in body["records"]]
    assert purposes == ["ownership", "dkim", "dkim", "spf", "dmarc"]
    ownership = body["records"][0]
    assert ownership["name"] == "_consentry.news.example.com"
    assert ownership["value"] == f"consentry-verification={domain.ownership_token}"
    assert ownership["zone_line"].startswith("_consentry.news.example.com. 3600 IN TXT")
    assert body["return_path_host"] == "bounce.news.example.com"
    assert [c["kind"] for c in body["checks"]] == [
        "ownership",
        "dkim",
        "spf",
        "dmarc",
        "return_path",
    ]
    assert {c["state"] for c in body["checks"]} == {"pending"}
    assert body["block_reasons"][0] == "news.example.com is not verified yet"
    record = EvidenceRecord.objects.get(kind="domain.added")
    assert record.actor == f"api_key:{alice_api.key.pk}"


def test_it_refuses_a_duplicate_or_malformed_domain(world: Personas, alice_api: KeyClient) -> None:
    """Invariant 7: a clear error body; nothing stored."""
    assert post(alice_api, "/domains", {"name": "news.example.com"}).status_code == 201
    duplicate = post(alice_api, "/domains", {"name": "NEWS.example.com."})
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "conflict"
    malformed = post(alice_api, "/domains", {"name": "not a domain"})
    assert malformed.status_code == 422 and malformed.json()["error"] == "invalid"
    missing = post(alice_api, "/domains", {})
    assert missing.status_code == 422 and missing.json()["details"][0].startswith("name:")
    assert SenderDomain.objects.count() == 1
    elsewhere = post(alice_api, "/domains", {"name": "b.example.com", "return_path_host": "x.org"})
    assert elsewhere.status_code == 422 and "below b.example.com" in elsewhere.json()["message"]
    chosen = post(
        alice_api, "/domains", {"name": "b.example.com", "return_path_host": "rp.b.example.com"}
    )
    assert chosen.status_code == 201 and chosen.json()["return_path_host"] == "rp.b.example.com"


def test_it_lists_and_shows_only_the_keys_accounts_domains(
    world: Personas, alice_api: KeyClient, charlie_api: KeyClient
) -> None:
    """PRIVACY-2: charlie's key gets 404 for alice's domain, never 403."""
    alice_domain = services.add_domain(world.alice_account, "news.example.com", actor=SYSTEM)
    services.add_domain(world.charlie_account, "charlie.example", actor=SYSTEM)
    listed = alice_api.client.get(f"{BASE}/domains")
    assert listed.status_code == 200
    assert [d["name"] for d in listed.json()] == ["news.example.com"]
    shown = alice_api.client.get(f"{BASE}/domains/{alice_domain.pk}")
    assert shown.status_code == 200 and shown.json()["id"] == alice_domain.pk
    for answer in (
        charlie_api.client.get(f"{BASE}/domains/{alice_domain.pk}"),
        post(charlie_api, f"/domains/{alice_domain.pk}/check"),
    ):
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def test_it_checks_a_domain(
    world: Personas, alice_api: KeyClient, dns_server: TestDnsServer
) -> None:
    domain = services.add_domain(world.alice_account, "news.example.com", actor=SYSTEM)
    failing = post(alice_api, f"/domains/{domain.pk}/check")
    assert failing.status_code == 200
    checks = {c["kind"]: c for c in failing.json()["checks"]}
    assert checks["ownership"]["state"] == "fail"
    assert checks["ownership"]["message"] == "no TXT record at _consentry.news.example.com"
    for record in selectors.records_to_publish(selectors.domain_of(world.alice_account, domain.pk)):
        dns_server.replace_txt(record.name, record.value)
    dns_server.silence("_dmarc.news.example.com")
    unknown = post(alice_api, f"/domains/{domain.pk}/check").json()
    assert {c["kind"]: c["state"] for c in unknown["checks"]}["dmarc"] == "unknown"
    dns_server.speak("_dmarc.news.example.com")
    passing = post(alice_api, f"/domains/{domain.pk}/check").json()
    assert passing["status"] == "verified" and passing["block_reasons"] == []
    assert passing["verified_at"] is not None
    # No sending hosts nor inbound host configured: SPF and the return path cannot be
    # judged, which is no fault of the account and keeps no domain from verifying.
    states = {c["kind"]: c["state"] for c in passing["checks"]}
    assert states == dict(
        ownership="pass", dkim="pass", dmarc="pass", spf="unjudged", return_path="unjudged"
    )
    assert EvidenceRecord.objects.filter(kind="domain.checked").count() == 2


def test_it_refuses_other_methods(world: Personas, alice_api: KeyClient) -> None:
    domain = services.add_domain(world.alice_account, "news.example.com", actor=SYSTEM)
    assert alice_api.client.delete(f"{BASE}/domains/{domain.pk}").status_code == 405
    assert alice_api.client.get(f"{BASE}/domains/{domain.pk}/check").status_code == 405


def test_it_needs_a_key(world: Personas, client: Any) -> None:
    assert client.get(f"{BASE}/domains").status_code == 401


def test_it_publishes_in_the_sandbox_dns_and_checks(
    world: Personas, alice_api: KeyClient, settings: Any
) -> None:
    domain = services.add_domain(world.alice_account, "news.example.com", actor=SYSTEM)
    refused = post(alice_api, f"/domains/{domain.pk}/sandbox-dns")
    assert refused.status_code == 409 and "sandbox DNS is off" in refused.json()["message"]
    settings.DNS_SANDBOX = True
    response = post(alice_api, f"/domains/{domain.pk}/sandbox-dns")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["block_reasons"]) == ("verified", [])
