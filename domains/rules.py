"""Sender-domain policy (DOMAIN-1, INDUSTRY-1). Pure: no Django, no I/O.

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

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import idna

from core.errors import InvalidInput

# The prefix of the ownership token's TXT record and its name below the domain.
OWNERSHIP_LABEL = "_consentry"
OWNERSHIP_PREFIX = "consentry-verification="

# RFC 7208 §4.6.4: terms that cause DNS queries, and lookups that return nothing.
SPF_LOOKUP_LIMIT = 10
SPF_VOID_LIMIT = 2
SPF_MX_LIMIT = 10
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


class CheckState(StrEnum):
    PENDING = "pending"  # never checked
    PASS = "pass"  # noqa: S105 (a check state, not a password)
    FAIL = "fail"
    UNKNOWN = "unknown"  # DNS did not answer in time


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


CHECK_ORDER = (CheckKind.OWNERSHIP, CheckKind.DKIM, CheckKind.SPF, CheckKind.DMARC)


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
            raise ValueError(f"malformed tag {part.strip()!r}")
        if name in tags:
            raise ValueError(f"tag {name}= appears twice")
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
        return CheckResult(CheckKind.OWNERSHIP, CheckState.PASS, f"token found at {name}", found)
    if not records:
        return CheckResult(CheckKind.OWNERSHIP, CheckState.FAIL, f"no TXT record at {name}")
    return CheckResult(
        CheckKind.OWNERSHIP,
        CheckState.FAIL,
        f"the TXT record at {name} does not hold this domain's token",
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
        return fail(f"no DKIM key record at {name}")
    if len(records) > 1:
        return fail(f"{len(records)} TXT records at {name}: verifiers need exactly one")
    try:
        tags = parse_tags(records[0])
    except ValueError as exc:
        return fail(f"the record at {name} is malformed: {exc}")
    if "v" in tags and (tags["v"] != "DKIM1" or not records[0].lstrip().startswith("v")):
        return fail(f"the record at {name} must start with v=DKIM1")
    key_type = tags.get("k", "rsa").lower()
    if key_type != algorithm.key_type:
        return fail(f"the record at {name} has k={key_type}, expected k={algorithm.key_type}")
    if "h" in tags and "sha256" not in [h.strip() for h in tags["h"].split(":")]:
        return fail(f"the record at {name} does not allow sha256 (h={tags['h']})")
    if "s" in tags and not {"*", "email"} & {s.strip() for s in tags["s"].split(":")}:
        return fail(f"the record at {name} is not for email (s={tags['s']})")
    published = re.sub(r"\s+", "", tags.get("p", ""))
    if not published:
        return fail(f"the key at {name} is revoked (empty p=)")
    if published != public_key_b64:
        return fail(f"the record at {name} publishes a different public key")
    return CheckResult(
        CheckKind.DKIM, CheckState.PASS, f"{algorithm.value} key published at {name}", found
    )


def combine_dkim(results: list[CheckResult]) -> CheckResult:
    """One DKIM state for the domain: every key the product signs with must be published."""
    if not results:
        return CheckResult(CheckKind.DKIM, CheckState.FAIL, "the domain has no DKIM key")
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


# ---- SPF (RFC 7208) -----------------------------------------------------------------------


class SpfResult(StrEnum):
    PASS = "pass"  # noqa: S105 (a check state, not a password)
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


QUALIFIERS = {
    "+": SpfResult.PASS,
    "-": SpfResult.FAIL,
    "~": SpfResult.SOFTFAIL,
    "?": SpfResult.NEUTRAL,
}
MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})


@dataclass(frozen=True)
class SpfOutcome:
    result: SpfResult
    reason: str
    lookups: int = 0
    void_lookups: int = 0


@dataclass(frozen=True)
class Mechanism:
    qualifier: str
    name: str
    arg: str  # domain-spec or network, "" when absent
    cidr4: int = 32
    cidr6: int = 128

    def __str__(self) -> str:
        text = ("" if self.qualifier == "+" else self.qualifier) + self.name
        return f"{text}:{self.arg}" if self.arg else text


@dataclass(frozen=True)
class SpfRecord:
    mechanisms: tuple[Mechanism, ...]
    redirect: str | None = None


class _PermError(Exception):
    pass


_DUAL_CIDR = re.compile(r"(?:/(?P<v4>\d{1,2}))?(?://(?P<v6>\d{1,3}))?$")


def is_spf(text: str) -> bool:
    lowered = text.strip().lower()
    return lowered == "v=spf1" or lowered.startswith("v=spf1 ")


def parse_spf(text: str) -> SpfRecord:
    """Terms of one SPF record; _PermError on a syntax error (RFC 7208 §4.6)."""
    terms = text.split()
    if not terms or terms[0].lower() != "v=spf1":
        raise _PermError("the record does not start with v=spf1")
    mechanisms: list[Mechanism] = []
    redirect: str | None = None
    seen_modifiers: set[str] = set()
    for term in terms[1:]:
        modifier = re.match(r"^([A-Za-z][A-Za-z0-9._-]*)=(.*)$", term)
        if modifier:
            name, value = modifier.group(1).lower(), modifier.group(2)
            if name in ("redirect", "exp"):
                if name in seen_modifiers:
                    raise _PermError(f"{name}= appears twice")
                seen_modifiers.add(name)
                if not value:
                    raise _PermError(f"{name}= needs a domain")
                if name == "redirect":
                    redirect = value
            continue  # unknown modifiers are ignored (§6)
        qualifier = "+"
        if term[0] in QUALIFIERS:
            qualifier, term = term[0], term[1:]
        head = re.match(r"[A-Za-z0-9]*", term)
        name = head.group(0).lower() if head else ""
        rest = term[len(name) :]
        cidr4, cidr6 = 32, 128
        if name in ("a", "mx"):
            dual = _DUAL_CIDR.search(rest)
            if dual and dual.group(0):
                cidr4 = int(dual.group("v4")) if dual.group("v4") else 32
                cidr6 = int(dual.group("v6")) if dual.group("v6") else 128
                if cidr4 > 32 or cidr6 > 128:
                    raise _PermError(f"bad CIDR length in {term!r}")
                rest = rest[: dual.start()]
        if rest and not rest.startswith(":"):
            raise _PermError(f"unknown mechanism {term!r}")
        sep, arg = rest[:1], rest[1:]
        if name not in MECHANISMS:
            raise _PermError(f"unknown mechanism {term!r}")
        if name in ("include", "exists", "ip4", "ip6") and not arg:
            raise _PermError(f"{name} needs a value")
        if name == "all" and sep:
            raise _PermError(f"unknown mechanism {term!r}")
        if name in ("ip4", "ip6"):
            try:
                network = ipaddress.ip_network(arg, strict=False)
            except ValueError:
                raise _PermError(f"bad network in {term!r}") from None
            if (name == "ip4") != (network.version == 4):
                raise _PermError(f"bad network in {term!r}")
        mechanisms.append(Mechanism(qualifier, name, arg, cidr4, cidr6))
    return SpfRecord(tuple(mechanisms), redirect)


def spf_records(texts: Iterable[str]) -> list[str]:
    return [t for t in texts if is_spf(t)]


_MACRO = re.compile(
    r"%(?:\{(?P<letter>[a-zA-Z])(?P<digits>\d*)(?P<reverse>r?)(?P<delims>[.+,/_=-]*)\}|(?P<escape>[%_-]))"
)


def _ip_macro(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))


def expand_macros(
    spec: str,
    *,
    domain: str,
    sender: str,
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
) -> str:
    """RFC 7208 §7 macro expansion for domain-specs (the letters a receiver knows)."""
    local, _, sender_domain = sender.rpartition("@")
    if "%" not in spec:
        return spec

    def replace(match: re.Match[str]) -> str:
        escape = match.group("escape")
        if escape:
            return {"%": "%", "_": " ", "-": "%20"}[escape]
        letter = match.group("letter").lower()
        if letter == "i":
            value = _ip_macro(ip) if ip is not None else "192.0.2.0"
        elif letter == "v":
            value = "ip6" if ip is not None and ip.version == 6 else "in-addr"
        else:
            values = {
                "s": sender,
                "l": local or "postmaster",
                "o": sender_domain,
                "d": domain,
                "h": domain,
                "p": "unknown",
            }
            if letter not in values:
                raise _PermError(f"unknown macro letter %{{{letter}}}")
            value = values[letter]
        delims = match.group("delims") or "."
        parts = re.split("[" + re.escape(delims) + "]", value)
        if match.group("reverse"):
            parts.reverse()
        digits = match.group("digits")
        if digits:
            keep = int(digits)
            if keep == 0:
                raise _PermError("a macro may not keep zero labels")
            parts = parts[-keep:]
        return ".".join(parts)

    if re.search(r"%(?![{%_-])", spec):
        raise _PermError(f"bad macro in {spec!r}")
    return _MACRO.sub(replace, spec)


class _SpfWalk:
    """One evaluation: shares the lookup and void counters across includes and redirects."""

    def __init__(
        self,
        lookup: Lookup,
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
        include: str | None,
        exhaustive: bool,
        sender: str,
    ) -> None:
        self.lookup = lookup
        self.ip = ip
        self.include = normalise_name(include) if include else None
        self.exhaustive = exhaustive
        self.sender = sender
        self.lookups = 0
        self.voids = 0

    def count(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > SPF_LOOKUP_LIMIT:
            raise _PermError(
                f"more than {SPF_LOOKUP_LIMIT} DNS lookups (RFC 7208 §4.6.4), "
                f"the limit was passed at {term}"
            )

    def query(self, name: str, rdtype: str) -> list[str]:
        answers = self.lookup(name, rdtype)
        if not answers:
            self.voids += 1
            if self.voids > SPF_VOID_LIMIT:
                raise _PermError(
                    f"more than {SPF_VOID_LIMIT} lookups returned nothing "
                    f"(RFC 7208 §4.6.4), the last was {rdtype} {name}"
                )
        return answers

    def record_of(self, domain: str) -> str | None:
        records = spf_records(self.lookup(domain, "TXT"))
        if len(records) > 1:
            raise _PermError(f"{domain} has {len(records)} SPF records; it may have only one")
        return records[0] if records else None

    def addresses_match(self, name: str, mech: Mechanism) -> bool:
        rdtype = "AAAA" if self.ip is not None and self.ip.version == 6 else "A"
        addresses = self.query(name, rdtype)
        if self.ip is None:
            return False
        prefix = mech.cidr6 if self.ip.version == 6 else mech.cidr4
        for address in addresses:
            try:
                network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
            except ValueError:
                continue
            if self.ip in network:
                return True
        return False

    def matches(self, domain: str, mech: Mechanism) -> bool:
        if mech.name == "all":
            return not self.exhaustive
        if mech.name in ("ip4", "ip6"):
            if self.ip is None:
                return False
            return self.ip in ipaddress.ip_network(mech.arg, strict=False)
        self.count(str(mech))
        target = normalise_name(
            expand_macros(mech.arg or domain, domain=domain, sender=self.sender, ip=self.ip)
        )
        if mech.name == "include":
            if self.include is not None and target == self.include and not self.exhaustive:
                return True
            sub = self.check_host(target)
            if sub.result == SpfResult.NONE:
                raise _PermError(f"include:{target} has no SPF record")
            if sub.result in (SpfResult.PERMERROR, SpfResult.TEMPERROR):
                raise _PermError(f"include:{target}: {sub.reason}")
            return sub.result == SpfResult.PASS
        if mech.name == "a":
            return self.addresses_match(target, mech)
        if mech.name == "mx":
            exchanges = self.query(target, "MX")
            if len(exchanges) > SPF_MX_LIMIT:
                raise _PermError(f"{target} has more than {SPF_MX_LIMIT} MX records")
            return any(self.addresses_match(normalise_name(mx), mech) for mx in exchanges)
        if mech.name == "exists":
            return bool(self.query(target, "A"))
        # ptr: deprecated (RFC 7208 §5.5); counted, never matched.
        return False

    def check_host(self, domain: str) -> SpfOutcome:
        record = self.record_of(domain)
        if record is None:
            return SpfOutcome(SpfResult.NONE, f"{domain} has no SPF record")
        parsed = parse_spf(record)
        for mech in parsed.mechanisms:
            if self.matches(domain, mech):
                result = QUALIFIERS[mech.qualifier]
                return SpfOutcome(result, f"{domain}: {mech} matched ({result.value})")
        has_all = any(m.name == "all" for m in parsed.mechanisms)
        if parsed.redirect and not has_all:
            self.count(f"redirect={parsed.redirect}")
            target = normalise_name(
                expand_macros(parsed.redirect, domain=domain, sender=self.sender, ip=self.ip)
            )
            sub = self.check_host(target)
            if sub.result == SpfResult.NONE:
                raise _PermError(f"redirect={target} has no SPF record")
            return sub
        return SpfOutcome(SpfResult.NEUTRAL, f"{domain}: no mechanism matched (neutral)")


def evaluate_spf(
    domain: str,
    lookup: Lookup,
    *,
    ip: str | None = None,
    include: str | None = None,
    exhaustive: bool = False,
    sender: str = "",
) -> SpfOutcome:
    """check_host() for `domain`: for mail from `ip`, or from whatever `include` authorises.

    `exhaustive` follows every term (no `all` matches) to count the lookups a receiver
    would need for mail from an address no term authorises: the worst case.
    """
    address = ipaddress.ip_address(ip) if ip else None
    walk = _SpfWalk(lookup, address, include, exhaustive, sender or f"postmaster@{domain}")
    try:
        outcome = walk.check_host(normalise_name(domain))
    except _PermError as exc:
        return SpfOutcome(SpfResult.PERMERROR, str(exc), walk.lookups, walk.voids)
    except TemporaryDnsError as exc:
        return SpfOutcome(SpfResult.TEMPERROR, str(exc), walk.lookups, walk.voids)
    return SpfOutcome(outcome.result, outcome.reason, walk.lookups, walk.voids)


def spf_mechanisms(include: str, ips: Iterable[str]) -> list[str]:
    """What a sender domain's SPF record must contain for this platform."""
    terms = [f"include:{include}"] if include else []
    for ip in ips:
        version = ipaddress.ip_address(ip.split("/")[0]).version
        terms.append(f"ip{version}:{ip}")
    return terms


