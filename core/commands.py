"""Base for `consentry` subcommands: domain errors become a clean message and exit code 1."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.actors import Actor
from core.errors import DomainError


class DomainCommand(BaseCommand):
    """A command with actions (`consentry contact add ...`): one method `do_<action>` each."""

    actions: dict[str, str] = {}
    # Actions that make something new: they print its id, or with --json one JSON object.
    creating: frozenset[str] = frozenset({"create"})

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, help_text in self.actions.items():
            action = sub.add_parser(name, help=help_text)
            self.add_action_arguments(name, action)
            if name in self.creating and "--json" not in action._option_string_actions:
                action.add_argument(
                    "--json", action="store_true", help="print what was made as one JSON object"
                )

    def created(self, options: dict[str, Any], text: str, **data: Any) -> None:
        """What a creating action made: `text` for people, its `data` (with the id) for
        scripts under --json."""
        if options.get("json"):
            self.stdout.write(json.dumps(data, default=str, ensure_ascii=False))
        else:
            self.stdout.write(text)

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
