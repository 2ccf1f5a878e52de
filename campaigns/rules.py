"""What a campaign may do, as plain functions (no Django, no I/O): the compliance gate
(SEND-2), the states of a send (SEND-4) and the consent scope of a campaign (CONSENT-5)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    # The imprint's fields still empty, by their labels (accounts.rules).
    imprint_missing: tuple[str, ...] = ()


# The imprint's required fields (campaigns.imprint.missing_fields), as a user names them.
IMPRINT_FIELD_LABELS = {
    "name": gettext_lazy("company name"),
    "address": gettext_lazy("postal address"),
    "contact": gettext_lazy("contact (phone or email)"),
}
# Who refuses, in the user's words: they see whom to ask.
SERVICE_LABELS = {
    Service.ACCOUNTS: gettext_lazy("account review"),
    Service.ADMISSION: gettext_lazy("list admission"),
    Service.DOMAINS: gettext_lazy("sender domain"),
    Service.CAMPAIGNS: gettext_lazy("campaign content"),
    Service.SEND: gettext_lazy("your confirmation"),
}


@dataclass(frozen=True)
class Refusal:
    service: Service
    reason: str

    @property
    def label(self) -> str:
        return str(SERVICE_LABELS[self.service])

    def __str__(self) -> str:
        return f"{self.reason} ({self.label})"


def gate(facts: SendFacts) -> list[Refusal]:
    """SEND-2: every reason the send is refused, all at once; empty when it may start."""
    refusals: list[Refusal] = []
    if not facts.account_active:
        refusals.append(Refusal(Service.ACCOUNTS, _("the account is not active")))
    refusals += [Refusal(Service.DOMAINS, reason) for reason in facts.domain_reasons]
    if facts.template_error:
        refusals.append(Refusal(Service.CAMPAIGNS, facts.template_error))
    else:
        for tag in REQUIRED_TAGS:
            for part, names in ((_("HTML"), facts.html_names), (_("text"), facts.text_names)):
                if tag not in names:
                    text = _("the %(part)s body lacks the tag %(tag)s")
                    refusals.append(
                        Refusal(Service.CAMPAIGNS, text % {"part": part, "tag": f"{{{{ {tag} }}}}"})
                    )
    refusals += [Refusal(Service.CAMPAIGNS, reason) for reason in facts.link_reasons]
    if facts.imprint_missing:
        # Apart from the bodies' tags: a newcomer sees both at once (issue 23).
        text = _("the imprint lacks: %(fields)s (fill it in under Imprint)")
        refusals.append(
            Refusal(
                Service.CAMPAIGNS,
                text
                % {
                    "fields": ", ".join(
                        str(IMPRINT_FIELD_LABELS.get(f, f)) for f in facts.imprint_missing
                    )
                },
            )
        )
    if not facts.lists:
        refusals.append(Refusal(Service.CAMPAIGNS, _("the campaign has no target list")))
    for lst in facts.lists:
        if lst.blocked:
            text = _("the list “%(name)s” is blocked")
            refusals.append(Refusal(Service.ADMISSION, text % {"name": lst.name}))
        elif not lst.admitted and not lst.step_at_send:
            text = _("the list “%(name)s” is not admitted yet")
            why = f": {lst.reason}" if lst.reason else ""
            refusals.append(Refusal(Service.ADMISSION, text % {"name": lst.name} + why))
    if not facts.guidelines_ticked:
        refusals.append(Refusal(Service.SEND, _("the anti-spam guideline checkbox is not ticked")))
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
