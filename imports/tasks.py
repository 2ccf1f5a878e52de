"""Background entry points for imports (run by `consentry worker`).

An import's own tasks live with the services that enqueue them
(imports.services.check_import_task and run_import_task); the names below keep rows
queued under their earlier paths runnable.
"""

from __future__ import annotations

from django_tasks import task

from imports import services
from imports.services import check_import_task, run_import_task

__all__ = ["check_import_task", "run_import_task", "tend_reports_task"]


@task()
def tend_reports_task() -> dict[str, int]:
    """STATUS-4/PRIVACY-1: erased contacts' addresses blanked in import reports; reports
    past their retention deleted."""
    return services.tend_reports()
