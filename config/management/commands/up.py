"""`consentry up`: migrate, bootstrap and run every process of the platform in one group.

The web server (gunicorn), a task worker, the scheduler and the inbound SMTP listener
run as children; Ctrl-C or SIGTERM stops all of them cleanly, and if one of them dies
the others are stopped too.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

GRACE_SECONDS = 10
# The request line (a URL with its query), the number of headers and each header's size.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190


def web_command(*, app: str = "config.wsgi:application") -> list[str]:
    """gunicorn's sync workers, each allowed `WEB_TIMEOUT` seconds for a request before
    the arbiter kills it (gunicorn's own default, 30 s, is too short for this product: the
    upload of an import file is stored and read through once for its checks in its
    request, about 20 s for an Excel sheet of a million rows and more for a wide one).
    Threaded workers would never cut a request off, but serve the one-click unsubscribe a
    third slower (bench/one_click.py).

    gunicorn bounds the request line and the headers (a longer one is answered 431 or 414); it has
    no limit on bodies, which config.middleware refuses by their Content-Length."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        settings.LISTEN,
        "--workers",
        str(settings.WEB_WORKERS),
        "--timeout",
        str(settings.WEB_TIMEOUT),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        str(GRACE_SECONDS),
        "--no-control-socket",
        "--limit-request-line",
        str(LIMIT_REQUEST_LINE),
        "--limit-request-fields",
        str(LIMIT_REQUEST_FIELDS),
        "--limit-request-field_size",
        str(LIMIT_REQUEST_FIELD_SIZE),
    ]


class Command(BaseCommand):
    help = "Start the platform on this machine (web server and task worker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="create a demo account")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("Database ready.")
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("bootstrap", demo=options["demo"])
        commands = {
            "web": web_command(),
            "worker": [sys.executable, "-m", "config.cli", "worker"],
            "scheduler": [sys.executable, "-m", "config.cli", "scheduler"],
            "inbound": [sys.executable, "-m", "config.cli", "inbound"],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            self.style.SUCCESS(
                f"consentry is up: {settings.BASE_URL}/ (admin: {settings.BASE_URL}/admin/), "
                f"inbound SMTP on {settings.INBOUND_LISTEN}. Ctrl-C stops it."
            )
        )
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with code {child.returncode}; stopping.")
                    exit_code, stopping = 1, True
            time.sleep(0.2)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("consentry stopped.")
        if exit_code:
            sys.exit(exit_code)
