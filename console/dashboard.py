"""The operator's dashboard: the platform's health at a glance (issue 21, item 4)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.access import operator_required
from governance import health


@operator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    board = health.dashboard()
    context = {"section": "dashboard", "board": board, "charts": health.chart_data(board)}
    return render(request, "console/dashboard.html", context)
