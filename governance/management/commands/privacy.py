"""`consentry privacy export ACCOUNT ADDRESS`: the data held about one person (PRIVACY-1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from contacts.selectors import contact_by_address
from core.commands import DomainCommand
from core.errors import NotFound
from governance import subject_access


class Command(DomainCommand):
    help = "Data protection requests of people about their data."
    actions = {
        "export": ("Everything held about one person (Art. 15 GDPR), as JSON (Art. 20) or HTML."),
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        parser.add_argument("address", help="the person's email address")
        parser.add_argument("--format", choices=["json", "html"], default="json")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def do_export(self, account: str, address: str, **options: Any) -> None:
        contact = contact_by_address(account_by_slug(account), address)
        if contact is None:
            raise NotFound(f"no contact {address} in {account}")
        data = subject_access.personal_data(contact)
        if options["format"] == "json":
            text = json.dumps(data, indent=2, ensure_ascii=False)
        else:
            text = subject_access.render_html(data)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"written to {options['output']}")
        else:
            self.stdout.write(text)
