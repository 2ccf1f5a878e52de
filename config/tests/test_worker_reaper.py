"""A task worker that dies leaves nothing stuck: its tasks are taken back (config.workers).

Before, a worker SIGKILLed while `tend_sends` ran left that task RUNNING for ever; a
periodic task that is RUNNING is never enqueued again, so the send stayed "sending".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from config.models import WorkerBeat
from config.workers import (
    UNTRACKED_AFTER,
    Heartbeat,
    process_gone,
    process_space,
    reap_lost_tasks,
)
from core.periodic import enqueue_due

ROOT = Path(__file__).resolve().parents[2]
TEND = "delivery.sends.tend_sends"


def running(worker_id: str, *, task_path: str = TEND, started: Any = None) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [], "kwargs": {}},
        task_path=task_path,
        backend_name="default",
        run_after=now,
        started_at=started or now,
        worker_ids=[worker_id],
    )


def beat(worker_id: str, seen: Any) -> None:
    WorkerBeat.objects.create(worker_id=worker_id, host="h", pid=1, started_at=seen, seen_at=seen)


@pytest.fixture
def database_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WORKER_LOST_SECONDS = 60


def test_a_dead_workers_task_is_taken_back_and_tending_resumes(
    db: Any, database_tasks: None
) -> None:
    now = timezone.now()
    beat("dead", now - timedelta(seconds=61))
    stuck = running("dead")
    # While it is RUNNING, the periodic tending of sends is never enqueued again.
    assert "sends.tend" not in enqueue_due(now)
    assert reap_lost_tasks(now) == [str(stuck.pk)]
    stuck.refresh_from_db()
    assert stuck.status == TaskResultStatus.FAILED
    assert stuck.exception_class_path == "config.workers.WorkerLost"
    assert "worker dead stopped beating" in stuck.traceback
    assert "sends.tend" in enqueue_due(now + timedelta(minutes=2))


def test_a_live_or_just_late_worker_keeps_its_task(db: Any, database_tasks: None) -> None:
    now = timezone.now()
    beat("alive", now - timedelta(seconds=59))
    task = running("alive")
    assert reap_lost_tasks(now) == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_worker_that_never_beat_is_believed_for_hours(db: Any, database_tasks: None) -> None:
    now = timezone.now()
    recent = running("bare-db-worker", started=now - UNTRACKED_AFTER + timedelta(minutes=1))
    old = running("bare-db-worker", started=now - UNTRACKED_AFTER - timedelta(minutes=1))
    assert reap_lost_tasks(now) == [str(old.pk)]
    recent.refresh_from_db()
    assert recent.status == TaskResultStatus.RUNNING


def test_a_task_that_finished_meanwhile_keeps_its_result(db: Any, database_tasks: None) -> None:
    now = timezone.now()
    beat("slow", now - timedelta(minutes=5))
    task = running("slow")
    DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.SUCCESSFUL)
    assert reap_lost_tasks(now) == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_and_a_clean_exit_removes_it() -> None:
    """Its own thread writes, on its own connection, outside any test transaction."""
    heartbeat = Heartbeat("w-clean", every=0.05)
    heartbeat.start()
    first = WorkerBeat.objects.get(worker_id="w-clean").seen_at
    deadline = time.monotonic() + 10
    while WorkerBeat.objects.get(worker_id="w-clean").seen_at == first:
        assert time.monotonic() < deadline, "no second beat"
        time.sleep(0.05)
    heartbeat.stop()
    assert not WorkerBeat.objects.filter(worker_id="w-clean").exists()


def test_a_worker_of_this_machine_whose_process_is_gone_is_lost_at_once(
    db: Any, database_tasks: None
) -> None:
    """Same kernel boot and process-id namespace: its process id tells. A process that
    still runs, or a worker elsewhere (another space), is judged by its heartbeat."""
    now = timezone.now()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    for worker_id, pid, space in (
        ("ended", ended.pid, process_space()),
        ("running", os.getpid(), process_space()),
        ("elsewhere", ended.pid, "another-boot:1"),
    ):
        WorkerBeat.objects.create(
            worker_id=worker_id, host="h", pid=pid, space=space, started_at=now, seen_at=now
        )
    tasks = {w: running(w) for w in ("ended", "running", "elsewhere")}
    assert reap_lost_tasks(now) == [str(tasks["ended"].pk)]
    assert not WorkerBeat.objects.filter(worker_id="ended").exists()
    assert process_gone(ended.pid) and not process_gone(os.getpid())


def test_old_heartbeats_are_forgotten(db: Any, database_tasks: None) -> None:
    now = timezone.now()
    beat("gone", now - timedelta(days=2))
    reap_lost_tasks(now)
    assert not WorkerBeat.objects.filter(worker_id="gone").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL")
def test_a_sigkilled_worker_process_is_noticed_and_its_task_taken_back(
    database_tasks: None,
) -> None:
    """A real `consentry worker`, killed while it runs a task that blocks: its heartbeat
    stops, its task stays RUNNING, and the reaper takes it back once it is late."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        "CONSENTRY_LOG_LEVEL": "WARNING",
    }
    # The task blocks on a row lock this test holds: the worker is inside it when killed.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE reaper_lock (id int PRIMARY KEY)")
        cursor.execute("INSERT INTO reaper_lock VALUES (1)")
    from config.tests import blocking_task

    blocking_task.block.enqueue()
    proc = subprocess.Popen(
        [sys.executable, "-m", "config.cli", "worker", "--no-startup-delay", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM reaper_lock WHERE id = 1 FOR UPDATE")
            deadline = time.monotonic() + 60
            while not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists():
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
                time.sleep(0.1)
            time.sleep(0.5)  # inside the task, waiting for the lock
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            cursor.execute("ROLLBACK")
        task = DBTaskResult.objects.get()
        (worker_id,) = task.worker_ids
        assert task.status == TaskResultStatus.RUNNING
        assert WorkerBeat.objects.filter(worker_id=worker_id).exists()
        # It beat a moment ago, but it ran here and its process is gone: taken back at once.
        assert reap_lost_tasks() == [str(task.pk)]
        task.refresh_from_db()
        assert task.status == TaskResultStatus.FAILED
        assert "its process ended" in task.traceback
    finally:
        if proc.poll() is None:
            proc.kill()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS reaper_lock")
