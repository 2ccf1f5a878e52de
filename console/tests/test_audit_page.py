"""ACCOUNT-2: the audit log in the console, filtered and exported; the same from the CLI."""

from __future__ import annotations

import csv
import io
import json

from django.core.management import call_command
from django.urls import reverse

from contacts.testing import Personas
from core.audit import record_operator_action

URL = reverse("console:audit_log")


def arrange(world: Personas) -> None:
    record_operator_action(world.operator, "suspend", world.alice_account, "=HYPERLINK(evil)")
    record_operator_action("system:quality-breaker", "reduce_speed", world.charlie_account, "b")


def test_the_page_filters_by_account_action_and_actor(world: Personas) -> None:
    arrange(world)
    client = world.client_for(world.operator)
    page = client.get(URL, {"account": "alice-shop", "action": "suspend"}).content.decode()
    assert "=HYPERLINK(evil)" in page and "quality-breaker" not in page
    page = client.get(URL, {"actor": "quality"}).content.decode()
    assert "quality-breaker" in page and "=HYPERLINK(evil)" not in page


def test_a_reversed_date_range_is_refused_naming_the_field(world: Personas) -> None:
    client = world.client_for(world.operator)
    response = client.get(URL, {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 400
    assert "The end of the range lies before its start." in response.content.decode()


def test_the_csv_export_holds_the_filtered_entries_and_no_formula(world: Personas) -> None:
    arrange(world)
    response = world.client_for(world.operator).get(
        URL, {"account": "alice-shop", "action": "suspend", "format": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["actor"] == "operator:olga" and rows[0]["account"] == "alice-shop"
    assert rows[0]["reason"] == "'=HYPERLINK(evil)"  # shown as text, never evaluated


def test_an_account_user_cannot_export(world: Personas) -> None:
    response = world.client_for(world.alice).get(URL, {"format": "csv"})
    assert response.status_code == 403


def test_the_cli_lists_an_accounts_entries_as_json(world: Personas) -> None:
    arrange(world)
    out = io.StringIO()
    call_command("audit-log", "--account", "charlie-co", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [r["action"] for r in rows if r["reason"] == "b"] == ["reduce_speed"]
    assert {r["account"] for r in rows} == {"charlie-co"}
    out = io.StringIO()
    call_command("audit-log", "--action", "suspend", stdout=out)
    assert out.getvalue().count("\n") == 1 and "alice-shop" in out.getvalue()
