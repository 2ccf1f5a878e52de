"""Operators see sender domains in the admin, never a private key, and can check them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from contacts.testing import SYSTEM
from domains import services
from domains.testing import TestDnsServer


def test_the_operator_sees_a_domain_without_its_private_key(
    world: Any, dns_server: TestDnsServer
) -> None:
    domain = services.add_domain(world.alice_account, "news.example.com", actor=SYSTEM)
    client = world.client_for(world.operator)
    page = client.get(reverse("admin:domains_senderdomain_change", args=[domain.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert domain.dkim_keys.get().public_key in html
    assert "sealed_private_key" not in html and "PRIVATE KEY" not in html
    changelist = reverse("admin:domains_senderdomain_changelist")
    answer = client.post(
        changelist, {"action": "check_now", "_selected_action": [domain.pk]}, follow=True
    )
    assert [str(m) for m in answer.context["messages"]] == ["news.example.com: pending"]
    domain.refresh_from_db()
    assert domain.last_checked_at is not None
    assert world.client_for(world.alice).get(changelist).status_code == 302
