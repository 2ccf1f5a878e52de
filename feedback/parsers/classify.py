"""Bounce reasons: a pure function from (status code, diagnostic text) to a fixed reason,
hard or soft, and whether the sender rather than the recipient is at fault (INDUSTRY-4).

The enhanced status code (RFC 3463) decides where it is specific; the diagnostic text
(English, German, French) decides where the code is generic (`5.0.0`, a bare `550`) or
missing, as in the plain-text bounces of older or home-made mail systems.

Only reasons that say the address does not exist (`user_unknown`, `domain_unknown`) are
hard, and only with a permanent (5) class: they make the contact B at the first bounce
(STATUS-3). Everything else is soft and counts towards the repeated-failure rule, including
`mailbox_disabled`: RFC 3463 says a disabled mailbox may be enabled again, and the
repeated-failure rule makes a mailbox that stays disabled B soon enough.

Sender-side rejections (policy, authentication, blocklists, rate limits, content) are never
a recipient bounce (INDUSTRY-4): they are flagged `sender_side` and are never hard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedback.parsers.report import RecipientResult

REASONS: tuple[str, ...] = (
    "user_unknown",
    "domain_unknown",
    "mailbox_full",
    "mailbox_disabled",
    "policy_block",
    "spam_block",
    "auth_failure",
    "rate_limited",
    "expired",
    "content_rejected",
    "other",
)
# INDUSTRY-4: the address itself is gone.
HARD_REASONS = frozenset({"user_unknown", "domain_unknown"})
# INDUSTRY-4 / issue 8: the problem is the sender's (its IP, domain, authentication, rate or
# message), so the recipient is not bounced; it counts towards the send's health instead.
SENDER_SIDE_REASONS = frozenset(
    {"policy_block", "spam_block", "auth_failure", "rate_limited", "content_rejected"}
)

ENHANCED_CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
# A reply code at the start of a line or after a separator: "550 ", "550-", "550:", "#550".
SMTP_CODE = re.compile(r"(?:^|[\s#:;'(\[])([245][0-5]\d)(?=[\s\-:,)\]]|$)")


@dataclass(frozen=True)
class Classification:
    reason: str
    hard: bool
    sender_side: bool


# (class.)subject.detail -> reason, for the codes whose meaning does not depend on the text.
_BY_CODE: dict[tuple[int, int], str] = {
    (1, 1): "user_unknown",  # bad destination mailbox address
    (1, 2): "domain_unknown",  # bad destination system address
    (1, 3): "user_unknown",  # bad destination mailbox address syntax
    (1, 6): "user_unknown",  # destination mailbox has moved, no forwarding address
    (1, 7): "auth_failure",  # bad sender's mailbox address syntax
    (1, 8): "auth_failure",  # bad sender's system address
    (2, 1): "mailbox_disabled",  # mailbox disabled, not accepting messages
    (2, 2): "mailbox_full",
    (2, 3): "content_rejected",  # message length exceeds administrative limit
    (3, 4): "content_rejected",  # message too big for system
    (4, 4): "domain_unknown",  # unable to route (no MX, no A)
    (4, 7): "expired",  # delivery time expired
    (5, 3): "other",  # too many recipients: our envelope, not the address
}

_X7_BY_DETAIL: dict[int, str] = {
    1: "policy_block",  # delivery not authorized, message refused (text may say spam)
    7: "content_rejected",  # message integrity failure
    # 5.7.20-5.7.27: no/failed DKIM, SPF, DMARC, reverse DNS (RFC 7372; Gmail's 5.7.25/26).
    **dict.fromkeys(range(20, 28), "auth_failure"),
    28: "spam_block",  # Gmail: unusual rate of unsolicited mail from the sender
    515: "auth_failure",  # Outlook.com: the sender domain does not meet authentication
    # Office 365 / Outlook.com: 5.7.606-649 banned sending IP, 5.7.705/708 tenant or IP
    # blocked for bad reputation; 5.7.750 unregistered sending domain.
    **dict.fromkeys(range(606, 650), "spam_block"),
    705: "spam_block",
    708: "spam_block",
    750: "policy_block",
}

_TEXT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile("|".join(patterns), re.IGNORECASE))
    for reason, patterns in (
        (
            "expired",
            (
                r"delivery time expired",
                r"retry time(?:out)? (?:not reached|exceeded)",
                r"message expired",
                r"(?:could not|couldn't) be delivered (?:with)?in \d",
                r"have been failing for \d",
                r"too long in (?:the )?queue",
                r"zeit(?:limit|überschreitung)",
                r"délai (?:de remise )?(?:expiré|dépassé)",
            ),
        ),
        (
            "mailbox_full",
            (
                r"mailbox (?:is )?full",
                r"over ?quota",
                r"quota (?:exceeded|exceed)",
                r"exceeded (?:the )?storage",
                r"insufficient (?:system )?storage",
                r"mailbox size limit",
                r"postfach (?:ist )?(?:voll|überfüllt)",
                r"speicher(?:platz|grenze) (?:erreicht|überschritten)",
                r"quota (?:überschritten|dépassé)",
                r"bo[iî]te (?:aux lettres |du destinataire )?(?:est )?pleine",
            ),
        ),
        (
            "domain_unknown",
            (
                r"host (?:or domain name )?not found",
                r"domain (?:not found|does not exist|doesn't exist|unknown)",
                r"no such domain",
                r"unrouteable (?:mail )?(?:address|domain)",
                r"nxdomain",
                r"name service error",
                r"no mx (?:record|host)",
                r"domain existiert nicht",
                r"domaine (?:inexistant|inconnu|introuvable)",
            ),
        ),
        (
            "mailbox_disabled",
            (
                r"(?:account|mailbox|address) (?:has been |is )?(?:disabled|deactivated|suspended|"
                r"inactive|closed|locked)",
                r"(?:disabled|inactive|suspended) (?:account|mailbox)",
                r"no longer (?:active|in use|available|valid)",
                r"(?:postfach|konto|account) (?:ist )?(?:gesperrt|deaktiviert|stillgelegt)",
                r"compte (?:est )?(?:désactivé|suspendu|bloqué|fermé)",
                r"bo[iî]te (?:aux lettres )?(?:désactivée|fermée|suspendue)",
            ),
        ),
        (
            "user_unknown",
            (
                r"user(?:name)? (?:is )?unknown",
                r"unknown (?:user|recipient|mailbox|address|local[- ]part)",
                r"recipient (?:address )?(?:unknown|not found|invalid)",
                r"invalid (?:recipient|mailbox|address|user)",
                r"no such (?:user|recipient|mailbox|address|account|person)",
                r"(?:user|mailbox|recipient|account|address) (?:not found|does not exist|"
                r"doesn't exist|not exist)",
                r"does not exist",
                # Exchange/Office 365 wording for people: "couldn't be found", "wasn't found".
                r"address you entered (?:couldn't|could not) be found",
                r"wasn't found at",
                r"doesn't have an? [\w.-]+ account",
                r"mailbox (?:unavailable|not available|not found)",
                r"not our customer",
                r"no mailbox here",
                r"recipnotfound|recipientnotfound",
                # Office 365 directory-based edge blocking (5.4.1): no such recipient.
                r"recipient address rejected: access denied",
                r"benutzer (?:ist )?unbekannt",
                r"unbekannte[rn]? (?:benutzer|empfänger|adresse|e-mail-adresse)",
                r"empfänger(?:adresse)? (?:ist )?(?:unbekannt|ungültig|nicht vorhanden)",
                r"ungültige (?:empfänger(?:adresse)?|e-mail-adresse|adresse)",
                r"(?:postfach|mailbox|adresse|e-mail-adresse) (?:ist )?(?:nicht vorhanden|"
                r"existiert nicht|unbekannt)",
                r"kein(?:en)? (?:solche[rn]? )?(?:benutzer|postfach)",
                r"utilisateur (?:est )?inconnu",
                r"destinataire (?:est )?(?:inconnu|invalide|introuvable|inexistant)",
                r"adresse (?:(?:e-?mail|électronique) )?(?:est )?(?:inconnue|invalide|"
                r"introuvable|inexistante)",
                r"n'existe pas",
                r"bo[iî]te (?:aux lettres )?inexistante",
                r"compte inexistant",
            ),
        ),
        (
            "auth_failure",
            (
                r"\bdmarc\b",
                r"\bspf\b",
                r"\bdkim\b",
                r"unauthenticated",
                r"not authenticated",
                r"authentication (?:failed|required|level)",
                r"reverse dns",
                r"\bptr\b",
            ),
        ),
        (
            "spam_block",
            (
                r"\bspam\b",
                r"block ?list(?:ed)?",
                r"black ?list(?:ed)?",
                r"blocked using",
                r"listed (?:at|in|on)",
                r"spamhaus|spamcop|barracuda|sorbs",
                r"banned",
                r"(?:poor|bad|low) reputation",
                r"unsolicited",
                r"junk",
                r"\(BL\)",
                r"tosa@rx\.t-online\.de",
                r"OFR(?:004)?_1\d\d",
            ),
        ),
        (
            "rate_limited",
            (
                r"rate limit",
                r"too many (?:connections|messages|mails|emails|recipients)",
                r"throttl",
                r"try (?:again )?later",
                r"zu viele",
                r"trop de",
                r"temporarily deferred",
            ),
        ),
        (
            "content_rejected",
            (
                r"virus",
                r"malware",
                r"message (?:is )?too (?:large|big)",
                r"size limit",
                r"message size",
                r"content (?:rejected|refused|filter)",
                r"attachment",
            ),
        ),
        (
            "policy_block",
            (
                r"relay(?:ing)? (?:access )?(?:denied|not permitted)",
                r"policy",
                r"not (?:permitted|authorized|allowed)",
                r"access denied",
                r"refused",
                r"rejected",
                r"blocked",
            ),
        ),
    )
)
# The plain-text rules that also count as permanent when the text gives no code at all:
# "user unknown" is permanent whether or not the message says 550 (INDUSTRY-4).
_PERMANENT_WITHOUT_CODE = HARD_REASONS


def find_enhanced_code(text: str) -> str:
    """The first RFC 3463 enhanced status code in a text (`5.1.1`), or ''."""
    match = ENHANCED_CODE.search(text)
    return ".".join(match.groups()) if match else ""


def find_smtp_code(text: str) -> str:
    """The first SMTP reply code in a text (`550`), or ''."""
    match = SMTP_CODE.search(text)
    return match.group(1) if match else ""


def reason_from_text(text: str) -> str:
    """The reason a diagnostic text gives in English, German or French; `other` if none."""
    for reason, pattern in _TEXT_RULES:
        if pattern.search(text):
            return reason
    return "other"


def _sender_side_reason_from_text(text: str) -> str:
    for reason, pattern in _TEXT_RULES:
        if reason in SENDER_SIDE_REASONS and pattern.search(text):
            return reason
    return "policy_block"


def classify(status: str, diagnostic: str = "") -> Classification:
    """INDUSTRY-4: the reason, hard/soft and sender-side flag of one failed recipient.

    `status` is an enhanced code (`5.1.1`), a reply code (`550`) or ''; the code is also
    looked for in the diagnostic when `status` gives none.
    """
    status = (status or "").strip()
    diagnostic = diagnostic or ""
    enhanced = find_enhanced_code(status) or find_enhanced_code(diagnostic)
    basic = find_smtp_code(status) or find_smtp_code(diagnostic)
    klass = int(enhanced[0]) if enhanced else int(basic[0]) if basic else 0
    if klass == 2:
        return Classification("other", hard=False, sender_side=False)
    subject, detail = (int(n) for n in enhanced.split(".")[1:]) if enhanced else (0, 0)

    if subject == 7:
        # INDUSTRY-4: every 5.7.x / 4.7.x is a policy or authentication rejection.
        reason = _X7_BY_DETAIL.get(detail) or _sender_side_reason_from_text(diagnostic)
        if reason == "policy_block" and detail in (0, 1):
            reason = _sender_side_reason_from_text(diagnostic)
    elif subject == 1 and detail == 10:
        # RFC 7505 null MX; Office 365 also uses it for "recipient not found".
        reason = "domain_unknown" if re.search(r"null mx", diagnostic, re.I) else "user_unknown"
    elif (subject, detail) in _BY_CODE:
        reason = _BY_CODE[subject, detail]
    else:
        reason = reason_from_text(diagnostic)
        if klass == 4 and reason == "other" and subject == 0 and basic == "421":
            reason = "rate_limited"
    if klass == 0:
        # No code anywhere: a plain-text bounce; only its words tell whether it is final.
        klass = 5 if reason in _PERMANENT_WITHOUT_CODE else 4
    sender_side = subject == 7 or reason in SENDER_SIDE_REASONS
    hard = klass == 5 and reason in HARD_REASONS and not sender_side
    return Classification(reason, hard=hard, sender_side=sender_side)


def judge(
    recipient: str, status: str, diagnostic: str, action: str = "failed", **found: str
) -> RecipientResult:
    """One recipient's result, classified; only a final failure bounces (a delay warning is
    news, never hard). `found` carries the DSN's Original-Recipient and Remote-MTA."""
    verdict = classify(status, diagnostic)
    return RecipientResult(
        recipient=recipient,
        status=status,
        reason=verdict.reason,
        hard=verdict.hard and action == "failed",
        sender_side=verdict.sender_side,
        diagnostic=diagnostic,
        action=action,
        **found,
    )
