"""Sender-domain policy (DOMAIN-1, INDUSTRY-1). Pure: no database, no I/O; of Django only
gettext, for the words a person reads.

DNS answers come in through a `Lookup` function, so every rule here runs the same against
the real resolver (domains.dns) and against a dict in a test:
- SPF is evaluated as RFC 7208's check_host() would: includes and redirect= followed,
  at most 10 DNS-querying terms and at most 2 void lookups, macros expanded;
- DMARC is found by the DMARCbis tree walk and parsed per RFC 7489, alignment judged
  against the found record's organisational domain;
- DKIM key records are compared with the key the product made;
- the overall state moves pending → verified → failed, and a DNS timeout alone never
  turns a verified domain into a failed one at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import idna
from django.utils.translation import gettext as _

from core.errors import InvalidInput

# The prefix of the ownership token's TXT record and its name below the domain.
OWNERSHIP_LABEL = "_consentry"
OWNERSHIP_PREFIX = "consentry-verification="

# A verified domain whose checks only time out stays verified this long after its last
# full pass: resolvers fail for hours at times, and a send should not stop for that alone.


class TemporaryDnsError(Exception):
    """The answer could not be had now (timeout, SERVFAIL): try again later."""


# (name, rdtype) → texts: TXT strings joined, A/AAAA addresses, MX exchange names.
# An empty list is "no such record" (NXDOMAIN or NODATA); a timeout raises TemporaryDnsError.
Lookup = Callable[[str, str], list[str]]


class CheckKind(StrEnum):
    OWNERSHIP = "ownership"
    DKIM = "dkim"
    SPF = "spf"
    DMARC = "dmarc"
    RETURN_PATH = "return_path"


class CheckState(StrEnum):
    PENDING = "pending"  # never checked
    PASS = "pass"  # noqa: S105 (a check state, not a password)
    FAIL = "fail"
    UNKNOWN = "unknown"  # DNS did not answer in time
    # The platform's own settings leave nothing to check against: no fault of the account,
    # so it does not keep the domain from verifying; `check --deploy` warns the operator.
    UNJUDGED = "unjudged"


class DomainStatus(StrEnum):
    PENDING = "pending"  # added, never verified
    VERIFIED = "verified"
    FAILED = "failed"  # was verified, stopped passing: sends from it are blocked


class DkimAlgorithm(StrEnum):
    RSA_SHA256 = "rsa-sha256"
    ED25519_SHA256 = "ed25519-sha256"

    @property
    def key_type(self) -> str:
        return "rsa" if self is DkimAlgorithm.RSA_SHA256 else "ed25519"


@dataclass(frozen=True)
class CheckResult:
    kind: CheckKind
    state: CheckState
    message: str
    found: str = ""


# ---- Reasons -------------------------------------------------------------------------------
# A check's reason is kept in English (evidence, API, the CLI); the account pages show it in
# the reader's language. Every template a reason is made from is registered here, and
# domains.reasons.localized() finds the template (and its values) a kept reason came from.
REASON_TEMPLATES: list[str] = []


def gettext_noop(template: str) -> str:
    """Registers a reason template; the name marks it for makemessages too."""
    REASON_TEMPLATES.append(template)
    return template


TOKEN_FOUND = gettext_noop("token found at %(name)s")
NO_TXT = gettext_noop("no TXT record at %(name)s")
NOT_THE_TOKEN = gettext_noop("the TXT record at %(name)s does not hold this domain's token")
TAG_MALFORMED = gettext_noop("malformed tag %(tag)s")
TAG_TWICE = gettext_noop("tag %(tag)s= appears twice")
NO_DKIM = gettext_noop("no DKIM key record at %(name)s")
DKIM_SEVERAL = gettext_noop("%(count)s TXT records at %(name)s: verifiers need exactly one")
DKIM_MALFORMED = gettext_noop("the record at %(name)s is malformed: %(reason)s")
DKIM_VERSION = gettext_noop("the record at %(name)s must start with v=DKIM1")
DKIM_KEY_TYPE = gettext_noop("the record at %(name)s has k=%(found)s, expected k=%(expected)s")
DKIM_HASH = gettext_noop("the record at %(name)s does not allow sha256 (h=%(h)s)")
DKIM_SERVICE = gettext_noop("the record at %(name)s is not for email (s=%(s)s)")
DKIM_REVOKED = gettext_noop("the key at %(name)s is revoked (empty p=)")
DKIM_OTHER_KEY = gettext_noop("the record at %(name)s publishes a different public key")
DKIM_PUBLISHED = gettext_noop("%(algorithm)s key published at %(name)s")
NO_DKIM_KEY = gettext_noop("the domain has no DKIM key")
DMARC_VERSION = gettext_noop("a DMARC record starts with v=DMARC1")
DMARC_POLICY = gettext_noop("%(tag)s= must be none, quarantine or reject, got %(value)s")
DMARC_MODE = gettext_noop("%(tag)s= must be r or s, got %(value)s")
DMARC_PCT_NUMBER = gettext_noop("pct= must be a number, got %(value)s")
DMARC_PCT_RANGE = gettext_noop("pct= must be 0 to 100, got %(value)s")
DMARC_SEVERAL = gettext_noop("%(count)s DMARC records at %(name)s: receivers apply none of them")
DMARC_BAD = gettext_noop("the DMARC record at %(name)s: %(reason)s")
DKIM_ALIGNMENT = gettext_noop("DKIM (d=%(domain)s, adkim=%(mode)s)")
SPF_ALIGNMENT = gettext_noop("SPF (%(domain)s, aspf=%(mode)s)")
BOTH = gettext_noop("%(first)s and %(second)s")
NOT_ALIGNED = gettext_noop("the From domain %(domain)s aligns with neither %(dkim)s nor %(spf)s")
DMARC_PASS = gettext_noop("DMARC policy %(policy)s at %(name)s; From aligns through %(through)s")
NO_DMARC = gettext_noop("no DMARC record at _dmarc.%(domain)s or above")
NO_RETURN_PATH = gettext_noop("no return-path host: bounces go to the From domain")
NO_INBOUND_HOST = gettext_noop(
    "cannot judge: the platform's operator has not named its inbound mail host"
)
NO_MX = gettext_noop("no MX record at %(host)s")
MX_ELSEWHERE = gettext_noop(
    "the MX of %(host)s must point at %(target)s only, so bounces reach the platform"
)
MX_PASS = gettext_noop("bounces to %(host)s reach %(target)s")
NO_SENDING_HOSTS = gettext_noop(
    "cannot judge: the platform's operator has not named its sending hosts"
)
NO_SPF = gettext_noop("no SPF record (TXT v=spf1) at %(domain)s")
SPF_TEMPERROR = gettext_noop("SPF could not be evaluated: %(reason)s")
SPF_PERMERROR = gettext_noop("SPF permerror: %(reason)s")
SPF_NOT_AUTHORISED = gettext_noop(
    "the SPF record of %(domain)s does not authorise %(label)s: %(result)s (%(reason)s)"
)
SPF_PASS = gettext_noop("SPF authorises %(authorised)s (%(lookups)s of %(limit)s DNS lookups)")
SPF_NO_VERSION = gettext_noop("the record does not start with v=spf1")
SPF_TWICE = gettext_noop("%(name)s= appears twice")
SPF_NEEDS_DOMAIN = gettext_noop("%(name)s= needs a domain")
SPF_BAD_CIDR = gettext_noop("bad CIDR length in %(term)s")
SPF_UNKNOWN_MECHANISM = gettext_noop("unknown mechanism %(term)s")
SPF_NEEDS_VALUE = gettext_noop("%(name)s needs a value")
SPF_BAD_NETWORK = gettext_noop("bad network in %(term)s")
SPF_MACRO_LETTER = gettext_noop("unknown macro letter %(macro)s")
SPF_MACRO_ZERO = gettext_noop("a macro may not keep zero labels")
SPF_BAD_MACRO = gettext_noop("bad macro in %(spec)s")
SPF_TOO_MANY_LOOKUPS = gettext_noop(
    "more than %(limit)s DNS lookups (RFC 7208 §4.6.4), the limit was passed at %(term)s"
)
SPF_TOO_MANY_VOIDS = gettext_noop(
    "more than %(limit)s lookups returned nothing (RFC 7208 §4.6.4), "
    "the last was %(rdtype)s %(name)s"
)
SPF_SEVERAL = gettext_noop("%(domain)s has %(count)s SPF records; it may have only one")
SPF_INCLUDE_NONE = gettext_noop("include:%(target)s has no SPF record")
SPF_INCLUDE_ERROR = gettext_noop("include:%(target)s: %(reason)s")
SPF_TOO_MANY_MX = gettext_noop("%(target)s has more than %(limit)s MX records")
SPF_NONE = gettext_noop("%(domain)s has no SPF record")
SPF_MATCHED = gettext_noop("%(domain)s: %(term)s matched (%(result)s)")
SPF_REDIRECT_NONE = gettext_noop("redirect=%(target)s has no SPF record")
SPF_NEUTRAL = gettext_noop("%(domain)s: no mechanism matched (neutral)")
DNS_NO_ANSWER = gettext_noop("no answer from DNS for %(rdtype)s %(name)s (%(error)s)")
DNS_ERROR = gettext_noop("DNS error for %(rdtype)s %(name)s: %(error)s")


CHECK_ORDER = (
    CheckKind.OWNERSHIP,
    CheckKind.DKIM,
    CheckKind.SPF,
    CheckKind.DMARC,
    CheckKind.RETURN_PATH,
)


def normalise_name(name: str) -> str:
    return name.strip().rstrip(".").lower()


# ---- Tag lists (DKIM key records, DMARC) -----------------------------------------------

_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def parse_tags(text: str) -> dict[str, str]:
    """RFC 6376 §3.2 tag=value list; ValueError on a malformed or repeated tag."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not _TAG.match(name):
            raise ValueError(TAG_MALFORMED % {"tag": repr(part.strip())})
        if name in tags:
            raise ValueError(TAG_TWICE % {"tag": name})
        tags[name] = value.strip()
    return tags


