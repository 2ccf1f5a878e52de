"""What the platform's processes say of themselves: a task worker's heartbeat."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """A running `consentry worker`, seen at `seen_at`: a worker that stops beating died,
    and the tasks it was running are taken back (config.workers.reap_lost_tasks)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    # Where `pid` means this process: the kernel's boot and the process-id namespace. A
    # scheduler in the same space sees at once that the process is gone.
    space = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = "worker heartbeat"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
