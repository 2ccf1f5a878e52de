"""Telling a machine's open or click from a person's (CONSENT-4), pure rules.

Apple Mail Privacy Protection fetches every image of every message through Apple's proxy
(17.0.0.0/8) with a bare "Mozilla/5.0"; mail security gateways fetch each link of a
message, often within seconds and with their own agent names. Such events are counted
apart, never as a person's open or click.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum


class MachineReason(StrEnum):
    PRIVACY_PROXY = "privacy_proxy"  # Apple MPP and other prefetching mail proxies
    SCANNER = "scanner"  # a security scanner or a script, by its agent or its method
    LINK_SWEEP = "link_sweep"  # many links of one message fetched within seconds


_PROXY_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("17.0.0.0/8",))
_BARE_AGENTS = frozenset({"", "mozilla/5.0"})
_SCANNER_WORDS = (
    "barracuda",
    "proofpoint",
    "mimecast",
    "symantec",
    "trendmicro",
    "forcepoint",
    "fortinet",
    "ironport",
    "safelinks",
    "bot",
    "crawler",
    "spider",
    "scanner",
    "python-",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "headless",
    "okhttp",
)
# LINK_SWEEP: this many different links of one message within SWEEP_WINDOW. A reader's
# second link follows a page load and a return to the mail; a scanner's, milliseconds.
SWEEP_LINKS = 2
SWEEP_WINDOW = timedelta(seconds=5)


def _from_proxy(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _PROXY_NETWORKS)


def machine_reason(*, kind: str, user_agent: str, ip: str, method: str = "GET") -> str:
    """The reason an event looks made by a machine, "" where a person may have made it."""
    agent = user_agent.strip().lower()
    if method.upper() == "HEAD" or any(word in agent for word in _SCANNER_WORDS):
        return MachineReason.SCANNER.value
    if kind == "open" and (agent in _BARE_AGENTS or _from_proxy(ip)):
        return MachineReason.PRIVACY_PROXY.value
    if kind == "click" and _from_proxy(ip):
        return MachineReason.PRIVACY_PROXY.value
    return ""


def swept(clicks: Sequence[tuple[datetime, str]]) -> bool:
    """One message's clicks (time, URL), oldest first: were SWEEP_LINKS different links
    fetched within SWEEP_WINDOW, as a scanner does and a reader does not?"""
    for i, (start, _url) in enumerate(clicks):
        urls = {url for at, url in clicks[i:] if at - start <= SWEEP_WINDOW}
        if len(urls) >= SWEEP_LINKS:
            return True
    return False
