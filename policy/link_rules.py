"""The operator's URL blocklist (CONTENT-6): what an entry is and which links it catches.
Pure: no database, no DNS.

An entry is a host (`bad.example`: that host and every name below it) or a host with a
path (`files.example/malware`: links on that host whose path starts there). Links are the
absolute http(s) targets of a campaign's HTML and text; a template expression in a link
(`{{ unsubscribe_url }}`) is the platform's own and not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import idna

from core.errors import InvalidInput

MAX_PATTERN = 500
MAX_LINKS = 500
_HREF = re.compile(r"""(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TEXT_URL = re.compile(r"""https?://[^\s<>"'()\[\]]+""", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class Pattern:
    host: str
    path: str  # "" or starting with "/"

    def __str__(self) -> str:
        return self.host + self.path

    def catches(self, host: str, path: str) -> bool:
        if host != self.host and not host.endswith("." + self.host):
            return False
        return not self.path or (path or "/").startswith(self.path)


def _host(raw: str) -> str:
    text = raw.strip().rstrip(".").lower()
    try:
        host = idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError:
        host = ""
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(f"{raw!r} is not a host name")
    return host


def parse_pattern(raw: str) -> Pattern:
    """A blocklist entry as the operator typed it (with or without https://)."""
    text = raw.strip()
    if not text:
        raise InvalidInput("a host or URL is needed")
    if len(text) > MAX_PATTERN:
        raise InvalidInput(f"at most {MAX_PATTERN} characters")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{raw.strip()[:100]!r} is not an http(s) URL or a host")
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return Pattern(_host(parts.hostname), path)


def links_of(*bodies: str) -> list[str]:
    """The absolute http(s) links of the bodies, in order, each once; a link holding a
    template expression is left out."""
    found: dict[str, None] = {}
    for body in bodies:
        for match in _HREF.finditer(body):
            found.setdefault((match.group(1) or match.group(2) or "").strip(), None)
        for match in _TEXT_URL.finditer(body):
            found.setdefault(match.group(0).rstrip(".,;:!?"), None)
    links = []
    for link in found:
        if "{{" in link or "{%" in link or not link.lower().startswith(("http://", "https://")):
            continue
        links.append(link.replace("&amp;", "&"))
        if len(links) >= MAX_LINKS:
            break
    return links


def host_and_path(link: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(link)
        host = _host(parts.hostname or "")
    except (ValueError, InvalidInput):
        return None
    return host, parts.path


def blocked_links(links: list[str], patterns: list[Pattern]) -> list[tuple[str, Pattern]]:
    """Each link an entry catches, with the first entry that does."""
    hits = []
    for link in links:
        where = host_and_path(link)
        if where is None:
            continue
        for pattern in patterns:
            if pattern.catches(*where):
                hits.append((link, pattern))
                break
    return hits


def zone_names(host: str, zone: str) -> list[str]:
    """The names to ask a DNS domain blocklist: the host and its parents (not the top-level
    domain), each below the zone; at most three."""
    labels = host.split(".")
    names = [".".join(labels[i:]) for i in range(0, max(len(labels) - 1, 1))][:3]
    return [f"{name}.{zone.strip('.')}" for name in names]


def is_listed(addresses: list[str]) -> bool:
    """A blocklist answers 127.0.0.x for a listed name; 127.255.255.x are its errors (a
    refused or rate-limited resolver), never a listing."""
    return any(a.startswith("127.") and not a.startswith("127.255.255.") for a in addresses)
