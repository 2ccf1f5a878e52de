"""`consentry address check ADDRESS... [--no-dns] [--json]`: what is wrong with an address
(AUDIT-1): role, disposable, no_mail_domain, invalid, provider_rule, typo,
unknown_domain_state. No account is needed and nothing is stored."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.commands import DomainCommand
from domains.mailhosts import check_addresses

# One call checks at most this many addresses, each at most this long (a longer one is
# reported invalid without being parsed).
MAX_ADDRESSES = 10_000
MAX_INPUT_LENGTH = 320


class Command(DomainCommand):
    help = "Classify email addresses as imports, signups and the list audit do."
    actions = {
        "check": "Check addresses: syntax, role, disposable, provider rules, typos and DNS.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("addresses", nargs="+", metavar="ADDRESS")
        parser.add_argument(
            "--no-dns", dest="dns", action="store_false", help="skip the mail domain lookups"
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="one JSON object a line"
        )

    def do_check(self, addresses: list[str], dns: bool, as_json: bool, **_: Any) -> None:
        if len(addresses) > MAX_ADDRESSES:
            raise CommandError(f"at most {MAX_ADDRESSES} addresses at a time")
        # Over-long text cannot be an address; it is reported as given, cut short.
        given = [a if len(a) <= MAX_INPUT_LENGTH else a[:MAX_INPUT_LENGTH] for a in addresses]
        checks = check_addresses(given, dns=dns)
        for check in checks:
            if as_json:
                self.stdout.write(json.dumps(check.as_dict(), ensure_ascii=False))
                continue
            classes = ", ".join(check.classes) or "-"
            line = f"{check.address}  {'valid' if check.valid else 'not valid'}  {classes}"
            if check.suggestion:
                line += f"  (did you mean {check.suggestion}?)"
            self.stdout.write(line)
