"""/console/: one line per area of the operator's console; each area keeps its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from console import audit, dashboard

app_name = "console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard.dashboard, name="dashboard"),
    path("audit/", audit.audit_log, name="audit_log"),
    # Accounts and review (sign-up): console/review.py
    # Abuse desk and replies: console/abuse.py
]
