"""Read queries for imports, scoped to one account (PRIVACY-2), and the report CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import NotFound
from imports import checking, reports
from imports.models import ImportJob, ReportErasure
from imports.rules import neutralise_cell, reason_text
from policy.selectors import value as policy_value

if TYPE_CHECKING:
    from accounts.models import Account

# "column": the column a reason is about (a row that does not fit, values not imported).
REPORT_HEADER = ("row", "address", "outcome", "reason", "reason_text", "column")


def imports_of(account: Account) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(account=account).select_related("list").order_by("-pk")


def import_of(account: Account, job_id: int) -> ImportJob:
    job = imports_of(account).filter(pk=job_id).first()
    if job is None:
        raise NotFound("no such import")
    return job


def reasons_of(job: ImportJob) -> dict[str, int]:
    """Rejections and notes per reason code, for the summary, the most frequent first."""
    return dict(sorted(job.reasons.items(), key=lambda item: (-item[1], item[0])))


def columns_used(job: ImportJob) -> list[tuple[str, str]]:
    """What the file was read as: each role's column (number and header name), and the
    custom fields, for the user to check before the attestations."""
    info = job.file_info
    header = info.get("header") or []
    columns = checking.Columns.from_json(job.mapping)

    def named(index: int) -> str:
        name = header[index] if index < len(header) and header[index] else ""
        return f"{index + 1} ({name})" if name else str(index + 1)

    found = [
        (role, named(index)) for role, index in sorted(columns.roles.items(), key=lambda r: r[1])
    ]
    found += [(name, named(index)) for name, index in columns.custom.items()]
    return found


def unused_columns(job: ImportJob) -> list[int]:
    """The columns (1-based) whose values the import leaves out: neither a role nor a
    custom field, as in a file without header row."""
    return [index + 1 for index in checking.Columns.from_json(job.mapping).unused]


def unused_columns_notice(job: ImportJob) -> str:
    """IMPORT-9: what the check and the result say about the columns left out, and how
    to import them; "" if there are none."""
    unused = unused_columns(job)
    if not unused:
        return ""
    names = ", ".join(checking.ROLES)
    example = f"first_name={unused[0]}"
    if job.file_info.get("has_header"):
        return ngettext(
            "Column %(columns)s is not imported: it has no name in the header row. Name it "
            "there (%(names)s; any other name makes a custom field), or map it by its "
            "number, for example %(example)s.",
            "Columns %(columns)s are not imported: they have no name in the header row. "
            "Name them there (%(names)s; any other name makes a custom field), or map "
            "them by their numbers, for example %(example)s.",
            len(unused),
        ) % {
            "columns": get_text_list([str(n) for n in unused], _("and")),
            "names": names,
            "example": example,
        }
    return ngettext(
        "Column %(columns)s is not imported: the file has no header row that names it. "
        "Add a header row with the column names (%(names)s; any other name makes a "
        "custom field), or map it by its number, for example %(example)s.",
        "Columns %(columns)s are not imported: the file has no header row that names "
        "them. Add a header row with the column names (%(names)s; any other name makes a "
        "custom field), or map them by their numbers, for example %(example)s.",
        len(unused),
    ) % {
        "columns": get_text_list([str(n) for n in unused], _("and")),
        "names": names,
        "example": example,
    }


def retention_days(account: Account) -> int:
    """PRIVACY-1: how long an import's report (and an unfinished import's file) is kept."""
    return int(policy_value("import.report_retention_days", account))


def erasures_after(account_id: Any, erased_through: Any, made_at: Any) -> QuerySet[ReportErasure]:
    """The account's erasures a report made at `made_at` and blanked through the erasure
    `erased_through` has still to blank (values, or OuterRefs to an import's)."""
    return ReportErasure.objects.filter(
        account_id=account_id, pk__gt=erased_through, created_at__gte=made_at
    )


def pending_erasures(job: ImportJob, *, made_before: datetime | None = None) -> dict[int, str]:
    """The erasures (id: keyed address hash) of contacts erased after the import was
    made whose addresses its report file may still hold: not yet blanked in it by
    imports.services.tend_reports (and made before `made_before`, if given)."""
    found = erasures_after(job.account_id, job.report_erased_through, job.created_at)
    if made_before is not None:
        found = found.filter(created_at__lt=made_before)
    return dict(found.values_list("pk", "address_hash"))


def report_lines(job: ImportJob) -> Iterator[str]:
    """IMPORT-5: the report as CSV lines, streamed; every cell is neutralised against
    formula injection, since the file goes back into a spreadsheet. The addresses of
    contacts erased since are left out (STATUS-4). NotFound once the report was deleted
    at the end of its retention: checked here, before the first line is streamed."""
    if job.report_deleted_at is not None:
        raise NotFound(
            _("the report was deleted on %(day)s, at the end of its retention")
            % {"day": date_format(timezone.localtime(job.report_deleted_at), "DATE_FORMAT")}
        )
    return _report_lines(job)


def _report_lines(job: ImportJob) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: tuple[object, ...]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise_cell(v) for v in values])
        return buffer.getvalue()

    yield line(REPORT_HEADER)
    for row, address, outcome, reason, column in reports.entries(
        job, hidden=set(pending_erasures(job).values())
    ):
        yield line((row, address, outcome, reason, reason_text(reason), column))
