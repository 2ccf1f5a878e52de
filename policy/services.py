"""Changing the policy table: the only write path for thresholds and limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import actor_fields, record_operator_action
from core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from policy.address_rules import check_extra_characters, check_lengths, parse_domain
from policy.link_rules import parse_pattern
from policy.models import (
    BlockedUrl,
    DisposableDomain,
    MailboxProviderRule,
    PolicySetting,
    ProviderGroup,
)
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


@transaction.atomic
def save_mailbox_provider_rule(
    rule: MailboxProviderRule, *, by: Any = None, reason: str = ""
) -> MailboxProviderRule:
    """AUDIT-1 (v): add or change a provider's rule for the local part; domains, lengths and
    characters are checked first."""
    patterns = parse_patterns(rule.domains)
    if not patterns:
        raise InvalidInput(_("name at least one domain"))
    check_lengths(rule.min_length, rule.max_length)
    if rule.max_dots is not None and rule.max_dots > 63:
        raise InvalidInput(_("at most 63 dots"))
    if rule.tag not in ("", "+", "-", "_", "="):
        raise InvalidInput(_("the sub-address separator is +, -, _, = or empty"))
    rule.extra_characters = check_extra_characters(rule.extra_characters)
    rule.domains = "\n".join(patterns)
    rule.updated_by = by
    rule.save()
    forget_cached()
    _record(by, rule, reason, None, domains=list(patterns))
    return rule


@transaction.atomic
def delete_mailbox_provider_rule(
    rule: MailboxProviderRule, *, by: Any = None, reason: str = ""
) -> None:
    _record(by, rule, reason, None, deleted=True)
    rule.delete()
    forget_cached()


@transaction.atomic
def save_disposable_domain(
    entry: DisposableDomain, *, by: Any = None, reason: str = ""
) -> DisposableDomain:
    """AUDIT-1 (ii): add a throw-away domain to the platform's list, or take one off the
    published list (`disposable` false)."""
    entry.domain = parse_domain(entry.domain)
    entry.note = entry.note.strip()[:200]
    entry.updated_by = by
    entry.save()
    forget_cached()
    _record(by, entry, reason, None, disposable=entry.disposable)
    return entry


@transaction.atomic
def delete_disposable_domain(entry: DisposableDomain, *, by: Any = None, reason: str = "") -> None:
    _record(by, entry, reason, None, deleted=True)
    entry.delete()
    forget_cached()


@transaction.atomic
def add_blocked_url(raw: str, *, by: Any, note: str = "", reason: str = "") -> BlockedUrl:
    """CONTENT-6: no campaign may link to this host (and path) from now on."""
    pattern = str(parse_pattern(raw))
    if BlockedUrl.objects.filter(pattern=pattern).exists():
        raise Conflict(_("%(pattern)s is already on the blocklist") % {"pattern": pattern})
    entry = BlockedUrl.objects.create(
        pattern=pattern, note=note.strip()[:200], created_by=actor_fields(by)[1]
    )
    _record(by, f"URL blocklist: {pattern}", reason, None, added=pattern)
    return entry


@transaction.atomic
def remove_blocked_url(raw: str, *, by: Any, reason: str = "") -> None:
    pattern = str(parse_pattern(raw))
    deleted, _rows = BlockedUrl.objects.filter(pattern=pattern).delete()
    if not deleted:
        raise NotFound(_("%(pattern)s is not on the blocklist") % {"pattern": pattern})
    _record(by, f"URL blocklist: {pattern}", reason, None, removed=pattern)
