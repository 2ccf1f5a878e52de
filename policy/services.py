"""Changing the policy table: the only write path for thresholds and limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from policy.models import PolicySetting
from policy.rules import item_for, parse_value
from policy.selectors import forget_cached

if TYPE_CHECKING:
    from accounts.models import Account


@transaction.atomic
def set_value(
    key: str, raw: str, *, account: Account | None = None, by: Any = None
) -> PolicySetting:
    """Set the platform value (account None) or an account's override; refuses bad values."""
    parse_value(item_for(key), raw)
    row, _ = PolicySetting.objects.update_or_create(
        key=key, account=account, defaults={"value": raw.strip(), "updated_by": by}
    )
    forget_cached()
    return row


@transaction.atomic
def clear_value(key: str, *, account: Account | None = None) -> None:
    """Remove an override so the next level (platform value, then default) applies."""
    item_for(key)
    PolicySetting.objects.filter(key=key, account=account).delete()
    forget_cached()
