"""`consentry feedback classify FILE... [--json]`: what the parser makes of raw messages.

The postmaster's tool for a strange bounce, and the way the parser is tested against
corpora (BOUNCE-1, COMPLAINT-1). It reads files only: no database, no services, so it runs
on a machine where consentry has no database at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.commands import DomainCommand
from feedback.parsers import FeedbackReport, parse_feedback


def rows(name: str, report: FeedbackReport) -> list[dict[str, Any]]:
    """One row per recipient (one empty row when the message names none)."""
    found = [
        {
            "file": name,
            "kind": report.kind,
            "recipient": r.recipient,
            "status": r.status,
            "reason": r.reason,
            "hard": r.hard,
            "sender_side": r.sender_side,
            "action": r.action,
        }
        for r in report.recipients
    ]
    return found or [
        {
            "file": name,
            "kind": report.kind,
            "recipient": "",
            "status": "",
            "reason": report.note,
            "hard": False,
            "sender_side": False,
            "action": "",
        }
    ]


def expand(names: list[str]) -> list[Path]:
    """The files named, a directory replaced by the files below it (sorted, hidden skipped)."""
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            paths.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            paths.append(path)
    return paths


class Command(DomainCommand):
    help = "Read raw bounce, complaint or reply messages and show what they are."
    actions = {"classify": "Parse raw message files and print kind, recipient and reason."}
    # Parsing files needs no database: skip the checks that would open one.
    requires_system_checks: list[str] = []

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            metavar="FILE",
            help="raw RFC 5322 messages; a directory stands for every file below it",
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="a JSON list, one object per recipient found (one a line)",
        )

    def do_classify(self, files: list[str], as_json: bool, **_: Any) -> None:
        unreadable = []
        table: list[dict[str, Any]] = []
        if as_json:
            self.stdout.write("[")
        separator = ""
        for path in expand(files):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                unreadable.append(f"{path}: {exc.strerror or exc}")
                continue
            found = rows(str(path), parse_feedback(raw))
            if as_json:  # streamed, one object a line: a corpus of thousands shows progress
                for row in found:
                    self.stdout.write(separator + json.dumps(row, ensure_ascii=False))
                    separator = ","
            else:
                table.extend(found)
        if as_json:
            self.stdout.write("]")
        else:
            self._print_table(table)
        if unreadable:
            raise CommandError("could not read:\n  " + "\n  ".join(unreadable))

    def _print_table(self, table: list[dict[str, Any]]) -> None:
        columns = ("file", "kind", "recipient", "status", "reason", "hard", "sender_side")
        cells = [
            [
                ("yes" if row[c] else "no") if isinstance(row[c], bool) else str(row[c])
                for c in columns
            ]
            for row in table
        ]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        for line in [list(columns), *cells]:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))
