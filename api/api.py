"""The REST API at /api/v1/: every operation needs an account's API key (PRIVACY-2), except
the operator's (/operator/…), which need an operator's credentials (api.operator)."""

from __future__ import annotations

from ninja import NinjaAPI

from api import (
    addresses,
    admission,
    campaigns,
    contacts,
    dashboard,
    domains,
    engagement,
    errors,
    forms,
    imports,
    lists,
    operator,
    operator_abuse,
    operator_accounts,
    operator_console,
    operator_content,
    replies,
    reports,
    segments,
    templates,
    unsubscribe_requests,
)
from api.auth import ApiKeyAuth

api = NinjaAPI(
    title="consentry API",
    version="1",
    urls_namespace="api",
    description=(
        "Contacts, lists, subscriptions and imports of one account. Authenticate with "
        "`Authorization: Bearer <API key>`; the operator's endpoints (/operator/…) take an "
        "operator API key, a staff user's HTTP Basic credentials or the admin's session "
        "instead. Errors answer "
        '`{"error": code, "message": text, "details": [text]}`.'
    ),
    auth=ApiKeyAuth(),
)
errors.install(api)
api.add_router("/", contacts.router)
api.add_router("/", lists.router)
api.add_router("/", segments.router)
api.add_router("/", forms.router)
api.add_router("/", domains.router)
api.add_router("/", campaigns.router)
api.add_router("/", templates.router)
api.add_router("/", engagement.router)
api.add_router("/", reports.router)
api.add_router("/", dashboard.router)
api.add_router("/", unsubscribe_requests.router)
api.add_router("/", imports.router)
api.add_router("/", operator.router)
api.add_router("/", operator_console.router)
api.add_router("/", addresses.router)
api.add_router("/", admission.router)
api.add_router("/", admission.operator_router)
api.add_router("/", operator_accounts.router)
api.add_router("/", operator_abuse.router)
api.add_router("/", operator_content.router)
api.add_router("/", replies.router)
