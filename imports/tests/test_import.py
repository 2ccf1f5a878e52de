"""Contact imports through the services, on SQLite and PostgreSQL (IMPORT-1..9, STATUS-5)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as accounts
from accounts.models import ReviewState
from consent.models import EvidenceRecord
from consent.proof import build_bundle
from consent.selectors import verify_chain
from contacts import services as contacts
from contacts.models import Contact, Subscription, SuppressionReason
from contacts.rules import Cause, LegalBasis, Status
from contacts.testing import SYSTEM
from core.errors import InvalidInput, RuleViolation
from imports import batches, reports, selectors, services
from imports.files import FileProblem
from imports.models import ImportJob, ImportState
from imports.tests.conftest import draft, dying_on_call, run, started


def outcomes(job: ImportJob) -> dict[int, tuple[str, str]]:
    job.refresh_from_db()
    return {row: (outcome, reason) for row, _a, outcome, reason in reports.lines(job)}


def contact(world: Any, address: str) -> Contact:
    return Contact.objects.get(account=world.alice_account, address=address)


def chain_ok(world: Any) -> bool:
    return verify_chain(world.alice_account).ok


# --- IMPORT-1: preconditions -----------------------------------------------------------


def test_import_001_it_refuses_an_account_without_a_verified_sender_domain(world: Any) -> None:
    with pytest.raises(RuleViolation, match="verified sender domain"):
        run(world, "anna@example.com\n")
    assert not ImportJob.objects.exists()


def test_import_001_it_refuses_an_account_that_is_not_active(verified: Any) -> None:
    accounts.change_review_state(verified.alice_account, ReviewState.SUSPENDED)
    verified.alice_account.refresh_from_db()
    with pytest.raises(RuleViolation, match="not active"):
        run(verified, "anna@example.com\n")


# --- IMPORT-2: attestations ------------------------------------------------------------


def _draft(world: Any, content: str = "anna@example.com\n") -> ImportJob:
    return draft(world, content)


def test_import_002_nothing_runs_without_both_attestations(verified: Any) -> None:
    job = _draft(verified)
    with pytest.raises(RuleViolation, match="attestations"):
        services.start_import(job, actor=SYSTEM)
    services.attest(job, services.ORIGIN, actor=SYSTEM, confirmed=True)
    with pytest.raises(RuleViolation, match="attestations"):
        services.start_import(job, actor=SYSTEM)
    with pytest.raises(InvalidInput):
        services.attest(job, services.CUSTOMER_CONTACT, actor=SYSTEM, confirmed=False)
    job.refresh_from_db()
    assert job.state == ImportState.DRAFT
    assert Contact.objects.filter(account=verified.alice_account).count() == 1


def test_import_002_each_attestation_is_evidence_with_its_versioned_wording(
    verified: Any,
) -> None:
    from core.actors import Actor

    job = _draft(verified)
    user = Actor("user", str(verified.alice.pk), "198.51.100.7", "pytest")
    for which in services.ATTESTATIONS:
        services.attest(job, which, actor=user, confirmed=True)
    records = EvidenceRecord.objects.filter(kind="import.attested").order_by("seq")
    assert [r.payload["attestation"] for r in records] == list(services.ATTESTATIONS)
    assert {r.wording.key for r in records} == set(services.WORDING_KEYS.values())
    assert all(r.actor == f"user:{verified.alice.pk}" and r.sealed for r in records)
    assert "bought" in records[0].wording.text
    assert "183 days" in records[1].wording.text
    assert all(r.payload["file_sha256"] == job.file_sha256 for r in records)


# --- IMPORT-3: the source catalogue -----------------------------------------------------


@pytest.mark.parametrize("source", ["bought_list", "social_network", "single_opt_in", "xyz"])
def test_import_003_forbidden_or_unknown_sources_refuse_the_import(
    verified: Any, source: str
) -> None:
    with pytest.raises(RuleViolation):
        run(verified, "anna@example.com\n", source=source)
    assert not ImportJob.objects.exists()
    assert not list((Path(verified_var()) / "imports").glob("*"))


def verified_var() -> str:
    from django.conf import settings

    return str(settings.VAR_DIR)


def test_import_003_business_card_and_offline_form_need_an_evidence_reference(
    verified: Any,
) -> None:
    for source in ("business_card", "offline_form"):
        with pytest.raises(RuleViolation, match="proof"):
            run(verified, "anna@example.com\n", source=source)
    job = run(verified, "anna@example.com\n", source="offline_form", evidence_ref="DOC-17")
    assert job.created == 1
    assert contact(verified, "anna@example.com").legal_basis == LegalBasis.OFFLINE_FORM


def test_import_003_co_registration_names_the_account_among_at_most_ten_sponsors(
    verified: Any,
) -> None:
    with pytest.raises(RuleViolation, match="sponsors"):
        run(verified, "anna@example.com\n", source="co_registration")
    with pytest.raises(RuleViolation, match="must be one of"):
        run(verified, "anna@example.com\n", source="co_registration", sponsors=["Other GmbH"])
    eleven = ["Alice Shop", *[f"Sponsor {i}" for i in range(10)]]
    with pytest.raises(RuleViolation, match="at most 10"):
        run(verified, "anna@example.com\n", source="co_registration", sponsors=eleven)
    job = run(
        verified, "anna@example.com\n", source="co_registration", sponsors=["alice shop", "B"]
    )
    assert job.created == 1


def test_import_003_a_source_column_judges_each_row(verified: Any) -> None:
    job = run(
        verified,
        "email,source\nanna@example.com,double_opt_in\nbert@example.com,bought_list\n"
        "carl@example.com,business_card\ndora@example.com,\nemil@example.com,nonsense\n",
        mapping={"source": "source"},
    )
    assert outcomes(job) == {
        2: ("created", ""),
        3: ("rejected", "forbidden_source"),
        4: ("rejected", "missing_evidence_ref"),
        5: ("created", ""),
        6: ("rejected", "unknown_source"),
    }


# --- IMPORT-4: existing customers --------------------------------------------------------


def test_import_004_existing_customers_need_a_recent_last_contact_and_a_category(
    verified: Any,
) -> None:
    today = timezone.localdate()
    recent, old = today - timedelta(days=30), today - timedelta(days=200)
    future = today + timedelta(days=3)
    with pytest.raises(RuleViolation, match="product category"):
        run(verified, "anna@example.com\n", source="existing_customer")
    job = run(
        verified,
        "email,last_contact\n"
        f"anna@example.com,{recent.isoformat()}\n"
        f"bert@example.com,{old.isoformat()}\n"
        "carl@example.com,\n"
        f"dora@example.com,{future.strftime('%d.%m.%Y')}\n"
        "emil@example.com,soon\n",
        source="existing_customer",
        product_category="garden tools",
    )
    assert outcomes(job) == {
        2: ("created", ""),
        3: ("rejected", "last_contact_too_old"),
        4: ("rejected", "missing_last_contact"),
        5: ("rejected", "invalid_last_contact"),
        6: ("rejected", "invalid_last_contact"),
    }
    anna = contact(verified, "anna@example.com")
    assert anna.legal_basis == LegalBasis.EXISTING_CUSTOMER
    assert anna.fields["product_category"] == "garden tools"


# --- STATUS-5 and IMPORT-5/8: the row rules ----------------------------------------------


def test_status_005_a_status_other_than_exactly_a_u_b_d_ignores_the_row(verified: Any) -> None:
    job = run(
        verified,
        "email,status\nanna@example.com,A\nbert@example.com,a\ncarl@example.com,active\n"
        "dora@example.com, U\nemil@example.com,U\nfrida@example.com,\ngert@example.com,D\n",
    )
    assert outcomes(job) == {
        2: ("created", ""),
        3: ("rejected", "invalid_status"),
        4: ("rejected", "invalid_status"),
        5: ("rejected", "invalid_status"),
        6: ("created", ""),
        7: ("created", ""),
        8: ("created", ""),
    }
    assert contact(verified, "emil@example.com").status == Status.UNSUBSCRIBED
    gert = Contact.objects.get(account=verified.alice_account, status=Status.DELETED)
    assert (gert.address, gert.first_name) == ("", "")
    assert not Contact.objects.filter(address__in=["bert@example.com", "carl@example.com"])


def test_import_005_syntax_role_duplicates_and_untrusted_addresses_are_rejected(
    verified: Any,
) -> None:
    contacts.suppress("trap@example.com", SuppressionReason.SPAM_TRAP)
    verified.add_contact(verified.charlie_account, "bouncy@example.com", status=Status.BOUNCED)
    job = run(
        verified,
        "email\nanna@example.com\nnot-an-address\nanna@@example.com\ninfo@example.com\n"
        "Support+x@example.com\nANNA@EXAMPLE.COM\nanna@example.com\ntrap@example.com\n"
        "bouncy@example.com\n\nbert@exa mple.com\n",
    )
    assert outcomes(job) == {
        2: ("created", ""),
        3: ("rejected", "invalid_syntax"),
        4: ("rejected", "invalid_syntax"),
        5: ("rejected", "role_address"),
        6: ("rejected", "role_address"),
        7: ("rejected", "duplicate_in_file"),  # one address identity: case is ignored
        8: ("rejected", "duplicate_in_file"),
        9: ("rejected", "suppressed"),
        10: ("rejected", "bouncing"),
        11: ("rejected", "empty_row"),
        12: ("rejected", "invalid_syntax"),
    }
    assert job.rows_total == job.rows_done == 11
    assert (job.created, job.rejected) == (1, 10)


def test_import_005_own_mail_server_accounts_may_import_untrusted_addresses(
    verified: Any,
) -> None:
    contacts.suppress("trap@example.com", SuppressionReason.COMPLAINT)
    with pytest.raises(RuleViolation, match="own mail server"):
        run(verified, "trap@example.com\n", import_untrusted=True)
    verified.alice_account.own_mail_server = True
    verified.alice_account.save(update_fields=["own_mail_server"])
    assert run(verified, "trap@example.com\n").rejected == 1
    job = run(verified, "trap@example.com\n", import_untrusted=True)
    assert job.created == 1


def test_import_005_duplicates_are_found_across_batches(verified: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "BATCH", 2)
    job = run(verified, "a1@example.com\na2@example.com\na3@example.com\na1@example.com\n")
    assert outcomes(job)[4] == ("rejected", "duplicate_in_file")
    assert job.created == 3


# --- IMPORT-7: existing contacts ----------------------------------------------------------


@pytest.mark.parametrize("status", [Status.UNSUBSCRIBED, Status.BOUNCED])
def test_import_007_a_reimport_never_reactivates_a_contact(verified: Any, status: str) -> None:
    """Invariant 4 on both databases: U and B stay, whatever the file says."""
    existing = verified.add_contact(
        verified.alice_account, "gone@example.com", status=status, legal_basis=""
    )
    before = EvidenceRecord.objects.filter(contact=existing).count()
    job = run(verified, "email,status\ngone@example.com,A\n")
    assert outcomes(job) == {2: ("unchanged", "status_kept")}
    job = run(verified, "email\ngone@example.com\n")
    assert outcomes(job) == {2: ("unchanged", "")}
    existing.refresh_from_db()
    assert existing.status == status
    assert EvidenceRecord.objects.filter(contact=existing).count() == before
    assert not Subscription.objects.filter(contact=existing, list=verified.alice_list).exists()


def test_import_007_a_deleted_contact_stays_deleted(verified: Any) -> None:
    gone = verified.add_contact(verified.alice_account, "del@example.com")
    contacts.delete_contact(gone, actor=SYSTEM)
    job = run(verified, "email,first_name,status\ndel@example.com,Dieter,A\n")
    assert outcomes(job) == {2: ("unchanged", "status_kept")}
    gone.refresh_from_db()
    assert (gone.status, gone.address, gone.first_name) == (Status.DELETED, "", "")


def test_import_007_an_import_may_lower_a_status(verified: Any) -> None:
    anna = verified.add_contact(verified.alice_account, "anna@example.com")
    job = run(verified, "email,status\nanna@example.com,U\nkunde@example.de,D\n")
    assert outcomes(job) == {2: ("updated", ""), 3: ("unchanged", "status_kept")}
    anna.refresh_from_db()
    assert anna.status == Status.UNSUBSCRIBED
    change = EvidenceRecord.objects.get(contact=anna, kind="status.changed")
    assert change.payload["from"] == "A" and change.payload["to"] == "U"
    assert contact(verified, "kunde@example.de").status == Status.ACTIVE


def test_import_007_only_empty_fields_are_filled_unless_overwrite(verified: Any) -> None:
    verified.add_contact(
        verified.alice_account, "anna@example.com", first_name="Anna", fields={"city": "Köln"}
    )
    content = "email,first_name,last_name,city,plan\nanna@example.com,Hanna,Schmidt,,gold\n"
    job = run(verified, content)
    assert outcomes(job) == {2: ("updated", "")}
    anna = contact(verified, "anna@example.com")
    assert (anna.first_name, anna.last_name) == ("Anna", "Schmidt")
    assert anna.fields == {"city": "Köln", "plan": "gold"}
    job = run(verified, content, overwrite=True)
    anna.refresh_from_db()
    assert anna.first_name == "Hanna" and anna.fields["city"] == "Köln"


def test_import_007_running_the_same_file_again_changes_nothing(verified: Any) -> None:
    verified.add_contact(verified.alice_account, "old@example.com", status=Status.UNSUBSCRIBED)
    content = (
        "email,first_name,status\nanna@example.com,Anna,A\nold@example.com,Olaf,A\n"
        "info@example.com,,A\nbert@example.com,Bert,U\n"
    )
    first = run(verified, content)
    assert (first.created, first.updated, first.rejected) == (2, 1, 1)
    snapshot = sorted(
        Contact.objects.filter(account=verified.alice_account).values_list(
            "address", "status", "first_name", "fields", "legal_basis"
        )
    )
    subs = Subscription.objects.count()
    contact_records = EvidenceRecord.objects.filter(contact__isnull=False).count()
    second = run(verified, content)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 3, 1)
    assert snapshot == sorted(
        Contact.objects.filter(account=verified.alice_account).values_list(
            "address", "status", "first_name", "fields", "legal_basis"
        )
    )
    assert Subscription.objects.count() == subs
    assert EvidenceRecord.objects.filter(contact__isnull=False).count() == contact_records
    assert chain_ok(verified)


# --- IMPORT-9 and the report ----------------------------------------------------------------


def test_import_009_rows_in_equal_rows_reported(verified: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "BATCH", 7)
    lines = [f"user{i}@example.com" if i % 5 else f"bad{i}" for i in range(1, 60)]
    job = run(verified, "\n".join(lines) + "\n", header=False)
    assert job.rows_total == job.rows_done == 59 == reports.count(job)
    assert job.created + job.updated + job.unchanged + job.rejected == 59
    assert sorted(outcomes(job)) == list(range(1, 60))


def test_import_009_the_report_csv_neutralises_formulas(verified: Any) -> None:
    job = run(verified, 'email\n=HYPERLINK("http://x")@example.com\n+1@example.com\n')
    report = "".join(selectors.report_lines(job)).splitlines()
    assert report[0] == "row,address,outcome,reason,reason_text,column"
    assert all(not line.split(",")[1].lstrip('"').startswith(("=", "+")) for line in report[1:])
    assert "'=HYPERLINK" in report[1] and "'+1@example.com" in report[2]


def test_import_009_a_batch_uses_a_fixed_number_of_queries(verified: Any) -> None:
    """The bulk path does not query per row: 20 or 200 rows cost the same queries."""

    def queries_for(count: int, offset: int) -> int:
        content = "".join(f"p{offset + i}@example.com,Name{i}\n" for i in range(count))
        job = services.create_import(
            verified.alice_account,
            verified.alice_list,
            io.BytesIO(content.encode()),
            file_name="q.csv",
            actor=SYSTEM,
            source="double_opt_in",
            header=False,
            mapping={"email": 1, "first_name": 2},
        )
        for which in services.ATTESTATIONS:
            services.attest(job, which, actor=SYSTEM, confirmed=True)
        services.start_import(job, actor=SYSTEM, enqueue=False)
        with CaptureQueriesContext(connection) as ctx:
            done = services.run_import(job.pk)
        assert done.created == count
        # SQLite splits a bulk INSERT at its bound-parameter limit: count statements by kind.
        return len({q["sql"][:60] for q in ctx.captured_queries})

    assert queries_for(20, 0) == queries_for(400, 1000)


# --- IMPORT-9: evidence and proof -----------------------------------------------------------


def test_import_009_each_created_contact_points_to_its_batch_record(
    verified: Any, capsys: Any
) -> None:
    job = run(verified, "email,first_name\nanna@example.com,Anna\nbert@example.com,Bert\n")
    started = EvidenceRecord.objects.get(kind="import.started")
    assert started.payload["file_sha256"] == job.file_sha256
    assert started.payload["attestations"] == {
        "origin": job.origin_attested_seq,
        "customer_contact": job.customer_attested_seq,
    }
    finished = EvidenceRecord.objects.get(kind="import.finished")
    assert finished.payload["created"] == 2 and finished.payload["rows"] == 2
    # One record for the batch, none per created contact: the contacts point to it.
    batch = EvidenceRecord.objects.get(kind="import.batch")
    assert batch.contact_id is None and batch.sealed is None
    assert batch.payload["import_record"] == started.seq
    assert batch.payload["file_sha256"] == job.file_sha256
    assert batch.payload["rows"] == [2, 3]
    assert batch.payload["outcomes"]["created"] == 2
    anna = contact(verified, "anna@example.com")
    assert (anna.import_record, anna.import_row, anna.import_status) == (batch.seq, 2, "A")
    assert not EvidenceRecord.objects.filter(contact=anna).exists()
    bundle = build_bundle(verified.alice_account, "anna@example.com")
    origin = bundle["import"]
    assert origin["import"] == job.pk and origin["file_sha256"] == job.file_sha256
    assert (origin["row"], origin["status"], origin["digest_ok"]) == (2, "A", True)
    kinds = [r["kind"] for r in bundle["records"]]
    assert kinds == ["import.attested", "import.attested", "import.started", "import.batch"]
    assert all(r["hash_ok"] for r in bundle["records"])
    assert bundle["records"][0]["wording"]["text"]
    call_command("proof", "alice-shop", "anna@example.com")
    printed = json.loads(capsys.readouterr().out)
    assert printed["import"]["import"] == job.pk and printed["import"]["row"] == 2
    assert chain_ok(verified)


def test_import_009_a_changed_import_pointer_fails_the_batch_digest(verified: Any) -> None:
    run(verified, "email\nanna@example.com\nbert@example.com\n")
    Contact.objects.filter(address="bert@example.com").update(import_row=9)
    # Bert's own proof and that of every other contact of the batch show the change.
    for address in ("anna@example.com", "bert@example.com"):
        assert build_bundle(verified.alice_account, address)["import"]["digest_ok"] is False
    Contact.objects.filter(address="bert@example.com").update(import_row=3)
    assert build_bundle(verified.alice_account, "bert@example.com")["import"]["digest_ok"]
    Contact.objects.filter(address="bert@example.com").update(import_status="U")
    assert not build_bundle(verified.alice_account, "anna@example.com")["import"]["digest_ok"]


def test_import_009_a_changed_batch_record_breaks_the_chain(verified: Any) -> None:
    run(verified, "email\nanna@example.com\n")
    batch = EvidenceRecord.objects.get(kind="import.batch")
    forged = {**batch.payload, "digest": "0" * 64}
    with connection.cursor() as cursor:
        # Past the append-only guard, as someone with database access would be.
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE consent_evidencerecord SET payload = %s WHERE id = %s",
            [json.dumps(forged), batch.pk],
        )
    bundle = build_bundle(verified.alice_account, "anna@example.com")
    assert bundle["import"]["digest_ok"] is False
    assert not next(r for r in bundle["records"] if r["kind"] == "import.batch")["hash_ok"]
    assert not chain_ok(verified)


def test_import_009_imported_contacts_get_a_data_key_only_when_needed(verified: Any) -> None:
    """Nothing personal of an imported contact is sealed, so no data key is made for it;
    deleting it still erases its data (STATUS-4)."""
    from consent.models import ContactKey

    run(verified, "email,first_name\nanna@example.com,Anna\n")
    anna = contact(verified, "anna@example.com")
    assert not ContactKey.objects.filter(contact=anna).exists()
    contacts.delete_contact(anna, actor=SYSTEM)
    anna.refresh_from_db()
    assert (anna.status, anna.address, anna.first_name) == ("D", "", "")
    bundle = build_bundle(verified.alice_account, "anna@example.com")
    assert bundle["import"]["digest_ok"] and chain_ok(verified)


# --- IMPORT-6: re-confirmation -----------------------------------------------------------


def test_import_006_reconfirmation_mails_and_keeps_contacts_pending(verified: Any) -> None:
    from carrier.models import CapturedMessage
    from consent import doi
    from consent.models import Confirmation

    job = run(verified, "email\nanna@example.com\n", reconfirm=True)
    anna = contact(verified, "anna@example.com")
    sub = Subscription.objects.get(contact=anna, list=verified.alice_list)
    assert sub.state == "pending"
    confirmation = Confirmation.objects.get(contact=anna)
    assert CapturedMessage.objects.count() == 1
    doi.confirm(doi.confirmation_token(confirmation), actor=SYSTEM)
    sub.refresh_from_db()
    assert sub.state == "confirmed"
    assert job.created == 1


# --- malformed files and resuming ----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'email,name\na@example.com,"open\n' + b"x" * 200_000 + b"\n",
        bytes(range(256)) * 40,
        b"PK\x03\x04" + b"\x00" * 200,
        b"",
    ],
    ids=["quote-never-closed", "binary", "broken-zip", "empty"],
)
def test_import_009_a_malformed_file_is_refused_with_nothing_written(
    verified: Any, content: bytes
) -> None:
    before = Contact.objects.count(), EvidenceRecord.objects.count()
    with pytest.raises(FileProblem):
        run(verified, content)
    assert (Contact.objects.count(), EvidenceRecord.objects.count()) == before
    assert not ImportJob.objects.exists()
    assert not list((Path(verified_var()) / "imports").glob("*"))


def test_import_009_an_interrupted_import_resumes_without_duplicates(
    verified: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "BATCH", 3)
    job = started(verified, "".join(f"r{i}@example.com\n" for i in range(10)))
    original = batches.apply
    monkeypatch.setattr(batches, "apply", dying_on_call(original, 3))
    failed = services.run_import(job.pk)
    assert (failed.state, failed.rows_done, failed.created) == ("failed", 6, 6)
    monkeypatch.setattr(batches, "apply", original)
    services.resume_import(failed, actor=SYSTEM, enqueue=False)
    done = services.run_import(job.pk)
    assert (done.state, done.rows_done, done.created) == ("done", 10, 10)
    assert Contact.objects.filter(address__startswith="r").count() == 10
    assert reports.count(done) == 10
    assert chain_ok(verified)


def test_import_009_charlie_cannot_import_into_alices_list(verified: Any) -> None:
    from core.errors import NotFound

    with pytest.raises(NotFound):
        services.create_import(
            verified.charlie_account,
            verified.alice_list,
            io.BytesIO(b"x@example.com\n"),
            file_name="x.csv",
            actor=SYSTEM,
            source="double_opt_in",
        )


def test_cause_is_import_in_every_import_record(verified: Any) -> None:
    verified.add_contact(verified.alice_account, "carl@example.com")
    run(verified, "email,status\nanna@example.com,A\nbert@example.com,U\ncarl@example.com,U\n")
    batch = EvidenceRecord.objects.get(kind="import.batch")
    assert batch.payload["cause"] == Cause.IMPORT.value
    assert batch.payload["statuses"] == {"A": 1, "U": 1}
    carl = contact(verified, "carl@example.com")
    change = EvidenceRecord.objects.get(contact=carl, kind="status.changed")
    assert change.payload["cause"] == Cause.IMPORT.value
    assert (change.payload["batch_record"], change.payload["row"]) == (batch.seq, 4)
    assert change.seq > batch.seq


def test_import_009_a_stored_file_that_changed_is_not_imported(verified: Any) -> None:
    """The evidence names the file by its SHA-256; other bytes are never imported."""
    job = _draft(verified, "anna@example.com\n")
    for which in services.ATTESTATIONS:
        services.attest(job, which, actor=SYSTEM, confirmed=True)
    services.start_import(job, actor=SYSTEM, enqueue=False)
    Path(job.file_path).write_text("mallory@example.com\n")
    failed = services.run_import(job.pk)
    assert failed.state == "failed" and "changed" in failed.error
    assert not Contact.objects.filter(address__in=["mallory@example.com", "anna@example.com"])