def suggest_spf(existing: str | None, mechanisms: list[str]) -> str:
    """The record to publish: the existing one with our terms added before its `all`/redirect."""
    if not existing or not is_spf(existing):
        return " ".join(["v=spf1", *mechanisms, "~all"])
    terms = existing.split()
    missing = [m for m in mechanisms if m.lower() not in (t.lower().lstrip("+") for t in terms)]
    tail = next(
        (
            i
            for i, t in enumerate(terms)
            if i and (t.lower().lstrip("+-~?") == "all" or t.lower().startswith("redirect="))
        ),
        len(terms),
    )
    return " ".join(terms[:tail] + missing + terms[tail:])


def check_spf(domain: str, lookup: Lookup, *, include: str, ips: list[str]) -> CheckResult:
    """INDUSTRY-1: an SPF record that authorises the platform's include and sending IPs."""
    try:
        records = spf_records(lookup(domain, "TXT"))
    except TemporaryDnsError as exc:
        return CheckResult(CheckKind.SPF, CheckState.UNKNOWN, str(exc))
    found = "\n".join(records)

    def result(state: CheckState, message: str) -> CheckResult:
        return CheckResult(CheckKind.SPF, state, message, found)

    if not records:
        return result(CheckState.FAIL, f"no SPF record (TXT v=spf1) at {domain}")
    worst = evaluate_spf(domain, lookup, exhaustive=True)
    if worst.result == SpfResult.TEMPERROR:
        return result(CheckState.UNKNOWN, f"SPF could not be evaluated: {worst.reason}")
    if worst.result == SpfResult.PERMERROR:
        return result(CheckState.FAIL, f"SPF permerror: {worst.reason}")
    authorised: list[str] = []
    targets: list[tuple[str, str | None, str | None]] = []
    if include:
        targets.append((f"include:{include}", include, None))
    targets += [(ip, None, ip.split("/")[0]) for ip in ips]
    for label, include_target, ip in targets:
        outcome = evaluate_spf(domain, lookup, include=include_target, ip=ip)
        if outcome.result == SpfResult.TEMPERROR:
            return result(CheckState.UNKNOWN, f"SPF could not be evaluated: {outcome.reason}")
        if outcome.result != SpfResult.PASS:
            return result(
                CheckState.FAIL,
                f"the SPF record of {domain} does not authorise {label}: "
                f"{outcome.result.value} ({outcome.reason})",
            )
        authorised.append(label)
    lookups = f"{worst.lookups} of {SPF_LOOKUP_LIMIT} DNS lookups"
    if not authorised:
        return result(
            CheckState.PASS,
            f"SPF record is valid ({lookups}); no sending host is configured to check",
        )
    return result(CheckState.PASS, f"SPF authorises {', '.join(authorised)} ({lookups})")


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
        raise ValueError("a DMARC record starts with v=DMARC1")
    p = tags.get("p", "").lower()
    if p not in POLICIES:
        raise ValueError(f"p= must be none, quarantine or reject, got {tags.get('p', '')!r}")
    sp = tags.get("sp", p).lower()
    if sp not in POLICIES:
        raise ValueError(f"sp= must be none, quarantine or reject, got {tags['sp']!r}")
    modes = {}
    for tag in ("adkim", "aspf"):
        mode = tags.get(tag, "r").lower()
        if mode not in ("r", "s"):
            raise ValueError(f"{tag}= must be r or s, got {tags[tag]!r}")
        modes[tag] = mode
    try:
        pct = int(tags.get("pct", "100"))
    except ValueError:
        raise ValueError(f"pct= must be a number, got {tags['pct']!r}") from None
    if not 0 <= pct <= 100:
        raise ValueError(f"pct= must be 0 to 100, got {pct}")
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
                f"{len(records)} DMARC records at {name}: receivers apply none of them",
                found,
            )
        try:
            record = parse_dmarc(records[0])
        except ValueError as exc:
            return CheckResult(
                CheckKind.DMARC, CheckState.FAIL, f"the DMARC record at {name}: {exc}", found
            )
        policy = record.p if candidate == domain else record.sp
        dkim_ok = is_aligned(dkim_domain, domain, record.adkim, candidate)
        spf_ok = is_aligned(spf_domain, domain, record.aspf, candidate)
        if not (dkim_ok or spf_ok):
            return CheckResult(
                CheckKind.DMARC,
                CheckState.FAIL,
                f"the From domain {domain} aligns with neither DKIM (d={dkim_domain}, "
                f"adkim={record.adkim}) nor SPF ({spf_domain}, aspf={record.aspf})",
                found,
            )
        through = " and ".join(
            label
            for label, ok in (
                (f"DKIM (d={dkim_domain}, adkim={record.adkim})", dkim_ok),
                (f"SPF ({spf_domain}, aspf={record.aspf})", spf_ok),
            )
            if ok
        )
        return CheckResult(
            CheckKind.DMARC,
            CheckState.PASS,
            f"DMARC policy {policy} at {name}; From aligns through {through}",
            found,
        )
    return CheckResult(
        CheckKind.DMARC, CheckState.FAIL, f"no DMARC record at _dmarc.{domain} or above"
    )


