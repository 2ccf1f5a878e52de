"""DNS lookups for the domain checks: dnspython, the resolvers of settings, a TTL cache.

`CONSENTRY_DNS_RESOLVERS` (host:port, comma-separated) points tests and air-gapped
installations at their own resolver; empty means the system's. With the sandbox DNS on
(settings.DNS_SANDBOX, only while mail goes to the sandbox mailbox) a name the account
published there is answered from it first. Answers are cached for
their TTL (negative answers for NEGATIVE_TTL at most); a timeout is never cached.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.conf import settings

from domains.models import SandboxRecord
from domains.rules import DNS_ERROR, DNS_NO_ANSWER, TemporaryDnsError

# Upper bound on how long "no such record" is believed (RFC 2308 lets the SOA say less).
NEGATIVE_TTL = 300
# Records of the sandbox DNS are believed for a minute, as a zone's short TTL would be.
SANDBOX_TTL = 60.0
CACHE_SIZE = 10_000

_lock = threading.Lock()
_cache: OrderedDict[tuple[tuple[str, ...], str, str], tuple[float, list[str]]] = OrderedDict()


def parse_resolver(entry: str) -> tuple[str, int]:
    """'192.0.2.53', '192.0.2.53:5353', '[2001:db8::53]:53' or '2001:db8::53' → (ip, port)."""
    text = entry.strip()
    if text.startswith("["):
        host, _, port = text[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port)
    return text, 53


def _resolver() -> dns.resolver.Resolver:
    timeout = float(settings.DNS_TIMEOUT)
    if settings.DNS_RESOLVERS:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(host, port)
            for host, port in map(parse_resolver, settings.DNS_RESOLVERS)
        ]
    else:
        resolver = dns.resolver.Resolver()
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _text(rdtype: str, rdata: object) -> str:
    if rdtype == "TXT":
        # RFC 7208 §3.3, RFC 6376 §3.6.2.2: the strings of one record are joined as they are.
        return b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
    if rdtype == "MX":
        return str(rdata.exchange).rstrip(".")  # type: ignore[attr-defined]
    return str(rdata)


# The sandbox DNS as read before a fork, in a child that may not query the database (an
# import's reader process): None elsewhere, where the table is read at each lookup.
_sandbox_copy: dict[tuple[str, str], list[str]] | None = None


def sandbox_snapshot() -> dict[tuple[str, str], list[str]] | None:
    """Every record of the sandbox DNS (it holds a few per sender domain), for a process
    about to fork a child that looks names up without the database; None when off."""
    if not settings.DNS_SANDBOX:
        return None
    records: dict[tuple[str, str], list[str]] = {}
    for name, rdtype, value in SandboxRecord.objects.order_by("pk").values_list(
        "name", "type", "value"
    ):
        records.setdefault((name, rdtype), []).append(value)
    return records


def use_sandbox_snapshot(records: dict[tuple[str, str], list[str]] | None) -> None:
    """In the forked child: answer from `records` (sandbox_snapshot's) from now on."""
    global _sandbox_copy
    _sandbox_copy = records
    clear_cache()


def _sandbox_answer(name: str, rdtype: str) -> list[str]:
    """What the sandbox DNS holds for `name`; a name it holds nothing of goes to DNS."""
    if not settings.DNS_SANDBOX:
        return []
    if _sandbox_copy is not None:
        return list(_sandbox_copy.get((name, rdtype), []))
    return list(
        SandboxRecord.objects.filter(name=name, type=rdtype)
        .order_by("pk")
        .values_list("value", flat=True)
    )


def _query(name: str, rdtype: str) -> tuple[list[str], float]:
    sandboxed = _sandbox_answer(name, rdtype)
    if sandboxed:
        return sandboxed, SANDBOX_TTL
    try:
        answer = _resolver().resolve(name, rdtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return [], NEGATIVE_TTL
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise TemporaryDnsError(
            DNS_NO_ANSWER % {"rdtype": rdtype, "name": name, "error": exc.__class__.__name__}
        ) from None
    except dns.exception.DNSException as exc:
        raise TemporaryDnsError(DNS_ERROR % {"rdtype": rdtype, "name": name, "error": exc}) from exc
    if answer.rrset is None:
        return [], NEGATIVE_TTL
    return [_text(rdtype, rdata) for rdata in answer.rrset], float(answer.rrset.ttl)


def lookup(name: str, rdtype: str, *, fresh: bool = False) -> list[str]:
    """Records of `rdtype` at `name` (empty when none); TemporaryDnsError on a timeout.

    `fresh` asks DNS again (a person pressing "Check now" just changed their zone) and
    stores the new answer for the next caller.
    """
    key = (tuple(settings.DNS_RESOLVERS), name.lower().rstrip("."), rdtype)
    now = time.monotonic()
    if not fresh:
        with _lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] > now:
                _cache.move_to_end(key)
                return list(hit[1])
    records, ttl = _query(key[1], rdtype)
    with _lock:
        _cache[key] = (now + min(ttl, NEGATIVE_TTL) if not records else now + ttl, records)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return list(records)


def lookup_fresh(name: str, rdtype: str) -> list[str]:
    return lookup(name, rdtype, fresh=True)
