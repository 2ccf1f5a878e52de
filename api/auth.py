"""API-key authentication: `Authorization: Bearer cs_…` names one account (PRIVACY-2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.models import ReviewState
from accounts.rules import suspension_notice
from accounts.selectors import account_for_api_key
from core.actors import Actor
from core.errors import PermissionDenied
from core.http import client_ip
from core.operator_keys import operator_for_key

if TYPE_CHECKING:
    from accounts.models import Account, ApiKey

# Where the key that authenticated this request is kept: `request.auth` holds the account.
_KEY_ATTRIBUTE = "consentry_api_key"


class ApiKeyAuth(HttpBearer):
    """Returns the key's account, which ninja puts on `request.auth`; None gives a 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Account | None:
        found = account_for_api_key(token.strip())
        if found is None:
            if operator_for_key(token.strip()) is not None:
                raise PermissionDenied("an operator key is valid on /api/v1/operator/ only")
            return None
        account, key = found
        if account.review_state == ReviewState.SUSPENDED:
            # Raised, not returned: the client learns why, with a 403 (ACCOUNT-1).
            raise PermissionDenied(suspension_notice(account.review_note))
        setattr(request, _KEY_ATTRIBUTE, key)
        return account


def account_of(request: HttpRequest) -> Account:
    """The authenticated account: every query of a router is scoped to it."""
    account = getattr(request, "auth", None)
    if account is None:  # only reachable if a router forgot `auth=`: fail closed
        raise PermissionDenied("this operation needs an API key")
    return cast("Account", account)


def api_key_of(request: HttpRequest) -> ApiKey:
    key = getattr(request, _KEY_ATTRIBUTE, None)
    if key is None:
        raise PermissionDenied("this operation needs an API key")
    return cast("ApiKey", key)


def actor_of(request: HttpRequest) -> Actor:
    """Who the evidence records as acting (STATUS-6): the key, from this address and client."""
    return Actor(
        "api_key",
        str(api_key_of(request).pk),
        client_ip(request),
        request.headers.get("User-Agent", "")[:500],
    )
