"""`consentry account create|list|review|activate|refuse|ask|suspend|speed|member|imprint|
time-zone|tracking|language`."""

from __future__ import annotations

import secrets
from json import dumps
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from accounts import review, services
from accounts.models import Account, ReviewState
from accounts.selectors import case_json, language_of, review_queue
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
        "review": "The sign-ups waiting for the operator's review.",
        "activate": "Activate an account after review.",
        "refuse": "Refuse a pending account, with a reason it reads.",
        "ask": "Ask a pending account for more information (it answers on its page).",
        "suspend": "Suspend an account.",
        "speed": "Reduce an account's sending speed, or return it to normal.",
        "member": "Add a user to an account as owner or member.",
        "imprint": "Show or set the legal imprint every campaign mail carries.",
        "time-zone": "Show or set the time zone in which the account's send times are given.",
        "tracking": (
            "Show or set on what basis imported contacts agreed to open and click tracking "
            "(empty: they are not tracked)."
        ),
        "language": (
            "Show or set the language a user reads the pages in (browser: follow the browser)."
        ),
        "group": (
            "Put an account into a customer's group (an unsubscribe in one counts in all), "
            "or take it out with --none."
        ),
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action == "create":
            parser.add_argument("name")
            parser.add_argument("--slug", default="")
            parser.add_argument("--owner", help="username of the owner")
        elif action in ("activate", "suspend", "refuse", "ask", "speed"):
            parser.add_argument("slug")
            parser.add_argument(
                "--reason",
                default="",
                required=action in ("refuse", "ask", "speed"),
                help="why (the account's users read it; recorded in the audit log)",
            )
            if action == "speed":
                which = parser.add_mutually_exclusive_group(required=True)
                which.add_argument("--reduced", dest="reduced", action="store_true")
                which.add_argument("--normal", dest="reduced", action="store_false")
        elif action == "review":
            parser.add_argument("--json", action="store_true", help="one JSON document")
        elif action == "group":
            parser.add_argument("slug")
            parser.add_argument("group", nargs="?", default=None, help="the customer's group name")
            parser.add_argument("--none", action="store_true", help="take it out of its group")
            parser.add_argument("--reason", required=True, help="why (in the audit log)")
        elif action == "language":
            parser.add_argument("username")
            parser.add_argument(
                "language",
                nargs="?",
                choices=[code for code, _name in settings.LANGUAGES] + ["browser"],
                help="the language to set; without it, the current one is shown",
            )
        elif action == "imprint":
            parser.add_argument("slug")
            for name in services.IMPRINT_FIELDS:
                flag = "--" + name.removeprefix("imprint_").replace("_", "-")
                parser.add_argument(flag, dest=name, default=None)
        elif action == "time-zone":
            parser.add_argument("slug")
            parser.add_argument(
                "zone", nargs="?", default=None, help="an IANA name, e.g. Europe/Berlin"
            )
        elif action == "tracking":
            parser.add_argument("slug")
            parser.add_argument(
                "--import-basis", default=None, metavar="TEXT", help='the basis; "" for none'
            )
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

    def do_create(self, name: str, slug: str, owner: str | None, **options: Any) -> None:
        account = services.create_account(
            name, slug=slug, owner=user_by_name(owner) if owner else None
        )
        self.created(
            options,
            f"created account {account.slug} ({account.review_state})",
            id=account.pk,
            slug=account.slug,
            name=account.name,
            review_state=account.review_state,
        )

    def do_language(self, username: str, language: str | None, **_: Any) -> None:
        user = user_by_name(username)
        if language is not None:
            services.set_language(user, "" if language == "browser" else language)
        self.stdout.write(f"{user.get_username()}: {language_of(user) or 'browser'}")

    def do_imprint(self, slug: str, **options: Any) -> None:
        given = {k: options[k] for k in services.IMPRINT_FIELDS if options.get(k) is not None}
        account = account_by_slug(slug)
        if given:
            account = services.update_imprint(account, **given)
        for name in services.IMPRINT_FIELDS:
            value = getattr(account, name).replace("\n", " / ")
            self.stdout.write(f"{name.removeprefix('imprint_')}: {value}")

    def do_time_zone(self, slug: str, zone: str | None, **_: Any) -> None:
        account = account_by_slug(slug)
        if zone is not None:
            account = services.set_time_zone(account, zone)
        self.stdout.write(account.time_zone)

    def do_tracking(self, slug: str, import_basis: str | None, **_: Any) -> None:
        account = account_by_slug(slug)
        if import_basis is not None:
            account = services.set_import_tracking_basis(account, import_basis, actor=self.actor)
        self.stdout.write(f"import tracking basis: {account.import_tracking_basis or '(none)'}")

    def do_list(self, **_: Any) -> None:
        for account in Account.objects.order_by("slug"):
            self.stdout.write(f"{account.slug}\t{account.review_state}\t{account.name}")

    def do_review(self, json: bool, **_: Any) -> None:
        cases = [case_json(a) for a in review_queue()]
        if json:
            self.stdout.write(dumps({"queue": cases}, indent=2, default=str))
            return
        if not cases:
            self.stdout.write("no sign-up waits for review")
        for case in cases:
            self.stdout.write(
                f"{case['account']}\t{case['name']}\t{case['owner_email']}\t"
                f"{case['expected_volume']}/month {case['frequency']}\twaiting since "
                f"{case['queued_at']:%Y-%m-%d %H:%M}"
            )
            for question in ("address_sources", "consent_method"):
                self.stdout.write(f"  {question}: {case[question]}")

    def _decide(self, slug: str, decision: str, reason: str) -> None:
        account = review.decide(account_by_slug(slug), decision, operator=self.actor, reason=reason)
        self.stdout.write(f"{account.slug}: {account.review_state} ({account.review_note})")

    def do_activate(self, slug: str, reason: str, **_: Any) -> None:
        self._decide(slug, "activate", reason)

    def do_refuse(self, slug: str, reason: str, **_: Any) -> None:
        self._decide(slug, "refuse", reason)

    def do_ask(self, slug: str, reason: str, **_: Any) -> None:
        self._decide(slug, "ask", reason)

    def do_group(self, slug: str, group: str | None, none: bool, reason: str, **_: Any) -> None:
        if bool(group) == none:
            raise CommandError("name the customer group, or give --none")
        account = services.set_customer_group(
            account_by_slug(slug), None if none else group, actor=self.actor, reason=reason
        )
        name = account.customer_group.name if account.customer_group else None
        self.stdout.write(
            f"{account.slug}: customer group {name}"
            if name
            else f"{account.slug}: no customer group"
        )

    def do_speed(self, slug: str, reduced: bool, reason: str, **_: Any) -> None:
        account = review.set_speed(
            account_by_slug(slug), reduced=reduced, operator=self.actor, reason=reason
        )
        speed = "reduced" if account.reduced_speed else "normal"
        self.stdout.write(f"{account.slug}: {speed} speed")

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
