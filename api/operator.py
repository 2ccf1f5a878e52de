"""/operator/suppressions: the platform's untrusted list, for the operator only (IMPORT-11).

An account's API key never reaches it (403): the list is platform-wide, above every
account. The operator is a Django staff user with the model permissions the admin asks for
too, and authenticates with HTTP Basic (a script: username and password, over TLS), with
the admin's session (CSRF checked) or with an operator API key (`Bearer co_…`). Attempts
per client address are limited like the public endpoints'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBasicAuth, HttpBearer, SessionAuthIsStaff

from accounts.selectors import account_for_api_key
from api.pagination import page_of
from api.schemas import ERRORS, ErrorOut, PageIn
from contacts import selectors, untrusted
from contacts.models import SuppressedDomain, Suppression, SuppressionReason
from contacts.rules import parse_untrusted
from core import ratelimit
from core.errors import PermissionDenied
from core.http import client_ip
from core.operator_keys import operator_for_key

# Basic attempts per client address and minute: a script's pace, not a password guesser's.
ATTEMPTS_PER_MINUTE = 120


class OperatorBasicAuth(HttpBasicAuth):
    """A staff user's username and password; None (401) for anyone else."""

    def authenticate(self, request: HttpRequest, username: str, password: str) -> Any:
        from django.contrib.auth import authenticate

        if not ratelimit.allow(
            "operator-api", client_ip(request) or "-", limit=ATTEMPTS_PER_MINUTE
        ):
            raise HttpError(429, "too many attempts, try again in a minute")
        user = authenticate(request, username=username, password=password)
        if user is None or not user.is_active or not user.is_staff:
            return None
        return user


class OperatorKeyAuth(HttpBearer):
    """An operator API key (`co_…`): its staff user, with that user's permissions."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return operator_for_key(token.strip())


class AccountKeyRefused(HttpBearer):
    """An account's API key is valid elsewhere, but never here: 403, not 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if account_for_api_key(token.strip()) is not None:
            raise PermissionDenied("an account's API key cannot change the platform's list")
        return None


OPERATOR_AUTH = [OperatorBasicAuth(), SessionAuthIsStaff(), OperatorKeyAuth(), AccountKeyRefused()]
router = Router(tags=["operator"], auth=OPERATOR_AUTH)

OPERATOR_ERRORS = {**ERRORS, 403: ErrorOut, 429: ErrorOut}


class UntrustedOut(Schema):
    kind: str = Field(description='"address" or "domain"')
    id: int
    address_hash: str | None = Field(None, description="an address entry's keyed hash")
    domain: str | None = Field(None, description="a domain entry's domain (IDNA, lower case)")
    reason: str
    source: str = Field(description="who or what added it")
    note: str
    created_at: datetime


class UntrustedPage(Schema):
    items: list[UntrustedOut]
    count: int = Field(description="all matching entries, not just this page")


class UntrustedIn(Schema):
    entry: str = Field(max_length=260, description="an address, or a whole domain as @domain")
    reason: SuppressionReason
    note: str = Field("", max_length=200)


class UntrustedRemoveIn(Schema):
    entry: str = Field(max_length=260, description="an address, or a whole domain as @domain")
    reason: SuppressionReason | None = Field(None, description="only this reason; default all")
    note: str = Field("", max_length=200, description="why it is taken off the list")


class RemovedOut(Schema):
    removed: int


def operator_of(request: HttpRequest, *perms: str) -> Any:
    """The authenticated staff user, if the admin would let them do the same."""
    user = request.auth  # type: ignore[attr-defined]
    if user is None or not user.has_perms(perms):
        raise PermissionDenied("this operator may not do that")
    return user


def _out(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    value = row.pop("value")
    return {"kind": kind, **row, "address_hash" if kind == "address" else "domain": value}


def _row(entry: Suppression | SuppressedDomain) -> dict[str, Any]:
    kind, value = (
        ("domain", entry.domain)
        if isinstance(entry, SuppressedDomain)
        else ("address", entry.address_hash)
    )
    fields = ("id", "reason", "source", "note", "created_at")
    return _out(kind, {"value": value, **{f: getattr(entry, f) for f in fields}})


def _perm(entry: str, action: str) -> str:
    model = "suppresseddomain" if parse_untrusted(entry).domain else "suppression"
    return f"contacts.{action}_{model}"


@router.get(
    "/operator/suppressions",
    response={200: UntrustedPage, **OPERATOR_ERRORS},
    summary="The untrusted list",
)
def list_untrusted(
    request: HttpRequest,
    page: Query[PageIn],
    kind: Literal["address", "domain"] | None = None,
    reason: SuppressionReason | None = None,
) -> dict[str, Any]:
    operator_of(request, "contacts.view_suppression", "contacts.view_suppresseddomain")
    found = page_of(selectors.untrusted_entries(kind=kind or "", reason=reason or ""), page)
    found["items"] = [_out(row.pop("kind"), row) for row in found["items"]]
    return found


@router.post(
    "/operator/suppressions",
    response={200: UntrustedOut, 201: UntrustedOut, **OPERATOR_ERRORS},
    summary="Put an address or a whole domain on the untrusted list",
)
def add_untrusted(request: HttpRequest, payload: UntrustedIn) -> tuple[int, dict[str, Any]]:
    """201 with the new entry; 200 with the one already there for this reason."""
    user = operator_of(request, _perm(payload.entry, "add"))
    entry, created = untrusted.add(
        payload.entry,
        payload.reason,
        source=f"api:{user.get_username()}",
        note=payload.note,
    )
    return (201 if created else 200), _row(entry)


@router.delete(
    "/operator/suppressions",
    response={200: RemovedOut, **OPERATOR_ERRORS},
    summary="Take an address or a whole domain off the untrusted list",
)
def remove_untrusted(request: HttpRequest, payload: UntrustedRemoveIn) -> dict[str, int]:
    """The entry is in the body, so no address appears in a URL or an access log."""
    user = operator_of(request, _perm(payload.entry, "delete"))
    removed = untrusted.remove(
        payload.entry,
        by=f"api:{user.get_username()}",
        reason=payload.reason or "",
        note=payload.note,
    )
    return {"removed": removed}
