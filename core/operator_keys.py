"""Operator API keys (issue 21, item 9): a staff user's key for /api/v1/operator/... only.

The plain key is returned once and never stored; only its SHA-256 is kept (256 random bits
need no slow hash). Creating and revoking a key are operator actions in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.audit import record_operator_action
from core.errors import InvalidInput
from core.models import OperatorKey
from core.text import clean_text

OPERATOR_KEY_PREFIX = "co_"
# last_used_at is written at most this often per key (seconds): not one write per request.
TOUCH_EVERY = 60


def hash_operator_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_operator_key(token: str) -> bool:
    return token.startswith(OPERATOR_KEY_PREFIX)


@transaction.atomic
def create_operator_key(user: Any, name: str, *, actor: Any = None) -> tuple[OperatorKey, str]:
    """A new key of `user` (a staff user); the plain key is returned, never stored."""
    if not (user.is_active and user.is_staff):
        raise InvalidInput("user: an operator key belongs to an active staff user")
    name = clean_text(name, field="key name", max_length=100).strip() or "operator key"
    prefix = secrets.token_hex(4)
    plain = f"{OPERATOR_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = OperatorKey.objects.create(
        user=user, name=name, prefix=prefix, key_hash=hash_operator_key(plain)
    )
    record_operator_action(
        actor or user, "operator_key_create", key, "", detail={"user": user.get_username()}
    )
    return key, plain


@transaction.atomic
def revoke_operator_key(key: OperatorKey, *, actor: Any = None, reason: str = "") -> bool:
    revoked = OperatorKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record_operator_action(actor, "key_revoke", key, reason, detail={"prefix": key.prefix})
    return bool(revoked)


def operator_for_key(token: str) -> Any:
    """The staff user whose valid key this is, or None."""
    if not is_operator_key(token) or len(token) > 200:
        return None
    key = (
        OperatorKey.objects.select_related("user")
        .filter(key_hash=hash_operator_key(token), revoked_at__isnull=True)
        .first()
    )
    if key is None or not (key.user.is_active and key.user.is_staff):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > TOUCH_EVERY:
        OperatorKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user


def operator_keys(user: Any = None) -> QuerySet[OperatorKey]:
    keys = OperatorKey.objects.select_related("user").order_by("-created_at")
    return keys if user is None else keys.filter(user=user)
