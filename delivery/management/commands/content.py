"""`consentry content stop CAMPAIGN --reason …`: the operator stops a send for its content
(CONTENT-6); the account sees the reason, the audit log keeps it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from core.commands import DomainCommand
from delivery.sends import stop_for_content


class Command(DomainCommand):
    help = "The operator's hand on campaign content."
    actions = {"stop": "Stop a running or paused send for its content."}

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("campaign", type=int, help="campaign number")
        parser.add_argument(
            "--reason", required=True, help="what breaks the guidelines (the account sees it)"
        )

    def do_stop(self, campaign: int, reason: str, **_: Any) -> None:
        stopped = stop_for_content(campaign, reason=reason, actor=self.actor)
        self.stdout.write(f"campaign #{stopped.pk} {stopped.state}: {stopped.pause_reason}")
