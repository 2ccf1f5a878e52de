"""Reading the effective policy value: account override, else platform value, else default."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from policy.address_rules import AddressRules, ProviderRule
from policy.defaults import DEFAULT_PROVIDER, ITEMS, Number
from policy.link_rules import Pattern, parse_pattern
from policy.models import (
    BlockedUrl,
    DisposableDomain,
    MailboxProviderRule,
    PolicySetting,
    ProviderGroup,
)
from policy.rules import Provider, ProviderTable, item_for, parse_patterns, parse_value

if TYPE_CHECKING:
    from accounts.models import Account


CACHE_SECONDS = 10.0
_cache: dict[tuple[str, int | None], tuple[float, Number | bool]] = {}


def cached_value(key: str, account: Account | None = None) -> Number | bool:
    """`value`, remembered for up to 10 s in this process: for hot paths (a burst of DSNs,
    one-click unsubscribes) that ask for the same few values thousands of times. A change
    made here through policy.services is seen at once; one made by another process within
    10 s."""
    now = time.monotonic()
    slot = (key, account.pk if account is not None else None)
    found = _cache.get(slot)
    if found is None or now - found[0] > CACHE_SECONDS:
        found = (now, value(key, account))
        _cache[slot] = found
    return found[1]


def forget_cached() -> None:
    _cache.clear()
    _tables.clear()


def value(key: str, account: Account | None = None) -> Number | bool:
    """The one function every module asks for a threshold or limit."""
    item = item_for(key)
    rows = PolicySetting.objects.filter(key=key)
    if account is not None:
        row = rows.filter(account=account).first() or rows.filter(account__isnull=True).first()
    else:
        row = rows.filter(account__isnull=True).first()
    return parse_value(item, row.value) if row else item.default


def values(keys: Iterable[str], account: Account | None = None) -> dict[str, Number | bool]:
    """`value` of several keys in one query (the send engine reads seven per batch)."""
    wanted = list(keys)
    items = {key: item_for(key) for key in wanted}
    query = PolicySetting.objects.filter(key__in=wanted, account__isnull=True)
    if account is not None:
        query = query | PolicySetting.objects.filter(key__in=wanted, account=account)
    found: dict[tuple[str, bool], str] = {
        (row.key, row.account_id is not None): row.value for row in query
    }
    out: dict[str, Number | bool] = {}
    for key, item in items.items():
        raw = found.get((key, True), found.get((key, False)))
        out[key] = parse_value(item, raw) if raw is not None else item.default
    return out


def effective_table(account: Account | None = None) -> list[tuple[str, Number | bool, str]]:
    """Every item with its effective value and where that value comes from."""
    overrides: dict[tuple[str, bool], str] = {}
    query = PolicySetting.objects.filter(account__isnull=True)
    if account is not None:
        query = query | PolicySetting.objects.filter(account=account)
    for row in query:
        overrides[(row.key, row.account_id is not None)] = row.value
    table = []
    for item in ITEMS:
        if (item.key, True) in overrides:
            table.append((item.key, parse_value(item, overrides[(item.key, True)]), "account"))
        elif (item.key, False) in overrides:
            table.append((item.key, parse_value(item, overrides[(item.key, False)]), "platform"))
        else:
            table.append((item.key, item.default, "default"))
    return table


_tables: dict[str, tuple[float, Any]] = {}
T = TypeVar("T")


def _remembered(name: str, read: Callable[[], T], *, fresh: bool = False) -> T:
    """An operator's table as `read` returns it, remembered for up to 10 s."""
    now = time.monotonic()
    found = _tables.get(name)
    if fresh or found is None or now - found[0] > CACHE_SECONDS:
        found = (now, read())
        _tables[name] = found
    return cast(T, found[1])


def provider_table() -> ProviderTable:
    """SEND-5: the mailbox provider groups, remembered for up to 10 s in this process (a
    worker asks once per batch and per test send)."""
    return _remembered("providers", _read_provider_table)


def _read_provider_table() -> ProviderTable:
    groups = []
    default = Provider(DEFAULT_PROVIDER[0], DEFAULT_PROVIDER[1], is_default=True)
    for row in ProviderGroup.objects.all():
        if row.is_default:
            default = Provider(row.name, row.per_minute, is_default=True)
        else:
            groups.append(Provider(row.name, row.per_minute, parse_patterns(row.domains)))
    return ProviderTable(tuple(groups), default)


def other_provider_patterns(exclude_pk: int | None = None) -> dict[str, tuple[str, ...]]:
    """The patterns of every group but one, by group name (for the overlap check)."""
    rows = ProviderGroup.objects.filter(is_default=False)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return {row.name: parse_patterns(row.domains) for row in rows}


def address_rules(*, fresh: bool = False) -> AddressRules:
    """AUDIT-1 (ii, v): the operator's provider rules and disposable domains, remembered
    for up to 10 s in this process (the send asks once per batch); `fresh` reads them
    anew (an import, once per run)."""
    return _remembered("address_rules", _read_address_rules, fresh=fresh)


def _read_address_rules() -> AddressRules:
    providers = tuple(
        ProviderRule(
            row.name,
            parse_patterns(row.domains),
            min_length=row.min_length,
            max_length=row.max_length,
            extra_characters=row.extra_characters,
            starts_with_letter=row.starts_with_letter,
            ends_with_letter_or_digit=row.ends_with_letter_or_digit,
            max_dots=row.max_dots,
            tag=row.tag,
        )
        for row in MailboxProviderRule.objects.all()
    )
    listed = dict(DisposableDomain.objects.values_list("domain", "disposable"))
    return AddressRules(
        providers,
        frozenset(d for d, disposable in listed.items() if disposable),
        frozenset(d for d, disposable in listed.items() if not disposable),
    )


def blocked_urls() -> list[BlockedUrl]:
    return list(BlockedUrl.objects.order_by("pattern"))


def blocked_patterns() -> list[Pattern]:
    return [parse_pattern(p) for p in BlockedUrl.objects.values_list("pattern", flat=True)]
