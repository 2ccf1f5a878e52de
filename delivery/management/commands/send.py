"""`consentry send CAMPAIGN --confirm-guidelines`: start a send and follow it live."""

from __future__ import annotations

import time
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from campaigns import guidelines, services
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from core.actors import Actor
from core.errors import DomainError
from delivery import ledger, sends
from delivery.management.commands.campaign import campaign_by_id
from delivery.selectors import progress as send_progress


class Command(BaseCommand):
    help = "Start a campaign's send and show its progress until it ends."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", type=int, help="campaign id")
        parser.add_argument(
            "--confirm-guidelines",
            action="store_true",
            help="I confirm this send follows the anti-spam guidelines",
        )
        parser.add_argument(
            "--work",
            action="store_true",
            help="send the batches in this process too, not only in `consentry worker`s",
        )
        parser.add_argument("--no-wait", action="store_true", help="start and return")

    def handle(self, *args: Any, **options: Any) -> None:
        import getpass

        actor = Actor("system", f"cli:{getpass.getuser()}")
        campaign = None
        try:
            campaign = campaign_by_id(options["campaign"])
            if campaign.state == "draft" and guidelines.due_before_send(campaign, None):
                # ACCOUNT-4: a list's first send (or a new version): the guidelines in full.
                self.stdout.write(guidelines.wording().text)
            if not options["confirm_guidelines"]:
                self.stdout.write(services.guidelines_wording().text)
            recipients = sends.start_send(
                campaign, actor=actor, guidelines_confirmed=options["confirm_guidelines"]
            )
        except DomainError as exc:
            details = "".join(f"\n  - {d}" for d in exc.details)
            raise CommandError(f"{exc.message}{details}") from None
        self.stdout.write(f"campaign #{campaign.pk}: {recipients} recipients queued")
        if options["no_wait"]:
            return
        if options["work"]:
            for batch in ledger.batches_with_work(campaign):
                sends.run_batch(campaign.pk, batch)
        self.follow(campaign, recipients)

    def follow(self, campaign: Campaign, total: int) -> None:
        console = Console(file=cast(IO[str], self.stdout))
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(campaign.name, total=max(total, 1), counts="")
            while True:
                progress = send_progress(campaign)
                counts = progress.counts
                bar.update(
                    task,
                    completed=progress.done,
                    counts=(
                        f"sent {counts['sent']} deferred {counts['deferred']} failed "
                        f"{counts['failed']} unknown {counts['unknown']} "
                        f"skipped {counts['skipped']} · {progress.per_minute}/min"
                    ),
                )
                state = Campaign.objects.values_list("state", flat=True).get(pk=campaign.pk)
                if state in (CampaignState.FINISHED, CampaignState.CANCELLED):
                    break
                time.sleep(0.5)
        self.stdout.write(f"campaign #{campaign.pk}: {state}")
