"""`consentry worker`: one background task worker (django-tasks database backend).

It beats (config.workers.Heartbeat) while it runs, so that `consentry scheduler` takes back
the tasks of a worker that died instead of leaving them RUNNING for ever; on start it
replays the hand-over journals of workers that died on this machine (delivery.journal).
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

from config.workers import Heartbeat
from delivery.journal import replay_dead


class Command(BaseCommand):
    help = "Run a task worker; run several on several machines when PostgreSQL is used."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument(
            "--no-startup-delay", action="store_true", help="poll at once (tests, scripts)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = get_random_string(32)
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        try:
            # What a worker that died on this machine had handed over gets its outcome now.
            replayed = replay_dead()
            if replayed.journals:
                self.stdout.write(
                    f"replayed {replayed.journals} journal(s) of dead workers: "
                    f"{replayed.written} outcomes, {replayed.unknown} unknown, "
                    f"{replayed.requeued} queued again"
                )
            call_command(
                "db_worker",
                interval=options["interval"],
                reload=False,
                worker_id=worker_id,
                startup_delay=not options["no_startup_delay"],
            )
        finally:
            heartbeat.stop()
