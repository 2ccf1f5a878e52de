"""Changing the policy table: the only write path for thresholds and limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record_operator_action
from core.errors import InvalidInput, RuleViolation
from policy.models import PolicySetting, ProviderGroup
from policy.rules import check_per_minute, item_for, overlaps, parse_patterns, parse_value
from policy.selectors import forget_cached, other_provider_patterns

if TYPE_CHECKING:
    from accounts.models import Account


def _record(actor: Any, target: Any, reason: str, account: Any, **detail: Any) -> None:
    """Every change of the policy is an operator action in the audit log (ACCOUNT-2)."""
    if isinstance(target, str):
        target = f"{target} ({account.slug if account else 'platform'})"
    record_operator_action(actor, "policy_change", target, reason, account=account, detail=detail)


@transaction.atomic
def set_value(
    key: str,
    raw: str,
    *,
    account: Account | None = None,
    by: Any = None,
    actor: Any = None,
    reason: str = "",
) -> PolicySetting:
    """Set the platform value (account None) or an account's override; refuses bad values.
    `by` is the user who changed it, `actor` whoever did when no user did (the CLI)."""
    parse_value(item_for(key), raw)
    before = PolicySetting.objects.filter(key=key, account=account).first()
    row, _ = PolicySetting.objects.update_or_create(
        key=key, account=account, defaults={"value": raw.strip(), "updated_by": by}
    )
    forget_cached()
    old = before.value if before else None
    _record(by or actor, key, reason, account, key=key, old=old, new=row.value)
    return row


@transaction.atomic
def clear_value(
    key: str, *, account: Account | None = None, by: Any = None, reason: str = ""
) -> None:
    """Remove an override so the next level (platform value, then default) applies."""
    item_for(key)
    rows = PolicySetting.objects.filter(key=key, account=account)
    old = [row.value for row in rows]
    rows.delete()
    forget_cached()
    if old:
        _record(by, key, reason, account, key=key, old=old[0], new=None)


@transaction.atomic
def save_provider_group(group: ProviderGroup, *, by: Any = None, reason: str = "") -> ProviderGroup:
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
    _record(by, group, reason, None, per_minute=group.per_minute, domains=list(patterns))
    return group


@transaction.atomic
def delete_provider_group(group: ProviderGroup, *, by: Any = None, reason: str = "") -> None:
    """Its domains fall back to the default rate; the default group itself stays."""
    if group.is_default:
        raise RuleViolation(_("the default group cannot be deleted"))
    _record(by, group, reason, None, deleted=True)
    group.delete()
    forget_cached()
