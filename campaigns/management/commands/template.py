"""`consentry template list|starters|create|show|update|delete`: an account's saved layouts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.management.commands.account import account_by_slug
from campaigns import layouts
from campaigns.models import Template
from core.commands import DomainCommand
from core.errors import NotFound


def template_by_id(template_id: int) -> Template:
    found = Template.objects.select_related("account").filter(pk=template_id).first()
    if found is None:
        raise NotFound(f"no template #{template_id}")
    return found


def _read(path: Path | None) -> str:
    try:
        return path.read_text(encoding="utf-8") if path else ""
    except OSError as exc:
        raise CommandError(str(exc)) from None


class Command(DomainCommand):
    help = "Templates: saved layouts with one content area ({{ content }}) for new campaigns."
    actions = {
        "list": "List an account's templates.",
        "starters": "List the starter layouts, or print one with --show.",
        "create": "Save a template from an HTML file, or as a copy of a starter.",
        "show": "Print a template's HTML and text.",
        "update": "Replace a template's name, HTML and text.",
        "delete": "Delete a template (campaigns made from it keep their copy).",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action in ("list", "create"):
            parser.add_argument("account", help="account slug")
        elif action == "starters":
            parser.add_argument("--show", default="", help="print this starter's HTML and text")
        else:
            parser.add_argument("template", type=int, help="template id")
        if action in ("create", "update"):
            parser.add_argument("--name", required=action == "create")
            parser.add_argument("--html", type=Path, help="HTML file with {{ content }}")
            parser.add_argument("--text", type=Path, help="text file (else made from the HTML)")
        if action == "create":
            parser.add_argument("--starter", default="", help="letter, newsletter or announcement")
            parser.add_argument("--json", action="store_true", help="print the template as JSON")

    def do_list(self, account: str, **_: Any) -> None:
        for template in layouts.templates_of(account_by_slug(account)):
            self.stdout.write(f"{template.pk}\t{template.name}")

    def do_starters(self, show: str, **_: Any) -> None:
        if show:
            html, text = layouts.starter(show)
            self.stdout.write(html)
            self.stdout.write("----- text -----")
            self.stdout.write(text)
            return
        for name in layouts.STARTERS:
            self.stdout.write(name)

    def do_create(self, account: str, **options: Any) -> None:
        if bool(options["html"]) == bool(options["starter"]):
            raise CommandError("give either --html or --starter")
        template = layouts.create_template(
            account_by_slug(account),
            actor=self.actor,
            name=options["name"],
            html=_read(options["html"]),
            text=_read(options["text"]),
            starter_name=options["starter"],
        )
        if options["json"]:
            self.stdout.write(json.dumps({"id": template.pk, "name": template.name}))
        else:
            self.stdout.write(f"template #{template.pk} {template.name}")

    def do_show(self, template: int, **_: Any) -> None:
        found = template_by_id(template)
        self.stdout.write(f"#{found.pk} {found.name}")
        self.stdout.write(found.html)
        self.stdout.write("----- text -----")
        self.stdout.write(found.text or "(made from the HTML)")

    def do_update(self, template: int, **options: Any) -> None:
        found = template_by_id(template)
        updated = layouts.update_template(
            found,
            actor=self.actor,
            name=options["name"] or found.name,
            html=_read(options["html"]) or found.html,
            text=_read(options["text"]) if options["text"] else found.text,
        )
        self.stdout.write(f"template #{updated.pk} {updated.name}: saved")

    def do_delete(self, template: int, **_: Any) -> None:
        found = template_by_id(template)
        layouts.delete_template(found, actor=self.actor)
        self.stdout.write(f"template #{template} deleted")
