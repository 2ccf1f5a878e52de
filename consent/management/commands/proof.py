"""`consentry proof ACCOUNT ADDRESS --format json|html`: the proof bundle of one address."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Account
from consent.proof import build_bundle, render_bundle_html
from core.errors import DomainError


class Command(BaseCommand):
    help = "Print every evidence record of an address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        parser.add_argument("address", help="the contact's email address")
        parser.add_argument("--format", choices=["json", "html"], default="json")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        account = Account.objects.filter(slug=options["account"]).first()
        if account is None:
            raise CommandError(f"no account {options['account']!r}")
        try:
            bundle = build_bundle(account, options["address"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if options["format"] == "json":
            text = json.dumps(bundle, indent=2, ensure_ascii=False)
        else:
            text = render_bundle_html(bundle)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