# ---- Ownership -------------------------------------------------------------------------


def ownership_name(domain: str) -> str:
    return f"{OWNERSHIP_LABEL}.{domain}"


def ownership_value(token: str) -> str:
    return f"{OWNERSHIP_PREFIX}{token}"


def check_ownership(domain: str, token: str, lookup: Lookup) -> CheckResult:
    """DOMAIN-1: the TXT token at _consentry.<domain> proves the account controls the zone."""
    name = ownership_name(domain)
    try:
        records = lookup(name, "TXT")
    except TemporaryDnsError as exc:
        return CheckResult(CheckKind.OWNERSHIP, CheckState.UNKNOWN, str(exc))
    found = "\n".join(records)
    if ownership_value(token) in (r.strip() for r in records):
        return CheckResult(
            CheckKind.OWNERSHIP, CheckState.PASS, TOKEN_FOUND % {"name": name}, found
        )
    if not records:
        return CheckResult(CheckKind.OWNERSHIP, CheckState.FAIL, NO_TXT % {"name": name})
    return CheckResult(
        CheckKind.OWNERSHIP,
        CheckState.FAIL,
        NOT_THE_TOKEN % {"name": name},
        found,
    )


# ---- DKIM key record --------------------------------------------------------------------


def dkim_name(domain: str, selector: str) -> str:
    return f"{selector}._domainkey.{domain}"


