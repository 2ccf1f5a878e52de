"""`consentry evidence verify [ACCOUNT]`: check the hash chain, name the first broken record."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.models import Account
from consent.selectors import verify_chain
from core.commands import DomainCommand


class Command(DomainCommand):
    help = "Evidence ledger tools."
    actions = {"verify": "Verify the hash chain of one account, or of every account."}

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", nargs="?", help="account slug (default: all accounts)")

    def do_verify(self, account: str | None = None, **options: Any) -> None:
        accounts = Account.objects.all()
        if account:
            accounts = accounts.filter(slug=account)
            if not accounts.exists():
                raise CommandError(f"no account {account!r}")
        broken = 0
        for acc in accounts.order_by("slug"):
            report = verify_chain(acc)
            if report.ok:
                self.stdout.write(f"{acc.slug}: ok, {report.records} records")
            else:
                broken += 1
                assert report.broken is not None
                self.stdout.write(
                    f"{acc.slug}: BROKEN at record #{report.broken.seq}: {report.broken.reason}"
                )
        if broken:
            raise CommandError(f"{broken} evidence chain(s) broken")
