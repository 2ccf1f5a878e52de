"""`consentry inbound`: the inbound SMTP listener, until SIGTERM (UNSUB-3, BOUNCE-2).

`consentry up` starts it on 127.0.0.1:2525 (`CONSENTRY_INBOUND_LISTEN`); in production it
sits behind the MTA, which hands over what arrives for the bounce, feedback-loop, unsubscribe
and reply addresses. On start it processes what an earlier run stored but did not finish.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.forking import freeze_survivors
from feedback import readers, services
from feedback.inbound import listener


class Command(BaseCommand):
    help = "Receive inbound mail by SMTP (replies, mailto unsubscribes, bounces)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--listen", default="", help=f"host:port (default {settings.INBOUND_LISTEN})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = services.process_waiting()
        if waiting:
            self.stdout.write(f"processed {waiting} stored message(s) left from before")
        freeze_survivors()
        readers.start()
        host, port = "", 0
        if options["listen"]:
            host, _, given = options["listen"].rpartition(":")
            port = int(given)
        controller = listener(host, port)
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        controller.start()
        self.stdout.write(f"inbound SMTP listening on {controller.hostname}:{controller.port}")
        stop.wait()
        controller.stop()
        self.stdout.write("inbound stopped.")
