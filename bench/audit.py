"""List audit speed (AUDIT-1): N addresses over D domains against a DNS server on loopback,
next to that server's own query rate measured in the same run.

Run: .venv/bin/python bench/audit.py [ADDRESSES] [DOMAINS]   (default 1,000,000 over
50,000; a throw-away SQLite database, or DATABASE_URL).

The zone mixes what the audit meets: 90 % of the domains with an MX, 4 % with only an A
record, 3 % that do not exist (NXDOMAIN), 2 % with a null MX (RFC 7505), 1 % whose
server never answers (a timeout: `unknown`, CONSENTRY_DNS_TIMEOUT is 1 s here). Addresses
are spread evenly over the domains; 3 % are role addresses and 1 % impossible ones.

The server is dnslib's (domains.testing), with a zone lookup by dictionary. Its own rate is
measured first: the same client library (dnspython) and the same concurrency (64 threads)
asking it MX queries of the zone's names as fast as it answers. The audit cannot ask
faster than that: its domain phase is bound by DNS when its query rate is close to it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import dns.message  # noqa: E402
import dns.query  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from dnslib import MX, RCODE, RR, A, DNSError, DNSRecord  # noqa: E402
from dnslib import QTYPE as QT  # noqa: E402

from domains import dns as domain_dns  # noqa: E402
from domains.testing import TTL, TestDnsServer, Zone  # noqa: E402

CONCURRENCY = 64


class FastZone(Zone):
    """The test zone with a dictionary lookup of existing names (the test zone scans)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.count = 0
        self._count_lock = threading.Lock()

    def answer(self, request: DNSRecord) -> DNSRecord:
        qname = str(request.q.qname)
        qtype = QT[request.q.qtype]
        name = qname.lower().rstrip(".")
        with self._count_lock:
            self.count += 1
            self.queries.append((name, qtype))
        if name in self.silent:
            raise DNSError(f"silent for {name}")
        reply = request.reply()
        if name not in self.names:
            reply.header.rcode = RCODE.NXDOMAIN
        for rdata in self.records.get((name, qtype), []):
            reply.add_answer(RR(qname, QT.reverse[qtype], rdata=rdata, ttl=TTL))
        return reply


def build_zone(server: TestDnsServer, domains: list[str]) -> dict[str, int]:
    zone = FastZone()
    server.zone = zone
    for resolver_server in server._servers:
        resolver_server.server.resolver.zone = zone  # type: ignore[attr-defined]
    kinds = {"mx": 0, "a_only": 0, "nxdomain": 0, "null_mx": 0, "silent": 0}
    for n, domain in enumerate(domains):
        k = n % 100
        if k < 90:
            zone.names.add(domain)
            zone.records[(domain, "MX")] = [MX(f"mx.{domain}", 10)]
            kinds["mx"] += 1
        elif k < 94:
            zone.names.add(domain)
            zone.records[(domain, "A")] = [A("192.0.2.1")]
            kinds["a_only"] += 1
        elif k < 97:
            kinds["nxdomain"] += 1
        elif k < 99:
            zone.names.add(domain)
            zone.records[(domain, "MX")] = [MX(".", 0)]
            kinds["null_mx"] += 1
        else:
            zone.silent.add(domain)
            kinds["silent"] += 1
    return kinds


def server_rate(server: TestDnsServer, names: list[str], seconds: float = 5.0) -> float:
    """Queries per second the server answers to dnspython at the audit's concurrency."""
    port = server.port
    stop = time.monotonic() + seconds
    answered = [0] * CONCURRENCY

    def worker(slot: int) -> None:
        i = slot
        while time.monotonic() < stop:
            query = dns.message.make_query(names[i % len(names)], "MX")
            dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
            answered[slot] += 1
            i += CONCURRENCY

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(worker, range(CONCURRENCY)))
    return sum(answered) / (time.monotonic() - started)


def seed(count: int, domains: list[str]) -> Any:
    from accounts.models import Account
    from contacts.models import Contact, List, Subscription
    from core.addresses import address_keyer

    key = address_keyer()
    now = timezone.now()
    account = Account.objects.create(slug=f"bench-{time.time_ns()}", name="Bench")
    lst = List.objects.create(account=account, name="Audit")
    step = 100_000
    for start in range(0, count, step):
        addresses = []
        for n in range(start, min(count, start + step)):
            domain = domains[n % len(domains)]
            k = n % 100
            local = f"info+{n}" if k < 3 else (f"bad..{n}" if k < 4 else f"p{n}")
            addresses.append(f"{local}@{domain}")
        made = Contact.objects.bulk_create(
            (
                Contact(
                    account=account,
                    address=address,
                    address_hash=key(address),
                    status="A",
                    legal_basis="double_opt_in",
                    status_changed_at=now,
                )
                for address in addresses
            ),
            batch_size=5000,
        )
        Subscription.objects.bulk_create(
            (
                Subscription(contact=c, list=lst, state="confirmed", state_changed_at=now)
                for c in made
            ),
            batch_size=5000,
        )
    return lst


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    domain_count = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    call_command("migrate", verbosity=0)
    domains = [f"d{n}.bench.example" for n in range(domain_count)]
    server = TestDnsServer()
    kinds = build_zone(server, domains)
    server.start()
    settings.DNS_RESOLVERS = [server.address]
    settings.DNS_TIMEOUT = 1
    answering = [d for d in domains if d not in server.zone.silent]
    raw = server_rate(server, answering)
    print(f"DNS server alone: {raw:,.0f} queries/s (dnspython, {CONCURRENCY} threads)")

    started = time.monotonic()
    lst = seed(count, domains)
    print(f"seeded {count:,} addresses over {domain_count:,} domains in "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip

    from admission import services
    from core.actors import Actor

    domain_dns.clear_cache()
    zone = server.zone
    assert isinstance(zone, FastZone)
    zone.queries.clear()
    before = zone.count
    marks: dict[str, float] = {}

    def progress(audit: Any) -> None:
        if audit.domains and audit.domains_checked == audit.domains and "dns" not in marks:
            marks["dns"] = time.monotonic()

    audit = services.start_audit(lst, actor=Actor.system("bench"), run=False)
    started = time.monotonic()
    done = services.run_audit(audit.pk, progress=progress)
    ended = time.monotonic()
    dns_seconds = marks.get("dns", ended) - started
    queries = zone.count - before
    asked = len({name for name, qtype in zone.queries if qtype == "MX"})
    server.stop()
    print(f"zone: {kinds}")
    print(f"audit: {done.total:,} addresses, {done.domains:,} domains, {done.problems:,} "
          f"problems ({done.share:.2%}), admitted={done.admitted}")  # fmt: skip
    print(f"  domains queried (MX, distinct): {asked:,}; DNS queries in all: {queries:,}")
    print(f"  DNS phase: {dns_seconds:.1f} s = {queries / dns_seconds:,.0f} queries/s "
          f"({queries / dns_seconds / raw:.0%} of the server alone)")  # fmt: skip
    rest = ended - started - dns_seconds
    print(f"  address phase: {rest:.1f} s = {done.total / rest:,.0f} addresses/s")
    print(f"  whole audit: {ended - started:.1f} s; counts {done.counts}")


if __name__ == "__main__":
    main()
