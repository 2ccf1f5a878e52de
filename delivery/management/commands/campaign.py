"""`consentry campaign create|list|show|report|segment|audience|preview|test|duplicate|
schedule|unschedule|pause|resume|cancel|resend-unknown`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError, CommandParser

from accounts.management.commands.account import account_by_slug
from campaigns import layouts, selectors, services
from campaigns.models import Campaign
from contacts.segments import segment_by_ref
from contacts.selectors import contact_by_address, list_by_ref
from core.commands import DomainCommand
from core.errors import NotFound
from delivery import audience, reporting, sends
from delivery.selectors import progress


def campaign_by_id(campaign_id: int) -> Campaign:
    found = Campaign.objects.select_related("account").filter(pk=campaign_id).first()
    if found is None:
        raise NotFound(f"no campaign #{campaign_id}")
    return found


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "state": campaign.state,
        "scheduled_at": campaign.scheduled_at.isoformat() if campaign.scheduled_at else None,
        "lists": [lst.pk for lst in campaign.lists.all()],
    }


class Command(DomainCommand):
    help = "Campaigns: create, check against the gate, test-send, pause, resume, cancel."
    actions = {
        "create": "Create a draft campaign from an HTML file.",
        "list": "List an account's campaigns.",
        "show": "Show a campaign, its gate result and its send's counts.",
        "segment": "Target a segment of the lists (or, with --none, the whole lists).",
        "audience": "Count who the send would reach now, and why the others are left out.",
        "report": "A send's report: rates, bounces by reason, unsubscribes, providers.",
        "test": "Send a marked test mail to a few named addresses (before the gate).",
        "duplicate": "A new draft with a campaign's content, sender and lists.",
        "schedule": (
            "Start the send by itself at a date and time in the account's time zone "
            "(the gate is checked now and again then); again to change the time."
        ),
        "unschedule": "Cancel a schedule before the send starts.",
        "preview": "Print the campaign as a contact (or a sample contact) would get it.",
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
            parser.add_argument("--html", type=Path, help="HTML template file")
            parser.add_argument(
                "--template",
                default="",
                help="start from a layout: a starter (letter, newsletter, announcement) or a "
                "saved template's id; --content fills its content area",
            )
            parser.add_argument("--content", type=Path, help="HTML file for the content area")
            parser.add_argument("--json", action="store_true", help="print the draft as JSON")
            parser.add_argument("--text", type=Path, help="text template file (else generated)")
            parser.add_argument(
                "--list", dest="lists", action="append", default=[], help="list id or name"
            )
            parser.add_argument("--kind", default="regular", help="regular or similar_products")
            parser.add_argument("--language", default="de", help="de, en or fr (imprint)")
            parser.add_argument("--segment", help="segment id or name: only its contacts")
            parser.add_argument(
                "--tracking",
                action="store_true",
                help="count opens and clicks of the recipients who agreed to tracking",
            )
        if action == "segment":
            parser.add_argument("segment", nargs="?", help="segment id or name")
            parser.add_argument("--none", action="store_true", help="target the whole lists")
        if action == "audience":
            parser.add_argument("--json", dest="as_json", action="store_true", help="as JSON")
        if action == "test":
            parser.add_argument("addresses", nargs="+")
        if action == "duplicate":
            parser.add_argument("--name", default="", help="the copy's name (else with (copy))")
            parser.add_argument("--json", action="store_true", help="print the copy as JSON")
        if action == "preview":
            parser.add_argument("--contact", default="", help="address of a contact")
            parser.add_argument("--part", choices=["text", "html"], default="text")
        if action == "schedule":
            parser.add_argument(
                "at", help="YYYY-MM-DD HH:MM in the account's time zone (or with an offset)"
            )
            parser.add_argument(
                "--confirm-guidelines",
                action="store_true",
                help="confirm the anti-spam guidelines for this send (recorded as evidence)",
            )
        if action == "report":
            parser.add_argument(
                "--json", dest="as_json", action="store_true", help="one JSON document"
            )

    def do_create(self, account: str, html: Path | None, text: Path | None, **options: Any) -> None:
        acc = account_by_slug(account)
        lists = [list_by_ref(acc, ref) for ref in options["lists"]]
        segment = segment_by_ref(acc, options["segment"]) if options["segment"] else None
        if bool(html) == bool(options["template"]):
            raise CommandError("give either --html or --template")
        content = options["content"]
        try:
            html_source = html.read_text(encoding="utf-8") if html else ""
            text_source = text.read_text(encoding="utf-8") if text else ""
            content_source = content.read_text(encoding="utf-8") if content else ""
        except OSError as exc:
            raise CommandError(str(exc)) from None
        if options["template"]:
            layout = layouts.layout_of(acc, options["template"])
            composed = layouts.compose(layout, content_source)
            html_source, text_source = composed["html"], text_source or composed["text"]
        campaign = services.create_campaign(
            acc,
            actor=self.actor,
            lists=lists,
            segment=segment,
            name=options["name"],
            subject=options["subject"],
            from_name=options["from_name"],
            from_address=options["from_address"],
            reply_to=options["reply_to"],
            html=html_source,
            text=text_source,
            kind=options["kind"],
            language=options["language"],
            tracking=options["tracking"],
        )
        self._created(campaign, options["json"])

    def _created(self, campaign: Campaign, as_json: bool) -> None:
        text = f"campaign #{campaign.pk} {campaign.name}: {campaign.state}"
        self.created({"json": as_json}, text, **campaign_json(campaign))

    def do_segment(self, campaign: int, segment: str | None, none: bool, **_: Any) -> None:
        found = campaign_by_id(campaign)
        if none == bool(segment):
            raise CommandError("name a segment, or --none for the whole lists")
        chosen = segment_by_ref(found.account, segment) if segment else None
        services.update_campaign(found, actor=self.actor, segment=chosen)
        self.stdout.write(f"campaign #{found.pk}: " + (chosen.name if chosen else "whole lists"))

    def do_audience(self, campaign: int, as_json: bool, **_: Any) -> None:
        found = audience.breakdown(campaign_by_id(campaign))
        if as_json:
            body = {
                "considered": found.considered,
                "recipients": found.recipients,
                "left_out": {key: n for key, _label, n in found.reasons()},
            }
            self.stdout.write(json.dumps(body))
            return
        self.stdout.write(f"recipients: {found.recipients} of {found.considered} on the lists")
        for _key, label, n in found.reasons():
            self.stdout.write(f"  left out, {label}: {n}")

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
            + (f"  segment: {found.segment.name}" if found.segment else "")
        )
        if found.scheduled_at and found.state == "draft":
            local = found.scheduled_at.astimezone(ZoneInfo(found.account.time_zone))
            write(f"  Scheduled: {local:%Y-%m-%d %H:%M} {found.account.time_zone}")
        if found.schedule_held_reason:
            write(f"  Held at its time: {found.schedule_held_reason}")
        refusals = selectors.gate_result(found, guidelines_ticked=True)
        if refusals:
            write("Gate: refused")
            for refusal in refusals:
                write(f"  - {refusal}")
        else:
            write("Gate: passes once the guidelines are confirmed")
        counts = progress(found).counts
        write("Ledger: " + "  ".join(f"{state} {n}" for state, n in counts.items()))

    def do_report(self, campaign: int, as_json: bool, **_: Any) -> None:
        found = reporting.reporter()
        if found is None:
            raise CommandError("reports are not available")
        data, lines = found(campaign_by_id(campaign))
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        for line in lines:
            self.stdout.write(line)

    def do_test(self, campaign: int, addresses: list[str], **_: Any) -> None:
        for address, outcome in sends.send_test(
            campaign_by_id(campaign), addresses, actor=self.actor
        ):
            self.stdout.write(f"{address}: {outcome}")

    def do_duplicate(self, campaign: int, name: str, json: bool, **_: Any) -> None:
        copy = services.duplicate_campaign(campaign_by_id(campaign), actor=self.actor, name=name)
        self._created(copy, json)

    def do_schedule(self, campaign: int, at: str, confirm_guidelines: bool, **_: Any) -> None:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise CommandError(f"at: {at!r} is no date and time (YYYY-MM-DD HH:MM)") from None
        found = services.schedule_send(
            campaign_by_id(campaign),
            when=when,
            actor=self.actor,
            guidelines_confirmed=confirm_guidelines,
        )
        assert found.scheduled_at is not None
        local = found.scheduled_at.astimezone(ZoneInfo(found.account.time_zone))
        self.stdout.write(
            f"campaign #{found.pk} starts at {local:%Y-%m-%d %H:%M} {found.account.time_zone}"
        )

    def do_preview(self, campaign: int, contact: str, part: str, **_: Any) -> None:
        found = campaign_by_id(campaign)
        person = contact_by_address(found.account, contact) if contact else None
        if contact and person is None:
            raise CommandError(f"contact: the account has no contact {contact!r}")
        rendered = selectors.preview(found, person)
        self.stdout.write(f"Subject: {rendered.subject}\n")
        self.stdout.write(rendered.html if part == "html" else rendered.text)

    def do_unschedule(self, campaign: int, **_: Any) -> None:
        found = services.unschedule_send(campaign_by_id(campaign), actor=self.actor)
        self.stdout.write(f"campaign #{found.pk}: not scheduled ({found.state})")

    def do_pause(self, campaign: int, **_: Any) -> None:
        self.stdout.write(sends.pause_send(campaign_by_id(campaign), actor=self.actor).state)

    def do_resume(self, campaign: int, **_: Any) -> None:
        self.stdout.write(sends.resume_send(campaign_by_id(campaign), actor=self.actor).state)

    def do_cancel(self, campaign: int, **_: Any) -> None:
        self.stdout.write(sends.cancel_send(campaign_by_id(campaign), actor=self.actor).state)

    def do_resend_unknown(self, campaign: int, **_: Any) -> None:
        rows = sends.resend_unknown(campaign_by_id(campaign), actor=self.actor)
        self.stdout.write(f"{rows} rows queued again")
