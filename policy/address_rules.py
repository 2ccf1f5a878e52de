"""The operator's tables for address classification (AUDIT-1 ii and v), as plain values:
mailbox providers' own rules for the local part, and the disposable domains the platform
adds to (or takes off) the published list. Pure: the tables are read by policy.selectors,
applied by contacts.addresses.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

from core.addresses import InvalidAddress, domain_of, normalise_address
from core.errors import InvalidInput
from policy.rules import pattern_matches

# What the operator may list as a provider's extra characters: the ASCII atext of RFC 5322
# (letters and digits are always allowed).
ALLOWED_EXTRA = frozenset("._-+!#$%&'*/=?^`{|}~")
MAX_LOCAL_LENGTH = 64


@dataclass(frozen=True)
class ProviderRule:
    """AUDIT-1 (v): what a mailbox provider lets its users choose as the local part.

    `domains` are patterns as in the provider groups of SEND-5 (`yahoo.*` for every
    top-level domain). The rule is applied to the part before the provider's sub-address separator
    (`tag`, "+" at Gmail, "-" at Yahoo; empty where the provider has none), lower case."""

    name: str
    domains: tuple[str, ...]
    min_length: int = 1
    max_length: int = MAX_LOCAL_LENGTH
    # Characters allowed besides ASCII letters and digits.
    extra_characters: str = "._-"
    starts_with_letter: bool = False
    ends_with_letter_or_digit: bool = False
    max_dots: int | None = None
    tag: str = "+"

    @cached_property
    def allowed(self) -> frozenset[str]:
        return frozenset(string.ascii_lowercase + string.digits + self.extra_characters)

    def matches(self, domain: str) -> bool:
        return any(pattern_matches(pattern, domain) for pattern in self.domains)

    def problem(self, local: str) -> str | None:
        """Why `local` cannot be an address at this provider, or None."""
        base = local.split(self.tag, 1)[0] if self.tag else local
        base = base.lower()
        allowed = self.allowed
        if len(base) < self.min_length:
            return f"{self.name}: at least {self.min_length} characters before the @"
        if len(base) > self.max_length:
            return f"{self.name}: at most {self.max_length} characters before the @"
        if not set(base) <= allowed:
            return f"{self.name}: only letters, digits and {self.extra_characters!r}"
        if self.starts_with_letter and not base[0].isalpha():
            return f"{self.name}: starts with a letter"
        if self.ends_with_letter_or_digit and not base[-1].isalnum():
            return f"{self.name}: ends with a letter or digit"
        if self.max_dots is not None and base.count(".") > self.max_dots:
            return f"{self.name}: at most {self.max_dots} dots"
        return None


# The rules a platform starts with, from the providers' sign-up pages; the operator corrects
# and extends them in the admin (policy.models.ProviderRuleRow, seeded by a migration).
DEFAULT_PROVIDER_RULES: tuple[ProviderRule, ...] = (
    ProviderRule(
        "gmail",
        ("gmail.com", "googlemail.com"),
        min_length=6,
        max_length=30,
        extra_characters=".",
        ends_with_letter_or_digit=True,
    ),
    ProviderRule(
        "microsoft",
        ("outlook.*", "hotmail.*", "live.*", "msn.com"),
        min_length=1,
        max_length=64,
        extra_characters="._-",
        starts_with_letter=True,
    ),
    ProviderRule(
        "yahoo",
        ("yahoo.*", "ymail.com", "rocketmail.com"),
        min_length=4,
        max_length=32,
        extra_characters="._",
        starts_with_letter=True,
        ends_with_letter_or_digit=True,
        max_dots=1,
        tag="-",
    ),
    ProviderRule(
        "aol",
        ("aol.*",),
        min_length=3,
        max_length=32,
        extra_characters="._",
        starts_with_letter=True,
    ),
    ProviderRule(
        "united-internet",
        ("gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de"),
        min_length=3,
        max_length=40,
        extra_characters="._-",
        tag="",
    ),
    ProviderRule(
        "t-online",
        ("t-online.de",),
        min_length=3,
        max_length=64,
        extra_characters="._-",
        tag="",
    ),
    ProviderRule(
        "orange",
        ("orange.fr", "wanadoo.fr"),
        min_length=3,
        max_length=64,
        extra_characters="._-",
        starts_with_letter=True,
        tag="",
    ),
    ProviderRule(
        "free",
        ("free.fr",),
        min_length=3,
        max_length=64,
        extra_characters="._-",
        starts_with_letter=True,
        tag="",
    ),
)


@dataclass(frozen=True)
class AddressRules:
    """The operator's tables in force: provider rules, and the disposable domains added to
    the published list (`disposable`) or taken off it (`not_disposable`)."""

    providers: tuple[ProviderRule, ...] = DEFAULT_PROVIDER_RULES
    disposable: frozenset[str] = field(default_factory=frozenset)
    not_disposable: frozenset[str] = field(default_factory=frozenset)
    # What contacts.addresses found for each domain under these rules (an import meets
    # few domains in many rows): (disposable, the provider's rule, the domain a typo meant).
    memo: dict[str, tuple[bool, ProviderRule | None, str | None]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def provider_for(self, domain: str) -> ProviderRule | None:
        for rule in self.providers:
            if rule.matches(domain):
                return rule
        return None


DEFAULT_RULES = AddressRules()


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def parse_domain(raw: str) -> str:
    """A domain the operator typed for the disposable list: lower case, IDNA-encoded."""
    text = raw.strip().lower().lstrip("@").rstrip(".")
    try:
        domain = domain_of(normalise_address(f"x@{text}"))
    except InvalidAddress:
        raise InvalidInput(_("%(domain)r is not a domain") % {"domain": raw}) from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(_("%(domain)r is not a domain") % {"domain": raw})
    return domain


def check_extra_characters(raw: str) -> str:
    """The characters a provider allows besides letters and digits, each once."""
    text = "".join(dict.fromkeys(raw.strip()))
    wrong = [ch for ch in text if ch not in ALLOWED_EXTRA]
    if wrong:
        raise InvalidInput(
            _("not allowed in an address: %(characters)s") % {"characters": " ".join(wrong)}
        )
    return text


def check_lengths(min_length: int, max_length: int) -> None:
    if not 1 <= min_length <= max_length <= MAX_LOCAL_LENGTH:
        raise InvalidInput(
            _("lengths must satisfy 1 ≤ minimum ≤ maximum ≤ %(limit)d")
            % {"limit": MAX_LOCAL_LENGTH}
        )
