"""`consentry campaign create|list|show|test|pause|resume|cancel|resend-unknown`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.management.commands.account import account_by_slug
from campaigns import selectors, services
from campaigns.models import Campaign
from contacts.selectors import list_by_ref
from core.commands import DomainCommand
from core.errors import NotFound
from delivery import sends
from delivery.selectors import progress


def campaign_by_id(campaign_id: int) -> Campaign:
    found = Campaign.objects.select_related("account").filter(pk=campaign_id).first()
    if found is None:
        raise NotFound(f"no campaign #{campaign_id}")
    return found


class Command(DomainCommand):
    help = "Campaigns: create, check against the gate, test-send, pause, resume, cancel."
    actions = {
        "create": "Create a draft campaign from an HTML file.",
        "list": "List an account's campaigns.",
        "show": "Show a campaign, its gate result and its send's counts.",
        "test": "Send a marked test mail to a few named addresses (before the gate).",
        "pause": "Pause a running send (acts within a second).",
        "resume": "Resume a paused send.",
        "cancel": "Cancel a send: nothing more is handed over.",
        "resend-unknown": "Queue the rows of unknown outcome again (they may arrive twice).",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        if action in ("create", "list"):
            parser.add_argument("account", help="account slug")
        else:
            parser.add_argument("campaign", type=int, help="campaign id")
        if action == "create":
            parser.add_argument("--name", required=True)
            parser.add_argument("--subject", required=True)
            parser.add_argument("--from-name", required=True)
            parser.add_argument("--from", dest="from_address", required=True)
            parser.add_argument("--reply-to", default="")
            parser.add_argument("--html", type=Path, required=True, help="HTML template file")
            parser.add_argument("--text", type=Path, help="text template file (else generated)")
            parser.add_argument(
                "--list", dest="lists", action="append", default=[], help="list id or name"
            )
            parser.add_argument("--kind", default="regular", help="regular or similar_products")
            parser.add_argument("--language", default="de", help="de, en or fr (imprint)")
        if action == "test":
            parser.add_argument("addresses", nargs="+")

    def do_create(self, account: str, html: Path, text: Path | None, **options: Any) -> None:
        acc = account_by_slug(account)
        lists = [list_by_ref(acc, ref) for ref in options["lists"]]
        try:
            html_source = html.read_text(encoding="utf-8")
            text_source = text.read_text(encoding="utf-8") if text else ""
        except OSError as exc:
            raise CommandError(str(exc)) from None
        campaign = services.create_campaign(
            acc,
            actor=self.actor,
            lists=lists,
            name=options["name"],
            subject=options["subject"],
            from_name=options["from_name"],
            from_address=options["from_address"],
            reply_to=options["reply_to"],
            html=html_source,
            text=text_source,
            kind=options["kind"],
            language=options["language"],
        )
        self.created(
            options,
            f"campaign #{campaign.pk} {campaign.name}: {campaign.state}",
            id=campaign.pk,
            name=campaign.name,
            state=campaign.state,
        )

    def do_list(self, account: str, **_: Any) -> None:
        for c in selectors.campaigns_of(account_by_slug(account)):
            self.stdout.write(f"{c.pk}\t{c.state}\t{c.name}")

    def do_show(self, campaign: int, **_: Any) -> None:
        found = campaign_by_id(campaign)
        write = self.stdout.write
        write(f"#{found.pk} {found.name}: {found.state}")
        write(
            f"  From: {found.from_name} <{found.from_address}>  lists: "
            + ", ".join(lst.name for lst in found.lists.all())
        )
        refusals = selectors.gate_result(found, guidelines_ticked=True)
        if refusals:
            write("Gate: refused")
            for refusal in refusals:
                write(f"  - {refusal}")
        else:
            write("Gate: passes once the guidelines are confirmed")
        counts = progress(found).counts
        write("Ledger: " + "  ".join(f"{state} {n}" for state, n in counts.items()))

    def do_test(self, campaign: int, addresses: list[str], **_: Any) -> None:
        for address, outcome in sends.send_test(
            campaign_by_id(campaign), addresses, actor=self.actor
        ):
            self.stdout.write(f"{address}: {outcome}")

    def do_pause(self, campaign: int, **_: Any) -> None:
        self.stdout.write(sends.pause_send(campaign_by_id(campaign), actor=self.actor).state)

    def do_resume(self, campaign: int, **_: Any) -> None:
        self.stdout.write(sends.resume_send(campaign_by_id(campaign), actor=self.actor).state)

    def do_cancel(self, campaign: int, **_: Any) -> None:
        self.stdout.write(sends.cancel_send(campaign_by_id(campaign), actor=self.actor).state)

    def do_resend_unknown(self, campaign: int, **_: Any) -> None:
        rows = sends.resend_unknown(campaign_by_id(campaign), actor=self.actor)
        self.stdout.write(f"{rows} rows queued again")
