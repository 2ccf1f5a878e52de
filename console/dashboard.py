"""The operator's dashboard: the platform's health at a glance (issue 21, item 4)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.access import operator_required


@operator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "console/dashboard.html", {"section": "dashboard"})
