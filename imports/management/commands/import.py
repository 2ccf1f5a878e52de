"""`consentry import ACCOUNT LIST FILE --source ... --attest-origin --attest-customer-contact`.

`consentry import held`, `consentry import release|refuse JOB --reason ...`: the operator's
review of imports held for it.

The CLI door to imports: the same services as the web pages and the API. The import runs
in this process with a progress bar; `--resume JOB` continues an interrupted one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from accounts.management.commands.account import account_by_slug
from contacts.selectors import list_by_ref
from core.actors import Actor
from core.errors import DomainError, NotFound
from imports import hold, selectors, services
from imports.models import ImportJob, ImportState
from imports.rules import CATALOGUE


def parse_mapping(items: list[str]) -> dict[str, str | int]:
    mapping: dict[str, str | int] = {}
    for item in items:
        role, sep, column = item.partition("=")
        if not sep or not role.strip() or not column.strip():
            raise CommandError(f"--map takes ROLE=COLUMN (a name or a number): {item!r}")
        mapping[role.strip()] = column.strip()
    return mapping


# `consentry import held|release|refuse`: the operator's review, not an account's slug.
REVIEW_ACTIONS = ("held", "release", "refuse")


class Command(BaseCommand):
    help = "Import contacts from a CSV or XLSX file into a list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account", help="account slug")
        parser.add_argument("list", nargs="?", default="", help="list id or name")
        parser.add_argument("file", nargs="?", default="", help="CSV or XLSX file")
        parser.add_argument(
            "--source", choices=list(CATALOGUE), help="where the addresses come from"
        )
        parser.add_argument(
            "--attest-origin",
            action="store_true",
            help="attest: collected by double opt-in or another lawful procedure, none bought",
        )
        parser.add_argument(
            "--attest-customer-contact",
            action="store_true",
            help="attest: existing customers were in touch within the last 6 months",
        )
        parser.add_argument("--evidence-ref", default="", help="document id of the proof")
        parser.add_argument("--sponsor", action="append", default=[], help="co-registration")
        parser.add_argument("--product-category", default="", help="existing customers")
        parser.add_argument(
            "--tracking-basis",
            default=None,
            metavar="TEXT",
            help="how the new contacts agreed to open and click tracking, e.g. the terms they "
            'accepted (recorded as evidence); default: the account\'s, "" for none',
        )
        parser.add_argument(
            "--map", action="append", default=[], metavar="ROLE=COLUMN", help="column mapping"
        )
        parser.add_argument(
            "--delimiter",
            default="",
            metavar="CHAR",
            help="the CSV delimiter: , ; | or tab (default: found in the file)",
        )
        header = parser.add_mutually_exclusive_group()
        header.add_argument("--header", dest="header", action="store_true", default=None)
        header.add_argument("--no-header", dest="header", action="store_false")
        parser.add_argument("--overwrite", action="store_true", help="overwrite filled fields")
        parser.add_argument("--reconfirm", action="store_true", help="send the DOI mail")
        parser.add_argument(
            "--import-untrusted",
            action="store_true",
            help="import suppressed addresses too (own-mail-server accounts only)",
        )
        parser.add_argument("--report", default="", help="write the row report to this CSV")
        parser.add_argument("--resume", type=int, default=0, metavar="JOB", help="resume JOB")
        parser.add_argument(
            "--reason", default="", help="release|refuse: why (the account reads it)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            self._handle(**opts)
        except DomainError as exc:
            details = "".join(f"\n  - {d}" for d in exc.details)
            raise CommandError(f"{exc.message}{details}") from None

    def _handle(self, **opts: Any) -> None:
        import getpass

        actor = Actor("system", f"cli:{getpass.getuser()}")
        if opts["account"] in REVIEW_ACTIONS:
            self._review(opts["account"], opts["list"], opts["reason"], actor)
            return
        account = account_by_slug(opts["account"])
        if opts["resume"]:
            job = selectors.import_of(account, opts["resume"])
            job = services.resume_import(job, actor=actor, enqueue=False)
        else:
            job = self._start(account, actor, opts)
        notice = selectors.unused_columns_notice(job)
        if notice:
            self.stdout.write(self.style.WARNING(f"note: {notice}"))
        if job.state == ImportState.HELD:
            self.stdout.write(
                f"import #{job.pk} held: the operator reviews this account's imports; it "
                f"runs once released ({job.rows_total} rows)"
            )
            return
        job = self._run(job)
        self.stdout.write(
            f"import #{job.pk} {job.state}: {job.rows_done} of {job.rows_total} rows — "
            f"{job.created} created, {job.updated} updated, {job.unchanged} unchanged, "
            f"{job.rejected} rejected"
        )
        for reason, count in selectors.reasons_of(job).items():
            self.stdout.write(f"  {reason}: {count}")
        if notice:
            self.stdout.write(f"note: {notice}")
        if opts["report"]:
            with Path(opts["report"]).open("w", encoding="utf-8", newline="") as out:
                out.writelines(selectors.report_lines(job))
            self.stdout.write(f"report written to {opts['report']}")
        if job.state != ImportState.DONE:
            raise CommandError(
                f"{job.error or 'the import did not finish'} (resume with --resume {job.pk})"
            )

    def _review(self, action: str, ref: str, reason: str, actor: Actor) -> None:
        if action == "held":
            for job in hold.held_imports():
                self.stdout.write(
                    f"{job.pk}\t{job.account.slug}\t{job.list.name}\t{job.source}\t"
                    f"{job.rows_total} rows\t{job.file_name}"
                )
            return
        if not ref.isdigit():
            raise CommandError(f"import {action} JOB --reason ...: JOB is the import's number")
        found = ImportJob.objects.filter(pk=int(ref)).first()
        if found is None:
            raise NotFound(f"no import #{ref}")
        decide = hold.release if action == "release" else hold.refuse
        job = decide(found, operator=actor.label, reason=reason)
        self.stdout.write(f"import #{job.pk} {job.state}: {job.review_note}")

    def _start(self, account: Any, actor: Actor, opts: dict[str, Any]) -> ImportJob:
        if not opts["list"] or not opts["file"] or not opts["source"]:
            raise CommandError("give ACCOUNT LIST FILE and --source")
        # IMPORT-2: both attestations are named flags; without them nothing happens.
        missing = [
            flag
            for flag, given in (
                ("--attest-origin", opts["attest_origin"]),
                ("--attest-customer-contact", opts["attest_customer_contact"]),
            )
            if not given
        ]
        if missing:
            raise CommandError(f"the import needs the attestations {' and '.join(missing)}")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        job = services.create_import(
            account,
            list_by_ref(account, opts["list"]),
            path,
            file_name=path.name,
            actor=actor,
            source=opts["source"],
            evidence_ref=opts["evidence_ref"],
            sponsors=opts["sponsor"],
            product_category=opts["product_category"],
            mapping=parse_mapping(opts["map"]),
            header=opts["header"],
            delimiter=opts["delimiter"],
            overwrite=opts["overwrite"],
            reconfirm=opts["reconfirm"],
            import_untrusted=opts["import_untrusted"],
            tracking_basis=opts["tracking_basis"],
        )
        for which in services.ATTESTATIONS:
            job = services.attest(job, which, actor=actor, confirmed=True)
        return services.start_import(job, actor=actor, enqueue=False)

    def _run(self, job: ImportJob) -> ImportJob:
        columns = (
            TextColumn("[bold]import #{task.fields[job]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("rows", total=job.rows_total, completed=job.rows_done, job=job.pk)

            def progress(current: ImportJob) -> None:
                bar.update(task, completed=current.rows_done)

            return services.run_import(job.pk, progress=progress)
