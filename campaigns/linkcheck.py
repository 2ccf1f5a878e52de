"""CONTENT-6: every link of a campaign checked before a send, against the operator's URL
blocklist (policy) and, where the operator names them (CONSENTRY_LINK_BLOCKLIST_ZONES),
DNS domain blocklists asked through the platform's resolvers (domains.dns, whose answers
are cached for their TTL). Each hit is a gate reason naming the link."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from policy.link_rules import blocked_links, host_and_path, is_listed, links_of, zone_names

if TYPE_CHECKING:
    from campaigns.models import Campaign

MAX_HOSTS = 50  # distinct link hosts asked of the DNS blocklists per check


def link_reasons(campaign: Campaign) -> list[str]:
    from policy.selectors import blocked_patterns

    links = links_of(campaign.html, campaign.text)
    hits = blocked_links(links, blocked_patterns())
    reasons = [
        f"the link {link} is on the platform's URL blocklist ({pattern})" for link, pattern in hits
    ]
    caught = {link for link, _ in hits}
    zones = [z.strip().strip(".") for z in settings.LINK_BLOCKLIST_ZONES if z.strip()]
    if zones:
        reasons += _dns_reasons([link for link in links if link not in caught], zones)
    return reasons


def _dns_reasons(links: list[str], zones: list[str]) -> list[str]:
    from domains.dns import lookup
    from domains.rules import TemporaryDnsError

    by_host: dict[str, list[str]] = {}
    for link in links:
        where = host_and_path(link)
        if where is not None:
            by_host.setdefault(where[0], []).append(link)
    reasons = []
    for host in list(by_host)[:MAX_HOSTS]:
        listed_by = ""
        for zone in zones:
            for name in zone_names(host, zone):
                try:
                    answer = lookup(name, "A")
                except TemporaryDnsError:
                    continue  # a blocklist that does not answer lists nothing
                if is_listed(answer):
                    listed_by = zone
                    break
            if listed_by:
                break
        if listed_by:
            reasons += [
                f"the link {link} is on the domain blocklist {listed_by}" for link in by_host[host]
            ]
    return reasons
