"""What a campaign may do, as plain functions (no Django, no I/O): the compliance gate
(SEND-2), the states of a send (SEND-4) and the consent scope of a campaign (CONSENT-5)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from contacts.rules import LegalBasis

# CONSENT-1: the only bases under which a contact may be mailed.
LEGAL_BASES = frozenset(LegalBasis)


class CampaignKind(StrEnum):
    REGULAR = "regular"
    # CONSENT-5: advertising for products similar to those bought; existing customers get it.
    SIMILAR_PRODUCTS = "similar_products"


class CampaignState(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"


# SEND-4: a send is started once, paused and resumed, cancelled; a finished one stays so.
TRANSITIONS: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.DRAFT: frozenset({CampaignState.SENDING}),
    CampaignState.SENDING: frozenset(
        {CampaignState.PAUSED, CampaignState.CANCELLED, CampaignState.FINISHED}
    ),
    CampaignState.PAUSED: frozenset({CampaignState.SENDING, CampaignState.CANCELLED}),
    CampaignState.CANCELLED: frozenset(),
    CampaignState.FINISHED: frozenset(),
}


def may_change_state(current: str, target: str) -> bool:
    return CampaignState(target) in TRANSITIONS[CampaignState(current)]


def scope_allows(kind: str, legal_basis: str) -> bool:
    """CONSENT-5: an existing_customer contact only receives similar-products campaigns."""
    return legal_basis != "existing_customer" or kind == CampaignKind.SIMILAR_PRODUCTS


def may_receive(
    *,
    status: str,
    subscribed: bool,
    suppressed: bool,
    legal_basis: str,
    kind: str,
    role_address: bool = False,
    refused_address: bool = False,
) -> bool:
    """SEND-3, invariant 1: status A, confirmed on a target list, not suppressed, scope fits;
    and whatever door created the contact, a legal basis (CONSENT-1), no role address
    (IMPORT-8) and no address the classification refuses (AUDIT-1: invalid, disposable,
    breaking its provider's rules; contacts.addresses).

    delivery.ledger.fill says the same in SQL for the start of a send."""
    return (
        status == "A"
        and subscribed
        and not suppressed
        and not role_address
        and not refused_address
        and legal_basis in LEGAL_BASES
        and scope_allows(kind, legal_basis)
    )


# Template names the body may use besides the contact's own fields.
REQUIRED_TAGS = ("unsubscribe_url", "imprint")
CONTACT_NAMES = frozenset({"first_name", "last_name", "email", "fields"})
KNOWN_NAMES = CONTACT_NAMES | frozenset(REQUIRED_TAGS)


class Service(StrEnum):
    """Which part of the platform refuses: the user sees who to ask."""

    ACCOUNTS = "accounts"  # the operator's review of the account
    ADMISSION = "admission"  # the list's audit, sample and attestation, or an operator's mark
    DOMAINS = "domains"  # the sender domain's DNS checks
    CAMPAIGNS = "campaigns"  # the campaign's own content
    SEND = "send"  # the user's confirmation at the start


@dataclass(frozen=True)
class ListFacts:
    name: str
    admitted: bool
    blocked: bool
    # Not admitted yet, but the send itself takes the list's next step: its first audit
    # (AUDIT-1: automatically before its first send) or its sample (AUDIT-2).
    step_at_send: bool = False
    # Why it is not admitted, from its audit, sample and attestation (admission app).
    reason: str = ""


@dataclass(frozen=True)
class SendFacts:
    """What the gate looks at, gathered once by campaigns.selectors.send_facts."""

    account_active: bool
    domain_reasons: tuple[str, ...]
    html_names: frozenset[str]
    text_names: frozenset[str]
    lists: tuple[ListFacts, ...]
    guidelines_ticked: bool
    template_error: str = ""
    # CONTENT-6: links on the operator's URL blocklist or a DNS domain blocklist.
    link_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refusal:
    service: Service
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} ({self.service})"


def gate(facts: SendFacts) -> list[Refusal]:
    """SEND-2: every reason the send is refused; empty when it may start."""
    refusals: list[Refusal] = []
    if not facts.account_active:
        refusals.append(Refusal(Service.ACCOUNTS, "the account is not active (ACCOUNT-1)"))
    refusals += [Refusal(Service.DOMAINS, reason) for reason in facts.domain_reasons]
    if facts.template_error:
        refusals.append(Refusal(Service.CAMPAIGNS, facts.template_error))
    else:
        for tag, requirement in (("unsubscribe_url", "CONTENT-1"), ("imprint", "CONTENT-2")):
            for part, names in (("HTML", facts.html_names), ("text", facts.text_names)):
                if tag not in names:
                    refusals.append(
                        Refusal(
                            Service.CAMPAIGNS,
                            f"the {part} body lacks {{{{ {tag} }}}} ({requirement})",
                        )
                    )
    refusals += [Refusal(Service.CAMPAIGNS, reason) for reason in facts.link_reasons]
    if not facts.lists:
        refusals.append(Refusal(Service.CAMPAIGNS, "the campaign has no target list"))
    for lst in facts.lists:
        if lst.blocked:
            refusals.append(Refusal(Service.ADMISSION, f"the list {lst.name!r} is blocked"))
        elif not lst.admitted and not lst.step_at_send:
            why = f": {lst.reason}" if lst.reason else ""
            refusals.append(
                Refusal(Service.ADMISSION, f"the list {lst.name!r} is not admitted (AUDIT-1){why}")
            )
    if not facts.guidelines_ticked:
        refusals.append(
            Refusal(Service.SEND, "the anti-spam guideline checkbox is not ticked (SEND-1)")
        )
    return refusals


# SEND-4: how far ahead a send may be scheduled.
MAX_SCHEDULE_AHEAD = timedelta(days=366)


def scheduled_instant(when: datetime, zone: str) -> datetime:
    """A send time as given: a wall-clock time (no offset) is read in the account's zone."""
    if when.tzinfo is not None:
        return when
    return when.replace(tzinfo=ZoneInfo(zone))


def schedule_problem(when: datetime, now: datetime) -> str:
    """Why a send may not be scheduled at `when` ('' if it may)."""
    if when <= now:
        return "the send time has passed"
    if when - now > MAX_SCHEDULE_AHEAD:
        return "a send is scheduled at most a year ahead"
    return ""


# Templates: the name of a layout's content area, where a campaign's own text goes.
CONTENT_AREA = "content"
_CONTENT_TAG = re.compile(r"\{\{-?\s*content\s*-?\}\}")


def content_areas(source: str) -> int:
    """How many content areas (`{{ content }}`) a template's source has."""
    return len(_CONTENT_TAG.findall(source))


def fill_content_area(layout: str, content: str) -> str:
    """The layout with its content area replaced by a campaign's own content."""
    return _CONTENT_TAG.sub(lambda _match: content, layout, count=1)
