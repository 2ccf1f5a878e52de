"""/console/: one line per area of the operator's console; each area keeps its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from console import abuse, accounts, audit, content, dashboard, keys, policy, review, violations

app_name = "console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard.dashboard, name="dashboard"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("accounts/<slug:slug>/", accounts.account, name="account"),
    path("accounts/<slug:slug>/<slug:action>/", accounts.account_action, name="account_action"),
    path(
        "accounts/<slug:slug>/lists/<int:list_id>/<slug:change>/",
        accounts.list_admission,
        name="list_admission",
    ),
    path("violations/", violations.violations, name="violations"),
    path("violations/<int:violation_id>/lift/", violations.violation_lift, name="violation_lift"),
    path("policy/", policy.policy, name="policy"),
    path("keys/", keys.keys, name="keys"),
    path("content/", content.content, name="content"),
    path("keys/<int:key_id>/revoke/", keys.key_revoke, name="key_revoke"),
    # Accounts and review (sign-up): console/review.py
    path("review/", include(review.urls)),
    # Abuse desk and replies: console/abuse.py
    path("abuse/", abuse.abuse_cases, name="abuse"),
    path("abuse/lookup/", abuse.abuse_lookup, name="abuse_lookup"),
    path("abuse/<int:case_id>/", abuse.abuse_case, name="abuse_case"),
    path("abuse/<int:case_id>/action/", abuse.abuse_case_action, name="abuse_case_action"),
]
