"""What an inbound message is: pure functions over its headers and text (UNSUB-3).

Replies are read in German, English and French. Only the part the person wrote counts:
quoted lines and everything after a "wrote:" line are the original mailing, which itself
carries the word "unsubscribe" in its footer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# Phrases that ask to be taken off a list; matched case-insensitively as whole words.
UNSUBSCRIBE_PHRASES: tuple[str, ...] = (
    # English
    r"unsubscribe",
    r"remove me",
    r"take me off",
    r"opt[ -]?out",
    r"stop (?:sending|emailing|mailing)",
    r"no more (?:emails|mails|newsletters?)",
    # German
    r"abmelden",
    r"abbestellen",
    r"austragen",
    r"abmeldung",
    r"keine (?:e-?mails|mails|newsletter|werbung) mehr",
    r"(?:löschen|entfernen) sie (?:mich|meine (?:e-?mail-?)?adresse)",
    r"widerspreche",
    r"widerruf",
    # French
    r"désabonner",
    r"désabonnement",
    r"désinscri(?:re|ption|vez)",
    r"ne (?:(?:veux|souhaite|désire|voudrais) )?plus recevoir",
    r"supprimez[- ]moi",
    r"retirez[- ]moi",
)
_ASKS = re.compile(r"\b(?:" + "|".join(UNSUBSCRIBE_PHRASES) + r")\b", re.IGNORECASE)

# The line a mail program puts above the quoted original.
_QUOTE_INTRO = re.compile(
    r"^(?:On .+ wrote:|Am .+ schrieb .+:|Le .+ a écrit\s?:|-{2,}\s*(?:Original Message|"
    r"Ursprüngliche Nachricht|Message d'origine)\s*-{2,}|From: .+|Von: .+|De : .+)\s*$",
    re.IGNORECASE,
)

AUTO_SUBJECTS = re.compile(
    r"^(?:auto(?:matic)? ?reply|autoreply|out of (?:the )?office|abwesenheit|"
    r"automatische antwort|réponse automatique|absence|message d'absence)",
    re.IGNORECASE,
)


def own_words(text: str) -> str:
    """The text the replying person wrote: up to the quoted original."""
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_INTRO.match(stripped):
            break
        kept.append(line)
    return "\n".join(kept)


def asks_to_unsubscribe(subject: str, text: str) -> bool:
    """UNSUB-3: does this reply ask to be unsubscribed (de/en/fr)?"""
    subject = re.sub(r"^(?:(?:re|aw|wg|fw|fwd|tr)\s*:\s*)+", "", subject.strip(), flags=re.I)
    return bool(_ASKS.search(subject) or _ASKS.search(own_words(text)))


def is_auto_reply(headers: Mapping[str, str]) -> bool:
    """Out-of-office and other automatic answers (RFC 3834 and the common markers)."""
    lowered = {k.lower(): v.strip().lower() for k, v in headers.items()}
    if lowered.get("auto-submitted", "no") not in ("", "no"):
        return True
    if lowered.get("precedence") in ("auto_reply", "bulk", "junk", "list"):
        return True
    # (X-Auto-Response-Suppress is not one: Outlook puts it on ordinary mail too.)
    if "x-autoreply" in lowered or "x-autorespond" in lowered:
        return True
    return bool(AUTO_SUBJECTS.match(headers.get("Subject", headers.get("subject", "")).strip()))


# QUALITY-2: recipient domains grouped into the mailbox providers that judge a sender.
ISP_DOMAINS: dict[str, str] = {
    **dict.fromkeys(("gmail.com", "googlemail.com"), "Google"),
    **dict.fromkeys(
        (
            "outlook.com",
            "hotmail.com",
            "hotmail.de",
            "hotmail.fr",
            "live.com",
            "live.de",
            "live.fr",
            "msn.com",
            "outlook.de",
            "outlook.fr",
        ),
        "Microsoft",
    ),
    **dict.fromkeys(
        ("yahoo.com", "yahoo.de", "yahoo.fr", "ymail.com", "aol.com", "aol.de", "aol.fr"),
        "Yahoo",
    ),
    **dict.fromkeys(
        ("gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com", "web.de"), "United Internet"
    ),
    **dict.fromkeys(("t-online.de", "magenta.de"), "T-Online"),
    **dict.fromkeys(("orange.fr", "wanadoo.fr"), "Orange"),
    **dict.fromkeys(("free.fr",), "Free"),
    **dict.fromkeys(("freenet.de",), "freenet"),
    **dict.fromkeys(("icloud.com", "me.com", "mac.com"), "Apple"),
    **dict.fromkeys(("sfr.fr", "neuf.fr"), "SFR"),
    **dict.fromkeys(("laposte.net",), "La Poste"),
}
STRICT_ISPS = frozenset({"Google", "Yahoo"})  # their bulk-sender rules: below 0.3 %


# Where a domain's mail is hosted says who judges it: MX host suffixes of the large ISPs.
MX_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("google.com", "Google"),
    ("googlemail.com", "Google"),
    ("outlook.com", "Microsoft"),
    ("yahoodns.net", "Yahoo"),
    ("gmx.net", "United Internet"),
    ("web.de", "United Internet"),
    ("kundenserver.de", "United Internet"),
    ("t-online.de", "T-Online"),
    ("orange.fr", "Orange"),
    ("free.fr", "Free"),
    ("icloud.com", "Apple"),
)


def isp_of(address_or_domain: str) -> str:
    """The mailbox provider of an address; other domains stand for themselves."""
    domain = address_or_domain.rpartition("@")[2].lower().rstrip(".")
    return ISP_DOMAINS.get(domain, domain)


def isp_of_mx(domain: str, mx_hosts: Sequence[str]) -> str:
    """QUALITY-2: a domain not on the list is judged with the provider hosting its mail:
    a large ISP by its MX host, otherwise the MX host's own domain (so the domains of one
    hosting company are one provider); a domain without MX stands for itself."""
    known = ISP_DOMAINS.get(domain)
    if known:
        return known
    hosts = [h.lower().rstrip(".") for h in mx_hosts if h.strip(". ")]
    for host in hosts:
        for suffix, name in MX_SUFFIXES:
            if host == suffix or host.endswith("." + suffix):
                return name
    if hosts:
        labels = sorted(hosts)[0].split(".")
        return ".".join(labels[-2:]) if len(labels) >= 2 else hosts[0]
    return domain


@dataclass(frozen=True)
class SendHealth:
    """A send's figures as feedback arrives (QUALITY-1/2)."""

    sent: int
    hard_bounces: int
    sent_by_isp: Mapping[str, int]
    complaints_by_isp: Mapping[str, int]


