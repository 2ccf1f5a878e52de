"""`consentry abuse list|show|resolve|lookup [--json]` (ABUSE-1, ABUSE-2, issue item 9)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ReviewState
from contacts.testing import Personas
from core.models import AuditEntry
from governance.models import AbuseCase
from governance.testing import case_for, draft_campaign


def run(*args: str) -> str:
    out = StringIO()
    call_command("abuse", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def case(world: Personas) -> AbuseCase:
    return case_for(world.alice_account, kind="blocklisting", text="Spamcop lists the platform")


def test_list_show_and_resolve_with_json(world: Personas, case: AbuseCase) -> None:
    (row,) = json.loads(run("list", "--json"))
    assert (row["id"], row["kind"], row["account"]) == (case.pk, "blocklisting", "alice-shop")
    assert row["answer_due_at"] and row["answer_overdue"] is False
    assert f"{case.pk}" in run("list") and "blocklisting" in run("list")
    assert json.loads(run("list", "--kind", "complaint", "--json")) == []
    shown = json.loads(run("show", str(case.pk), "--json"))
    assert shown["text"] == "Spamcop lists the platform"
    done = json.loads(run("resolve", str(case.pk), "suspend", "--reason", "listed", "--json"))
    assert done["answered_at"]
    world.alice_account.refresh_from_db()
    assert world.alice_account.review_state == ReviewState.SUSPENDED
    assert AuditEntry.objects.get(detail__action="suspend").reason == "listed"
    run("resolve", str(case.pk), "close", "--reason", "delisted after the account's answer")
    assert json.loads(run("list", "--json")) == []
    assert len(json.loads(run("list", "--state", "all", "--json"))) == 1
    with pytest.raises(CommandError, match="closed"):
        run("resolve", str(case.pk), "suspend", "--reason", "again")
    with pytest.raises(CommandError, match="no such abuse case"):
        run("show", "999999")


def test_lookup_finds_the_campaign_of_a_mailing_id(world: Personas) -> None:
    campaign = draft_campaign(world.alice_account)
    found = json.loads(run("lookup", campaign.mailing_id, "--json"))
    assert (found["account"], found["campaign_id"]) == ("alice-shop", campaign.pk)
    assert "Herbst" in run("lookup", campaign.mailing_id)
    with pytest.raises(CommandError, match="names no message"):
        run("lookup", "consentry-0-0")
