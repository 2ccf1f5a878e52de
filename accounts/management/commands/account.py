"""`consentry account create|list|activate|suspend|member`."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from accounts import services
from accounts.models import Account, ReviewState
from core.addresses import normalise_address
from core.commands import DomainCommand
from core.errors import NotFound


def account_by_slug(slug: str) -> Account:
    account = Account.objects.filter(slug=slug).first()
    if account is None:
        raise NotFound(f"no account {slug!r}")
    return account


def user_by_name(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


class Command(DomainCommand):
    help = "Manage accounts (tenants)."
    actions = {
        "create": "Create an account (pending review).",
        "list": "List accounts with their review state.",
        "activate": "Activate an account after review (ACCOUNT-1).",
        "suspend": "Suspend an account.",
        "member": "Add a user to an account as owner or member.",
        "imprint": "Show or set the legal imprint every campaign mail carries (CONTENT-2).",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action == "create":
            parser.add_argument("name")
            parser.add_argument("--slug", default="")
            parser.add_argument("--owner", help="username of the owner")
        elif action in ("activate", "suspend"):
            parser.add_argument("slug")
            parser.add_argument(
                "--reason",
                default="",
                help="why (shown to the account's users and API keys while suspended)",
            )
        elif action == "imprint":
            parser.add_argument("slug")
            for name in services.IMPRINT_FIELDS:
                flag = "--" + name.removeprefix("imprint_").replace("_", "-")
                parser.add_argument(flag, dest=name, default=None)
        elif action == "member":
            parser.add_argument("slug")
            parser.add_argument("username")
            parser.add_argument("--role", choices=["owner", "member"], default="member")
            parser.add_argument(
                "--email",
                default="",
                help="create the user with this login address if there is none of that name "
                "(a password is generated and printed once)",
            )

    def do_create(self, name: str, slug: str, owner: str | None, **_: Any) -> None:
        account = services.create_account(
            name, slug=slug, owner=user_by_name(owner) if owner else None
        )
        self.stdout.write(f"created account {account.slug} ({account.review_state})")

    def do_imprint(self, slug: str, **options: Any) -> None:
        given = {k: options[k] for k in services.IMPRINT_FIELDS if options.get(k) is not None}
        account = account_by_slug(slug)
        if given:
            account = services.update_imprint(account, **given)
        for name in services.IMPRINT_FIELDS:
            value = getattr(account, name).replace("\n", " / ")
            self.stdout.write(f"{name.removeprefix('imprint_')}: {value}")

    def do_list(self, **_: Any) -> None:
        for account in Account.objects.order_by("slug"):
            self.stdout.write(f"{account.slug}\t{account.review_state}\t{account.name}")

    def do_activate(self, slug: str, reason: str, **_: Any) -> None:
        account = services.change_review_state(
            account_by_slug(slug), ReviewState.ACTIVE, note=reason, actor=self.actor
        )
        self.stdout.write(f"{account.slug}: {account.review_state}")

    def do_suspend(self, slug: str, reason: str, **_: Any) -> None:
        account = services.change_review_state(
            account_by_slug(slug), ReviewState.SUSPENDED, note=reason, actor=self.actor
        )
        self.stdout.write(f"{account.slug}: {account.review_state}")

    def do_member(self, slug: str, username: str, role: str, email: str, **_: Any) -> None:
        account = account_by_slug(slug)
        exists = get_user_model().objects.filter(username=username).exists()
        if email and not exists:
            password = secrets.token_urlsafe(12)
            services.create_user(username, password, email=normalise_address(email))
            self.stdout.write(f"user {username} created, password (shown once): {password}")
        membership = services.add_member(account, user_by_name(username), role)
        self.stdout.write(f"{username} is {membership.role} of {slug}")
