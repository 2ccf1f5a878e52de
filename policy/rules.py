"""Parsing and checking a policy value against its item, and the mailbox provider groups
(pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

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


# SEND-5: mailbox provider groups ------------------------------------------------------------

# An operator's table stays small: these bound what one group may list.
MAX_PATTERNS = 200
MAX_PATTERN_LENGTH = 253
MAX_PER_MINUTE = 10_000_000
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class Provider:
    """A mailbox provider: the domains it receives for and its platform-wide rate."""

    name: str
    per_minute: int
    patterns: tuple[str, ...] = ()
    is_default: bool = False


@dataclass(frozen=True)
class Destination:
    """Whose rate a recipient domain counts against: `key` names the shared counter."""

    key: str
    per_minute: int


def parse_pattern(raw: str) -> str:
    """`gmail.com`, or `hotmail.*` for every top-level domain of a name; lower case."""
    text = raw.strip().lower().rstrip(".")
    if not text or len(text) > MAX_PATTERN_LENGTH:
        raise InvalidInput(_("%(pattern)r is not a domain") % {"pattern": raw})
    labels = text.split(".")
    wildcard = labels[-1] == "*"
    named = labels[:-1] if wildcard else labels
    if (len(named) < (1 if wildcard else 2)) or not all(_LABEL.match(part) for part in named):
        raise InvalidInput(
            _("%(pattern)r is not a domain (use e.g. gmail.com or hotmail.*)") % {"pattern": raw}
        )
    return text


def parse_patterns(text: str) -> tuple[str, ...]:
    """The patterns of a group, one per line or separated by commas or spaces."""
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    if len(parts) > MAX_PATTERNS:
        raise InvalidInput(_("at most %(n)d domains per group") % {"n": MAX_PATTERNS})
    return tuple(dict.fromkeys(parse_pattern(p) for p in parts))


def check_per_minute(value: int) -> int:
    if not 1 <= value <= MAX_PER_MINUTE:
        raise InvalidInput(
            _("messages per minute must be between 1 and %(max)d, got %(value)s")
            % {"max": MAX_PER_MINUTE, "value": value}
        )
    return value


def pattern_matches(pattern: str, domain: str) -> bool:
    if pattern.endswith(".*"):
        stem = pattern[:-1]  # "hotmail."
        return domain.startswith(stem) and len(domain) > len(stem)
    return domain == pattern


def overlaps(patterns: tuple[str, ...], others: dict[str, tuple[str, ...]]) -> list[str]:
    """What makes a group's patterns collide with another group's: one domain, two rates."""
    found = []
    for name, theirs in others.items():
        for mine in patterns:
            for other in theirs:
                same = mine == other
                if same or pattern_matches(mine, other) or pattern_matches(other, mine):
                    found.append(
                        _("%(pattern)s is already in group %(group)s")
                        % {"pattern": mine, "group": name}
                    )
    return found


@dataclass(frozen=True)
class ProviderTable:
    """Every provider group and the default that applies to each other domain on its own."""

    groups: tuple[Provider, ...]
    default: Provider

    def destination(self, domain: str) -> Destination:
        """SEND-5: one rate per provider, shared by every domain of its group; any other
        domain has the default rate to itself."""
        domain = domain.lower().rstrip(".")
        exact = [g for g in self.groups if domain in g.patterns]
        found = exact or [
            g for g in self.groups if any(pattern_matches(p, domain) for p in g.patterns)
        ]
        if found:
            return Destination(f"provider:{found[0].name}", found[0].per_minute)
        return Destination(f"domain:{domain}", self.default.per_minute)
