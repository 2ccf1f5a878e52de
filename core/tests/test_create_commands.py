"""Commands that make something print its id, or with --json one JSON object for scripts."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

from django.core.management import call_command

from accounts.models import Account, ApiKey
from consent.models import SignupForm
from contacts.models import List


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_create_commands_print_the_new_id_or_json(world: Any) -> None:
    text = run("account", "create", "Beispiel GmbH", "--slug", "beispiel")
    assert text == "created account beispiel (pending)"
    made = json.loads(run("account", "create", "Zweite GmbH", "--slug", "zweite", "--json"))
    assert made == {
        "id": Account.objects.get(slug="zweite").pk,
        "slug": "zweite",
        "name": "Zweite GmbH",
        "review_state": "pending",
    }
    lst = json.loads(run("list", "create", "alice-shop", "Herbst", "--json"))
    assert List.objects.get(pk=lst["id"]).name == "Herbst"
    assert run("list", "create", "alice-shop", "Winter").startswith("list #")
    form = json.loads(run("form", "create", "alice-shop", "Herbst", "--json"))
    assert SignupForm.objects.get(pk=form["id"]).list.name == "Herbst"
    assert form["url"].startswith("http")
    key = json.loads(run("apikey", "create", "alice-shop", "shop sync", "--json"))
    assert ApiKey.objects.get(pk=key["id"]).name == "shop sync"
    assert key["key"].startswith(f"cs_{key['prefix']}_")
