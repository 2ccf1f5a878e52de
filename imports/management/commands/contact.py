"""`consentry contact add|subscribe|list|show|status|delete`: the CLI door to contacts.

It lives with imports: a contact added by hand is a one-row import (imports.manual).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from consent import doi
from contacts import selectors, services
from contacts.rules import Cause, Status
from core.commands import DomainCommand
from core.errors import NotFound, RuleViolation
from imports import manual
from imports.services import CUSTOMER_CONTACT, ORIGIN


class Command(DomainCommand):
    help = "Manage contacts of an account."
    creating = frozenset({"add"})
    actions = {
        "add": "Add a contact by hand: a one-row import (source, proof, attestations).",
        "subscribe": "Subscribe an address by double opt-in: a confirmation mail goes out.",
        "list": "List contacts.",
        "show": "Show one contact: status, legal basis, consent to tracking.",
        "status": "Change a contact's status (the status rules apply).",
        "delete": "Delete a contact: status D, personal data erased.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "subscribe":
            parser.add_argument("list_ref", metavar="LIST", help="list id or name")
            parser.add_argument("address")
            parser.add_argument(
                "--form",
                dest="form_id",
                type=int,
                default=None,
                help="the signup form whose consent text the person saw",
            )
            parser.add_argument("--first-name", default="")
            parser.add_argument("--last-name", default="")
            return
        if action == "list":
            parser.add_argument("--status", choices=[s.value for s in Status], default="")
            parser.add_argument("--search", default="")
            return
        parser.add_argument("address")
        if action == "add":
            parser.add_argument(
                "--source",
                required=True,
                choices=manual.HAND_SOURCES,
                help="where the address comes from (double opt-in: use `contact subscribe`)",
            )
            parser.add_argument(
                "--list",
                dest="lists",
                action="append",
                required=True,
                help="a list (id or name) the contact joins (repeat for more)",
            )
            parser.add_argument("--first-name", default="")
            parser.add_argument("--last-name", default="")
            parser.add_argument(
                "--last-contact",
                type=date.fromisoformat,
                default=None,
                help="existing_customer: date of the last purchase, YYYY-MM-DD",
            )
            parser.add_argument("--product-category", default="", help="existing_customer")
            parser.add_argument("--evidence-ref", default="", help="business_card, offline_form")
            parser.add_argument(
                "--sponsor",
                dest="sponsors",
                action="append",
                default=[],
                help="co_registration: a sponsor named to the person",
            )
            parser.add_argument(
                "--attest-origin",
                action="store_true",
                help="attest: collected by double opt-in or another lawful procedure, none bought",
            )
            parser.add_argument(
                "--attest-customer-contact",
                action="store_true",
                help="attest: existing customers were in touch within the last 6 months",
            )
        elif action == "status":
            parser.add_argument("target", choices=[s.value for s in Status if s != "D"])

    def _contact(self, account: str, address: str) -> Any:
        contact = selectors.contact_by_address(account_by_slug(account), address)
        if contact is None:
            raise NotFound(f"no contact {address} in {account}")
        return contact

    def do_add(self, account: str, address: str, **opts: Any) -> None:
        acc = account_by_slug(account)
        lists = [selectors.list_by_ref(acc, ref) for ref in opts["lists"]]
        attested = [
            name
            for name, flag in (
                (ORIGIN, "attest_origin"),
                (CUSTOMER_CONTACT, "attest_customer_contact"),
            )
            if opts[flag]
        ]
        contact = manual.add_contact(
            acc,
            lists,
            address,
            actor=self.actor,
            source=opts["source"],
            attested=attested,
            first_name=opts["first_name"],
            last_name=opts["last_name"],
            last_contact=opts["last_contact"],
            product_category=opts["product_category"],
            evidence_ref=opts["evidence_ref"],
            sponsors=opts["sponsors"],
        )
        self.created(
            opts,
            f"contact #{contact.pk} {contact.address} {contact.status}",
            id=contact.pk,
            address=contact.address,
            status=contact.status,
        )

    def do_subscribe(self, account: str, address: str, list_ref: str, **opts: Any) -> None:
        lst = selectors.list_by_ref(account_by_slug(account), list_ref)
        form = doi.form_for_list(lst, opts["form_id"])
        entry = doi.parse_entry(
            form,
            {
                "email": address,
                "first_name": opts["first_name"],
                "last_name": opts["last_name"],
                "consent": "yes",
            },
        )
        outcome = doi.submit_signup(form, entry, actor=self.actor, source="cli")
        if not outcome.accepted:
            raise RuleViolation(f"not subscribed: {outcome.reason}")
        self.stdout.write(
            f"{entry.address}: confirmation mail sent; the contact joins {lst.name} "
            "once they click its link"
        )

    def do_show(self, account: str, address: str, **_: Any) -> None:
        c = self._contact(account, address)
        write = self.stdout.write
        write(f"contact #{c.pk} {c.address or '(erased)'}")
        write(f"  status: {c.status}  legal basis: {c.legal_basis or '-'}")
        tracking = f"yes ({c.tracking_basis})" if c.tracking_consent else "no"
        write(f"  tracking of opens and clicks: {tracking}")

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
