"""Base for `consentry` subcommands: domain errors become a clean message and exit code 1."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.actors import Actor
from core.errors import DomainError


class DomainCommand(BaseCommand):
    """A command with actions (`consentry contact add ...`): one method `do_<action>` each."""

    actions: dict[str, str] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, help_text in self.actions.items():
            self.add_action_arguments(name, sub.add_parser(name, help=help_text))

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        """Override to declare each action's arguments."""

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"do_{action.replace('-', '_')}")(**options)
        except DomainError as exc:
            details = "".join(f"\n  - {d}" for d in exc.details)
            raise CommandError(f"{exc.message}{details}") from None

    @property
    def actor(self) -> Actor:
        import getpass

        return Actor("system", f"cli:{getpass.getuser()}")
