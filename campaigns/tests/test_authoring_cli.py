"""The CLI door of templates, duplication, schedules and the account's time zone."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from campaigns.models import Campaign, Template
from campaigns.testing import DOMAIN
from campaigns.tests.test_cli import run
from contacts.testing import Personas
from delivery.testing import Sendable


def test_templates_from_starters_and_files(world: Personas, tmp_path: Path) -> None:
    assert run("template", "starters").split() == ["letter", "newsletter", "announcement"]
    assert "{{ content }}" in run("template", "starters", "--show", "letter")
    made = json.loads(
        run("template", "create", "alice-shop", "--name", "House", "--starter", "letter", "--json")
    )
    assert Template.objects.get(pk=made["id"]).account.slug == "alice-shop"
    assert f"{made['id']}\tHouse" in run("template", "list", "alice-shop")
    bad = tmp_path / "bad.html"
    bad.write_text("{{ content }}\n{{ unsubscribe_url }}\n{{ x|nofilter }}", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3"):
        run("template", "create", "alice-shop", "--name", "Bad", "--html", str(bad))
    renamed = run("template", "update", str(made["id"]), "--name", "House 2")
    assert "House 2: saved" in renamed
    assert "{{ content }}" in run("template", "show", str(made["id"]))
    assert "deleted" in run("template", "delete", str(made["id"]))
    assert not Template.objects.exists()


def test_time_zone(world: Personas) -> None:
    assert run("account", "time-zone", "alice-shop").strip() == "UTC"
    assert run("account", "time-zone", "alice-shop", "Europe/Berlin").strip() == "Europe/Berlin"
    with pytest.raises(CommandError, match="unknown time zone"):
        run("account", "time-zone", "alice-shop", "Berlin")


def test_campaign_from_a_layout_duplicated_scheduled_and_unscheduled(
    sendable: Sendable, tmp_path: Path
) -> None:
    content = tmp_path / "content.html"
    content.write_text("<p>Our autumn offer.</p>", encoding="utf-8")
    made = json.loads(
        run(
            "campaign", "create", "alice-shop", "--name", "Autumn", "--subject", "Autumn",
            "--from-name", "Alice", "--from", f"news@{DOMAIN}", "--template", "announcement",
            "--content", str(content), "--list", str(sendable.lst.pk), "--json",
        )
    )  # fmt: skip
    campaign = Campaign.objects.get(pk=made["id"])
    assert "Our autumn offer." in campaign.html and "Our autumn offer." in campaign.text
    copy = json.loads(run("campaign", "duplicate", str(campaign.pk), "--json"))
    assert copy["name"] == "Autumn (copy)" and copy["lists"] == [sendable.lst.pk]
    run("account", "time-zone", "alice-shop", "Europe/Berlin")
    local = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo("Europe/Berlin"))
    at = f"{local:%Y-%m-%d %H:%M}"
    with pytest.raises(CommandError, match="refused"):
        run("campaign", "schedule", str(campaign.pk), at)
    out = run("campaign", "schedule", str(campaign.pk), at, "--confirm-guidelines")
    assert out.strip() == f"campaign #{campaign.pk} starts at {at} Europe/Berlin"
    assert f"Scheduled: {at} Europe/Berlin" in run("campaign", "show", str(campaign.pk))
    with pytest.raises(CommandError, match="no date and time"):
        run("campaign", "schedule", str(campaign.pk), "tomorrow", "--confirm-guidelines")
    assert "not scheduled" in run("campaign", "unschedule", str(campaign.pk))
    assert Campaign.objects.get(pk=campaign.pk).scheduled_at is None


def test_campaign_preview_as_a_contact(sendable: Sendable) -> None:
    sendable.add("zora@example.org", first_name="Zora")
    pk = str(sendable.campaign.pk)
    out = run("campaign", "preview", pk, "--contact", "zora@example.org")
    assert "Subject: Herbst bei Alice, Zora" in out and "Hallo Zora!" in out
    assert "<h1>Hallo Anna!</h1>" in run("campaign", "preview", pk, "--part", "html")
    with pytest.raises(CommandError, match=r"no contact 'nobody@example\.org'"):
        run("campaign", "preview", pk, "--contact", "nobody@example.org")
