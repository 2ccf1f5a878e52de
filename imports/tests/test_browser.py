"""The import pages in a real browser: Playwright drives Debian's Chromium against a live
server, from the upload with a column mapping through both attestations to the summary
and the downloaded report."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from consent.models import EvidenceRecord
from contacts.models import Contact
from contacts.testing import PASSWORD, SYSTEM, Personas
from core.browser import PNG_SIGNATURE
from domains import services as domains
from domains.models import SenderDomain
from domains.rules import DomainStatus

pytestmark = pytest.mark.browser

CSV = (
    "Adresse;Vorname;Formel\n"
    "lena@example.de;Lena;=1+1\n"
    "info@example.de;Info;\n"
    "kein-at-zeichen;Nobody;\n"
    "lena@EXAMPLE.de;Lena;\n"
)


def test_import_the_browser_walks_from_upload_to_the_report(
    transactional_db: Any, live_server: Any, page: Any, tmp_path: Path, settings: Any
) -> None:
    from playwright.sync_api import expect

    settings.VAR_DIR = tmp_path
    world = Personas()
    domain = domains.add_domain(world.alice_account, "news.alice.example", actor=SYSTEM)
    # The domain's DNS check has tests of its own: here it is simply verified.
    SenderDomain.objects.filter(pk=domain.pk).update(status=DomainStatus.VERIFIED)
    upload = tmp_path / "kunden.csv"
    upload.write_text(CSV, encoding="utf-8")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/a/alice-shop/imports/")
    expect(page.get_by_role("heading", name="Import contacts")).to_be_visible()

    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_label("List", exact=True).select_option(label="Newsletter")
    page.get_by_text("File layout and options").click()
    page.get_by_label("Address column").fill("Adresse")
    page.get_by_label("First name column").fill("2")
    page.get_by_role("button", name="Upload and check the file").click()

    # The file as it was read, before anything is imported.
    expect(page.get_by_role("heading", name=re.compile("Step 1 of 2"))).to_be_visible()
    columns = page.locator("#import-columns")
    expect(columns).to_contain_text("1 (Adresse)")
    expect(columns).to_contain_text("2 (Vorname)")
    expect(page.locator(".facts")).to_contain_text("delimiter: semicolon ;")
    assert not Contact.objects.filter(address="lena@example.de").exists()

    # The box is required: the browser does not send the form without it.
    confirm = page.get_by_role("button", name="Confirm and continue")
    confirm.click()
    expect(page.get_by_role("heading", name=re.compile("Step 1 of 2"))).to_be_visible()
    assert not EvidenceRecord.objects.filter(kind="import.attested").exists()
    page.get_by_role("checkbox").check()
    confirm.click()
    expect(page.get_by_role("heading", name=re.compile("Step 2 of 2"))).to_be_visible()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Confirm and start the import").click()

    expect(page.get_by_role("heading", name="Import done")).to_be_visible()
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("Created")
    expect(page.locator("#import-progress")).to_contain_text("role_address")
    expect(page.locator("#import-progress")).to_contain_text("duplicate_in_file")
    lena = Contact.objects.get(account=world.alice_account, address="lena@example.de")
    assert lena.first_name == "Lena" and lena.fields == {"Formel": "=1+1"}

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (CSV)").click()
    download = download_info.value
    report = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert report[0] == ["row", "address", "outcome", "reason", "reason_text", "column"]
    assert [(r[0], r[2], r[3]) for r in report[1:]] == [
        ("2", "created", ""),
        ("3", "rejected", "role_address"),
        ("4", "rejected", "invalid_syntax"),
        ("5", "rejected", "duplicate_in_file"),
    ]

    shot = tmp_path / "import.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


def test_import_009_the_browser_imports_a_headerless_file_with_a_given_delimiter(
    transactional_db: Any, live_server: Any, page: Any, tmp_path: Path, settings: Any
) -> None:
    """The delimiter chosen on the form; the check names the columns a file without
    header row leaves out before anything is imported; a ragged row is rejected alone."""
    from playwright.sync_api import expect

    settings.VAR_DIR = tmp_path
    world = Personas()
    domain = domains.add_domain(world.alice_account, "news.alice.example", actor=SYSTEM)
    SenderDomain.objects.filter(pk=domain.pk).update(status=DomainStatus.VERIFIED)
    upload = tmp_path / "ohne-kopf.csv"
    upload.write_text(
        "lena@example.de;Lena;Bonn, Rhein\nmax@example.de;Max\nota@example.de;Ota;Köln\n",
        encoding="utf-8",
    )

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/a/alice-shop/imports/")
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_label("List", exact=True).select_option(label="Newsletter")
    page.get_by_text("File layout and options").click()
    page.get_by_label("First row").select_option(label="is data")
    page.get_by_label("Delimiter").select_option(label="semicolon ;")
    page.get_by_role("button", name="Upload and check the file").click()

    expect(page.get_by_role("heading", name=re.compile("Step 1 of 2"))).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("delimiter: semicolon ; (as given)")
    notice = page.locator("#import-unused-columns")
    expect(notice).to_contain_text("Columns 2 and 3 are not imported")
    expect(notice).to_contain_text("first_name=2")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Confirm and start the import").click()

    expect(page.get_by_role("heading", name="Import done")).to_be_visible()
    expect(page.locator("#import-progress")).to_contain_text("missing_fields")
    expect(page.locator("#import-progress")).to_contain_text("columns_not_imported")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (CSV)").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    report = list(csv.reader(io.StringIO(text)))
    assert [(r[0], r[2], r[3], r[5]) for r in report[1:]] == [
        ("1", "created", "columns_not_imported", "2, 3"),
        ("2", "rejected", "missing_fields", "3"),
        ("3", "created", "columns_not_imported", "2, 3"),
    ]


def test_import_a_large_file_is_checked_while_its_page_waits(
    transactional_db: Any, live_server: Any, page: Any, tmp_path: Path, settings: Any
) -> None:
    """Checked by the worker (here: by the test, once the page shows it waiting); the
    page polls, then shows the first step by itself."""
    from playwright.sync_api import expect

    from imports import services
    from imports.models import ImportJob

    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    world = Personas()
    domain = domains.add_domain(world.alice_account, "news.alice.example", actor=SYSTEM)
    SenderDomain.objects.filter(pk=domain.pk).update(status=DomainStatus.VERIFIED)
    upload = tmp_path / "gross.csv"
    upload.write_text(CSV, encoding="utf-8")
    original = services.CHECK_IN_REQUEST["csv"]
    services.CHECK_IN_REQUEST["csv"] = 10
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/a/alice-shop/imports/")
        page.get_by_label("File", exact=True).set_input_files(str(upload))
        page.get_by_label("List", exact=True).select_option(label="Newsletter")
        page.get_by_text("File layout and options").click()
        page.get_by_label("Address column").fill("Adresse")
        page.get_by_role("button", name="Upload and check the file").click()
        expect(page.get_by_role("heading", name="Checking the file…")).to_be_visible()
        expect(page.locator("#attestation-step")).to_have_count(0)
        services.check_import(ImportJob.objects.get().pk)
        expect(page.get_by_role("heading", name=re.compile("Step 1 of 2"))).to_be_visible()
        expect(page.locator(".facts")).to_contain_text("delimiter: semicolon ;")
        expect(page.locator("#import-columns")).to_contain_text("1 (Adresse)")
    finally:
        services.CHECK_IN_REQUEST["csv"] = original
