"""The import pages: upload, two attestation steps, progress by htmx, summary, report."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from consent.models import EvidenceRecord
from contacts.models import Contact
from imports.models import ImportJob

URL = "/a/alice-shop/imports/"
CSV = b"email;first_name\nanna@example.com;Anna\ninfo@example.com;\n"


def upload(client: Client, world: Any, **fields: Any) -> Any:
    data = {
        "file": SimpleUploadedFile("kunden.csv", fields.pop("content", CSV), "text/csv"),
        "list_id": world.alice_list.pk,
        "source": "double_opt_in",
        "header": "auto",
        **fields,
    }
    return client.post(URL, data)


def test_import_the_pages_walk_through_upload_attestations_and_summary(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    page = alice.get(URL)
    assert page.status_code == 200 and 'aria-current="page">Imports</a>' in page.content.decode()
    response = upload(alice, verified)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}{job.pk}/"
    step1 = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "Step 1 of 2" in step1 and "none of them were bought" in step1
    assert not Contact.objects.filter(address="anna@example.com").exists()
    # An unticked box changes nothing.
    alice.post(f"{URL}{job.pk}/attest/origin/", {})
    assert "Step 1 of 2" in alice.get(f"{URL}{job.pk}/").content.decode()
    alice.post(f"{URL}{job.pk}/attest/origin/", {"confirmed": "on"}, REMOTE_ADDR="203.0.113.9")
    step2 = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "Step 2 of 2" in step2 and "183 days" in step2
    assert not Contact.objects.filter(address="anna@example.com").exists()
    alice.post(f"{URL}{job.pk}/attest/customer_contact/", {"confirmed": "on"})
    summary = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "Import done" in summary and "role_address" in summary
    partial = alice.get(f"{URL}{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section class="card" id="import-progress"')
    assert "hx-trigger" not in partial  # done: polling stops
    report = alice.get(f"{URL}{job.pk}/report.csv")
    assert b"".join(report.streaming_content).decode().count("\n") == 3
    attestations = EvidenceRecord.objects.filter(kind="import.attested")
    assert {r.actor for r in attestations} == {f"user:{verified.alice.pk}"}
    assert Contact.objects.get(address="anna@example.com").first_name == "Anna"


def test_import_a_running_import_polls_its_progress(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    upload(alice, verified)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state="running", rows_done=1)
    partial = alice.get(f"{URL}{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and 'value="50"' in partial


def test_import_the_upload_shows_refusals_on_the_form(verified: Any, world: Any) -> None:
    alice = verified.client_for(verified.alice)
    response = upload(alice, verified, source="business_card")
    assert response.status_code == 400 and "written proof" in response.content.decode()
    garbage = upload(alice, verified, content=b"\x00\x01garbage")
    assert garbage.status_code == 400 and "not a text file" in garbage.content.decode()
    assert not ImportJob.objects.exists()


def test_import_001_the_page_says_why_an_account_cannot_import(world: Any) -> None:
    page = world.client_for(world.alice).get(URL).content.decode()
    assert "verified sender domain" in page


def test_import_charlie_gets_404_and_wrong_methods_405(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    upload(alice, verified)
    job = ImportJob.objects.get()
    charlie = verified.client_for(verified.charlie)
    assert charlie.get(URL).status_code == 404
    for path in ("", "progress/", "report.csv"):
        assert charlie.get(f"{URL}{job.pk}/{path}").status_code == 404
    assert charlie.post(f"{URL}{job.pk}/attest/origin/", {"confirmed": "on"}).status_code == 404
    assert charlie.post(f"{URL}{job.pk}/resume/").status_code == 404
    job.refresh_from_db()
    assert job.origin_attested_seq is None
    assert alice.put(URL).status_code == 405
    assert alice.post(f"{URL}{job.pk}/").status_code == 405
    assert alice.get(f"{URL}{job.pk}/attest/origin/").status_code == 405
    assert Client().get(URL).status_code == 302


def test_import_009_an_imported_contact_shows_its_import_on_its_page_and_proof(
    verified: Any,
) -> None:
    from imports.tests.conftest import run

    job = run(verified, "email\nanna@example.com\n")
    anna = Contact.objects.get(address="anna@example.com")
    alice = verified.client_for(verified.alice)
    page = alice.get(f"/a/alice-shop/contacts/{anna.pk}/").content.decode()
    assert "Imported" in page and f"import:{job.pk}" in page and "<b>A</b>" in page
    proof = alice.get(f"/a/alice-shop/contacts/{anna.pk}/proof/").content.decode()
    assert "Row in the file" in proof and job.file_sha256 in proof
    assert "row and contact match the batch digest" in proof
    data = alice.get(f"/a/alice-shop/contacts/{anna.pk}/proof/?format=json").json()
    assert data["import"]["row"] == 2 and data["import"]["digest_ok"] is True


def test_import_009_the_form_maps_every_column_by_name_or_number(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    content = (
        b"addr,given,state,Stadt\nmapped@example.com,Mia,A,Wien\ngone@example.com,Gil,U,Graz\n"
    )
    upload(
        alice,
        verified,
        content=content,
        email_column="addr",
        first_name_column="2",
        status_column="State",
    )
    job = ImportJob.objects.get()
    assert job.mapping["roles"] == {"email": 0, "first_name": 1, "status": 2}
    assert job.mapping["custom"] == {"Stadt": 3}
    page = alice.get(f"{URL}{job.pk}/").content.decode()
    layout = page[page.index('id="import-columns"') :]
    for role, column in (
        ("email", "1 (addr)"),
        ("first_name", "2 (given)"),
        ("Stadt", "4 (Stadt)"),
    ):
        assert f"<td>{role}</td><td>{column}</td>" in layout
    alice.post(f"{URL}{job.pk}/attest/origin/", {"confirmed": "on"})
    alice.post(f"{URL}{job.pk}/attest/customer_contact/", {"confirmed": "on"})
    mapped = Contact.objects.get(address="mapped@example.com")
    assert (mapped.first_name, mapped.status, mapped.fields) == ("Mia", "A", {"Stadt": "Wien"})
    assert Contact.objects.get(address="gone@example.com").status == "U"


def test_import_009_a_mapping_to_a_missing_column_is_shown_on_the_form(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    for mapped, error in (
        (
            {"last_name_column": "Nachname"},
            "last_name: the file has no column named &#x27;Nachname&#x27;",
        ),
        ({"first_name_column": "9"}, "first_name: the file has no column 9"),
    ):
        response = upload(alice, verified, **mapped)
        assert response.status_code == 400
        assert error in response.content.decode()
    assert not ImportJob.objects.exists()


def test_import_009_the_upload_takes_the_delimiter(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    form = alice.get(URL).content.decode()
    assert 'name="delimiter"' in form and '<option value="tab">tab</option>' in form
    # Found by itself, the semicolon would win: it makes more fields.
    content = b"email,note;x;y\nanna@example.com,a;b;c\n"
    response = upload(alice, verified, content=content, delimiter=",")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.delimiter == ","
    page = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "delimiter: comma , (as given)" in page
    tabs = upload(alice, verified, content=b"email\tname\nbert@example.com\tB\n", delimiter="tab")
    assert tabs.status_code == 302 and ImportJob.objects.latest("pk").delimiter == "\t"


def test_import_009_the_upload_refuses_another_delimiter(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    response = upload(alice, verified, delimiter=":")
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_import_009_the_delimiter_label_is_translated(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    german = alice.get(URL, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '">Trennzeichen <span' in german and ">Semikolon ;</option>" in german
    french = alice.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '">Séparateur <span' in french and ">point-virgule ;</option>" in french


def test_import_009_the_check_names_the_columns_a_headerless_file_leaves_out(
    verified: Any,
) -> None:
    alice = verified.client_for(verified.alice)
    upload(alice, verified, content=b"anna@example.com,Anna,Adler\n", header="no")
    job = ImportJob.objects.get()
    page = alice.get(f"{URL}{job.pk}/").content.decode()
    assert 'id="import-unused-columns"' in page and "Step 1 of 2" in page
    assert "Columns 2 and 3 are not imported" in page and "header row" in page
    german = alice.get(f"{URL}{job.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Die Spalten 2 und 3 werden nicht importiert" in german
    charlie = verified.client_for(verified.charlie)
    assert charlie.get(f"{URL}{job.pk}/").status_code == 404
    alice.post(f"{URL}{job.pk}/attest/origin/", {"confirmed": "on"})
    alice.post(f"{URL}{job.pk}/attest/customer_contact/", {"confirmed": "on"})
    done = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "Import done" in done and 'id="import-unused-columns"' in done
    assert "columns_not_imported" in done


def test_import_005_the_summary_lists_a_ragged_row(verified: Any) -> None:
    alice = verified.client_for(verified.alice)
    content = b"email;first_name\nanna@example.com;Anna\nbert@example.com;Bert;x\n"
    upload(alice, verified, content=content)
    job = ImportJob.objects.get()
    alice.post(f"{URL}{job.pk}/attest/origin/", {"confirmed": "on"})
    alice.post(f"{URL}{job.pk}/attest/customer_contact/", {"confirmed": "on"})
    done = alice.get(f"{URL}{job.pk}/").content.decode()
    assert "Import done" in done and "extra_fields" in done
    report = alice.get(f"{URL}{job.pk}/report.csv")
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert lines[2].startswith("3,bert@example.com,rejected,extra_fields,")
    assert lines[2].endswith(",3")
