"""`consentry list create|show|attest|audit|admit|block|sample|stale`: the CLI door to lists
and their admission. It sits with the sends because the sample and the
freshness of consent are read from them."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from accounts.management.commands.account import account_by_slug
from admission import selectors as admission_selectors
from admission import services as admission
from admission.models import ListAudit
from campaigns.selectors import campaign_of
from contacts import selectors, services
from contacts.models import List
from core.commands import DomainCommand
from delivery import freshness, sends


def list_of(account: str, list_ref: str) -> List:
    """A list of the account, named by its id or by its name."""
    return selectors.list_by_ref(account_by_slug(account), list_ref)


class Command(DomainCommand):
    help = "Manage lists of an account and their admission to sending."
    actions = {
        "create": "Create a list.",
        "show": "Show the lists with subscriber counts and where each stands.",
        "attest": "Attest that hard bounces were removed from the list.",
        "audit": "Audit the list's addresses now, with a progress bar.",
        "admit": "Operator: admit (or refuse) the list whatever its audit says, with a reason.",
        "block": "Operator: block (or unblock) every send to the list, with a reason.",
        "sample": "Show the list's sample send; an operator may decide it.",
        "stale": "List contacts whose consent is stale; --reconfirm mails them.",
    }

    def add_action_arguments(self, action: str, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        if action == "create":
            parser.add_argument("name")
            parser.add_argument("--language", choices=["de", "en", "fr"], default="de")
            parser.add_argument("--description", default="")
            return
        if action == "show":
            return
        parser.add_argument("list_id", metavar="LIST", help="list id or name")
        if action == "attest":
            parser.add_argument("--cleaned-on", type=date.fromisoformat, required=True)
            parser.add_argument(
                "--confirm", action="store_true", help="I confirm the text shown (recorded)"
            )
        elif action == "audit":
            parser.add_argument("--json", action="store_true", help="print the result as JSON")
            parser.add_argument("--problems", help="write the problem addresses to this CSV file")
        elif action in ("admit", "block"):
            parser.add_argument("--reason", required=True)
            parser.add_argument(
                "--undo", action="store_true", help="refuse the admission / lift the block"
            )
            if action == "admit":
                parser.add_argument(
                    "--hand-back",
                    action="store_true",
                    help="withdraw the operator's mark: the audit and sample decide again",
                )
        elif action == "sample":
            parser.add_argument("--admit", action="store_true", help="operator: admit the list")
            parser.add_argument("--refuse", action="store_true", help="operator: refuse it")
            parser.add_argument("--reason", default="")
        elif action == "stale":
            parser.add_argument("--reconfirm", action="store_true", help="send the DOI mails")

    def do_create(
        self, account: str, name: str, language: str, description: str, **options: Any
    ) -> None:
        lst = services.create_list(
            account_by_slug(account),
            name,
            actor=self.actor,
            language=language,
            description=description,
        )
        self.created(
            options,
            f"list #{lst.pk} {lst.name} ({lst.language})",
            id=lst.pk,
            name=lst.name,
            language=lst.language,
        )

    def do_show(self, account: str, **_: Any) -> None:
        for lst in selectors.lists_of(account_by_slug(account)):
            confirmed = getattr(lst, "confirmed", 0)
            standing = admission_selectors.standing_of(lst)
            self.stdout.write(
                f"{lst.pk}\t{lst.name}\t{lst.language}\t{confirmed} confirmed\t"
                f"{standing.standing}: {standing.reason}"
            )

    def do_attest(
        self, account: str, list_id: str, cleaned_on: date, confirm: bool, **_: Any
    ) -> None:
        lst = list_of(account, list_id)
        wording = admission.attestation_wording(lst.account)
        self.stdout.write(wording.text)
        if not confirm:
            raise CommandError("add --confirm to attest the text above")
        admission.attest_bounces_removed(lst, actor=self.actor, cleaned_on=cleaned_on)
        self.stdout.write(f"attested (wording version {wording.version})")

    def do_audit(
        self, account: str, list_id: str, json: bool, problems: str | None, **_: Any
    ) -> None:
        lst = list_of(account, list_id)
        audit = admission.start_audit(lst, actor=self.actor, run=False)
        console = Console(file=sys.stderr)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=False) as bar:
            domains = bar.add_task("domains", total=None)
            addresses = bar.add_task("addresses", total=None)

            def shown(found: ListAudit) -> None:
                bar.update(domains, total=found.domains, completed=found.domains_checked)
                bar.update(addresses, total=found.total, completed=found.checked)

            done = admission.run_audit(audit.pk, progress=shown)
        self._report(done, as_json=json)
        if problems:
            with open(problems, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["address", "classes"])
                writer.writerows(admission_selectors.problem_addresses(done))

    def _report(self, done: ListAudit, *, as_json: bool) -> None:
        result: dict[str, Any] = {
            "audit": done.pk,
            "total": done.total,
            "domains": done.domains,
            "problems": done.problems,
            "share": str(done.share),
            "limit": str(done.limit),
            "admitted": done.admitted,
            "counts": done.counts,
            "examples": admission_selectors.examples_of(done),
        }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        examples = result["examples"]
        for name, count in sorted(done.counts.items()):
            self.stdout.write(f"{name}\t{count}\t{', '.join(examples.get(name, []))}")
        verdict = "passed" if done.admitted else "NOT admitted"
        self.stdout.write(
            f"{done.problems} of {done.total} problem addresses ({done.share:.1%}, limit "
            f"{done.limit:.0%}): {verdict}"
        )

    def do_admit(
        self, account: str, list_id: str, reason: str, undo: bool, hand_back: bool, **_: Any
    ) -> None:
        lst = list_of(account, list_id)
        if hand_back:
            lst = admission.hand_back(lst, actor=self.actor, reason=reason)
        else:
            lst = admission.mark(lst, actor=self.actor, admitted=not undo, reason=reason)
        self.stdout.write(f"list #{lst.pk}: {admission_selectors.standing_of(lst).standing}")

    def do_block(self, account: str, list_id: str, reason: str, undo: bool, **_: Any) -> None:
        lst = admission.mark(
            list_of(account, list_id), actor=self.actor, blocked=not undo, reason=reason
        )
        self.stdout.write(f"list #{lst.pk}: {'blocked' if lst.blocked else 'not blocked'}")

    def do_sample(
        self, account: str, list_id: str, admit: bool, refuse: bool, reason: str, **_: Any
    ) -> None:
        lst = list_of(account, list_id)
        sample = admission_selectors.latest_sample(lst)
        if sample is None:
            self.stdout.write(admission_selectors.standing_of(lst).reason)
            return
        if admit or refuse:
            campaign = campaign_of(lst.account, sample.campaign_id)
            sends.override_sample(campaign, admitted=admit, reason=reason, actor=self.actor)
            sample.refresh_from_db()
        self.stdout.write(
            f"sample #{sample.pk} of campaign #{sample.campaign_id}: {sample.size} of "
            f"{sample.population}, {sample.state}"
            + (f", verdict at {sample.verdict_at:%Y-%m-%d %H:%M}" if sample.verdict_at else "")
            + (f": {sample.reason}" if sample.reason else "")
        )

    def do_stale(self, account: str, list_id: str, reconfirm: bool, **_: Any) -> None:
        lst = list_of(account, list_id)
        for address in freshness.stale_contacts(lst).values_list("address", flat=True)[:1000]:
            self.stdout.write(address)
        if reconfirm:
            sent = freshness.request_reconfirmations(lst, actor=self.actor)
            self.stdout.write(f"{sent} re-confirmation mails asked")
