"""`consentry import`: the CLI door, with both attestations as required flags (IMPORT-2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact
from contacts.testing import SYSTEM
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


# --- `consentry contact add|subscribe`: a one-row import, or a double opt-in -----------------


def test_contact_add_is_a_one_row_import_with_its_proof(verified: Any, capsys: Any) -> None:
    call_command(
        "contact", "add", "alice-shop", "Messe@example.de",
        "--source", "business_card", "--evidence-ref", "Karte 14",
        "--list", str(verified.alice_list.pk), "--attest-origin", "--attest-customer-contact",
    )  # fmt: skip
    made = Contact.objects.get(account=verified.alice_account, address="Messe@example.de")
    assert made.legal_basis == "business_card" and made.import_record is not None
    assert f"contact #{made.pk}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "business_card", "--evidence-ref", "K", "--list", "999999"], "no such list"),
        (["--source", "business_card", "--list", "LIST"], "written proof"),
        (["--source", "business_card", "--evidence-ref", "K", "--list", "LIST", "--role"], "role"),
    ],
)
def test_contact_add_refused_leaves_nothing_behind(
    verified: Any, args: list[str], message: str
) -> None:
    """A wrong list exits with the reason and leaves no contact (it used to stay)."""
    address = "info@example.de" if "--role" in args else "neu@example.de"
    args = [a.replace("LIST", str(verified.alice_list.pk)) for a in args if a != "--role"]
    with pytest.raises(CommandError, match=message):
        call_command(
            "contact", "add", "alice-shop", address, *args,
            "--attest-origin", "--attest-customer-contact",
        )  # fmt: skip
    assert not Contact.objects.filter(account=verified.alice_account, address=address).exists()
    assert not ImportJob.objects.exists()


def test_contact_add_refuses_double_opt_in_and_missing_statements(verified: Any) -> None:
    base = ["contact", "add", "alice-shop", "neu@example.de", "--list", "1"]
    with pytest.raises(CommandError, match="invalid choice"):
        call_command(*base, "--source", "double_opt_in", "--attest-origin")
    with pytest.raises(CommandError, match="confirm both statements"):
        call_command(*base, "--source", "business_card", "--evidence-ref", "K", "--attest-origin")
    assert not Contact.objects.filter(address="neu@example.de").exists()


def test_contact_subscribe_sends_the_confirmation_mail(
    world: Any, sandbox_outbox: Any, capsys: Any
) -> None:
    from consent import doi
    from contacts.models import Subscription

    with pytest.raises(CommandError, match="signup form"):
        call_command("contact", "subscribe", "alice-shop", str(world.alice_list.pk), "x@y.de")
    doi.create_form(world.alice_list, actor=SYSTEM)
    call_command("contact", "subscribe", "alice-shop", str(world.alice_list.pk), "Neu@example.de")
    assert "confirmation mail sent" in capsys.readouterr().out
    sub = Subscription.objects.get(contact__address="Neu@example.de")
    assert sub.state == "pending"
    assert [m.rcpt_to for m in sandbox_outbox.messages()] == [["Neu@example.de"]]
