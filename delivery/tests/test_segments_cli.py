"""`consentry segment …` and `consentry campaign audience|segment`: the CLI door."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contacts import services as contacts
from contacts.models import Segment
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM
from delivery.testing import Sendable

pytestmark = pytest.mark.django_db


def cli(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_segments_are_created_listed_shown_and_deleted(sendable: Sendable) -> None:
    sendable.add("koeln@example.org", fields={"city": "Köln"})
    created = cli(
        "segment", "create", "alice-shop", "Köln", "--where", "custom", "city", "is", "Köln"
    )
    segment = Segment.objects.get(pk=int(created))
    assert segment.account_id == sendable.world.alice_account.pk
    assert cli("segment", "list", "alice-shop") == f"{segment.pk}\tKöln\n"
    shown = cli("segment", "show", "alice-shop", "Köln")
    assert "1 contacts" in shown and "Custom field city is Köln" in shown
    as_json = json.loads(
        cli(
            "segment",
            "create",
            "alice-shop",
            "Neu",
            "--any",
            "--where",
            "signup_days",
            "within",
            "30",
            "--where",
            "last_delivery",
            "never",
            "--json",
        )
    )
    assert as_json["contacts"] == 4
    assert as_json["definition"]["match"] == "any"
    assert cli("segment", "delete", "alice-shop", "Neu").startswith("deleted segment")
    # charlie's account does not know alice's segment.
    with pytest.raises(CommandError, match="no segment"):
        cli("segment", "show", "charlie-co", str(segment.pk))
    with pytest.raises(CommandError, match="condition 1: op:"):
        cli("segment", "create", "alice-shop", "x", "--where", "status", "above", "A")
    with pytest.raises(CommandError, match="no list"):
        lst = str(sendable.world.charlie_list.pk)
        cli("segment", "create", "alice-shop", "x", "--where", "list", "on", lst)


def test_the_audience_is_counted_before_the_send(sendable: Sendable) -> None:
    gone = sendable.add("gone@example.org")
    contacts.change_status(gone, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.USER)
    campaign = str(sendable.campaign.pk)
    text = cli("campaign", "audience", campaign)
    assert "recipients: 3 of 4 on the lists" in text
    assert "left out, unsubscribed: 1" in text
    assert json.loads(cli("campaign", "audience", campaign, "--json")) == {
        "considered": 4,
        "recipients": 3,
        "left_out": {"unsubscribed": 1},
    }
    cli("segment", "create", "alice-shop", "Ben", "--where", "custom", "who", "is", "Ben")
    assert cli("campaign", "segment", campaign, "Ben").strip().endswith("Ben")
    assert json.loads(cli("campaign", "audience", campaign, "--json"))["recipients"] == 0
    assert "segment: Ben" in cli("campaign", "show", campaign)
    assert cli("campaign", "segment", campaign, "--none").strip().endswith("whole lists")
    with pytest.raises(CommandError, match="name a segment"):
        cli("campaign", "segment", campaign)
