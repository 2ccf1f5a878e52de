"""`consentry list create|show`: the CLI door to lists."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from contacts import selectors, services
from core.commands import DomainCommand


class Command(DomainCommand):
    help = "Manage lists of an account."
    actions = {"create": "Create a list.", "show": "Show the lists with subscriber counts."}

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "create":
            parser.add_argument("name")
            parser.add_argument("--language", choices=["de", "en", "fr"], default="de")
            parser.add_argument("--description", default="")

    def do_create(self, account: str, name: str, language: str, description: str, **_: Any) -> None:
        lst = services.create_list(
            account_by_slug(account),
            name,
            actor=self.actor,
            language=language,
            description=description,
        )
        self.stdout.write(f"list #{lst.pk} {lst.name} ({lst.language})")

    def do_show(self, account: str, **_: Any) -> None:
        for lst in selectors.lists_of(account_by_slug(account)):
            confirmed = getattr(lst, "confirmed", 0)
            self.stdout.write(f"{lst.pk}\t{lst.name}\t{lst.language}\t{confirmed} confirmed")
