"""Changing the policy table: the only write path for thresholds and limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, RuleViolation
from policy.models import PolicySetting, ProviderGroup
from policy.rules import check_per_minute, item_for, overlaps, parse_patterns, parse_value
from policy.selectors import forget_cached, other_provider_patterns

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


@transaction.atomic
def save_provider_group(group: ProviderGroup, *, by: Any = None) -> ProviderGroup:
    """SEND-5: add or change a mailbox provider group; its domains are checked and written
    one per line, a domain already in another group is refused."""
    patterns = parse_patterns(group.domains)
    check_per_minute(group.per_minute)
    if group.is_default and patterns:
        raise InvalidInput(_("the default group lists no domains: it applies to all others"))
    if not group.is_default and not patterns:
        raise InvalidInput(_("name at least one domain"))
    clashes = overlaps(patterns, other_provider_patterns(group.pk))
    if clashes:
        raise InvalidInput("; ".join(clashes), details=clashes)
    group.domains = "\n".join(patterns)
    group.updated_by = by
    group.save()
    forget_cached()
    return group


@transaction.atomic
def delete_provider_group(group: ProviderGroup) -> None:
    """Its domains fall back to the default rate; the default group itself stays."""
    if group.is_default:
        raise RuleViolation(_("the default group cannot be deleted"))
    group.delete()
    forget_cached()
