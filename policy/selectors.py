"""Reading the effective policy value: account override, else platform value, else default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policy.defaults import ITEMS, Number
from policy.models import PolicySetting
from policy.rules import item_for, parse_value

if TYPE_CHECKING:
    from accounts.models import Account


def value(key: str, account: Account | None = None) -> Number | bool:
    """The one function every module asks for a threshold or limit."""
    item = item_for(key)
    rows = PolicySetting.objects.filter(key=key)
    if account is not None:
        row = rows.filter(account=account).first() or rows.filter(account__isnull=True).first()
    else:
        row = rows.filter(account__isnull=True).first()
    return parse_value(item, row.value) if row else item.default


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
