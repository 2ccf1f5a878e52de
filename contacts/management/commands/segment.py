"""`consentry segment create|list|show|delete`: saved conditions over an account's contacts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from contacts import segments
from contacts.models import Segment
from contacts.segment_rules import describe
from core.commands import DomainCommand
from core.errors import InvalidInput

WHERE_HELP = (
    "a condition: FIELD OP [VALUE], e.g. 'status is A', 'list on 3', "
    "'custom city is Köln' (a custom field names its key first), 'signup_date before "
    "2026-01-01', 'signup_days within 30', 'signup_source is import', 'legal_basis is "
    "double_opt_in', 'last_delivery never'; repeat for more"
)


def condition_from_words(words: list[str]) -> dict[str, Any]:
    """`--where` words as a condition (checked later with the rest of the definition)."""
    if not words:
        raise InvalidInput("--where: FIELD OP [VALUE]")
    spec = segments.fields().get(words[0])
    condition: dict[str, Any] = {"field": words[0]}
    rest = words[1:]
    if spec is not None and spec.keyed:
        if not rest:
            raise InvalidInput(f"--where {words[0]}: the custom field's name comes first")
        condition["key"], rest = rest[0], rest[1:]
    if not rest:
        raise InvalidInput(f"--where {words[0]}: an operator")
    condition["op"] = rest[0]
    if len(rest) > 1:
        condition["value"] = " ".join(rest[1:])
    return condition


def segment_json(segment: Segment) -> dict[str, Any]:
    specs = segments.fields()
    names = dict(segment.account.lists.values_list("pk", "name"))
    return {
        "id": segment.pk,
        "name": segment.name,
        "definition": segment.definition,
        "summary": [
            describe(c, specs[c.field], names)
            for c in segments.stored_definition(segment).conditions
        ],
        "contacts": segments.members(segment).count(),
    }


class Command(DomainCommand):
    help = "Segments: saved conditions over an account's contacts, which a campaign may target."
    actions = {
        "create": "Create a segment from conditions; prints its id.",
        "list": "List an account's segments.",
        "show": "Show a segment's conditions and how many contacts they match now.",
        "delete": "Delete a segment no campaign targets.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "create":
            parser.add_argument("name")
            parser.add_argument(
                "--where", nargs="+", action="append", default=[], metavar="WORD", help=WHERE_HELP
            )
            parser.add_argument(
                "--any", action="store_true", help="match any condition (default: all of them)"
            )
            parser.add_argument(
                "--definition", default="", help="the whole definition as JSON instead"
            )
        elif action in ("show", "delete"):
            parser.add_argument("segment", help="segment id or name")
        if action in ("create", "list", "show"):
            parser.add_argument("--json", dest="as_json", action="store_true", help="as JSON")

    def do_create(
        self,
        account: str,
        name: str,
        where: list[list[str]],
        definition: str,
        as_json: bool,
        **options: Any,
    ) -> None:
        acc = account_by_slug(account)
        data: Any = definition
        if not definition:
            data = {
                "match": "any" if options["any"] else "all",
                "conditions": [condition_from_words(words) for words in where],
            }
        segment = segments.create_segment(acc, name=name, definition=data)
        if as_json:
            self.stdout.write(json.dumps(segment_json(segment), ensure_ascii=False))
        else:
            self.stdout.write(str(segment.pk))

    def do_list(self, account: str, as_json: bool, **_: Any) -> None:
        found = segments.segments_of(account_by_slug(account))
        if as_json:
            rows = [{"id": s.pk, "name": s.name, "definition": s.definition} for s in found]
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for segment in found:
            self.stdout.write(f"{segment.pk}\t{segment.name}")

    def do_show(self, account: str, segment: str, as_json: bool, **_: Any) -> None:
        found = segment_json(segments.segment_by_ref(account_by_slug(account), segment))
        if as_json:
            self.stdout.write(json.dumps(found, ensure_ascii=False))
            return
        self.stdout.write(f"#{found['id']} {found['name']}: {found['contacts']} contacts")
        match = "any" if found["definition"].get("match") == "any" else "all"
        self.stdout.write(f"  matching {match} of:" if found["summary"] else "  everyone")
        for line in found["summary"]:
            self.stdout.write(f"  - {line}")

    def do_delete(self, account: str, segment: str, **_: Any) -> None:
        found = segments.segment_by_ref(account_by_slug(account), segment)
        segments.delete_segment(found)
        self.stdout.write(f"deleted segment #{found.pk}")
