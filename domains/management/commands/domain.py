"""`consentry domain add|show|check ACCOUNT DOMAIN`: the CLI door to sender domains."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.management.commands.account import account_by_slug
from core.commands import DomainCommand
from domains import selectors, services
from domains.models import SenderDomain


class Command(DomainCommand):
    help = "Sender domains: DNS records to publish, ownership, DKIM, SPF and DMARC checks."
    creating = frozenset({"add"})
    actions = {
        "add": "Add a sender domain and print the DNS records to publish.",
        "show": "Show a domain's records to publish and the state of each check.",
        "check": "Check the domain's records in DNS now.",
        "list": "List the account's sender domains.",
        "sandbox-publish": (
            "Publish the domain's records in the sandbox DNS (only while mail goes to the "
            "sandbox mailbox): stands in for the DNS provider on a demo machine."
        ),
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "list":
            return
        parser.add_argument("domain", help="domain name, e.g. news.example.com")
        if action == "add":
            parser.add_argument(
                "--ed25519", action="store_true", help="also sign with an Ed25519 key (RFC 8463)"
            )
            parser.add_argument(
                "--return-path",
                default="",
                metavar="HOST",
                help="the host that receives bounces, a name below the domain whose MX points "
                "at the platform (default: bounce.DOMAIN)",
            )

    def do_add(
        self, account: str, domain: str, ed25519: bool, return_path: str = "", **options: Any
    ) -> None:
        added = services.add_domain(
            account_by_slug(account),
            domain,
            actor=self.actor,
            ed25519=ed25519,
            return_path_host=return_path,
        )
        text = f"sender domain #{added.pk} {added.name}: {added.status}"
        self.created(options, text, id=added.pk, name=added.name, status=added.status)
        if not options["json"]:
            self.show(selectors.domain_of(added.account, added.pk))

    def do_show(self, account: str, domain: str, **_: Any) -> None:
        self.show(selectors.domain_by_name(account_by_slug(account), domain))

    def do_check(self, account: str, domain: str, **_: Any) -> None:
        acc = account_by_slug(account)
        checked = services.check_domain(selectors.domain_by_name(acc, domain), actor=self.actor)
        self.show(selectors.domain_of(acc, checked.pk), records=False)

    def do_sandbox_publish(self, account: str, domain: str, **_: Any) -> None:
        found = selectors.domain_by_name(account_by_slug(account), domain)
        published = services.publish_in_sandbox(found, actor=self.actor)
        self.stdout.write(
            f"{found.name}: {len(published)} records published in the sandbox DNS; "
            f"now `consentry domain check {account} {found.name}`"
        )

    def do_list(self, account: str, **_: Any) -> None:
        for d in selectors.domains_of(account_by_slug(account)):
            checked = f"{d.last_checked_at:%Y-%m-%d %H:%M}" if d.last_checked_at else "never"
            self.stdout.write(f"{d.pk}\t{d.name}\t{d.status}\tchecked {checked}")

    def show(self, domain: SenderDomain, *, records: bool = True) -> None:
        write = self.stdout.write
        write(f"{domain.name}: {domain.status}")
        if domain.return_path_host:
            write(f"Return path (bounces): {domain.return_path_host}")
        if records:
            write("\nPublish these DNS records (zone file lines):")
            for record in selectors.records_to_publish(domain):
                write(f"  ; {record.purpose}")
                write(f"  {record.zone_line()}")
        write("\nChecks:")
        for check in selectors.checks_of(domain):
            write(f"  {check.kind:<10} {check.state:<8} {check.message}")
            for line in check.found.splitlines():
                write(f"  {'':<10} found: {line}")
        reasons = selectors.sending_block_reasons(domain.account, domain.name)
        if reasons:
            write("\nCampaign sends from this domain are blocked:")
            for reason in reasons:
                write(f"  - {reason}")
