"""SPF (RFC 7208): parse a record, expand macros, evaluate it for a sending host, and
check a sender domain's record against the platform's include and sending IPs.

Pure like domains.rules: DNS answers come in through a `Lookup` function.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domains.rules import (
    NO_SENDING_HOSTS,
    NO_SPF,
    SPF_BAD_CIDR,
    SPF_BAD_MACRO,
    SPF_BAD_NETWORK,
    SPF_INCLUDE_ERROR,
    SPF_INCLUDE_NONE,
    SPF_MACRO_LETTER,
    SPF_MACRO_ZERO,
    SPF_MATCHED,
    SPF_NEEDS_DOMAIN,
    SPF_NEEDS_VALUE,
    SPF_NEUTRAL,
    SPF_NO_VERSION,
    SPF_NONE,
    SPF_NOT_AUTHORISED,
    SPF_PASS,
    SPF_PERMERROR,
    SPF_REDIRECT_NONE,
    SPF_SEVERAL,
    SPF_TEMPERROR,
    SPF_TOO_MANY_LOOKUPS,
    SPF_TOO_MANY_MX,
    SPF_TOO_MANY_VOIDS,
    SPF_TWICE,
    SPF_UNKNOWN_MECHANISM,
    CheckKind,
    CheckResult,
    CheckState,
    Lookup,
    TemporaryDnsError,
    normalise_name,
)

# RFC 7208 §4.6.4: terms that cause DNS queries, and lookups that return nothing.
SPF_LOOKUP_LIMIT = 10
SPF_VOID_LIMIT = 2
SPF_MX_LIMIT = 10


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
        raise _PermError(SPF_NO_VERSION)
    mechanisms: list[Mechanism] = []
    redirect: str | None = None
    seen_modifiers: set[str] = set()
    for term in terms[1:]:
        modifier = re.match(r"^([A-Za-z][A-Za-z0-9._-]*)=(.*)$", term)
        if modifier:
            name, value = modifier.group(1).lower(), modifier.group(2)
            if name in ("redirect", "exp"):
                if name in seen_modifiers:
                    raise _PermError(SPF_TWICE % {"name": name})
                seen_modifiers.add(name)
                if not value:
                    raise _PermError(SPF_NEEDS_DOMAIN % {"name": name})
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
                    raise _PermError(SPF_BAD_CIDR % {"term": repr(term)})
                rest = rest[: dual.start()]
        if rest and not rest.startswith(":"):
            raise _PermError(SPF_UNKNOWN_MECHANISM % {"term": repr(term)})
        sep, arg = rest[:1], rest[1:]
        if name not in MECHANISMS:
            raise _PermError(SPF_UNKNOWN_MECHANISM % {"term": repr(term)})
        if name in ("include", "exists", "ip4", "ip6") and not arg:
            raise _PermError(SPF_NEEDS_VALUE % {"name": name})
        if name == "all" and sep:
            raise _PermError(SPF_UNKNOWN_MECHANISM % {"term": repr(term)})
        if name in ("ip4", "ip6"):
            try:
                network = ipaddress.ip_network(arg, strict=False)
            except ValueError:
                raise _PermError(SPF_BAD_NETWORK % {"term": repr(term)}) from None
            if (name == "ip4") != (network.version == 4):
                raise _PermError(SPF_BAD_NETWORK % {"term": repr(term)})
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
                raise _PermError(SPF_MACRO_LETTER % {"macro": f"%{{{letter}}}"})
            value = values[letter]
        delims = match.group("delims") or "."
        parts = re.split("[" + re.escape(delims) + "]", value)
        if match.group("reverse"):
            parts.reverse()
        digits = match.group("digits")
        if digits:
            keep = int(digits)
            if keep == 0:
                raise _PermError(SPF_MACRO_ZERO)
            parts = parts[-keep:]
        return ".".join(parts)

    if re.search(r"%(?![{%_-])", spec):
        raise _PermError(SPF_BAD_MACRO % {"spec": repr(spec)})
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
            raise _PermError(SPF_TOO_MANY_LOOKUPS % {"limit": SPF_LOOKUP_LIMIT, "term": term})

    def query(self, name: str, rdtype: str) -> list[str]:
        answers = self.lookup(name, rdtype)
        if not answers:
            self.voids += 1
            if self.voids > SPF_VOID_LIMIT:
                raise _PermError(
                    SPF_TOO_MANY_VOIDS % {"limit": SPF_VOID_LIMIT, "rdtype": rdtype, "name": name}
                )
        return answers

    def record_of(self, domain: str) -> str | None:
        records = spf_records(self.lookup(domain, "TXT"))
        if len(records) > 1:
            raise _PermError(SPF_SEVERAL % {"domain": domain, "count": len(records)})
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
                raise _PermError(SPF_INCLUDE_NONE % {"target": target})
            if sub.result in (SpfResult.PERMERROR, SpfResult.TEMPERROR):
                raise _PermError(SPF_INCLUDE_ERROR % {"target": target, "reason": sub.reason})
            return sub.result == SpfResult.PASS
        if mech.name == "a":
            return self.addresses_match(target, mech)
        if mech.name == "mx":
            exchanges = self.query(target, "MX")
            if len(exchanges) > SPF_MX_LIMIT:
                raise _PermError(SPF_TOO_MANY_MX % {"target": target, "limit": SPF_MX_LIMIT})
            return any(self.addresses_match(normalise_name(mx), mech) for mx in exchanges)
        if mech.name == "exists":
            return bool(self.query(target, "A"))
        # ptr: deprecated (RFC 7208 §5.5); counted, never matched.
        return False

    def check_host(self, domain: str) -> SpfOutcome:
        record = self.record_of(domain)
        if record is None:
            return SpfOutcome(SpfResult.NONE, SPF_NONE % {"domain": domain})
        parsed = parse_spf(record)
        for mech in parsed.mechanisms:
            if self.matches(domain, mech):
                result = QUALIFIERS[mech.qualifier]
                return SpfOutcome(
                    result, SPF_MATCHED % {"domain": domain, "term": mech, "result": result.value}
                )
        has_all = any(m.name == "all" for m in parsed.mechanisms)
        if parsed.redirect and not has_all:
            self.count(f"redirect={parsed.redirect}")
            target = normalise_name(
                expand_macros(parsed.redirect, domain=domain, sender=self.sender, ip=self.ip)
            )
            sub = self.check_host(target)
            if sub.result == SpfResult.NONE:
                raise _PermError(SPF_REDIRECT_NONE % {"target": target})
            return sub
        return SpfOutcome(SpfResult.NEUTRAL, SPF_NEUTRAL % {"domain": domain})


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

    if not include and not ips:
        # Without the platform's sending hosts any record would pass (even `v=spf1 ~all`).
        return result(
            CheckState.UNJUDGED,
            NO_SENDING_HOSTS,
        )
    if not records:
        return result(CheckState.FAIL, NO_SPF % {"domain": domain})
    worst = evaluate_spf(domain, lookup, exhaustive=True)
    if worst.result == SpfResult.TEMPERROR:
        return result(CheckState.UNKNOWN, SPF_TEMPERROR % {"reason": worst.reason})
    if worst.result == SpfResult.PERMERROR:
        return result(CheckState.FAIL, SPF_PERMERROR % {"reason": worst.reason})
    authorised: list[str] = []
    targets: list[tuple[str, str | None, str | None]] = []
    if include:
        targets.append((f"include:{include}", include, None))
    targets += [(ip, None, ip.split("/")[0]) for ip in ips]
    for label, include_target, ip in targets:
        outcome = evaluate_spf(domain, lookup, include=include_target, ip=ip)
        if outcome.result == SpfResult.TEMPERROR:
            return result(CheckState.UNKNOWN, SPF_TEMPERROR % {"reason": outcome.reason})
        if outcome.result != SpfResult.PASS:
            return result(
                CheckState.FAIL,
                SPF_NOT_AUTHORISED
                % {
                    "domain": domain,
                    "label": label,
                    "result": outcome.result.value,
                    "reason": outcome.reason,
                },
            )
        authorised.append(label)
    said = {
        "authorised": ", ".join(authorised),
        "lookups": worst.lookups,
        "limit": SPF_LOOKUP_LIMIT,
    }
    return result(CheckState.PASS, SPF_PASS % said)
