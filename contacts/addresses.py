"""Address classification: the one place that says what is wrong with an address (AUDIT-1,
IMPORT-5, IMPORT-8). Imports, signup forms, contacts added by hand, the list audit and the
send all ask here. Pure: no database, no DNS (domains.mailhosts adds what DNS says).

The classes, in the order they are reported:
- `role`: a role or generic mailbox (info@, support@, noreply@, ...), the local part before
  any "+" tag, case ignored (IMPORT-8, AUDIT-1 i);
- `disposable`: a throw-away mailbox domain, from the `disposable-email-domains` list plus the
  operator's own additions (AUDIT-1 ii);
- `no_mail_domain`: the domain accepts no mail: NXDOMAIN, no MX and no A/AAAA, or a null MX
  (RFC 7505) (AUDIT-1 iii, added by domains.mailhosts);
- `invalid`: not a mailbox a marketer can send to: RFC 5321/5322 dot-atom syntax only (no
  quoted local part, comment, folding white space or IP literal), at most 64 characters
  before the @ and 254 in all, a domain with a dot and a valid IDNA form (AUDIT-1 iv);
- `provider_rule`: breaks the mailbox provider's own rules for the local part (AUDIT-1 v);
- `typo`: a likely misspelling of a large mailbox domain (gmial.com); `suggestion` holds the
  corrected address;
- `unknown_domain_state`: DNS did not answer in time, so nothing is known about the domain
  (added by domains.mailhosts; never counted as `no_mail_domain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from disposable_email_domains import allowlist as _published_allowlist
from disposable_email_domains import blocklist as _published_blocklist
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import ATEXT

from core.addresses import MAX_ADDRESS_LENGTH, normalise_address
from core.errors import InvalidInput
from policy.address_rules import DEFAULT_RULES, AddressRules

ROLE = "role"
DISPOSABLE = "disposable"
NO_MAIL_DOMAIN = "no_mail_domain"
INVALID = "invalid"
PROVIDER_RULE = "provider_rule"
TYPO = "typo"
UNKNOWN_DOMAIN_STATE = "unknown_domain_state"
CLASSES: tuple[str, ...] = (
    ROLE,
    DISPOSABLE,
    NO_MAIL_DOMAIN,
    INVALID,
    PROVIDER_RULE,
    TYPO,
    UNKNOWN_DOMAIN_STATE,
)
# What keeps an address out of imports, signups and contacts added by hand: it cannot be
# delivered (invalid, no_mail_domain, provider_rule), or it is no person's consent to give
# (role, disposable). A typo is only flagged: the suggestion may be wrong, and the person
# behind a signup confirms (or not) through the mail itself. An unknown domain state is
# DNS's problem, never the address's.
REFUSED: frozenset[str] = frozenset({ROLE, DISPOSABLE, NO_MAIL_DOMAIN, INVALID, PROVIDER_RULE})
# What makes `valid` false: the address cannot receive mail at all.
UNDELIVERABLE: frozenset[str] = frozenset({INVALID, NO_MAIL_DOMAIN})

# RFC 5321 §4.5.3.1.1: the local part holds at most 64 octets.
MAX_LOCAL_LENGTH = 64


@dataclass(frozen=True)
class AddressCheck:
    """What is wrong with one address. `address` is the normalised form when the syntax is
    valid (domain lower case, IDNA-encoded), else the text as given."""

    address: str
    valid: bool
    classes: tuple[str, ...]
    suggestion: str | None = None

    @property
    def refused(self) -> bool:
        """May not be imported, signed up or added by hand."""
        return any(name in REFUSED for name in self.classes)

    def adding(self, *names: str) -> AddressCheck:
        """This check with more classes (from DNS), in the stable order."""
        classes = tuple(n for n in CLASSES if n in self.classes or n in names)
        valid = not any(n in UNDELIVERABLE for n in classes)
        return AddressCheck(self.address, valid, classes, self.suggestion)

    def as_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "valid": self.valid,
            "classes": list(self.classes),
            "suggestion": self.suggestion,
        }


# IMPORT-8, AUDIT-1 (i): role and generic mailboxes, refused for mailings, signups and
# imports alike: the prefixes the large ESPs refuse, and their German and French forms.
ROLE_LOCAL_PARTS: frozenset[str] = frozenset(
    {
        "abuse",
        "admin",
        "administrator",
        "billing",
        "compliance",
        "contact",
        "customerservice",
        "denied",
        "devnull",
        "dns",
        "do-not-reply",
        "donotreply",
        "enquiries",
        "ftp",
        "help",
        "hostmaster",
        "hr",
        "info",
        "inoc",
        "inquiries",
        "ispfeedback",
        "ispsupport",
        "jobs",
        "kontakt",
        "legal",
        "list",
        "list-request",
        "listserv",
        "mail",
        "maildaemon",
        "mailer-daemon",
        "marketing",
        "media",
        "news",
        "newsletter",
        "no-reply",
        "noc",
        "noreply",
        "no_reply",
        "nobody",
        "null",
        "office",
        "phish",
        "phishing",
        "postmaster",
        "press",
        "privacy",
        "realname",
        "registrar",
        "remove",
        "root",
        "sales",
        "security",
        "service",
        "spam",
        "support",
        "sysadmin",
        "tech",
        "team",
        "test",
        "undisclosed-recipients",
        "unsubscribe",
        "usenet",
        "uucp",
        "webmaster",
        "www",
        "buchhaltung",
        "vertrieb",
        "verwaltung",
        "bestellung",
        "datenschutz",
        "impressum",
        "presse",
        "rechnung",
        "accueil",
        "commercial",
        "comptabilite",
        "direction",
        "secretariat",
        "ventes",
    }
)


def is_role_address(address: str) -> bool:
    """IMPORT-8: info@, support@, noreply@, ... (plus-tags and case ignored)."""
    local = address.rpartition("@")[0].lower().split("+", 1)[0]
    return local in ROLE_LOCAL_PARTS


# Syntax (AUDIT-1 iv) ------------------------------------------------------------------------

# What core.addresses refuses anywhere in an address: whitespace and control characters.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
# The common address: a local part that is email-validator's own ASCII dot-atom (which it
# accepts as written, without further checks), one @, then the domain.
DOT_ATOM_ADDRESS = re.compile(f"([{ATEXT}]+(?:\\.[{ATEXT}]+)*)@([^@]*)\\Z")
# A lowercase letter-digit-hyphen DNS label with no "--" in it.
_PLAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){0,62}(?<!-)\Z")


@lru_cache(maxsize=50_000)
def _checked_domain(domain: str) -> str | None:
    """The normalised domain, or None if email-validator refuses it. A file has few
    distinct domains: each is checked (and IDNA-encoded) once.

    A plain label in front of a valid, already normalised ASCII domain without Punycode
    (`shop.example.com` once `example.com` passed) passes too, without the full check:
    every rule email-validator and core.addresses apply to a domain is one on each label
    (letters, digits, hyphens, no leading, trailing or double hyphen, at most 63
    characters), on the top-level domain, on a special-use suffix or on the length, and
    none of those can fail for the longer name (IDNA's bidi rule could, which is why a
    Punycode parent is left to the full check)."""
    first, dot, parent = domain.partition(".")
    if dot and len(domain) <= 200 and _PLAIN_LABEL.match(first):
        known = _checked_domain(parent)
        if known == parent and "xn--" not in parent:
            return domain
    try:
        validate_email(f"x@{domain}", check_deliverability=False)
        return normalise_address(f"x@{domain}").rpartition("@")[2]
    except (EmailNotValidError, InvalidInput):
        return None


def checked_address(raw: str) -> str | None:
    """email-validator's syntax check without DNS (IMPORT-5), and the address normalised
    exactly as core.addresses does; None if it is not a valid address. Surrounding white
    space is dropped (a cell or a form field reaches here stripped).

    email-validator's defaults are the rule: no quoted local part, no IP literal, no
    comment or display name, a domain with a dot outside the special-use names. Its
    non-strict mode does not limit the local part: RFC 5321's 64 is checked here.

    The common address, all ASCII with a dot-atom local part (which email-validator
    accepts first and unchanged), needs only its domain checked, and that once per
    domain; for ASCII text every length email-validator checks is the length in
    characters checked below. Anything else (quoted, international, odd) gets
    email-validator's verdict on the whole address: it counts lengths in UTF-8 bytes of
    several forms of the address."""
    text = raw.strip()
    fast = DOT_ATOM_ADDRESS.match(text) if text.isascii() else None
    if fast is not None:
        local, domain = fast.group(1), fast.group(2)
    else:
        local, sep, domain = text.rpartition("@")
        if not sep or not local or _SPACE_OR_CONTROL.search(local):
            return None
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return None
    if len(local.encode("utf-8")) > MAX_LOCAL_LENGTH:
        return None
    ascii_domain = _checked_domain(domain)
    if ascii_domain is None:
        return None
    address = f"{local}@{ascii_domain}"
    return address if len(address) <= MAX_ADDRESS_LENGTH else None


# Disposable domains (AUDIT-1 ii) -------------------------------------------------------------


def is_disposable_domain(domain: str, rules: AddressRules = DEFAULT_RULES) -> bool:
    """The domain, or a domain it belongs to (`x.mailinator.com`), is a throw-away one: on
    the operator's list, else on the published list and not on either allow list."""
    labels = domain.lower().split(".")
    for start in range(len(labels) - 1):
        name = ".".join(labels[start:])
        if name in rules.not_disposable:
            return False
        if name in rules.disposable:
            return True
        if name in _published_blocklist and name not in _published_allowlist:
            return True
    return False


