"""`consentry bootstrap [--demo]`: the first operator user, and optionally a demo account."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts import services as accounts
from accounts.models import Account, ReviewState
from contacts import services as contacts
from contacts.models import SubscriptionState
from contacts.rules import Cause, LegalBasis, Status
from core.actors import Actor
from domains import services as domains

# The demo's sender domain, verified in the sandbox DNS only (never valid for real sending).
DEMO_DOMAIN = "news.demo.example"

DEMO_CONTACTS = [
    ("anna.schmidt@example.de", "Anna", "Schmidt", Status.ACTIVE),
    ("jean.dupont@example.fr", "Jean", "Dupont", Status.ACTIVE),
    ("mia.wagner@example.at", "Mia", "Wagner", Status.ACTIVE),
    ("lukas.weber@example.de", "Lukas", "Weber", Status.UNSUBSCRIBED),
    ("claire.martin@example.fr", "Claire", "Martin", Status.BOUNCED),
]


class Command(BaseCommand):
    help = "Create the first operator user (and with --demo a demo account). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="also create a demo account")

    def handle(self, *args: Any, **options: Any) -> None:
        self.ensure_operator()
        if options["demo"]:
            self.ensure_demo()

    def ensure_operator(self) -> None:
        User = get_user_model()
        if User.objects.filter(is_staff=True).exists():
            return
        username = os.environ.get("CONSENTRY_OPERATOR_USERNAME", "operator")
        password = os.environ.get("CONSENTRY_OPERATOR_PASSWORD", "")
        generated = not password
        password = password or secrets.token_urlsafe(12)
        accounts.create_user(
            username, password, email=os.environ.get("CONSENTRY_OPERATOR_EMAIL", ""), staff=True
        )
        self.stdout.write(self.style.SUCCESS(f"Operator user created: {username}"))
        if generated:
            self.stdout.write(self.style.WARNING(f"  password (shown once): {password}"))

    @transaction.atomic
    def ensure_demo(self) -> None:
        if Account.objects.filter(slug="demo").exists():
            return
        actor = Actor.system("demo")
        password = secrets.token_urlsafe(9)
        user = accounts.create_user("demo", password, email="demo@example.org")
        account = accounts.create_account("Demo GmbH", slug="demo", owner=user)
        accounts.change_review_state(account, ReviewState.ACTIVE)
        accounts.update_imprint(
            account,
            imprint_name="Demo GmbH",
            imprint_address="Musterstraße 1, 10115 Berlin",
            imprint_contact="kontakt@demo.example, +49 30 1234567",
        )
        newsletter = contacts.create_list(account, "Newsletter", actor=actor, language="de")
        contacts.create_list(account, "Product news", actor=actor, language="en")
        for address, first, last, status in DEMO_CONTACTS:
            contact = contacts.create_contact(
                account,
                address,
                actor=actor,
                cause=Cause.USER,
                legal_basis=LegalBasis.DOUBLE_OPT_IN,
                first_name=first,
                last_name=last,
            )
            contacts.set_subscription(contact, newsletter, SubscriptionState.CONFIRMED, actor=actor)
            if status != Status.ACTIVE:
                cause = Cause.UNSUBSCRIBE_LINK if status == Status.UNSUBSCRIBED else Cause.BOUNCE
                contacts.change_status(contact, status, actor=actor, cause=cause)
        if settings.DNS_SANDBOX:
            # No mail leaves this machine: the demo's sender domain is verified against the
            # sandbox DNS, and may not send once mail can leave (domains.selectors).
            domain = domains.add_domain(account, DEMO_DOMAIN, actor=actor)
            domains.publish_in_sandbox(domain, actor=actor)
            domains.check_domain(domain, actor=actor)
            self.stdout.write(f"  sender domain {DEMO_DOMAIN}: verified in the sandbox DNS")
        self.stdout.write(self.style.SUCCESS("Demo account 'demo' created"))
        self.stdout.write(self.style.WARNING(f"  user demo, password (shown once): {password}"))
