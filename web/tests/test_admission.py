"""A list's admission on its pages: attestation, audit with progress and download, stale
contacts (AUDIT-1..4); charlie never reaches alice's (PRIVACY-2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from admission import selectors
from admission.testing import bulk_members, mail_domains

pytestmark = pytest.mark.django_db(transaction=True)


def url(world: Any, rest: str = "") -> str:
    return f"/a/alice-shop/lists/{world.alice_list.pk}/{rest}"


def test_alice_attests_audits_and_downloads_what_to_clean(world: Any, dns_server: Any) -> None:
    mail_domains(dns_server, "example.de")
    bulk_members(world.alice_list, ["info@example.de", "nina@example.de"])
    alice = world.client_for(world.alice)
    page = alice.get(url(world)).content.decode()
    assert "Admission to sending" in page and "hard-bounced" in page
    attested = alice.post(
        url(world, "attest/"), {"cleaned_on": timezone.localdate().isoformat(), "confirm": "on"}
    )
    assert attested.status_code == 302
    assert "as attested" in alice.get(url(world)).content.decode()
    started = alice.post(url(world, "audit/"))
    found = selectors.latest_audit(world.alice_list)
    assert started.status_code == 302 and started.url == url(world, f"audits/{found.pk}/")
    report = alice.get(started.url).content.decode()
    assert "The list is not admitted" in report and "33.3%" in report
    assert "Role or generic addresses" in report and "info@example.de" in report
    csv = alice.get(url(world, f"audits/{found.pk}/problems.csv"))
    assert csv.content.decode().splitlines() == ["address,classes", "info@example.de,role"]
    partial = alice.get(started.url, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith("<section") and "audit-progress" in partial


def test_an_unticked_attestation_changes_nothing(world: Any) -> None:
    alice = world.client_for(world.alice)
    alice.post(url(world, "attest/"), {"cleaned_on": timezone.localdate().isoformat()})
    assert selectors.latest_attestation(world.alice_list) is None


def test_the_stale_contacts_are_listed(world: Any) -> None:
    bulk_members(
        world.alice_list, ["alt@example.de"], consent_at=timezone.now() - timedelta(days=90)
    )
    alice = world.client_for(world.alice)
    assert "1 contact is held back" in alice.get(url(world)).content.decode()
    assert "alt@example.de" in alice.get(url(world, "stale/")).content.decode()


def test_charlie_gets_404_and_wrong_methods_405(world: Any, dns_server: Any) -> None:
    """PRIVACY-2."""
    alice = world.client_for(world.alice)
    alice.post(url(world, "audit/"))
    found = selectors.latest_audit(world.alice_list)
    charlie = world.client_for(world.charlie)
    for path in (f"audits/{found.pk}/", f"audits/{found.pk}/problems.csv", "stale/"):
        assert charlie.get(url(world, path)).status_code == 404
    for path in ("audit/", "attest/", "reconfirm/"):
        assert charlie.post(url(world, path)).status_code == 404
        assert alice.get(url(world, path)).status_code == 405
    assert alice.post(url(world, f"audits/{found.pk}/")).status_code == 405
