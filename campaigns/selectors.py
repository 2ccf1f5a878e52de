"""Read queries for campaigns, scoped to one account (PRIVACY-2), and what the gate reads."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from admission.selectors import gate_facts
from campaigns.imprint import Imprint
from campaigns.models import Campaign
from campaigns.render import CompiledCampaign, Rendered
from campaigns.rules import CampaignState, ListFacts, Refusal, SendFacts, gate
from core.errors import DomainError, NotFound
from policy.selectors import value

if TYPE_CHECKING:
    from accounts.models import Account
    from contacts.models import Contact, List


def campaigns_of(account: Account) -> QuerySet[Campaign]:
    return Campaign.objects.filter(account=account).prefetch_related("lists")


def campaign_of(account: Account, campaign_id: int) -> Campaign:
    found = campaigns_of(account).select_related("account").filter(pk=campaign_id).first()
    if found is None:
        raise NotFound("no such campaign")
    return found


def imprint_of(account: Account) -> Imprint:
    return Imprint(
        name=account.imprint_name,
        address=account.imprint_address,
        contact=account.imprint_contact,
        register=account.imprint_register,
        vat_id=account.imprint_vat_id,
        representative=account.imprint_representative,
    )


def compiled_campaign(campaign: Campaign) -> CompiledCampaign:
    """The campaign's templates compiled once, for every recipient of a batch; the same
    sources give the same compiled campaign, kept for the send's later batches (CSS
    inlining and compiling take ~13 ms)."""
    return _compiled(
        campaign.subject,
        campaign.html,
        campaign.text,
        imprint_of(campaign.account),
        campaign.language,
        max_output_of(campaign.account),
    )


def max_output_of(account: Account) -> int:
    """The policy's cap on a rendered part, for this account (CONTENT-1)."""
    return int(value("template.max_output", account))


@functools.lru_cache(maxsize=16)
def _compiled(
    subject: str, html: str, text: str, imprint: Imprint, language: str, max_output: int
) -> CompiledCampaign:
    return CompiledCampaign(
        subject=subject,
        html=html,
        text=text,
        imprint=imprint,
        language=language,
        max_output=max_output,
    )


def send_facts(campaign: Campaign, *, guidelines_ticked: bool) -> SendFacts:
    from campaigns.imprint import missing_fields
    from campaigns.linkcheck import link_reasons
    from domains.selectors import sending_block_reasons

    account = campaign.account
    template_error = ""
    html_names: frozenset[str] = frozenset()
    text_names: frozenset[str] = frozenset()
    try:
        compiled = compiled_campaign(campaign)
        html_names, text_names = compiled.html_names, compiled.text_names
    except DomainError as exc:
        template_error = exc.message
    missing = missing_fields(imprint_of(account))
    return SendFacts(
        account_active=account.is_active,
        domain_reasons=tuple(sending_block_reasons(account, campaign.from_address)),
        html_names=html_names,
        text_names=text_names,
        lists=tuple(_list_facts(lst) for lst in campaign.lists.all()),
        guidelines_ticked=guidelines_ticked,
        template_error=template_error,
        link_reasons=tuple(link_reasons(campaign)),
        imprint_missing=tuple(missing),
    )


def _list_facts(lst: List) -> ListFacts:
    """SEND-2: the list's admission as its audit, sample and attestation (or an operator)
    decided it (AUDIT-1/2/4)."""
    if lst.blocked:
        return ListFacts(lst.name, lst.admitted, True)
    admitted, step_at_send, reason = gate_facts(lst)
    return ListFacts(lst.name, admitted, False, step_at_send=step_at_send, reason=reason)


def gate_result(campaign: Campaign, *, guidelines_ticked: bool) -> list[Refusal]:
    """SEND-2: every reason this campaign may not be sent now."""
    return gate(send_facts(campaign, guidelines_ticked=guidelines_ticked))


def due_schedules(now: datetime) -> QuerySet[Campaign]:
    """SEND-4: scheduled drafts whose time has come and that are not held."""
    return Campaign.objects.filter(
        state=CampaignState.DRAFT, scheduled_at__lte=now, schedule_held_at__isnull=True
    ).order_by("scheduled_at", "pk")


def scheduled_of(account: Account) -> QuerySet[Campaign]:
    """The account's drafts waiting for their send time (held ones included)."""
    return (
        campaigns_of(account)
        .filter(state=CampaignState.DRAFT, scheduled_at__isnull=False)
        .order_by("scheduled_at", "pk")
    )


def held_schedules(account: Account) -> QuerySet[Campaign]:
    """Schedules that could not start (the gate refused them at their time), each with its
    reason: the dashboard's notice until the campaign is scheduled again or unscheduled."""
    return (
        campaigns_of(account)
        .filter(state=CampaignState.DRAFT, schedule_held_at__isnull=False)
        .order_by("-schedule_held_at", "pk")
    )


SAMPLE_CONTACT = {"first_name": "Anna", "last_name": "Muster", "email": "anna@example.org"}


def preview(campaign: Campaign, contact: Contact | None = None) -> Rendered:
    """The campaign as `contact` (of its account) would get it, or as a sample contact;
    the unsubscribe link goes nowhere."""
    data: dict[str, Any] = dict(SAMPLE_CONTACT, fields={})
    if contact is not None:
        if contact.account_id != campaign.account_id:
            raise NotFound("no such contact")
        data = {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.address,
            "fields": dict(contact.fields or {}),
        }
    return compiled_campaign(campaign).render(data, unsubscribe_url="#", objection=False)