def suggest_dmarc() -> str:
    return "v=DMARC1; p=none; adkim=r; aspf=r"


# ---- Overall state -------------------------------------------------------------------------


def outcome_of(states: Iterable[CheckState]) -> CheckState:
    """A failed check wins over a timeout; every check must pass for a pass."""
    listed = list(states)
    if CheckState.FAIL in listed:
        return CheckState.FAIL
    if CheckState.UNKNOWN in listed:
        return CheckState.UNKNOWN
    if listed and all(s == CheckState.PASS for s in listed):
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
        # TXT strings are at most 255 bytes: a long value is several quoted strings (RFC 1035).
        chunks = [self.value[i : i + 255] for i in range(0, len(self.value), 255)] or [""]
        quoted = " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
        return f"{self.name}. {ttl} IN {self.type} {quoted}"


DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def domain_name_problem(name: str) -> str | None:
    """Why `name` (already lowercased, IDNA-encoded) cannot be a sender domain, or None."""
    if len(name) > 253:
        return "a domain name has at most 253 characters"
    labels = name.split(".")
    if len(labels) < 2:
        return "a sender domain has at least two labels, e.g. example.com"
    if any(not DOMAIN_LABEL.match(label) for label in labels):
        return "a domain name has labels of letters, digits and inner hyphens"
    if labels[-1].isdigit():
        return "an IP address is not a domain name"
    return None


def normalise_domain_name(raw: str) -> str:
    """Lowercase, IDNA-encoded, no trailing dot; InvalidInput saying why a name is refused."""
    text = raw.strip().rstrip(".")
    if not text:
        raise InvalidInput("a domain name is needed")
    if any(ch.isspace() or ord(ch) < 32 or ch in "@/:" for ch in text):
        raise InvalidInput(f"not a domain name: {raw.strip()[:100]!r}")
    try:
        name = idna.encode(text, uts46=True).decode("ascii").lower()
    except idna.IDNAError as exc:
        raise InvalidInput(f"not a domain name: {exc}") from None
    problem = domain_name_problem(name)
    if problem:
        raise InvalidInput(problem)
    return name


def key_context(domain_name: str, selector: str) -> bytes:
    """Binds a sealed private key to its domain and selector: moved, it does not open."""
    return f"dkim:{domain_name}:{selector}".encode()
