"""The sandbox mailbox in the admin: operators read captured messages, nobody edits them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carrier.models import CapturedMessage
from carrier.services import send_transactional


def test_it_lists_and_shows_captured_messages_read_only(world: Any, sandbox_outbox: Any) -> None:
    send_transactional(
        account=world.alice_account,
        from_addr="mailer@consentry.example",
        to="kunde@example.de",
        subject="Bitte bestätigen",
        text="t",
    )
    captured = CapturedMessage.objects.get()
    client = world.client_for(world.operator)
    listing = client.get(reverse("admin:carrier_capturedmessage_changelist"))
    assert listing.status_code == 200
    assert "Bitte bestätigen" in listing.content.decode()
    page = client.get(reverse("admin:carrier_capturedmessage_change", args=[captured.pk]))
    assert page.status_code == 200
    assert f'href="/sandbox/{captured.pk}/"' in page.content.decode()
    assert b'name="subject"' not in page.content  # no form field: read-only
    add = client.get(reverse("admin:carrier_capturedmessage_add"))
    assert add.status_code == 403
