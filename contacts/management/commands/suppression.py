"""`consentry suppression add|remove|list`: the operator's untrusted list (IMPORT-5, IMPORT-11).

An entry is an address (only its keyed hash is stored) or a whole domain written `@domain`
(that domain only, not its subdomains); both match whatever the case of the address.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from contacts import selectors, untrusted
from contacts.models import SuppressionReason
from core.commands import DomainCommand


class Command(DomainCommand):
    help = "The platform's untrusted list: addresses and whole domains no mail may reach."
    actions = {
        "add": "Put an address or a whole domain (@example.de) on the list.",
        "load": "Load a feed: one address or @domain a line, all or nothing.",
        "remove": "Take an address or a domain off the list: it is let in again.",
        "list": "List the entries, newest first (addresses show only their hash).",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action in ("add", "remove"):
            parser.add_argument("entry", metavar="ADDRESS|@DOMAIN")
        if action == "add":
            parser.add_argument("--reason", required=True, choices=SuppressionReason.values)
            parser.add_argument("--note", default="", help="at most 200 characters")
        elif action == "load":
            parser.add_argument("file", help="a text file (UTF-8), or - for standard input")
            parser.add_argument("--reason", required=True, choices=SuppressionReason.values)
            parser.add_argument(
                "--source", required=True, help="the feed or provider the entries come from"
            )
            parser.add_argument("--note", default="", help="at most 200 characters")
        elif action == "remove":
            parser.add_argument(
                "--reason", default="", choices=SuppressionReason.values, help="default: all"
            )
            parser.add_argument("--note", default="", help="why (kept in the audit log)")
        else:
            parser.add_argument("--kind", default="", choices=["address", "domain"])
            parser.add_argument("--reason", default="", choices=SuppressionReason.values)
            parser.add_argument(
                "--json", dest="as_json", action="store_true", help="one JSON array"
            )

    @property
    def source(self) -> str:
        return self.actor.ref  # cli:<login>

    def do_add(self, entry: str, reason: str, note: str, **_: Any) -> None:
        row, created = untrusted.add(entry, reason, source=self.source, note=note)
        state = "added" if created else "already on the list"
        self.stdout.write(f"{row}: {state} (source {row.source}, {row.created_at:%Y-%m-%d})")

    def do_load(self, file: str, reason: str, source: str, note: str, **_: Any) -> None:
        # The feed is named with who loaded it: "cli:<login>: <feed>".
        named = f"{self.source}: {source.strip()}"
        if file == "-":
            added, known = untrusted.load(sys.stdin, reason, source=named, note=note)
        else:
            try:
                with open(file, encoding="utf-8") as lines:
                    added, known = untrusted.load(lines, reason, source=named, note=note)
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read {file}: {exc}") from None
        self.stdout.write(f"{added} entries added, {known} already on the list")

    def do_remove(self, entry: str, reason: str, note: str, **_: Any) -> None:
        removed = untrusted.remove(entry, by=self.source, reason=reason, note=note)
        entries = "entry" if removed == 1 else "entries"
        self.stdout.write(f"{entry.strip()}: {removed} {entries} removed")

    def do_list(self, kind: str, reason: str, as_json: bool, **_: Any) -> None:
        rows = selectors.untrusted_entries(kind=kind, reason=reason).iterator()
        if as_json:
            self._write_json(rows)
            return
        for row in rows:
            self.stdout.write(
                f"{row['kind']}\t{row['value']}\t{row['reason']}"
                f"\t{row['created_at']:%Y-%m-%d}\t{row['source']}\t{row['note']}"
            )

    def _write_json(self, rows: Any) -> None:
        # Written row by row: a loaded feed may hold many thousands of entries.
        self.stdout.write("[", ending="")
        for n, row in enumerate(rows):
            value = row.pop("value")
            row["address_hash" if row["kind"] == "address" else "domain"] = value
            row["created_at"] = row["created_at"].isoformat()
            self.stdout.write(("," if n else "") + "\n" + json.dumps(row), ending="")
        self.stdout.write("\n]")
