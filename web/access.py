"""The one door from a request to an account's data: every account-scoped view asks here.

Another account's slug or id answers 404, never 403, so a URL reveals nothing about what
exists elsewhere (PRIVACY-2).
"""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from accounts import selectors as accounts_selectors
from accounts.models import Account, ApiKey, Role
from accounts.rules import may_change_data
from accounts.selectors import account_for_user, role_in
from consent.models import SignupForm
from consent.selectors import form_of
from contacts.models import Contact, List
from contacts.selectors import contact_of, list_of
from core.errors import NotFound

# Who may manage an account's credentials (ACCOUNT-2): not plain members.
MANAGERS = (Role.OWNER, Role.OPERATOR)
# Reading never changes anything: a suspended account's users may still do it.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def get_account_for_user(
    request: HttpRequest, slug: str, *, roles: Collection[str] | None = None
) -> Account:
    """The account `slug` if the user works in it (with one of `roles`, when given).

    Remembers the account and the user's role on the request for the navigation shell.
    A member asking for an owner-only page gets 403: they know the account exists.
    """
    try:
        account = account_for_user(request.user, slug)
    except NotFound:
        raise Http404("no such account") from None
    role = role_in(request.user, account)
    if roles is not None and role not in roles:
        raise PermissionDenied
    if (
        request.method not in SAFE_METHODS
        and not may_change_data(account.review_state)
        and not request.user.is_staff
    ):
        # ACCOUNT-1: a suspended account's users read; what to do is on the 403 page.
        request.account = account  # type: ignore[attr-defined]
        raise PermissionDenied(
            _("This account is suspended: nothing can be changed or sent until it is lifted.")
        )
    request.account = account  # type: ignore[attr-defined]
    request.account_role = role  # type: ignore[attr-defined]
    return account


def get_contact_for_user(request: HttpRequest, slug: str, contact_id: int) -> Contact:
    account = get_account_for_user(request, slug)
    try:
        return contact_of(account, contact_id)
    except NotFound:
        raise Http404("no such contact") from None


def get_list_for_user(request: HttpRequest, slug: str, list_id: int) -> List:
    account = get_account_for_user(request, slug)
    try:
        return list_of(account, list_id)
    except NotFound:
        raise Http404("no such list") from None


def get_api_key_for_user(request: HttpRequest, slug: str, key_id: int) -> ApiKey:
    account = get_account_for_user(request, slug, roles=MANAGERS)
    try:
        return accounts_selectors.api_key_of(account, key_id)
    except NotFound:
        raise Http404("no such API key") from None


def get_form_for_user(request: HttpRequest, slug: str, form_id: int) -> SignupForm:
    account = get_account_for_user(request, slug)
    try:
        return form_of(account, form_id)
    except NotFound:
        raise Http404("no such form") from None
