"""`consentry list attest|audit|admit|block|sample|stale`: the CLI door (AUDIT-1..4)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from admission.testing import bulk_members, mail_domains

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("list", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_cli_attests_audits_and_writes_the_problem_addresses(
    world: Any, dns_server: Any, tmp_path: Path
) -> None:
    lst = world.alice_list
    mail_domains(dns_server, "example.de")
    bulk_members(lst, ["info@example.de", *(f"p{n}@example.de" for n in range(9))])
    today = timezone.localdate().isoformat()
    with pytest.raises(CommandError, match="--confirm"):
        run("attest", "alice-shop", str(lst.pk), "--cleaned-on", today)
    assert "hard-bounced" in run(
        "attest", "alice-shop", str(lst.pk), "--cleaned-on", today, "--confirm"
    )
    problems = tmp_path / "problems.csv"
    result = json.loads(
        run("audit", "alice-shop", str(lst.pk), "--json", "--problems", str(problems))
    )
    assert (result["total"], result["problems"], result["admitted"]) == (11, 1, True)
    assert list(csv.reader(problems.open())) == [
        ["address", "classes"],
        ["info@example.de", "role"],
    ]
    assert "admitted" in run("show", "alice-shop")
    assert "block" in run("block", "alice-shop", str(lst.pk), "--reason", "complaints")
    lst.refresh_from_db()
    assert lst.blocked and lst.admission_reason == "complaints"
    assert run("stale", "alice-shop", str(lst.pk)) == ""
    assert "blocked: complaints" in run("sample", "alice-shop", str(lst.pk))
