"""`consentry figures refresh [--days N]`: count the operator dashboard's daily figures."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from core.commands import DomainCommand
from governance import figures


class Command(DomainCommand):
    help = "The operator dashboard's daily figures per account and mailbox provider."
    actions = {
        "refresh": "Count the last days again (the scheduler does today and yesterday).",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=figures.RECENT_DAYS,
            help=f"how many days back, today included (at most {figures.MAX_DAYS})",
        )

    def do_refresh(self, days: int, **_: Any) -> None:
        rows = figures.refresh(days)
        self.stdout.write(f"{rows} rows of figures for the last {days} days")
