"""The audit log of operator actions in the console (ACCOUNT-2): filter and export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from console.access import operator_required
from console.forms import AuditFilterForm
from core.audit import AUDIT_COLUMNS, audit_entries, entry_row
from core.models import AuditEntry
from imports.rules import neutralise_cell

PAGE_SIZE = 50


@operator_required
def audit_log(request: HttpRequest) -> HttpResponseBase:
    form = AuditFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    entries = audit_entries(**form.filters()) if form.is_bound and valid else audit_entries()
    if valid and request.GET.get("format") == "csv":
        return csv_response(entries)
    context = {
        "section": "audit",
        "form": form,
        "page": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "console/audit_log.html", context, status=200 if valid else 400)


def csv_lines(entries: Any) -> Iterator[str]:
    """The export, a line at a time; a cell never starts a spreadsheet formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise_cell(v) for v in values])
        return buffer.getvalue()

    yield line(list(AUDIT_COLUMNS))
    entry: AuditEntry
    for entry in entries.iterator(chunk_size=2000):
        row = entry_row(entry)
        row["detail"] = json.dumps(row["detail"], sort_keys=True) if row["detail"] else ""
        yield line([row[column] for column in AUDIT_COLUMNS])


def csv_response(entries: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(entries), content_type="text/csv; charset=utf-8")
    name = f"audit-log-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