def dkim_value(algorithm: DkimAlgorithm, public_key_b64: str) -> str:
    return f"v=DKIM1; k={algorithm.key_type}; p={public_key_b64}"


def check_dkim_record(
    domain: str, selector: str, algorithm: DkimAlgorithm, public_key_b64: str, lookup: Lookup
) -> CheckResult:
    """The key record at <selector>._domainkey publishes exactly the product's public key."""
    name = dkim_name(domain, selector)
    try:
        records = lookup(name, "TXT")
    except TemporaryDnsError as exc:
        return CheckResult(CheckKind.DKIM, CheckState.UNKNOWN, str(exc))
    found = "\n".join(records)

    def fail(message: str) -> CheckResult:
        return CheckResult(CheckKind.DKIM, CheckState.FAIL, message, found)

    if not records:
        return fail(NO_DKIM % {"name": name})
    if len(records) > 1:
        return fail(DKIM_SEVERAL % {"count": len(records), "name": name})
    try:
        tags = parse_tags(records[0])
    except ValueError as exc:
        return fail(DKIM_MALFORMED % {"name": name, "reason": exc})
    if "v" in tags and (tags["v"] != "DKIM1" or not records[0].lstrip().startswith("v")):
        return fail(DKIM_VERSION % {"name": name})
    key_type = tags.get("k", "rsa").lower()
    if key_type != algorithm.key_type:
        return fail(
            DKIM_KEY_TYPE % {"name": name, "found": key_type, "expected": algorithm.key_type}
        )
    if "h" in tags and "sha256" not in [h.strip() for h in tags["h"].split(":")]:
        return fail(DKIM_HASH % {"name": name, "h": tags["h"]})
    if "s" in tags and not {"*", "email"} & {s.strip() for s in tags["s"].split(":")}:
        return fail(DKIM_SERVICE % {"name": name, "s": tags["s"]})
    published = re.sub(r"\s+", "", tags.get("p", ""))
    if not published:
        return fail(DKIM_REVOKED % {"name": name})
    if published != public_key_b64:
        return fail(DKIM_OTHER_KEY % {"name": name})
    return CheckResult(
        CheckKind.DKIM,
        CheckState.PASS,
        DKIM_PUBLISHED % {"algorithm": algorithm.value, "name": name},
        found,
    )


