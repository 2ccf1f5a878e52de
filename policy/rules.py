"""Parsing and checking a policy value against its item (pure)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core.errors import InvalidInput
from policy.defaults import BY_KEY, Number, PolicyItem


def item_for(key: str) -> PolicyItem:
    try:
        return BY_KEY[key]
    except KeyError:
        raise InvalidInput(f"unknown policy key {key!r}") from None


def parse_value(item: PolicyItem, raw: str) -> Number | bool:
    """The typed value of `raw` for `item`, or InvalidInput saying why it is refused."""
    text = raw.strip()
    if isinstance(item.default, bool):
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise InvalidInput(f"{item.key}: expected true or false, got {raw!r}")
    try:
        value: Number = Decimal(text) if isinstance(item.default, Decimal) else int(text)
    except (ValueError, InvalidOperation):
        kind = "a decimal number" if isinstance(item.default, Decimal) else "a whole number"
        raise InvalidInput(f"{item.key}: expected {kind}, got {raw!r}") from None
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidInput(f"{item.key}: expected a finite number, got {raw!r}")
    if item.minimum is not None and value < item.minimum:
        raise InvalidInput(f"{item.key}: must be at least {item.minimum}, got {value}")
    if item.maximum is not None and value > item.maximum:
        raise InvalidInput(f"{item.key}: must be at most {item.maximum}, got {value}")
    return value
