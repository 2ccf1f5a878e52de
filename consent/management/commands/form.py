"""`consentry form create|show|text|expire`: double opt-in signup forms from the shell."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.urls import reverse

from accounts.management.commands.account import account_by_slug
from consent import doi
from consent.selectors import form_of, forms_of
from contacts.selectors import list_by_ref
from core.commands import DomainCommand


class Command(DomainCommand):
    help = "Manage signup forms and expire unconfirmed signups."
    actions = {
        "create": "Create a signup form for a list.",
        "show": "Show the account's forms with their hosted URLs.",
        "text": "Publish a new version of a form's consent text.",
        "expire": "Purge unconfirmed signups past their time (runs periodically too).",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action == "expire":
            return
        parser.add_argument("account", help="account slug")
        if action == "create":
            parser.add_argument("list_ref", metavar="LIST", help="list id or name")
            parser.add_argument("--name", default="")
            parser.add_argument("--consent-text", default="")
            parser.add_argument("--no-name", action="store_true", help="do not ask for names")
            parser.add_argument("--language", choices=["list", "browser"], default="list")
        elif action == "text":
            parser.add_argument("form_id", type=int)
            parser.add_argument("text")

    def _url(self, public_id: str) -> str:
        return settings.BASE_URL + reverse("subscriber:signup", args=[public_id])

    def do_create(self, account: str, list_ref: str, **opts: Any) -> None:
        form = doi.create_form(
            list_by_ref(account_by_slug(account), list_ref),
            actor=self.actor,
            name=opts["name"],
            consent_text=opts["consent_text"],
            ask_name=not opts["no_name"],
            language=opts["language"],
        )
        url = self._url(form.public_id)
        self.created(
            opts, f"form #{form.pk} {form.name}: {url}", id=form.pk, name=form.name, url=url
        )

    def do_show(self, account: str, **_: Any) -> None:
        for form in forms_of(account_by_slug(account)):
            wording = doi.current_wording(form)
            self.stdout.write(
                f"{form.pk}\t{form.name}\tlist {form.list.name}\tconsent v{wording.version}\t"
                f"{self._url(form.public_id)}"
            )

    def do_text(self, account: str, form_id: int, text: str, **_: Any) -> None:
        form = form_of(account_by_slug(account), form_id)
        wording = doi.set_consent_text(form, text, actor=self.actor)
        self.stdout.write(f"form #{form.pk}: consent text v{wording.version}")

    def do_expire(self, **_: Any) -> None:
        self.stdout.write(f"{doi.expire_pending()} unconfirmed signup(s) expired")
