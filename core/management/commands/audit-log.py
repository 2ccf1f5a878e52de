"""`consentry audit-log [--account SLUG] [--action ACTION] [--json]`: operator actions."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.audit import audit_entries, entry_row
from core.models import AuditAction


class Command(BaseCommand):
    help = "Show the audit log of operator actions, newest first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", default="", help="only this account (slug)")
        parser.add_argument("--action", default="", choices=AuditAction.values)
        parser.add_argument("--actor", default="", help="only actors whose name contains this")
        parser.add_argument("--limit", type=int, default=100, help="at most this many (100)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="a JSON array")

    def handle(self, *args: Any, **options: Any) -> None:
        entries = audit_entries(
            account=options["account"], action=options["action"], actor=options["actor"]
        )[: max(options["limit"], 0)]
        rows = [entry_row(entry) for entry in entries]
        if options["as_json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for row in rows:
            account = row["account"] or "-"
            self.stdout.write(
                f"{row['at'][:19]}\t{row['actor']}\t{row['action']}\t{account}\t"
                f"{row['target']}\t{row['reason']}"
            )
