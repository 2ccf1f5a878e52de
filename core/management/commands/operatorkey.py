"""`consentry operatorkey create|list|revoke`: an operator's API keys (valid on
/api/v1/operator/... only); the key is printed once, only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from core.commands import DomainCommand
from core.errors import NotFound
from core.operator_keys import create_operator_key, operator_keys, revoke_operator_key


class Command(DomainCommand):
    help = "Manage the API keys of the platform's operators (staff users)."
    actions = {
        "create": "Create a key for a staff user and print it once.",
        "list": "List the keys.",
        "revoke": "Revoke a key.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action == "create":
            parser.add_argument("username", help="a staff user")
            parser.add_argument("name")
        elif action == "revoke":
            parser.add_argument("prefix")
            parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def do_create(self, username: str, name: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise NotFound(f"no user {username!r}")
        key, plain = create_operator_key(user, name, actor=self.actor)
        self.created(options, plain, id=key.pk, name=key.name, prefix=key.prefix, key=plain)
        self.stderr.write(f"key #{key.pk}: store it now, it is not shown again.")

    def do_list(self, **_: Any) -> None:
        for key in operator_keys():
            state = "revoked" if key.revoked_at else "active"
            self.stdout.write(
                f"{key.prefix}\t{state}\t{key.user.get_username()}\t{key.name}\t"
                f"last used {key.last_used_at or '-'}"
            )

    def do_revoke(self, prefix: str, reason: str, **_: Any) -> None:
        key = operator_keys().filter(prefix=prefix).first()
        if key is None:
            raise NotFound(f"no operator key {prefix!r}")
        revoke_operator_key(key, actor=self.actor, reason=reason)
        self.stdout.write(f"revoked {prefix}")
