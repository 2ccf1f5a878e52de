"""`consentry login unlock USERNAME|ADDRESS` and `consentry login locked`: sign-in throttling."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts import services
from core.commands import DomainCommand


class Command(DomainCommand):
    help = "Sign-in throttling: list locked usernames and addresses, unlock one."
    actions = {
        "locked": "List usernames and client addresses with failed sign-ins.",
        "unlock": "Forget the failed sign-ins of a username or client address.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action == "unlock":
            parser.add_argument("target", help="a username or a client IP address")

    def do_locked(self, **_: Any) -> None:
        from axes.models import AccessAttempt

        for attempt in AccessAttempt.objects.order_by("-attempt_time"):
            self.stdout.write(
                f"{attempt.username or '-'}\t{attempt.ip_address or '-'}\t"
                f"{attempt.failures_since_start} failures\t"
                f"last {attempt.attempt_time:%Y-%m-%d %H:%M}"
            )

    def do_unlock(self, target: str, **_: Any) -> None:
        forgotten = services.unlock_sign_in(target)
        self.stdout.write(f"{target}: {forgotten} failed sign-in record(s) forgotten.")
