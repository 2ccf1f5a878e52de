"""What an inbound message is: pure functions over its headers and text (UNSUB-3).

Replies are read in German, English and French. Only the part the person wrote counts:
quoted lines and everything after a "wrote:" line are the original mailing, which itself
carries the word "unsubscribe" in its footer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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
