"""`consentry unsubscribe add|list|done|dismiss`: unsubscribes received by phone, letter,
mail or reply (UNSUB-2, UNSUB-3)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from accounts.management.commands.account import account_by_slug
from contacts import selectors, services
from contacts.models import RequestChannel, RequestState
from contacts.rules import request_urgency
from core.commands import DomainCommand


class Command(DomainCommand):
    help = "Unsubscribe requests that reached an account by phone, letter, mail or reply."
    creating = frozenset({"add"})
    actions = {
        "add": "Enter a request: the address leaves every list of the account at once.",
        "list": "List requests (open ones by deadline).",
        "done": "Carry out an open request.",
        "dismiss": "Dismiss an open request that asks for no unsubscribe.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "add":
            parser.add_argument("address")
            parser.add_argument(
                "--channel",
                required=True,
                choices=[c for c in RequestChannel.values if c != RequestChannel.REPLY],
            )
            parser.add_argument(
                "--received",
                type=date.fromisoformat,
                default=None,
                help="YYYY-MM-DD, the day it arrived (default today)",
            )
            parser.add_argument("--note", default="")
        elif action == "list":
            parser.add_argument("--state", choices=RequestState.values, default="")
        else:
            parser.add_argument("request_id", type=int)
            if action == "dismiss":
                parser.add_argument("--note", default="")

    def do_add(self, account: str, address: str, channel: str, **opts: Any) -> None:
        item = services.enter_unsubscribe_request(
            account_by_slug(account),
            address,
            channel=channel,
            received_on=opts["received"] or timezone.localdate(),
            note=opts["note"],
            actor=self.actor,
        )
        self.created(
            opts,
            f"request #{item.pk}: {item.address} unsubscribed (deadline {item.due_on:%Y-%m-%d})",
            id=item.pk,
            address=item.address,
            due_on=item.due_on,
        )

    def do_list(self, account: str, state: str, **_: Any) -> None:
        today = timezone.localdate()
        for r in selectors.unsubscribe_requests_of(account_by_slug(account), state=state):
            urgency = request_urgency(r.due_on, today, open_=r.state == RequestState.OPEN)
            self.stdout.write(
                f"{r.pk}\t{r.state}\t{urgency}\t{r.received_on:%Y-%m-%d}\t{r.due_on:%Y-%m-%d}"
                f"\t{r.channel}\t{r.address or '(erased)'}"
            )

    def do_done(self, account: str, request_id: int, **_: Any) -> None:
        item = selectors.unsubscribe_request_of(account_by_slug(account), request_id)
        item = services.complete_unsubscribe_request(item, actor=self.actor)
        self.stdout.write(f"request #{item.pk}: done, {item.address} unsubscribed")

    def do_dismiss(self, account: str, request_id: int, note: str, **_: Any) -> None:
        item = selectors.unsubscribe_request_of(account_by_slug(account), request_id)
        services.dismiss_unsubscribe_request(item, actor=self.actor, note=note)
        self.stdout.write(f"request #{item.pk}: dismissed")
