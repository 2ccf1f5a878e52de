"""What the navigation shell needs on every page: the account worked in and the user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Role
from accounts.selectors import accounts_for_user
from campaigns.guidelines import changed_for as guidelines_changed_for
from carrier.transports import sandbox_active
from contacts.selectors import unsubscribe_requests_due
from web.access import MANAGERS

# The switcher lists a few accounts; the picker on the home page lists them all.
SWITCHER_LIMIT = 15


def current_account(request: HttpRequest) -> dict[str, Any]:
    # Set by web.access.get_account_for_user: only pages inside an account have one.
    account = getattr(request, "account", None)
    if account is None:
        return {"current_account": None, "sandbox_mailbox": sandbox_active()}
    role = getattr(request, "account_role", None)
    return {
        "current_account": account,
        "account_role": Role(role).label if role else "",
        "may_manage_account": role in MANAGERS,
        # Lazy: queried only where the shell is drawn, never for an htmx partial.
        "other_accounts": accounts_for_user(request.user)
        .exclude(pk=account.pk)
        .order_by("name", "slug")[:SWITCHER_LIMIT],
        # The sandbox mailbox link, while outbound mail is captured instead of sent.
        "sandbox_mailbox": sandbox_active(),
        # UNSUB-2: warn before a deadline passes (a callable: queried only where drawn).
        "unsubscribes_due": lambda: unsubscribe_requests_due(account),
        # ACCOUNT-4: a newer version of the guidelines than this user accepted is in force.
        "guidelines_changed": lambda: (
            not request.user.is_staff and guidelines_changed_for(account, request.user.pk)
        ),
    }