def combine_dkim(results: list[CheckResult]) -> CheckResult:
    """One DKIM state for the domain: every key the product signs with must be published."""
    if not results:
        return CheckResult(CheckKind.DKIM, CheckState.FAIL, NO_DKIM_KEY)
    worst = next(
        (r for r in results if r.state == CheckState.FAIL),
        next((r for r in results if r.state == CheckState.UNKNOWN), None),
    )
    found = "\n".join(r.found for r in results if r.found)
    if worst is not None:
        return CheckResult(CheckKind.DKIM, worst.state, worst.message, found)
    return CheckResult(
        CheckKind.DKIM, CheckState.PASS, "; ".join(r.message for r in results), found
    )


# ---- DMARC (RFC 7489, DMARCbis tree walk) -------------------------------------------------

POLICIES = ("none", "quarantine", "reject")
DMARC_MAX_LABELS = 8


@dataclass(frozen=True)
class DmarcRecord:
    p: str
    sp: str
    adkim: str
    aspf: str
    pct: int
    tags: dict[str, str] = field(default_factory=dict)


def parse_dmarc(text: str) -> DmarcRecord:
    """ValueError with the reason when the record is not a usable DMARC record."""
    tags = parse_tags(text)
    if list(tags)[:1] != ["v"] or tags["v"] != "DMARC1":
        raise ValueError(DMARC_VERSION)
    p = tags.get("p", "").lower()
    if p not in POLICIES:
        raise ValueError(DMARC_POLICY % {"tag": "p", "value": repr(tags.get("p", ""))})
    sp = tags.get("sp", p).lower()
    if sp not in POLICIES:
        raise ValueError(DMARC_POLICY % {"tag": "sp", "value": repr(tags["sp"])})
    modes = {}
    for tag in ("adkim", "aspf"):
        mode = tags.get(tag, "r").lower()
        if mode not in ("r", "s"):
            raise ValueError(DMARC_MODE % {"tag": tag, "value": repr(tags[tag])})
        modes[tag] = mode
    try:
        pct = int(tags.get("pct", "100"))
    except ValueError:
        raise ValueError(DMARC_PCT_NUMBER % {"value": repr(tags["pct"])}) from None
    if not 0 <= pct <= 100:
        raise ValueError(DMARC_PCT_RANGE % {"value": pct})
    return DmarcRecord(p, sp, modes["adkim"], modes["aspf"], pct, tags)


def dmarc_candidates(domain: str) -> list[str]:
    """Where a receiver looks for the policy: the domain, then its parents (tree walk),
    never the top-level domain."""
    labels = normalise_name(domain).split(".")
    names = [".".join(labels)]
    start = max(1, len(labels) - (DMARC_MAX_LABELS - 1))
    for i in range(start, len(labels) - 1):
        names.append(".".join(labels[i:]))
    return names


def is_aligned(identifier: str, from_domain: str, mode: str, organisational: str) -> bool:
    """RFC 7489 §3.1: strict needs the same name; relaxed the same organisational domain."""
    identifier, from_domain = normalise_name(identifier), normalise_name(from_domain)
    if mode == "s":
        return identifier == from_domain

    def within(name: str) -> bool:
        return name == organisational or name.endswith("." + organisational)

    return identifier == from_domain or (within(identifier) and within(from_domain))


