"""IMPORT-10: imports held for the operator's review write nothing until released."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts import review
from contacts.models import Contact
from contacts.testing import SYSTEM
from core.errors import InvalidInput, RuleViolation
from core.models import AuditEntry
from imports import hold, manual, services
from imports.models import ImportState
from imports.tests.conftest import run

ROWS = "email;first_name\nanna@example.com;Anna\nben@example.com;Ben\n"


def addresses(world: Any) -> set[str]:
    return set(
        Contact.objects.filter(account=world.alice_account).values_list("address", flat=True)
    )


@pytest.fixture
def held(verified: Any) -> Any:
    review.set_import_review(
        verified.alice_account, held=True, operator=verified.operator, reason="New account."
    )
    verified.alice_account.refresh_from_db()
    return verified


def test_a_held_import_writes_nothing_and_the_worker_leaves_it(held: Any) -> None:
    before = addresses(held)
    job = run(held, ROWS)  # tasks run at once in tests: a queued job would have run
    assert job.state == ImportState.HELD
    assert job.rows_total == 2 and job.rows_done == 0
    services.run_import(job.pk)  # a worker that picks it up anyway does nothing
    job.refresh_from_db()
    assert job.state == ImportState.HELD and addresses(held) == before
    assert list(hold.held_imports()) == [job]


def test_release_runs_the_import_and_is_logged(held: Any) -> None:
    job = run(held, ROWS)
    with pytest.raises(InvalidInput):
        hold.release(job, operator=held.operator, reason="")
    hold.release(job, operator=held.operator, reason="Sources checked.")
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.created == 2
    assert {"anna@example.com", "ben@example.com"} <= addresses(held)
    assert job.review_note == "Sources checked." and job.reviewed_by == held.operator
    entry = AuditEntry.objects.get(action="import_release")
    assert (entry.account_id, entry.reason) == (held.alice_account.pk, "Sources checked.")
    with pytest.raises(RuleViolation):
        hold.release(job, operator=held.operator, reason="again")


def test_refuse_writes_nothing_keeps_the_reason_and_deletes_the_file(
    held: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = addresses(held)
    job = run(held, ROWS)
    assert Path(job.file_path).exists()
    with django_capture_on_commit_callbacks(execute=True):
        hold.refuse(job, operator=held.operator, reason="Bought list.")
    job.refresh_from_db()
    assert job.state == ImportState.REFUSED and job.review_note == "Bought list."
    assert addresses(held) == before
    assert not Path(job.file_path).exists()
    assert AuditEntry.objects.filter(action="import_refuse", reason="Bought list.").exists()
    with pytest.raises(RuleViolation):
        services.resume_import(job, actor=SYSTEM)


def test_without_review_imports_run_at_once(verified: Any) -> None:
    assert run(verified, ROWS).state == ImportState.DONE


def test_contacts_by_hand_are_refused_while_imports_are_reviewed(held: Any) -> None:
    with pytest.raises(RuleViolation, match="reviews this account's imports"):
        manual.add_contact(
            held.alice_account,
            [held.alice_list],
            "carla@example.com",
            actor=SYSTEM,
            source="business_card",
            evidence_ref="Messe",
            attested=services.ATTESTATIONS,
        )


def test_cli_holds_lists_and_releases(held: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "kunden.csv"
    path.write_text(ROWS)
    args = ["alice-shop", "Newsletter", str(path), "--source", "double_opt_in"]
    call_command("import", *args, "--attest-origin", "--attest-customer-contact")
    assert "held" in capsys.readouterr().out
    job = hold.held_imports().get()
    call_command("import", "held")
    assert f"{job.pk}\talice-shop" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import", "release", str(job.pk))  # no reason
    call_command("import", "release", str(job.pk), "--reason", "Fine.")
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert AuditEntry.objects.get(action="import_release").actor.startswith("system:cli:")
