"""Imports in the operator's admin: visible, never added, changed or deleted there."""

from __future__ import annotations

from typing import Any

from imports.tests.conftest import run


def test_operators_see_imports_read_only(verified: Any) -> None:
    job = run(verified, "anna@example.com\n")
    admin = verified.client_for(verified.operator)
    listing = admin.get("/admin/imports/importjob/")
    assert listing.status_code == 200 and "kunden" not in listing.content.decode()
    page = admin.get(f"/admin/imports/importjob/{job.pk}/change/").content.decode()
    assert job.file_sha256 in page and "file_path" not in page
    assert 'name="_save"' not in page
    assert admin.get("/admin/imports/importjob/add/").status_code == 403
    assert admin.post(f"/admin/imports/importjob/{job.pk}/delete/").status_code == 403
    assert verified.client_for(verified.alice).get("/admin/imports/importjob/").status_code == 302


def test_the_import_models_pass_the_system_checks(db: Any) -> None:
    from django.core import checks

    assert [m for m in checks.run_checks() if "imports" in str(m.obj)] == []
