"""`consentry scheduler` and its table (core.periodic): due tasks are enqueued once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from core.periodic import LastRun, PeriodicTask, enqueue_due, is_due, schedule

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOURLY = PeriodicTask("x", timedelta(hours=1), "x.tasks.x")


def test_it_is_due_after_its_interval_and_never_while_a_run_waits() -> None:
    assert is_due(HOURLY, LastRun(None, False), NOW)
    assert not is_due(HOURLY, LastRun(NOW - timedelta(minutes=59), False), NOW)
    assert is_due(HOURLY, LastRun(NOW - timedelta(hours=1), False), NOW)
    # A stopped worker does not make the queue pile up.
    assert not is_due(HOURLY, LastRun(NOW - timedelta(days=2), True), NOW)


def test_the_table_rechecks_sender_domains(settings: Any) -> None:
    """DOMAIN-1: verified domains are rechecked periodically."""
    settings.DOMAIN_RECHECK_MINUTES = 30
    entry = next(e for e in schedule() if e.name == "domains.recheck")
    assert entry.interval == timedelta(minutes=30)
    assert entry.task_path == "domains.tasks.recheck_verified_domains"


def test_it_enqueues_a_due_task_once(db: Any, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    names = [e.name for e in schedule()]
    assert {"domains.recheck", "signups.expire", "sends.tend", "unsubscribes.apply"} <= set(names)
    assert enqueue_due() == names
    assert enqueue_due() == []  # waiting for a worker
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == {e.task_path for e in schedule()}
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert enqueue_due() == []  # ran within the interval
    later = datetime.now(UTC) + timedelta(minutes=settings.DOMAIN_RECHECK_MINUTES)
    assert enqueue_due(now=later) == names


def test_the_command_looks_once(db: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert out.getvalue() == "".join(f"enqueued {e.name}\n" for e in schedule())


def test_the_scheduler_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CONSENTRY_VAR_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "config.cli", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    with (tmp_path / "stderr").open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "config.cli", "scheduler", "--tick", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert proc.stdout is not None
        for entry in schedule():
            assert proc.stdout.readline() == f"enqueued {entry.name}\n"
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, (tmp_path / "stderr").read_text()
    assert output == "scheduler stopped.\n"
