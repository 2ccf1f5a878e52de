"""`consentry blocklist url add|remove|list`: the operator's URL blocklist (CONTENT-6)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.commands import DomainCommand
from core.errors import DomainError
from policy import services
from policy.selectors import blocked_urls


class Command(DomainCommand):
    help = "The URL blocklist: hosts and URLs no campaign may link to."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        url = kinds.add_parser("url", help="hosts and URLs no campaign may link to")
        actions = url.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = actions.add_parser("add", help="Block a host (and every name below it) or a URL.")
        add.add_argument("pattern", help="a host (bad.example) or a URL (files.example/path)")
        add.add_argument("--note", default="", help="what the entry is for")
        add.add_argument("--reason", default="", help="why (kept in the audit log)")
        add.add_argument("--json", action="store_true", help="print the new entry as JSON")
        remove = actions.add_parser("remove", help="Take an entry off the blocklist.")
        remove.add_argument("pattern")
        remove.add_argument("--reason", default="", help="why (kept in the audit log)")
        listing = actions.add_parser("list", help="List the blocklist.")
        listing.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['action']}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def do_add(self, pattern: str, note: str, reason: str, json: bool, **_: Any) -> None:
        entry = services.add_blocked_url(pattern, by=self.actor, note=note, reason=reason)
        if json:
            self.stdout.write(_dumps(_row(entry)))
        else:
            self.stdout.write(f"{entry.pk}\t{entry.pattern}")

    def do_remove(self, pattern: str, reason: str, **_: Any) -> None:
        services.remove_blocked_url(pattern, by=self.actor, reason=reason)
        self.stdout.write(f"removed {pattern}")

    def do_list(self, json: bool, **_: Any) -> None:
        rows = [_row(entry) for entry in blocked_urls()]
        if json:
            self.stdout.write(_dumps(rows))
            return
        for row in rows:
            self.stdout.write(f"{row['id']}\t{row['pattern']}\t{row['note']}")


def _row(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "pattern": entry.pattern,
        "note": entry.note,
        "created_at": entry.created_at.isoformat(),
        "created_by": entry.created_by,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
