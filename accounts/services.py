"""Accounts, memberships and API keys: the only write path."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Account, ApiKey, Membership, ReviewState, Role
from accounts.rules import may_change_review_state
from core.errors import Conflict, InvalidInput, RuleViolation
from core.text import clean_text

API_KEY_PREFIX = "cs_"


def hash_api_key(key: str) -> str:
    # The key has 256 bits of entropy: a plain SHA-256 is enough, no slow hash needed.
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_account(name: str, *, slug: str = "", owner: Any = None) -> Account:
    name = clean_text(name, field="account name", max_length=200)
    slug = slugify(slug or name)[:60]
    if not slug:
        raise InvalidInput("an account needs a name or slug made of letters or digits")
    if Account.objects.filter(slug=slug).exists():
        raise Conflict(f"an account with slug {slug!r} exists")
    account = Account.objects.create(slug=slug, name=name.strip() or slug)
    if owner is not None:
        Membership.objects.create(user=owner, account=account, role=Role.OWNER)
    return account


@transaction.atomic
def change_review_state(account: Account, target: str, *, note: str = "") -> Account:
    """Operator review (ACCOUNT-1): activate, suspend, or lift a suspension. `note` says
    why; the account's users and keys see it while the account is suspended."""
    note = clean_text(note, field="review note", max_length=500)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if target not in ReviewState.values:
        raise InvalidInput(f"unknown review state {target!r}")
    if not may_change_review_state(account.review_state, target):
        raise RuleViolation(f"an account cannot go from {account.review_state} to {target}")
    account.review_state = target
    account.reviewed_at = timezone.now()
    account.review_note = note.strip()
    account.save(update_fields=["review_state", "reviewed_at", "review_note"])
    return account


@transaction.atomic
def add_member(account: Account, user: Any, role: str = Role.MEMBER) -> Membership:
    if role not in (Role.OWNER, Role.MEMBER):
        raise InvalidInput("a membership role is owner or member")
    membership, created = Membership.objects.get_or_create(
        user=user, account=account, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def create_user(
    username: str, password: str | None, *, email: str = "", staff: bool = False
) -> Any:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise Conflict(f"a user named {username!r} exists")
    if staff:
        return User.objects.create_superuser(username=username, email=email, password=password)
    return User.objects.create_user(username=username, email=email, password=password)


@transaction.atomic
def create_api_key(account: Account, name: str, *, by: Any = None) -> tuple[ApiKey, str]:
    """A new key; the returned plain key is never stored and cannot be shown again."""
    name = clean_text(name, field="key name", max_length=100)
    prefix = secrets.token_hex(4)
    plain = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        account=account,
        name=name.strip() or "API key",
        prefix=prefix,
        key_hash=hash_api_key(plain),
        created_by=by,
    )
    return key, plain


@transaction.atomic
def revoke_api_key(key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


IMPRINT_FIELDS = {
    "imprint_name": 200,
    "imprint_address": 1000,
    "imprint_contact": 300,
    "imprint_register": 300,
    "imprint_vat_id": 50,
    "imprint_representative": 300,
}


@transaction.atomic
def update_imprint(account: Account, **fields: str) -> Account:
    """CONTENT-2: the account's legal imprint, shown in the footer of every marketing mail."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    changed = []
    for name, value in fields.items():
        if name not in IMPRINT_FIELDS:
            raise InvalidInput(f"the imprint has no field {name!r}")
        text = clean_text(
            value or "",
            field=name.removeprefix("imprint_").replace("_", " "),
            max_length=IMPRINT_FIELDS[name],
            multiline=name == "imprint_address",
        ).strip()
        if getattr(locked, name) != text:
            setattr(locked, name, text)
            changed.append(name)
    if changed:
        locked.save(update_fields=changed)
    return locked


@transaction.atomic
def set_reduced_speed(account: Account, reduced: bool) -> Account:
    """SEND-5: an operator slows an account's sends to the policy's reduced speed share."""
    Account.objects.filter(pk=account.pk).update(reduced_speed=reduced)
    account.refresh_from_db(fields=["reduced_speed"])
    return account