def check_dmarc(domain: str, lookup: Lookup, *, dkim_domain: str, spf_domain: str) -> CheckResult:
    """INDUSTRY-1: a DMARC policy (at least p=none) applies, and From aligns to DKIM or SPF."""
    domain = normalise_name(domain)
    for candidate in dmarc_candidates(domain):
        name = f"_dmarc.{candidate}"
        try:
            records = [r for r in lookup(name, "TXT") if r.strip().startswith("v=DMARC1")]
        except TemporaryDnsError as exc:
            return CheckResult(CheckKind.DMARC, CheckState.UNKNOWN, str(exc))
        if not records:
            continue
        found = "\n".join(records)
        if len(records) > 1:
            return CheckResult(
                CheckKind.DMARC,
                CheckState.FAIL,
                DMARC_SEVERAL % {"count": len(records), "name": name},
                found,
            )
        try:
            record = parse_dmarc(records[0])
        except ValueError as exc:
            return CheckResult(
                CheckKind.DMARC, CheckState.FAIL, DMARC_BAD % {"name": name, "reason": exc}, found
            )
        policy = record.p if candidate == domain else record.sp
        dkim_ok = is_aligned(dkim_domain, domain, record.adkim, candidate)
        spf_ok = is_aligned(spf_domain, domain, record.aspf, candidate)
        if not (dkim_ok or spf_ok):
            return CheckResult(
                CheckKind.DMARC,
                CheckState.FAIL,
                NOT_ALIGNED
                % {
                    "domain": domain,
                    "dkim": DKIM_ALIGNMENT % {"domain": dkim_domain, "mode": record.adkim},
                    "spf": SPF_ALIGNMENT % {"domain": spf_domain, "mode": record.aspf},
                },
                found,
            )
        dkim_label = DKIM_ALIGNMENT % {"domain": dkim_domain, "mode": record.adkim}
        spf_label = SPF_ALIGNMENT % {"domain": spf_domain, "mode": record.aspf}
        through = (
            BOTH % {"first": dkim_label, "second": spf_label}
            if dkim_ok and spf_ok
            else (dkim_label if dkim_ok else spf_label)
        )
        return CheckResult(
            CheckKind.DMARC,
            CheckState.PASS,
            DMARC_PASS % {"policy": policy, "name": name, "through": through},
            found,
        )
    return CheckResult(CheckKind.DMARC, CheckState.FAIL, NO_DMARC % {"domain": domain})


DMARC_REPORT_LOCAL = "dmarc"


def suggest_dmarc(inbound_host: str = "") -> str:
    """p=none to start with; aggregate reports (rua=) to the platform's inbound host, where
    `consentry inbound` keeps them."""
    record = "v=DMARC1; p=none; adkim=r; aspf=r"
    if inbound_host:
        record += f"; rua=mailto:{DMARC_REPORT_LOCAL}@{normalise_name(inbound_host)}"
    return record


# ---- Return path (bounce host) ---------------------------------------------------------

RETURN_PATH_LABEL = "bounce"


def default_return_path(domain: str) -> str:
    return f"{RETURN_PATH_LABEL}.{domain}"


def return_path_problem(host: str, domain: str) -> str | None:
    """Why `host` (normalised) cannot be the return-path host of `domain`, or None: it is a
    name below the domain, so SPF on it aligns with the From domain (relaxed)."""
    problem = domain_name_problem(host)
    if problem:
        return problem
    if not host.endswith("." + domain):
        return _("the return-path host must be a name below %(domain)s, e.g. bounce.%(domain)s") % {
            "domain": domain
        }
    return None


