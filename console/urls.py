"""/console/: one line per area of the operator's console; each area keeps its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from console import abuse, audit, dashboard

app_name = "console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard.dashboard, name="dashboard"),
    path("audit/", audit.audit_log, name="audit_log"),
    # Accounts and review (sign-up): console/review.py
    # Abuse desk and replies: console/abuse.py
    path("abuse/", abuse.abuse_cases, name="abuse"),
    path("abuse/lookup/", abuse.abuse_lookup, name="abuse_lookup"),
    path("abuse/<int:case_id>/", abuse.abuse_case, name="abuse_case"),
    path("abuse/<int:case_id>/action/", abuse.abuse_case_action, name="abuse_case_action"),
]
