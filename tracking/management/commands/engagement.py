"""`consentry engagement CAMPAIGN [--json]`: opens and clicks of a campaign (CONSENT-4)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.models import Campaign
from tracking.selectors import campaign_engagement


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


class Command(BaseCommand):
    help = (
        "Opens and clicks of a campaign: counted only for contacts who agreed to tracking, "
        "machine opens and clicks apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", type=int, help="campaign id")
        parser.add_argument("--json", action="store_true", help="one JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"no campaign #{options['campaign']}")
        report = campaign_engagement(campaign)
        t = report.totals
        if options["json"]:
            document = {
                "campaign": campaign.pk,
                "delivered": t.delivered,
                "tracked": t.tracked,
                "opened": t.opened,
                "clicked": t.clicked,
                "open_rate": t.open_rate,
                "click_rate": t.click_rate,
                "machine_opens": t.machine_opens,
                "machine_clicks": t.machine_clicks,
                "machine_reasons": report.machine_reasons,
                "timeline": [
                    {"hour": h.isoformat(), "opens": o, "clicks": c} for h, o, c in report.timeline
                ],
                "links": [
                    {"url": u, "clicks": c, "messages": m, "machine_clicks": x}
                    for u, c, m, x in report.links
                ],
            }
            self.stdout.write(json.dumps(document, indent=2))
            return
        write = self.stdout.write
        write(f"#{campaign.pk} {campaign.name}")
        write(f"  delivered {t.delivered}, to contacts who agreed to tracking {t.tracked}")
        write(
            f"  opened  {t.opened:>7}  {_percent(t.open_rate):>7}   by machines {t.machine_opens}"
        )
        clicked = f"  clicked {t.clicked:>7}  {_percent(t.click_rate):>7}"
        write(f"{clicked}   by machines {t.machine_clicks}")
        for url, clicks, messages, machine in report.links:
            write(f"  {clicks:>6} clicks ({messages} messages, {machine} by machines)  {url}")
