"""Background entry points for imports (run by `consentry worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def check_import_task(job_id: int) -> dict[str, Any]:
    """IMPORT-9: read a large upload through for its checks; the job row counts the rows."""
    from imports import services

    job = services.check_import(job_id)
    return {"state": job.state, "rows": job.rows_total}


@task()
def run_import_task(job_id: int) -> dict[str, int]:
    """IMPORT-9: stream one import in batches; the job row carries its progress."""
    from imports import services

    job = services.run_import(job_id)
    return {
        "rows": job.rows_done,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
    }


@task()
def tend_reports_task() -> dict[str, int]:
    """STATUS-4/PRIVACY-1: erased contacts' addresses blanked in import reports; reports
    past their retention deleted."""
    from imports import services

    return services.tend_reports()
