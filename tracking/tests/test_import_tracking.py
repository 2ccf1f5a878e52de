"""CONSENT-4: imported contacts are tracked only on a basis the account or the import
states, recorded in the import's evidence; the account's default is off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts import services as accounts
from consent.models import EvidenceRecord
from contacts.models import Contact
from contacts.testing import SYSTEM
from imports.tests.test_cli import csv_file

BASIS = "Kunden stimmten in den AGB v3 (2025) der Auswertung zu."


def run_import(tmp_path: Path, *flags: str) -> None:
    call_command(
        "import",
        "alice-shop",
        "Newsletter",
        str(csv_file(tmp_path)),
        "--source=double_opt_in",
        "--attest-origin",
        "--attest-customer-contact",
        *flags,
    )


def test_imported_contacts_are_not_tracked_by_default(verified: Any, tmp_path: Path) -> None:
    run_import(tmp_path)
    anna = Contact.objects.get(address="anna@example.com")
    assert not anna.tracking_consent and anna.tracking_basis == ""


def test_an_import_with_a_tracking_basis_tracks_its_new_contacts_with_evidence(
    verified: Any, tmp_path: Path
) -> None:
    run_import(tmp_path, f"--tracking-basis={BASIS}")
    anna = Contact.objects.get(address="anna@example.com")
    assert (anna.tracking_consent, anna.tracking_basis) == (True, "import")
    batch = EvidenceRecord.objects.get(kind="import.batch")
    assert batch.payload["tracking_basis"] == BASIS


def test_the_accounts_default_applies_unless_the_import_says_otherwise(
    verified: Any, tmp_path: Path, capsys: Any
) -> None:
    call_command("account", "tracking", "alice-shop", f"--import-basis={BASIS}")
    assert BASIS in capsys.readouterr().out
    record = EvidenceRecord.objects.get(kind="account.import_tracking_basis")
    assert record.payload == {"basis": BASIS}
    run_import(tmp_path, "--tracking-basis=")
    assert not Contact.objects.get(address="anna@example.com").tracking_consent
    other = tmp_path / "more"
    other.mkdir()
    (other / "kunden.csv").write_text("email;first_name;status\nben@example.com;Ben;A\n")
    call_command(
        "import",
        "alice-shop",
        "Newsletter",
        str(other / "kunden.csv"),
        "--source=double_opt_in",
        "--attest-origin",
        "--attest-customer-contact",
    )
    assert Contact.objects.get(address="ben@example.com").tracking_consent


def test_a_basis_too_long_is_refused_naming_the_field(verified: Any) -> None:
    with pytest.raises(Exception, match="tracking basis"):
        accounts.set_import_tracking_basis(verified.alice_account, "x" * 501, actor=SYSTEM)
    with pytest.raises(CommandError, match="tracking basis"):
        call_command("account", "tracking", "alice-shop", "--import-basis=" + "x" * 501)
