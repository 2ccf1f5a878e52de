"""A real DNS server on loopback for tests (DESIGN: testing with real parts).

`dns_server` runs a dnslib server on 127.0.0.1:<free port>, UDP and TCP, serving a zone
the test writes and changes while it runs; `silence(name)` makes it answer nothing for a
name, so the resolver times out. It points settings.DNS_RESOLVERS at itself.

`_no_outside_dns` (autouse) points every other test at a resolver that cannot be reached:
no test ever asks a real one.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dnslib import AAAA, MX, QTYPE, RCODE, RR, TXT, A, DNSError, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from domains import dns as domain_dns

TTL = 300
# Port 0 cannot be sent to: a query fails at once (a temporary error), and no test ever
# reaches a real resolver by accident.
CLOSED_RESOLVER = "127.0.0.1:0"


def _key(name: str) -> str:
    return name.lower().rstrip(".")


def _txt_strings(value: str) -> list[bytes]:
    # TXT character-strings hold at most 255 bytes; a long value is several (RFC 1035).
    raw = value.encode()
    return [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]


class Zone:
    """Records by (name, type); names are case-insensitive, without the trailing dot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: dict[tuple[str, str], list[Any]] = {}
        self.silent: set[str] = set()
        self.queries: list[tuple[str, str]] = []

    def answer(self, request: DNSRecord) -> DNSRecord:
        qname = str(request.q.qname)
        qtype = QTYPE[request.q.qtype]
        name = _key(qname)
        with self._lock:
            self.queries.append((name, qtype))
            if name in self.silent:
                # dnslib's handler sends nothing back when the resolver raises DNSError.
                raise DNSError(f"silent for {name}")
            rdatas = list(self.records.get((name, qtype), []))
            exists = any(n == name or n.endswith("." + name) for n, _ in self.records)
        reply = request.reply()
        if not exists:
            reply.header.rcode = RCODE.NXDOMAIN
        for rdata in rdatas:
            reply.add_answer(RR(qname, QTYPE.reverse[qtype], rdata=rdata, ttl=TTL))
        return reply


class _Resolver(BaseResolver):
    def __init__(self, zone: Zone) -> None:
        self.zone = zone

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        return self.zone.answer(request)


class _Quiet(DNSLogger):
    def __init__(self) -> None:
        super().__init__(log="-request,-reply,-truncated,-error,-recv,-send,-data")


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port for the test DNS server")


class TestDnsServer:
    """The running server and its zone; every change clears the product's DNS cache."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self) -> None:
        self.zone = Zone()
        # Called when a name is silenced (the fixture shortens the resolver's timeout).
        self.when_silenced: Callable[[], None] = lambda: None
        self.port = free_port()
        resolver = _Resolver(self.zone)
        self._servers = [
            DNSServer(resolver, address="127.0.0.1", port=self.port, tcp=tcp, logger=_Quiet())
            for tcp in (False, True)
        ]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        for server in self._servers:
            server.start_thread()

    def stop(self) -> None:
        for server in self._servers:
            server.server.shutdown()
            server.server.server_close()

    def _changed(self) -> None:
        domain_dns.clear_cache()

    def _add(self, name: str, qtype: str, rdata: Any) -> None:
        with self.zone._lock:
            self.zone.records.setdefault((_key(name), qtype), []).append(rdata)
        self._changed()

    def txt(self, name: str, *values: str) -> None:
        """Add TXT records at `name`, one per value."""
        for value in values:
            self._add(name, "TXT", TXT(_txt_strings(value)))

    def a(self, name: str, *addresses: str) -> None:
        for address in addresses:
            self._add(name, "A", A(address))

    def aaaa(self, name: str, *addresses: str) -> None:
        for address in addresses:
            self._add(name, "AAAA", AAAA(address))

    def mx(self, name: str, *exchanges: str, preference: int = 10) -> None:
        for exchange in exchanges:
            self._add(name, "MX", MX(exchange, preference))

    def remove(self, name: str, qtype: str | None = None) -> None:
        """Remove the records at `name` (of one type, or all)."""
        with self.zone._lock:
            for key in [k for k in self.zone.records if k[0] == _key(name)]:
                if qtype is None or key[1] == qtype:
                    del self.zone.records[key]
        self._changed()

    def replace_txt(self, name: str, *values: str) -> None:
        self.remove(name, "TXT")
        self.txt(name, *values)

    def silence(self, name: str) -> None:
        """Answer nothing for `name`: the resolver times out (a DNS outage)."""
        self.when_silenced()
        with self.zone._lock:
            self.zone.silent.add(_key(name))
        self._changed()

    def speak(self, name: str) -> None:
        with self.zone._lock:
            self.zone.silent.discard(_key(name))
        self._changed()

    def lookup(self, name: str, qtype: str) -> list[str]:
        """The zone's answer without the network: TXT values joined, as a verifier sees them."""
        with self.zone._lock:
            rdatas = list(self.zone.records.get((_key(name), qtype), []))
        if qtype == "TXT":
            return [b"".join(r.data).decode() for r in rdatas]
        return [str(r) for r in rdatas]


