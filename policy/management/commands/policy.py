"""`consentry policy show|set|clear`: the thresholds and limits table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from core.commands import DomainCommand
from policy import services
from policy.defaults import BY_KEY
from policy.selectors import effective_table


class Command(DomainCommand):
    help = "Show or change policy values (platform-wide or per account)."
    actions = {
        "show": "Show every value with where it comes from.",
        "set": "Set a value.",
        "clear": "Remove a value so the next level applies.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("--account", help="account slug (default: platform-wide)")
        if action in ("set", "clear"):
            parser.add_argument("key", choices=sorted(BY_KEY))
        if action == "set":
            parser.add_argument("value")
        if action in ("set", "clear"):
            parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def do_show(self, account: str | None, **_: Any) -> None:
        acc = account_by_slug(account) if account else None
        for key, value, origin in effective_table(acc):
            item = BY_KEY[key]
            self.stdout.write(f"{key:45} {value!s:>8} {item.unit:14} {origin:9} {item.requirement}")

    def do_set(self, key: str, value: str, account: str | None, reason: str, **_: Any) -> None:
        services.set_value(
            key,
            value,
            account=account_by_slug(account) if account else None,
            actor=self.actor,
            reason=reason,
        )
        self.stdout.write(f"{key} = {value} ({account or 'platform'})")

    def do_clear(self, key: str, account: str | None, reason: str, **_: Any) -> None:
        services.clear_value(
            key,
            account=account_by_slug(account) if account else None,
            by=self.actor,
            reason=reason,
        )
        self.stdout.write(f"{key} cleared ({account or 'platform'})")