# Typos of large mailbox domains --------------------------------------------------------------

# The domains most subscribers of a German or French list have, most common first (a tie
# between two suggestions goes to the earlier one).
LARGE_DOMAINS: tuple[str, ...] = (
    "gmail.com",
    "gmx.de",
    "web.de",
    "t-online.de",
    "yahoo.com",
    "yahoo.de",
    "yahoo.fr",
    "hotmail.com",
    "hotmail.de",
    "hotmail.fr",
    "outlook.com",
    "outlook.de",
    "outlook.fr",
    "live.com",
    "live.de",
    "live.fr",
    "icloud.com",
    "gmx.net",
    "gmx.at",
    "gmx.ch",
    "gmx.com",
    "gmx.fr",
    "googlemail.com",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "aol.com",
    "aol.de",
    "freenet.de",
    "arcor.de",
    "posteo.de",
    "mailbox.org",
    "online.de",
    "vodafone.de",
    "kabelmail.de",
    "bluewin.ch",
    "msn.com",
    "mail.com",
    "mail.de",
    "email.de",
    "protonmail.com",
    "proton.me",
    "ymail.com",
    "neuf.fr",
    "bbox.fr",
    "club-internet.fr",
)
# Real mailbox domains one letter from a large one: never called a typo.
REAL_NEIGHBOURS = frozenset({"gmail.de", "aol.fr", "gmx.eu", "gmx.li", "gmx.us", "web.com"})
_KNOWN = frozenset(LARGE_DOMAINS) | REAL_NEIGHBOURS
# Shorter names are too close to too many real ones (me.com, ge.com) to guess at.
_MIN_TYPO_LENGTH = 6


