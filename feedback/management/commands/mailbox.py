"""`consentry mailbox poll`: fetch bounces and reports from an IMAP or POP3 mailbox (BOUNCE-2)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from core.commands import DomainCommand
from feedback.mailbox import MailboxConfig, poll


class Command(DomainCommand):
    help = "Fetch bounces and feedback reports from the mailbox named by CONSENTRY_MAILBOX_URL."
    actions = {"poll": "Fetch, store and process every message, then delete it from the mailbox."}

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="instead of CONSENTRY_MAILBOX_URL")

    def do_poll(self, url: str, **_: Any) -> None:
        url = url or settings.MAILBOX_URL
        if not url:
            raise CommandError("no mailbox: set CONSENTRY_MAILBOX_URL or give --url")
        config = MailboxConfig.from_url(url)
        result = poll(config, fallback_recipient=settings.MAILBOX_ADDRESS)
        self.stdout.write(f"{config}: {result.fetched} fetched, {result.stored} stored")
