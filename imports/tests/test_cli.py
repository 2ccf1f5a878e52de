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
        (["--source", "business_card", "--evidence-ref", "K", "--list", "999999"], "no list '99"),
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
    # The list by its id: on PostgreSQL ids do not start again at 1 for each test.
    base = ["contact", "add", "alice-shop", "neu@example.de", "--list", str(verified.alice_list.pk)]
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


def cli_import(path: Path, *flags: str) -> None:
    call_command(
        "import",
        "alice-shop",
        "Newsletter",
        str(path),
        "--source=double_opt_in",
        "--attest-origin",
        "--attest-customer-contact",
        *flags,
    )


def test_import_009_the_cli_takes_the_delimiter(verified: Any, tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    # Found by itself, the semicolon would win: it makes more fields.
    path.write_text("email,note;x;y\nanna@example.com,a;b;c\n")
    cli_import(path, "--delimiter", ",")
    assert ImportJob.objects.get().delimiter == ","
    assert Contact.objects.get(address="anna@example.com").fields == {"note;x;y": "a;b;c"}
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("email\tfirst_name\nbert@example.com\tBert\n")
    cli_import(tabs, "--delimiter=tab")
    assert Contact.objects.get(address="bert@example.com").first_name == "Bert"


def test_import_009_the_cli_refuses_another_delimiter_by_name(
    verified: Any, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match=r"delimiter is one of , ; \| or tab"):
        cli_import(csv_file(tmp_path), "--delimiter", ":")
    assert not ImportJob.objects.exists()


def test_import_009_the_cli_names_the_columns_a_headerless_file_leaves_out(
    verified: Any, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("anna@example.com,Anna,Adler\nbert@example.com,Bert,\n")
    report = tmp_path / "report.csv"
    cli_import(path, f"--report={report}")
    out = capsys.readouterr().out
    assert "Columns 2 and 3 are not imported" in out
    assert "add a header row" in out.lower() and "first_name=2" in out
    assert "columns_not_imported: 2" in out
    lines = report.read_text().splitlines()
    assert lines[0].endswith(",column")
    assert lines[1].startswith("1,anna@example.com,created,columns_not_imported,")
    assert lines[1].endswith(',"2, 3"') and lines[2].endswith(",2")


def test_import_005_the_cli_imports_around_a_ragged_row(
    verified: Any, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("email;first_name\nanna@example.com;Anna\nbert@example.com\n")
    cli_import(path)
    out = capsys.readouterr().out
    assert "1 created" in out and "1 rejected" in out and "missing_fields: 1" in out


def test_lists_are_named_by_id_or_by_name(verified: Any, capsys: Any) -> None:
    """The README's walk names lists by name: ids differ from one installation to another."""
    call_command(
        "contact", "add", "alice-shop", "karte@example.de", "--source", "business_card",
        "--evidence-ref", "Karte 7", "--list", "Newsletter",
        "--attest-origin", "--attest-customer-contact",
    )  # fmt: skip
    made = Contact.objects.get(account=verified.alice_account, address="karte@example.de")
    assert list(made.subscriptions.values_list("list_id", flat=True)) == [verified.alice_list.pk]
    call_command("form", "create", "alice-shop", "Newsletter", "--name", "Website")
    call_command("contact", "subscribe", "alice-shop", "Newsletter", "neu@example.de")
    assert "confirmation mail sent" in capsys.readouterr().out
    # Another account's list of the same name is not found through this account.
    with pytest.raises(CommandError, match=r"no list 'Newsletter' in charlie-co"):
        call_command("contact", "subscribe", "charlie-co", "Newsletter", "x@example.de")
