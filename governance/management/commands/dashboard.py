"""`consentry dashboard show SLUG [--json]`: the account's home page in the terminal."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from core.commands import DomainCommand
from governance.account_dashboard import dashboard


class Command(DomainCommand):
    help = "An account's dashboard: contacts, growth, the last campaigns, what needs doing."
    actions = {
        "show": "Contacts by status, the mailable count, growth, rates and what needs doing.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON")

    def do_show(self, account: str, as_json: bool, **_: Any) -> None:
        found = dashboard(account_by_slug(account))
        if as_json:
            self.stdout.write(json.dumps(found.as_json(), indent=2, ensure_ascii=False))
            return
        write = self.stdout.write
        statuses = "  ".join(f"{status} {n}" for status, n in sorted(found.statuses.items()))
        write(f"contacts {found.contacts}, mailable {found.mailable}  ({statuses})")
        for growth in found.growth:
            sums = "  ".join(f"{key} {total}" for key, _name, total in growth.summed())
            write(f"last {growth.days} days: {sums}")
        write("Last campaigns (delivery, bounce, complaint, unsubscribe, open, click):")
        for summary in found.campaigns:
            rates = summary.shown()
            shown = "\t".join(
                rates[key]
                for key in ("delivery", "bounce", "complaint", "unsubscribe", "open", "click")
            )
            write(f"  #{summary.id} {summary.name}\t{shown}")
        write("What needs doing:" if found.todos else "Nothing needs doing.")
        for todo in found.todos:
            write(f"  {'! ' if todo.urgent else ''}{todo.text}")
        if found.more_todos:
            write(f"  … and {found.more_todos} more")
