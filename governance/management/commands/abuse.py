"""`consentry abuse list|show|resolve|lookup [--json]`: the abuse desk from a shell
(ABUSE-1, ABUSE-2). `resolve` carries out one operator action on a case, with its reason,
written to the operator's audit log like the console's and the API's."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.commands import DomainCommand
from governance import abuse, selectors
from governance.lookup import lookup
from governance.models import CaseKind

ACTIONS = ("unsubscribe", "request_proof", "reduce_speed", "suspend", "close")
STATES = ("active", "open", "proof_requested", "proof_received", "closed", "all")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Command(DomainCommand):
    help = "The abuse desk: list, show and resolve cases; look up a mailing ID."
    actions = {
        "list": "Cases, the most urgent first (by default every case not closed).",
        "show": "One case with everything known about it.",
        "resolve": "Act on a case: " + ", ".join(ACTIONS) + ".",
        "lookup": "The campaign, account and sent message of a mailing ID or other ID.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action == "list":
            parser.add_argument("--state", choices=STATES, default="active")
            parser.add_argument("--kind", choices=CaseKind.values)
            parser.add_argument("--account", help="the account's slug")
            parser.add_argument("--overdue", action="store_true", help="unanswered past 24 h")
        if action in ("show", "resolve"):
            parser.add_argument("case", type=int, metavar="CASE")
        if action == "resolve":
            parser.add_argument("what", choices=ACTIONS, metavar="ACTION")
            parser.add_argument("--reason", required=True, help="why (for close: the note)")
        if action == "lookup":
            parser.add_argument("quoted", metavar="MAILING_ID")
        parser.add_argument("--json", dest="as_json", action="store_true", help="as JSON")

    def _out(self, data: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps({k: _plain(v) for k, v in data.items()}, ensure_ascii=False)
            )
            return
        width = max(len(k) for k in data)
        for key, value in data.items():
            self.stdout.write(f"{key.ljust(width)}  {'' if value is None else _plain(value)}")

    def do_list(
        self,
        state: str,
        kind: str | None,
        account: str | None,
        overdue: bool,
        as_json: bool,
        **_: Any,
    ) -> None:
        cases = selectors.abuse_cases(
            state="" if state == "all" else state,
            kind=kind or "",
            account=account or "",
            overdue=overdue,
        )[:500]
        rows = [selectors.case_facts(c) for c in cases]
        if as_json:
            self.stdout.write(
                json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], ensure_ascii=False)
            )
            return
        columns = ("id", "kind", "state", "account", "mailing_id", "answer_due_at", "proof_due_on")
        cells = [[str(_plain(r[c]) if r[c] is not None else "-") for c in columns] for r in rows]
        cells = [
            [*line[:5], line[5] + (" OVERDUE" if r["answer_overdue"] else ""), line[6]]
            for line, r in zip(cells, rows, strict=True)
        ]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        for line in [list(columns), *cells]:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))

    def do_show(self, case: int, as_json: bool, **_: Any) -> None:
        self._out(selectors.case_facts(selectors.abuse_case(case)), as_json)

    def do_resolve(self, case: int, what: str, reason: str, as_json: bool, **_: Any) -> None:
        abuse.act(selectors.abuse_case(case), what, actor=self.actor, reason=reason)
        self._out(selectors.case_facts(selectors.abuse_case(case)), as_json)

    def do_lookup(self, quoted: str, as_json: bool, **_: Any) -> None:
        found = selectors.found_facts(lookup(quoted[:500]))
        if not found["found"] and not as_json:
            raise CommandError("this ID names no message of this platform")
        self._out(found, as_json)
