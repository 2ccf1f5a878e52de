"""The report's move from database rows into a file per import keeps every earlier report."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("imports", "0003_import_row_unchecked_references")]
AFTER = [("imports", "0004_report_as_file")]


def test_import_005_earlier_reports_move_into_their_files(
    transactional_db: Any, settings: Any, tmp_path: Path
) -> None:
    from contacts.testing import Personas

    settings.VAR_DIR = tmp_path
    world = Personas()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        job = old.get_model("imports", "ImportJob").objects.create(
            account_id=world.alice_account.pk,
            list_id=world.alice_list.pk,
            actor="system:test",
            state="done",
            source="double_opt_in",
            file_name="old.csv",
            file_path="",
            file_sha256="0" * 64,
            rows_total=3,
            rows_done=3,
            created_at=timezone.now(),
        )
        row = old.get_model("imports", "ImportRow")
        row.objects.bulk_create(
            [
                row(
                    job_id=job.pk,
                    row=3,
                    address="=cmd()",
                    outcome="rejected",
                    reason="invalid_syntax",
                ),
                row(job_id=job.pk, row=1, address='a,"b"@example.com', outcome="created"),
                row(
                    job_id=job.pk,
                    row=2,
                    address="info@example.com",
                    outcome="rejected",
                    reason="role_address",
                ),
            ]
        )
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())

    from imports import reports, selectors
    from imports.models import ImportJob

    moved = ImportJob.objects.get(pk=job.pk)
    assert list(reports.lines(moved)) == [
        (1, 'a,"b"@example.com', "created", ""),
        (2, "info@example.com", "rejected", "role_address"),
        (3, "=cmd()", "rejected", "invalid_syntax"),
    ]
    assert moved.reasons == {"role_address": 1, "invalid_syntax": 1}
    path = Path(moved.report_path)
    assert path.parent == tmp_path / "imports"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_size == moved.report_size
    # The download neutralises what the file keeps as it was.
    assert "'=cmd()" in "".join(selectors.report_lines(moved))
