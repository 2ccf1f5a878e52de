"""`consentry import`: the CLI door, with both attestations as required flags (IMPORT-2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact
from imports.models import ImportJob


def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "kunden.csv"
    path.write_text("email;first_name;status\nanna@example.com;Anna;A\ninfo@example.com;;A\n")
    return path


def test_import_002_the_cli_refuses_without_both_attestation_flags(
    verified: Any, tmp_path: Path
) -> None:
    path = str(csv_file(tmp_path))
    for flags in ([], ["--attest-origin"], ["--attest-customer-contact"]):
        with pytest.raises(CommandError, match="attestations"):
            call_command(
                "import", "alice-shop", "Newsletter", path, "--source", "double_opt_in", *flags
            )
    assert not ImportJob.objects.exists()


def test_import_the_cli_runs_an_import_and_writes_the_report(
    verified: Any, tmp_path: Path, capsys: Any
) -> None:
    report = tmp_path / "report.csv"
    call_command(
        "import",
        "alice-shop",
        str(verified.alice_list.pk),
        str(csv_file(tmp_path)),
        "--source=double_opt_in",
        "--attest-origin",
        "--attest-customer-contact",
        f"--report={report}",
    )
    out = capsys.readouterr().out
    assert "1 created" in out and "1 rejected" in out and "role_address: 1" in out
    lines = report.read_text().splitlines()
    assert lines[1].startswith("2,anna@example.com,created")
    assert lines[2].startswith("3,info@example.com,rejected,role_address")
    assert Contact.objects.filter(address="anna@example.com").exists()


def test_import_the_cli_names_a_forbidden_source(verified: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        call_command(
            "import", "alice-shop", "Newsletter", str(csv_file(tmp_path)), "--source=scraped"
        )
    with pytest.raises(CommandError, match="may not be imported"):
        call_command(
            "import",
            "alice-shop",
            "Newsletter",
            str(csv_file(tmp_path)),
            "--source=bought_list",
            "--attest-origin",
            "--attest-customer-contact",
        )
