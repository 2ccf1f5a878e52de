"""Periodic work: which background task is enqueued how often (`consentry scheduler`).

The table is read at each tick, so intervals may come from settings. A task is due when
none of its runs was enqueued within its interval and none is still waiting or running:
a stopped worker does not make the queue pile up, and a restarted scheduler does not
enqueue twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    interval: timedelta
    # Dotted path of a django-tasks Task (a function decorated with @task).
    task_path: str


def schedule() -> list[PeriodicTask]:
    tasks = [
        PeriodicTask(
            "domains.recheck",
            # DOMAIN-1: verified domains are rechecked; one that stops passing blocks sends.
            timedelta(minutes=settings.DOMAIN_RECHECK_MINUTES),
            "domains.tasks.recheck_verified_domains",
        ),
        PeriodicTask(
            "signups.expire",
            # FORM-2: unconfirmed signups are purged once past their time.
            timedelta(minutes=15),
            "consent.tasks.expire_pending_signups",
        ),
        PeriodicTask(
            "unsubscribes.apply",
            # INDUSTRY-2: one-click unsubscribes are answered at once and applied here; the
            # send path honours them from the answer on (invariant 5).
            timedelta(seconds=10),
            "delivery.tasks.apply_one_click_unsubscribes",
        ),
        PeriodicTask(
            "imports.tend_reports",
            # STATUS-4/PRIVACY-1: erased addresses leave import reports; old reports go.
            timedelta(minutes=10),
            "imports.tasks.tend_reports_task",
        ),
        PeriodicTask(
            "sends.tend",
            # SEND-4/6: lost leases become unknown, due retries are enqueued, ended sends close.
            timedelta(seconds=settings.SEND_TEND_SECONDS),
            "delivery.sends.tend_sends",
        ),
        PeriodicTask(
            "sends.scheduled",
            # SEND-4: scheduled sends start at their time, through the gate again.
            timedelta(seconds=settings.SCHEDULED_SENDS_SECONDS),
            "delivery.sends.start_scheduled_sends",
        ),
        PeriodicTask(
            "figures.refresh",
            # The operator dashboard's daily figures per account and provider (issue 21).
            timedelta(minutes=5),
            "governance.figures.refresh_figures_task",
        ),
    ]
    if settings.MAILBOX_URL:
        # BOUNCE-2: the mailbox source of bounces and feedback reports.
        tasks.append(
            PeriodicTask("mailbox.poll", timedelta(minutes=1), "feedback.tasks.poll_mailbox")
        )
    return tasks


@dataclass(frozen=True)
class LastRun:
    enqueued_at: datetime | None
    unfinished: bool


def is_due(entry: PeriodicTask, last: LastRun, now: datetime) -> bool:
    if last.unfinished:
        return False
    return last.enqueued_at is None or now - last.enqueued_at >= entry.interval


def last_run(task_path: str) -> LastRun:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    runs = DBTaskResult.objects.filter(task_path=task_path)
    latest = runs.order_by("-enqueued_at").values_list("enqueued_at", flat=True).first()
    unfinished = runs.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()
    return LastRun(latest, unfinished)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every due task; the names of those enqueued."""
    now = now or timezone.now()
    enqueued = []
    for entry in schedule():
        if is_due(entry, last_run(entry.task_path), now):
            import_string(entry.task_path).enqueue()
            enqueued.append(entry.name)
    return enqueued
