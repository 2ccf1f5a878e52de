"""Background entry points for imports (run by `consentry worker`)."""

from __future__ import annotations

from django_tasks import task


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
