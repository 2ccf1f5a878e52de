"""`consentry apikey create|list|revoke`: the key is printed once, only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts import services
from accounts.management.commands.account import account_by_slug
from accounts.selectors import api_keys_of
from core.commands import DomainCommand
from core.errors import NotFound


class Command(DomainCommand):
    help = "Manage API keys of an account."
    actions = {
        "create": "Create a key and print it once.",
        "list": "List keys.",
        "revoke": "Revoke a key.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "create":
            parser.add_argument("name")
        elif action == "revoke":
            parser.add_argument("prefix")
            parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def do_create(self, account: str, name: str, **options: Any) -> None:
        key, plain = services.create_api_key(account_by_slug(account), name)
        self.created(options, plain, id=key.pk, name=key.name, prefix=key.prefix, key=plain)
        self.stderr.write(f"key #{key.pk}: store it now, it is not shown again.")

    def do_list(self, account: str, **_: Any) -> None:
        for key in api_keys_of(account_by_slug(account)):
            state = "revoked" if key.revoked_at else "active"
            self.stdout.write(
                f"{key.prefix}\t{state}\t{key.name}\tlast used {key.last_used_at or '-'}"
            )

    def do_revoke(self, account: str, prefix: str, reason: str, **_: Any) -> None:
        key = api_keys_of(account_by_slug(account)).filter(prefix=prefix).first()
        if key is None:
            raise NotFound(f"no key {prefix!r} in {account}")
        services.revoke_api_key(key, actor=self.actor, reason=reason)
        self.stdout.write(f"revoked {prefix}")
