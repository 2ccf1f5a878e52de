"""Who may work in which account: every web and API path asks here."""

from __future__ import annotations

import hmac
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, QuerySet
from django.utils import timezone

from accounts.models import (
    Account,
    ApiKey,
    Application,
    CaseState,
    GuidelinesAcceptance,
    Membership,
    Profile,
    ReviewState,
    Role,
    TestAddress,
    TestSendDay,
)
from core.errors import NotFound


def accounts_for_user(user: Any) -> QuerySet[Account]:
    if not getattr(user, "is_authenticated", False):
        return Account.objects.none()
    if user.is_staff:
        return Account.objects.all()
    return Account.objects.filter(memberships__user=user)


def role_in(user: Any, account: Account) -> str | None:
    if user.is_staff:
        return Role.OPERATOR
    membership = Membership.objects.filter(user=user, account=account).first()
    return membership.role if membership else None


def account_for_user(user: Any, slug: str) -> Account:
    """The account `slug` if the user may work in it; NotFound otherwise (no existence leak)."""
    account = accounts_for_user(user).filter(slug=slug).first()
    if account is None:
        raise NotFound("no such account")
    return account


def account_for_api_key(plain: str) -> tuple[Account, ApiKey] | None:
    from accounts.services import API_KEY_PREFIX, hash_api_key

    if not plain.startswith(API_KEY_PREFIX):
        return None
    prefix = plain[len(API_KEY_PREFIX) :].split("_", 1)[0]
    key = (
        ApiKey.objects.select_related("account")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, hash_api_key(plain)):
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key.account, key


def api_keys_of(account: Account) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(account=account).order_by("-created_at", "-pk")


def api_key_of(account: Account, key_id: int) -> ApiKey:
    key = ApiKey.objects.filter(account=account, pk=key_id).first()
    if key is None:
        raise NotFound("no such API key")
    return key


def user_names(actor_labels: list[str]) -> dict[str, str]:
    """'user:7' → 'alice' for the evidence actor labels that name a user, in one query."""
    refs: dict[str, int] = {}
    for label in actor_labels:
        kind, _, ref = label.partition(":")
        if kind in ("user", "operator") and ref.isdigit():
            refs[label] = int(ref)
    if not refs:
        return {}
    User = get_user_model()
    names = dict(User.objects.filter(pk__in=refs.values()).values_list("pk", User.USERNAME_FIELD))
    return {label: str(names[pk]) for label, pk in refs.items() if pk in names}


def added_test_addresses(account: Account) -> QuerySet[TestAddress]:
    """The addresses members added for test sends, confirmed or waiting for their link."""
    return TestAddress.objects.filter(account=account).select_related("user")


def added_test_address(account: Account, address_id: int) -> TestAddress:
    row = TestAddress.objects.filter(account=account, pk=address_id).first()
    if row is None:
        raise NotFound("no such test address")
    return row


def own_address_keys(account: Account) -> set[str]:
    """`address_key`s a test send of `account` may go to: its members' login addresses and
    the addresses a member confirmed by link. Nobody else's (no relay)."""
    keys = set(
        # Only while the member who added it still belongs to the account.
        TestAddress.objects.filter(
            account=account, confirmed_at__isnull=False, user__memberships__account=account
        ).values_list("address_hash", flat=True)
    )
    return keys | account.member_login_keys()


def recipients_used_on(account: Account, day: date) -> int:
    row = TestSendDay.objects.filter(account=account, day=day).first()
    return row.recipients if row else 0


def accepted_guidelines_version(account: Account, user_id: int | None = None) -> int | None:
    """ACCOUNT-4: the newest guidelines version this user (or, without one, anyone of the
    account) accepted; None if none was."""
    rows = GuidelinesAcceptance.objects.filter(account=account)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    return rows.aggregate(newest=Max("version"))["newest"]


def review_queue() -> QuerySet[Application]:
    """ACCOUNT-1: the sign-ups waiting for the operator, longest waiting first."""
    # An account activated (or suspended) elsewhere leaves the queue whatever its case says.
    return (
        Application.objects.filter(
            case_state=CaseState.WAITING, account__review_state=ReviewState.PENDING
        )
        .select_related("account", "owner")
        .order_by("queued_at", "pk")
    )


def case_json(application: Application) -> dict[str, Any]:
    """One sign-up as the operator reviews it (CLI and API)."""
    account = application.account
    return {
        "account": account.slug,
        "name": account.name,
        "review_state": account.review_state,
        "case_state": application.case_state,
        "owner_email": application.owner_email,
        "email_confirmed_at": application.email_confirmed_at,
        "website": application.website,
        "expected_volume": application.expected_volume,
        "frequency": application.frequency,
        "address_sources": application.address_sources,
        "consent_method": application.consent_method,
        "imprint": {
            "name": account.imprint_name,
            "address": account.imprint_address,
            "register": account.imprint_register,
            "vat_id": account.imprint_vat_id,
            "representative": account.imprint_representative,
        },
        "terms_version": application.terms_version,
        "submitted_at": application.submitted_at,
        "queued_at": application.queued_at,
        "messages": [
            {"from_operator": m.from_operator, "text": m.text, "at": m.created_at}
            for m in application.messages.all()
        ],
    }


def language_of(user: Any) -> str:
    """The language `user` chose on their profile; "" when they follow the browser."""
    if not getattr(user, "is_authenticated", False):
        return ""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""
