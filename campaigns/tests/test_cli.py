"""The CLI door: `consentry campaign ...` and `consentry send CAMPAIGN --confirm-guidelines`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from campaigns.testing import DOMAIN, HTML
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_send_refuses_without_the_confirmation_and_lists_why(sendable: Sendable) -> None:
    """SEND-1: the CLI shows the guideline text and refuses without the flag."""
    with pytest.raises(CommandError, match="checkbox is not ticked"):
        run("send", str(sendable.campaign.pk))
    assert not SendLedgerEntry.objects.exists()


def test_send_with_the_confirmation_sends_and_shows_progress(sendable: Sendable) -> None:
    out = run("send", str(sendable.campaign.pk), "--confirm-guidelines", "--work")
    assert "3 recipients queued" in out and "finished" in out and "sent 3" in out
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.FINISHED
    assert set(SendLedgerEntry.objects.values_list("state", flat=True)) == {LedgerState.SENT}
    assert len(sendable.smtp.messages) == 3


def test_campaign_create_show_test_and_cancel(sendable: Sendable, tmp_path: Path) -> None:
    html = tmp_path / "mail.html"
    html.write_text(HTML, encoding="utf-8")
    out = run(
        "campaign", "create", "alice-shop", "--name", "Winter", "--subject", "Winter",
        "--from-name", "Alice", "--from", f"news@{DOMAIN}", "--html", str(html),
        "--list", str(sendable.lst.pk),
    )  # fmt: skip
    campaign = Campaign.objects.get(name="Winter")
    assert f"campaign #{campaign.pk} Winter: draft" in out
    assert "passes once the guidelines are confirmed" in run("campaign", "show", str(campaign.pk))
    assert run("campaign", "test", str(campaign.pk), "alice@example.org").startswith(
        "alice@example.org: 250"
    )
    assert str(campaign.pk) in run("campaign", "list", "alice-shop")
    with pytest.raises(CommandError, match="cannot be cancelled"):
        run("campaign", "cancel", str(campaign.pk))
    with pytest.raises(CommandError, match="no campaign"):
        run("campaign", "show", "999999")


def test_account_imprint_shows_and_sets_the_imprint(world: object) -> None:
    """CONTENT-2 from the CLI door."""
    out = run(
        "account", "imprint", "alice-shop", "--name", "Alice Shop GmbH",
        "--address", "Hauptstr. 1\n10115 Berlin", "--vat-id", "DE123456789",
    )  # fmt: skip
    assert "name: Alice Shop GmbH" in out and "address: Hauptstr. 1 / 10115 Berlin" in out
    assert "vat_id: DE123456789" in out
