"""`consentry contact add|list|show|status|delete`: the CLI door to contacts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from contacts import selectors, services
from contacts.models import SubscriptionState
from contacts.rules import Cause, LegalBasis, Status
from core.commands import DomainCommand
from core.errors import NotFound


class Command(DomainCommand):
    help = "Manage contacts of an account."
    actions = {
        "add": "Add a contact.",
        "list": "List contacts.",
        "status": "Change a contact's status (the status rules apply).",
        "delete": "Delete a contact: status D, personal data erased (STATUS-4).",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "list":
            parser.add_argument("--status", choices=[s.value for s in Status], default="")
            parser.add_argument("--search", default="")
            return
        parser.add_argument("address")
        if action == "add":
            parser.add_argument(
                "--status", choices=[s.value for s in Status if s != "D"], default="A"
            )
            parser.add_argument("--basis", choices=[b.value for b in LegalBasis], default="")
            parser.add_argument("--first-name", default="")
            parser.add_argument("--last-name", default="")
            parser.add_argument(
                "--list", dest="list_id", type=int, help="subscribe to this list id"
            )
        elif action == "status":
            parser.add_argument("target", choices=[s.value for s in Status if s != "D"])

    def _contact(self, account: str, address: str) -> Any:
        contact = selectors.contact_by_address(account_by_slug(account), address)
        if contact is None:
            raise NotFound(f"no contact {address} in {account}")
        return contact

    def do_add(self, account: str, address: str, status: str, basis: str, **opts: Any) -> None:
        acc = account_by_slug(account)
        contact = services.create_contact(
            acc,
            address,
            actor=self.actor,
            cause=Cause.USER,
            status=Status(status),
            legal_basis=basis,
            first_name=opts["first_name"],
            last_name=opts["last_name"],
        )
        if opts.get("list_id"):
            lst = selectors.list_of(acc, opts["list_id"])
            services.set_subscription(contact, lst, SubscriptionState.CONFIRMED, actor=self.actor)
        self.stdout.write(f"contact #{contact.pk} {contact.address} {contact.status}")

    def do_list(self, account: str, status: str, search: str, **_: Any) -> None:
        for c in selectors.contacts_of(
            account_by_slug(account), status=status, search=search
        ).iterator():
            self.stdout.write(f"{c.pk}\t{c.status}\t{c.address or '(erased)'}\t{c.legal_basis}")

    def do_status(self, account: str, address: str, target: str, **_: Any) -> None:
        contact = services.change_status(
            self._contact(account, address), Status(target), actor=self.actor, cause=Cause.USER
        )
        self.stdout.write(f"contact #{contact.pk}: {contact.status}")

    def do_delete(self, account: str, address: str, **_: Any) -> None:
        contact = services.delete_contact(self._contact(account, address), actor=self.actor)
        self.stdout.write(f"contact #{contact.pk}: deleted, personal data erased")