@dataclass(frozen=True)
class Limits:
    hard_bounce_rate_max: Decimal
    complaint_rate_max: Decimal
    complaint_rate_max_strict: Decimal
    min_volume: int


@dataclass(frozen=True)
class Breach:
    kind: str  # hard_bounce_rate | complaint_rate
    isp: str
    count: int
    volume: int
    rate: Decimal
    limit: Decimal

    def explain(self) -> str:
        where = f" at {self.isp}" if self.isp else ""
        what = "hard bounce" if self.kind == "hard_bounce_rate" else "complaint"
        what += "" if self.count == 1 else "s"
        if self.kind == "complaint_rate_7d":
            where = " of the account in 7 days"
        return (
            f"{self.count} {what} of {self.volume} messages{where} = {self.rate:.2%}, "
            f"above the limit of {self.limit:.2%}"
        )


def breaches(health: SendHealth, limits: Limits) -> list[Breach]:
    """QUALITY-1..3: each threshold the send has passed, judged only past the minimum
    volume (of the send, or of the ISP for complaints)."""
    found = []
    if health.sent >= limits.min_volume and health.sent:
        rate = Decimal(health.hard_bounces) / Decimal(health.sent)
        if rate > limits.hard_bounce_rate_max:
            found.append(
                Breach(
                    "hard_bounce_rate",
                    "",
                    health.hard_bounces,
                    health.sent,
                    rate,
                    limits.hard_bounce_rate_max,
                )
            )
    for isp, complaints in sorted(health.complaints_by_isp.items()):
        volume = health.sent_by_isp.get(isp, 0)
        if volume < limits.min_volume or not volume:
            continue
        limit = (
            limits.complaint_rate_max_strict if isp in STRICT_ISPS else limits.complaint_rate_max
        )
        rate = Decimal(complaints) / Decimal(volume)
        if rate > limit:
            found.append(Breach("complaint_rate", isp, complaints, volume, rate, limit))
    return found


def soft_bounces_make_bounced(
    bounced_sends: Sequence[tuple[int, datetime]], *, sends: int, span_days: int
) -> bool:
    """STATUS-3: soft bounces in `sends` different sends spanning at least `span_days` days
    (`bounced_sends`: (campaign id, time) of the contact's soft bounces since its last
    delivered message)."""
    first: dict[int, datetime] = {}
    for campaign_id, at in bounced_sends:
        first[campaign_id] = min(at, first.get(campaign_id, at))
    if len(first) < sends:
        return False
    times = sorted(first.values())
    return (times[-1] - times[0]).days >= span_days


def seven_day_breach(
    complaints: int, sent: int, *, limit: Decimal, min_volume: int
) -> Breach | None:
    """INDUSTRY-5 (CSA): the account's complaint rate as a 7-day average."""
    if sent < min_volume or not sent:
        return None
    rate = Decimal(complaints) / Decimal(sent)
    if rate <= limit:
        return None
    return Breach("complaint_rate_7d", "", complaints, sent, rate, limit)
