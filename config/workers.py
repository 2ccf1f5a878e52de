"""Task workers that die are noticed: each `consentry worker` beats, the scheduler reaps.

A worker killed (SIGKILL, a lost machine) leaves the task it ran in state RUNNING for ever:
django-tasks knows no owner of a running task. A periodic task that is RUNNING is never
enqueued again (core.periodic), so a send whose `tend_sends` died with its worker stayed
"sending" for good. Every `consentry worker` therefore writes a heartbeat row every
BEAT_SECONDS; `consentry scheduler` marks a RUNNING task FAILED once the worker that claimed
it has not beaten for `WORKER_LOST_SECONDS` — at once when the worker ran on the
scheduler's machine and its process is gone — (or, for a worker that never beat, such as a
bare `db_worker`, once the task has run for UNTRACKED_AFTER). What the task was doing is
then taken over by the platform's own rules: a send's held rows get their outcome from the
worker's journal (delivery.journal), or become `unknown` when their lease runs out, its
queued rows are enqueued again by the next `tend_sends`, and the send finishes by itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from config.models import WorkerBeat

log = logging.getLogger(__name__)

BEAT_SECONDS = 10.0
PROC = Path("/proc")
# A worker that never beat (not started by `consentry worker`) is believed this long.
UNTRACKED_AFTER = timedelta(hours=6)
# Heartbeats of workers gone this long are deleted.
FORGET_AFTER = timedelta(days=1)


def process_space() -> str:
    """Where a process id names the same process: this boot of the kernel and this
    process-id namespace (containers on one kernel have their own). "" where unknown."""
    try:
        boot = (PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        return f"{boot}:{os.stat(PROC / 'self/ns/pid').st_ino}"
    except OSError:
        return ""


def process_gone(pid: int) -> bool:
    """The process of this space with this id has ended (or is a zombie). A reused id
    counts as alive: the worker is then judged by its heartbeat alone."""
    try:
        state = (PROC / str(pid) / "stat").read_text(encoding="ascii").rpartition(")")[2].split()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return bool(state) and state[0] in ("Z", "X")


class WorkerLost(Exception):
    """The worker that ran the task stopped beating: it died while running it."""


class Heartbeat:
    """A thread of the worker process that writes its heartbeat until stopped."""

    def __init__(self, worker_id: str, *, every: float = BEAT_SECONDS) -> None:
        self.worker_id = worker_id
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        now = timezone.now()
        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "space": process_space(),
                "started_at": now,
                "seen_at": now,
            },
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    WorkerBeat.objects.filter(worker_id=self.worker_id).update(
                        seen_at=timezone.now()
                    )
                except Exception:  # a database restart: the next beat tries again
                    log.exception("worker %s: heartbeat not written", self.worker_id)
                    close_old_connections()
        finally:
            connection.close()

    def stop(self) -> None:
        """A clean exit: the worker is gone, not lost."""
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        WorkerBeat.objects.filter(worker_id=self.worker_id).delete()


def reap_lost_tasks(now: datetime | None = None) -> list[str]:
    """Mark FAILED every RUNNING task whose worker died; the ids of the tasks reaped.

    A worker died once its heartbeat is WORKER_LOST_SECONDS late, or at once when it ran
    where this process runs (same kernel boot and process-id namespace) and its process
    is gone."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    lost_after = timedelta(seconds=settings.WORKER_LOST_SECONDS)
    here = process_space()
    beats: dict[str, datetime] = {}
    gone: set[str] = set()
    for worker_id, seen, space, pid in WorkerBeat.objects.values_list(
        "worker_id", "seen_at", "space", "pid"
    ):
        beats[worker_id] = seen
        if here and space == here and process_gone(pid):
            gone.add(worker_id)
    reaped = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "started_at", "task_path"
    )
    for task in running:
        worker = task.worker_ids[-1] if task.worker_ids else ""
        last_beat = beats.get(worker)
        if worker in gone:
            lost, since = True, now  # its process ended on this machine
        elif last_beat is not None:
            lost, since = last_beat < now - lost_after, last_beat
        else:
            started = task.started_at or now
            lost, since = started < now - UNTRACKED_AFTER, started
        if not lost:
            continue
        what = "its process ended" if worker in gone else f"stopped beating at {since.isoformat()}"
        note = (
            f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: worker {worker or '?'} "
            f"{what}; the task was taken back at {now.isoformat()}\n"
        )
        # Only while still RUNNING: a worker that was merely slow and finished keeps its result.
        taken = DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=note,
            return_value=None,
        )
        if taken:
            reaped.append(str(task.pk))
            log.warning(
                "task %s (%s): its worker %s died; taken back", task.pk, task.task_path, worker
            )
    WorkerBeat.objects.filter(Q(seen_at__lt=now - FORGET_AFTER) | Q(worker_id__in=gone)).delete()
    return reaped
