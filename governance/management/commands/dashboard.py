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
        data = dashboard(account_by_slug(account)).as_json()
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        write = self.stdout.write
        statuses = "  ".join(f"{status} {n}" for status, n in sorted(data["statuses"].items()))
        write(f"contacts {data['contacts']}, mailable {data['mailable']}  ({statuses})")
        for growth in data["growth"]:
            sums = "  ".join(
                f"{key} {sum(growth[key])}"
                for key in ("signups", "confirmations", "unsubscribes", "bounces", "complaints")
            )
            write(f"last {growth['days']} days: {sums}")
        write("Last campaigns (delivery, bounce, complaint, unsubscribe, open, click):")
        for campaign in data["campaigns"]:
            rates = campaign["rates"]
            shown = "\t".join(
                "-" if rates[key] is None else f"{rates[key]:.2%}"
                for key in ("delivery", "bounce", "complaint", "unsubscribe", "open", "click")
            )
            write(f"  #{campaign['id']} {campaign['name']}\t{shown}")
        write("What needs doing:" if data["todos"] else "Nothing needs doing.")
        for todo in data["todos"]:
            write(f"  {'! ' if todo['urgent'] else ''}{todo['text']}")
        if data["more_todos"]:
            write(f"  … and {data['more_todos']} more")