def check_return_path(host: str, inbound_host: str, lookup: Lookup) -> CheckResult:
    """Bounces and mailto unsubscribes reach the platform: the return-path host's MX points
    at the platform's inbound host."""
    kind = CheckKind.RETURN_PATH
    if not host:
        return CheckResult(kind, CheckState.UNJUDGED, NO_RETURN_PATH)
    if not inbound_host:
        return CheckResult(
            kind,
            CheckState.UNJUDGED,
            NO_INBOUND_HOST,
        )
    try:
        exchanges = [normalise_name(mx) for mx in lookup(host, "MX")]
    except TemporaryDnsError as exc:
        return CheckResult(kind, CheckState.UNKNOWN, str(exc))
    found = "\n".join(exchanges)
    target = normalise_name(inbound_host)
    if not exchanges:
        return CheckResult(kind, CheckState.FAIL, NO_MX % {"host": host})
    if exchanges != [target]:
        return CheckResult(
            kind,
            CheckState.FAIL,
            MX_ELSEWHERE % {"host": host, "target": target},
            found,
        )
    return CheckResult(kind, CheckState.PASS, MX_PASS % {"host": host, "target": target}, found)


# ---- Overall state -------------------------------------------------------------------------


def outcome_of(states: Iterable[CheckState]) -> CheckState:
    """A failed check wins over a timeout; every check must pass for a pass."""
    listed = list(states)
    if CheckState.FAIL in listed:
        return CheckState.FAIL
    if CheckState.UNKNOWN in listed:
        return CheckState.UNKNOWN
    if listed and all(s in (CheckState.PASS, CheckState.UNJUDGED) for s in listed):
        return CheckState.PASS
    return CheckState.PENDING


def next_status(
    current: DomainStatus,
    outcome: CheckState,
    *,
    last_passed_at: datetime | None,
    now: datetime,
    grace: timedelta,
) -> DomainStatus:
    """DOMAIN-1: all pass → verified; a verified domain that fails → failed (sends blocked).

    A timeout (unknown) never flips a verified domain to failed at once: it stays verified
    until `grace` has passed since its last full pass.
    """
    if outcome == CheckState.PASS:
        return DomainStatus.VERIFIED
    if current == DomainStatus.PENDING:
        return DomainStatus.PENDING
    if outcome == CheckState.FAIL:
        return DomainStatus.FAILED
    if current == DomainStatus.VERIFIED and outcome == CheckState.UNKNOWN:
        if last_passed_at is not None and now - last_passed_at <= grace:
            return DomainStatus.VERIFIED
        return DomainStatus.FAILED
    return current


# ---- Records to publish ------------------------------------------------------------------


@dataclass(frozen=True)
class DnsRecord:
    """One record the account publishes in its zone; `name` is fully qualified."""

    purpose: str
    type: str
    name: str
    value: str

    def zone_line(self, ttl: int = 3600) -> str:
        if self.type == "MX":  # the value is the exchange's name
            return f"{self.name}. {ttl} IN MX 10 {self.value}."
        # TXT strings are at most 255 bytes: a long value is several quoted strings (RFC 1035).
        chunks = [self.value[i : i + 255] for i in range(0, len(self.value), 255)] or [""]
        quoted = " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
        return f"{self.name}. {ttl} IN {self.type} {quoted}"


DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def domain_name_problem(name: str) -> str | None:
    """Why `name` (already lowercased, IDNA-encoded) cannot be a sender domain, or None."""
    if len(name) > 253:
        return _("a domain name has at most 253 characters")
    labels = name.split(".")
    if len(labels) < 2:
        return _("a sender domain has at least two labels, e.g. example.com")
    if any(not DOMAIN_LABEL.match(label) for label in labels):
        return _("a domain name has labels of letters, digits and inner hyphens")
    if labels[-1].isdigit():
        return _("an IP address is not a domain name")
    return None


def normalise_domain_name(raw: str) -> str:
    """Lowercase, IDNA-encoded, no trailing dot; InvalidInput saying why a name is refused."""
    text = raw.strip().rstrip(".")
    if not text:
        raise InvalidInput(_("a domain name is needed"))
    if any(ch.isspace() or ord(ch) < 32 or ch in "@/:" for ch in text):
        raise InvalidInput(_("not a domain name: %(name)s") % {"name": repr(raw.strip()[:100])})
    try:
        name = idna.encode(text, uts46=True).decode("ascii").lower()
    except idna.IDNAError as exc:
        raise InvalidInput(_("not a domain name: %(name)s") % {"name": exc}) from None
    problem = domain_name_problem(name)
    if problem:
        raise InvalidInput(problem)
    return name


def key_context(domain_name: str, selector: str) -> bytes:
    """Binds a sealed private key to its domain and selector: moved, it does not open."""
    return f"dkim:{domain_name}:{selector}".encode()
