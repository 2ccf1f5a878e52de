"""The audit log of operator actions in the console (ACCOUNT-2)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.access import operator_required
from core.audit import audit_entries


@operator_required
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = audit_entries()[:200]
    return render(request, "console/audit_log.html", {"section": "audit", "entries": entries})