@pytest.fixture
def dns_server(settings: Any) -> Iterator[TestDnsServer]:
    """A loopback DNS server the product's resolver asks; the zone starts empty."""
    server = TestDnsServer()
    server.start()
    settings.DNS_RESOLVERS = [server.address]
    # Every name the zone holds answers at once, so the production timeout costs nothing
    # and a loaded machine (two suites and a browser on two cores) cannot run out of it.
    # A test that silences a name waits a second, not five, for its timeout.
    settings.DNS_TIMEOUT = 5
    server.when_silenced = lambda: setattr(settings, "DNS_TIMEOUT", 1)
    domain_dns.clear_cache()
    try:
        yield server
    finally:
        server.stop()
        domain_dns.clear_cache()


@pytest.fixture(autouse=True)
def _no_outside_dns(settings: Any) -> None:
    settings.DNS_RESOLVERS = [CLOSED_RESOLVER]
    # Imports and signups ask DNS about their addresses' domains only in the tests of that
    # check: elsewhere the zone serves sender domains, not every address's.
    settings.ADDRESS_DNS_CHECKS = False
    # A test's zone holds what the test serves: the resolver is believed without canaries.
    settings.ADDRESS_DNS_CANARIES = []


def verify_domain(account: Any, name: str, server: TestDnsServer) -> Any:
    """A sender domain of `account`, its records published in `server`'s zone and checked:
    verified, as an account that did everything right has it."""
    from core.actors import Actor
    from domains import selectors, services
    from domains.rules import DomainStatus

    actor = Actor.system("tests")
    domain = services.add_domain(account, name, actor=actor)
    for record in selectors.records_to_publish(selectors.domain_of(account, domain.pk)):
        publish_record(server, record, replace=True)
    checked = check_published(domain)
    assert checked.status == DomainStatus.VERIFIED, [
        (c.kind, c.message) for c in selectors.checks_of(checked)
    ]
    return selectors.domain_of(account, checked.pk)


def check_published(domain: Any) -> Any:
    """Check a domain whose records are all in the zone. Every name answers, so a long
    timeout costs nothing; the fixture's one second could run out on a loaded machine (two
    suites and a browser on two cores) and leave the domain pending for no fault of its."""
    from django.test import override_settings

    from core.actors import Actor
    from domains import services

    with override_settings(DNS_TIMEOUT=10):
        return services.check_domain(domain, actor=Actor.system("tests"))


def publish_record(server: TestDnsServer, record: Any, *, replace: bool = False) -> None:
    """One record the product asks for (domains.rules.DnsRecord), as the account would
    publish it; `replace` drops the name's other TXT records first (an SPF record)."""
    if record.type == "MX":
        server.mx(record.name, record.value)
    elif replace:
        server.replace_txt(record.name, record.value)
    else:
        server.txt(record.name, record.value)
