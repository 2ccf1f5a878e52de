"""`consentry scheduler`: enqueue due periodic tasks (core.periodic) until SIGTERM.

Run exactly one per installation; `consentry up` starts it next to the worker. It only
enqueues, takes back the tasks of workers that died (config.workers) and replays the
hand-over journals they left on this machine (delivery.journal): the workers run the tasks.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from config.workers import reap_lost_tasks
from core.periodic import enqueue_due
from delivery.journal import replay_dead

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue periodic tasks when they are due (one scheduler per installation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between looks")
        parser.add_argument("--once", action="store_true", help="look once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        if not options["once"]:
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        while True:
            try:
                # Tasks of dead workers first: a periodic task they held is then due again.
                for task_id in reap_lost_tasks():
                    self.stdout.write(f"took back task {task_id}: its worker died")
                # Sends of workers that died on this machine: what they held gets its outcome.
                replay_dead()
                for name in enqueue_due():
                    self.stdout.write(f"enqueued {name}")
            except DatabaseError:
                # A locked or restarting database: the next tick tries again.
                log.exception("scheduler tick failed")
            finally:
                close_old_connections()
            if options["once"] or stop.wait(options["tick"]):
                break
        if not options["once"]:
            self.stdout.write("scheduler stopped.")