def _distance_at_most_one(a: str, b: str) -> bool:
    """Optimal string alignment distance ≤ 1: one letter inserted, dropped, changed, or two
    neighbours swapped (gmial, gmx.dee, hotmal)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


@lru_cache(maxsize=50_000)
def typo_of(domain: str) -> str | None:
    """The large mailbox domain `domain` is likely a misspelling of, or None."""
    if domain in _KNOWN or len(domain) < _MIN_TYPO_LENGTH:
        return None
    for large in LARGE_DOMAINS:
        if len(large) >= _MIN_TYPO_LENGTH and _distance_at_most_one(domain, large):
            return large
    return None


# The whole check ----------------------------------------------------------------------------

# Domains whose verdicts one set of rules remembers.
_MEMO_SIZE = 100_000


def classes_of(
    address: str, rules: AddressRules = DEFAULT_RULES
) -> tuple[tuple[str, ...], str | None]:
    """The classes of an address that passed `checked_address` (normalised), and the
    suggestion for a typo. What depends on the domain alone is found once per domain."""
    local, _, domain = address.rpartition("@")
    facts = rules.memo.get(domain)
    if facts is None:
        if len(rules.memo) >= _MEMO_SIZE:
            rules.memo.clear()
        facts = rules.memo[domain] = (
            is_disposable_domain(domain, rules),
            rules.provider_for(domain),
            typo_of(domain),
        )
    disposable, provider, corrected = facts
    role = local.lower().split("+", 1)[0] in ROLE_LOCAL_PARTS
    broken = provider is not None and provider.problem(local) is not None
    if not (role or disposable or broken or corrected):
        return (), None
    found = (role, disposable, False, False, broken, corrected is not None, False)
    classes = tuple(name for name, hit in zip(CLASSES, found, strict=True) if hit)
    return classes, f"{local}@{corrected}" if corrected else None


def check_address(address: str, *, rules: AddressRules | None = None) -> AddressCheck:
    """Every check that needs no DNS (AUDIT-1 i, ii, iv, v and typos) of one address."""
    if address != address.strip():
        # Folding white space belongs to a mail header, not to a mailbox.
        return AddressCheck(address, False, (INVALID,))
    normalised = checked_address(address)
    if normalised is None:
        return AddressCheck(address, False, (INVALID,))
    classes, suggestion = classes_of(normalised, rules or DEFAULT_RULES)
    return AddressCheck(normalised, True, classes, suggestion)


def refused_at_send(address: str, rules: AddressRules = DEFAULT_RULES) -> bool:
    """SEND-3 with AUDIT-1: a stored address the classification refuses (role, disposable,
    invalid, provider rule; DNS is left to the bounce) is not mailed, whichever door let it
    in and whenever the rules changed."""
    return check_address(address, rules=rules).refused
