"""/campaigns: drafts, the compliance gate, test sends, starting a send and its progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts.services import TestSendLimitReached
from api.auth import account_of, actor_of
from api.errors import error_body
from api.schemas import ERRORS, ErrorOut
from campaigns import guidelines, layouts, selectors, services
from campaigns.models import Campaign
from campaigns.rules import CampaignKind, CampaignState
from contacts.segments import segment_of
from contacts.selectors import contact_by_address, list_of
from core.errors import InvalidInput, NotFound
from delivery import audience, sends
from delivery.selectors import progress as send_progress

router = Router(tags=["campaigns"])


class RefusalOut(Schema):
    service: str = Field(description="who refuses: accounts, admission, domains, campaigns, send")
    reason: str


class CampaignOut(Schema):
    id: int
    name: str
    subject: str
    from_name: str
    from_address: str
    reply_to: str
    kind: CampaignKind
    language: str
    tracking: bool
    state: CampaignState
    pause_reason: str = Field(
        description="Why the platform paused the send (its sender domain failed its checks)"
    )
    lists: list[int]
    segment: int | None = Field(description="the segment narrowing the lists' audience")
    mailing_id: str = Field(description="X-Mailing-ID of every message (CONTENT-4)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    scheduled_at: datetime | None = Field(
        description="when a scheduled draft starts by itself (null: not scheduled)"
    )
    schedule_held_reason: str = Field(
        description="why the schedule could not start at its time (empty: not held)"
    )
    gate: list[RefusalOut] = Field(
        description="SEND-2: every reason a send would be refused (the guideline tick aside)"
    )
    guidelines: str | None = Field(
        None,
        description="ACCOUNT-4: the platform's anti-spam guidelines, set before a list's first "
        "send or after a new version: show them; the send's confirm_guidelines accepts them",
    )


class CampaignIn(Schema):
    name: str = Field(max_length=200)
    subject: str = Field(max_length=300, description="a Jinja2 template")
    from_name: str = Field(max_length=100)
    from_address: str = Field(max_length=254, description="on a verified sender domain")
    reply_to: str = Field("", max_length=254)
    html: str = Field(
        "",
        description="Jinja2; needs {{ unsubscribe_url }} and {{ imprint }} (empty with a template)",
    )
    text: str = Field("", description="empty: generated from the HTML")
    template: str = Field(
        "",
        max_length=40,
        description="a layout to start from: a starter's name (letter, newsletter, "
        "announcement) or a saved template's id; html and text are then the layout with "
        "`content` in its content area",
    )
    content: str = Field("", description="HTML for the layout's content area")
    lists: list[int] = Field(default_factory=list)
    segment: int | None = Field(None, description="only the lists' contacts in this segment")
    kind: CampaignKind = CampaignKind.REGULAR
    language: str = Field("de", description="de, en or fr: the imprint footer's language")
    tracking: bool = False


class SegmentChoiceIn(Schema):
    segment: int | None = Field(description="a segment's id, or null for the whole lists")


class LeftOutOut(Schema):
    reason: str = Field(
        description="deleted, unsubscribed, bounced, pending, untrusted, role, no_basis, "
        "scope, problem or stale"
    )
    label: str
    contacts: int


class AudienceOut(Schema):
    considered: int = Field(description="contacts on the target lists (in the segment)")
    recipients: int = Field(description="who the send would reach if it started now")
    left_out: list[LeftOutOut] = Field(description="the others, by the first reason that applies")


class SendIn(Schema):
    confirm_guidelines: bool = Field(
        description="SEND-1: the user confirms the anti-spam guidelines; recorded as evidence"
    )


class ScheduleIn(Schema):
    at: datetime = Field(
        description="when the send starts: a time without offset is read in the account's "
        "time zone (GET /account/time-zone)"
    )
    confirm_guidelines: bool = Field(
        description="SEND-1: the user confirms the anti-spam guidelines; recorded as evidence"
    )


class DuplicateIn(Schema):
    name: str = Field("", max_length=200, description="empty: the name with (copy)")


class PreviewOut(Schema):
    subject: str
    html: str = Field(description="as rendered for the contact (untrusted: show it sandboxed)")
    text: str


class SendOut(Schema):
    recipients: int


class TestSendIn(Schema):
    addresses: list[str] = Field(
        min_length=1,
        max_length=100,
        description="members' login addresses or addresses a member confirmed by link",
    )


class TestSendOut(Schema):
    address: str
    outcome: str


class ProgressOut(Schema):
    state: CampaignState
    counts: dict[str, int] = Field(
        description="ledger rows per state: queued, sending, sent, deferred, failed, unknown, "
        "skipped"
    )
    sent_last_minute: int
    failures: dict[str, int] = Field(
        description="failed rows by class: hard (the contact became B), soft, sender (a "
        "policy or authentication refusal of our mail: counts against the send's health)"
    )


def campaign_out(campaign: Campaign) -> CampaignOut:
    return CampaignOut(
        id=campaign.pk,
        name=campaign.name,
        subject=campaign.subject,
        from_name=campaign.from_name,
        from_address=campaign.from_address,
        reply_to=campaign.reply_to,
        kind=CampaignKind(campaign.kind),
        language=campaign.language,
        tracking=campaign.tracking,
        state=CampaignState(campaign.state),
        pause_reason=campaign.pause_reason,
        lists=[lst.pk for lst in campaign.lists.all()],
        segment=campaign.segment_id,
        mailing_id=campaign.mailing_id,
        created_at=campaign.created_at,
        started_at=campaign.started_at,
        finished_at=campaign.finished_at,
        scheduled_at=campaign.scheduled_at,
        schedule_held_reason=campaign.schedule_held_reason,
        gate=[
            RefusalOut(service=r.service, reason=r.reason)
            for r in selectors.gate_result(campaign, guidelines_ticked=True)
        ]
        if campaign.state == CampaignState.DRAFT
        else [],
        guidelines=guidelines.wording().text
        if campaign.state == CampaignState.DRAFT and guidelines.due_before_send(campaign, None)
        else None,
    )


def get_campaign_for_key(request: HttpRequest, campaign_id: int) -> Campaign:
    """The campaign if it belongs to the key's account; 404 otherwise (PRIVACY-2)."""
    return selectors.campaign_of(account_of(request), campaign_id)


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS}, summary="List campaigns")
def list_campaigns(request: HttpRequest) -> list[CampaignOut]:
    return [campaign_out(c) for c in selectors.campaigns_of(account_of(request))]


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, summary="Create a draft")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> tuple[int, CampaignOut]:
    account = account_of(request)
    values = payload.dict()
    lists = [list_of(account, list_id) for list_id in values.pop("lists")]
    segment_id = values.pop("segment")
    segment = segment_of(account, segment_id) if segment_id is not None else None
    template, content = values.pop("template"), values.pop("content")
    if template:
        values.update(layouts.compose(layouts.layout_of(account, template), content))
    campaign = services.create_campaign(
        account, actor=actor_of(request), lists=lists, segment=segment, **values
    )
    return 201, campaign_out(selectors.campaign_of(account, campaign.pk))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS}, summary="A campaign")
def get_campaign(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return campaign_out(get_campaign_for_key(request, campaign_id))


@router.put(
    "/campaigns/{campaign_id}/segment",
    response={200: CampaignOut, **ERRORS},
    summary="Target a segment of the lists, or the whole lists",
)
def set_segment(request: HttpRequest, campaign_id: int, payload: SegmentChoiceIn) -> CampaignOut:
    """A draft only (409 `refused` otherwise)."""
    account = account_of(request)
    campaign = get_campaign_for_key(request, campaign_id)
    segment = segment_of(account, payload.segment) if payload.segment is not None else None
    services.update_campaign(campaign, actor=actor_of(request), segment=segment)
    return campaign_out(selectors.campaign_of(account, campaign.pk))


@router.get(
    "/campaigns/{campaign_id}/audience",
    response={200: AudienceOut, **ERRORS},
    summary="Who the send would reach, and why the others are left out",
)
def get_audience(request: HttpRequest, campaign_id: int) -> AudienceOut:
    found = audience.breakdown(get_campaign_for_key(request, campaign_id))
    return AudienceOut(
        considered=found.considered,
        recipients=found.recipients,
        left_out=[
            LeftOutOut(reason=key, label=label, contacts=n) for key, label, n in found.reasons()
        ],
    )


@router.post(
    "/campaigns/{campaign_id}/send",
    response={202: SendOut, **ERRORS},
    summary="Start the send (SEND-1/2)",
)
def start_send(request: HttpRequest, campaign_id: int, payload: SendIn) -> tuple[int, SendOut]:
    """Refused with 409 `refused` and every reason in `details` unless the gate passes."""
    recipients = sends.start_send(
        get_campaign_for_key(request, campaign_id),
        actor=actor_of(request),
        guidelines_confirmed=payload.confirm_guidelines,
    )
    return 202, SendOut(recipients=recipients)


@router.post(
    "/campaigns/{campaign_id}/test",
    response={200: list[TestSendOut], 429: ErrorOut, **ERRORS},
    summary="Send a marked test mail to the account's own addresses",
)
def test_send(
    request: HttpRequest, campaign_id: int, payload: TestSendIn
) -> list[TestSendOut] | tuple[int, dict[str, Any]]:
    """SEND-2, no relay: only to members' login addresses and addresses a member confirmed
    by link (409 `refused` names the others), From a verified sender domain, DKIM-signed,
    never from a pending or suspended account; 429 `throttled` past the policy's
    `test_send.max_per_day` recipients a day."""
    try:
        outcomes = sends.send_test(
            get_campaign_for_key(request, campaign_id), payload.addresses, actor=actor_of(request)
        )
    except TestSendLimitReached as exc:
        return 429, error_body(exc.code, exc.message, exc.details)
    return [TestSendOut(address=a, outcome=o) for a, o in outcomes]


@router.get(
    "/campaigns/{campaign_id}/progress",
    response={200: ProgressOut, **ERRORS},
    summary="Live counts of a send",
)
def get_progress(request: HttpRequest, campaign_id: int) -> ProgressOut:
    campaign = get_campaign_for_key(request, campaign_id)
    progress = send_progress(campaign)
    return ProgressOut(
        state=CampaignState(campaign.state),
        counts=progress.counts,
        sent_last_minute=progress.per_minute,
        failures=progress.failures,
    )


def _control(request: HttpRequest, campaign_id: int, action: str) -> ProgressOut:
    campaign = get_campaign_for_key(request, campaign_id)
    control = {
        "pause": sends.pause_send,
        "resume": sends.resume_send,
        "cancel": sends.cancel_send,
    }[action]
    control(campaign, actor=actor_of(request))
    return get_progress(request, campaign_id)


@router.post(
    "/campaigns/{campaign_id}/pause", response={200: ProgressOut, **ERRORS}, summary="Pause"
)
def pause(request: HttpRequest, campaign_id: int) -> ProgressOut:
    """SEND-4: workers stop handing over within a second."""
    return _control(request, campaign_id, "pause")


@router.post(
    "/campaigns/{campaign_id}/resume", response={200: ProgressOut, **ERRORS}, summary="Resume"
)
def resume(request: HttpRequest, campaign_id: int) -> ProgressOut:
    return _control(request, campaign_id, "resume")


@router.post(
    "/campaigns/{campaign_id}/cancel", response={200: ProgressOut, **ERRORS}, summary="Cancel"
)
def cancel(request: HttpRequest, campaign_id: int) -> ProgressOut:
    return _control(request, campaign_id, "cancel")


@router.post(
    "/campaigns/{campaign_id}/duplicate",
    response={201: CampaignOut, **ERRORS},
    summary="A new draft with this campaign's content, sender and lists",
)
def duplicate(
    request: HttpRequest, campaign_id: int, payload: DuplicateIn
) -> tuple[int, CampaignOut]:
    copy = services.duplicate_campaign(
        get_campaign_for_key(request, campaign_id), actor=actor_of(request), name=payload.name
    )
    return 201, campaign_out(selectors.campaign_of(account_of(request), copy.pk))


@router.post(
    "/campaigns/{campaign_id}/schedule",
    response={200: CampaignOut, **ERRORS},
    summary="Schedule the send, or change its time (SEND-4)",
)
def schedule(request: HttpRequest, campaign_id: int, payload: ScheduleIn) -> CampaignOut:
    """The gate is checked now (409 `refused` with every reason) and again at the time; a
    send the gate refuses then is held, `schedule_held_reason` says why. 422 for a time
    that has passed or lies over a year ahead."""
    campaign = services.schedule_send(
        get_campaign_for_key(request, campaign_id),
        when=payload.at,
        actor=actor_of(request),
        guidelines_confirmed=payload.confirm_guidelines,
    )
    return campaign_out(selectors.campaign_of(account_of(request), campaign.pk))


@router.delete(
    "/campaigns/{campaign_id}/schedule",
    response={200: CampaignOut, **ERRORS},
    summary="Cancel the schedule before the send starts",
)
def unschedule(request: HttpRequest, campaign_id: int) -> CampaignOut:
    campaign = services.unschedule_send(
        get_campaign_for_key(request, campaign_id), actor=actor_of(request)
    )
    return campaign_out(selectors.campaign_of(account_of(request), campaign.pk))


@router.get(
    "/campaigns/{campaign_id}/preview",
    response={200: PreviewOut, **ERRORS},
    summary="The campaign as a contact (or a sample contact) would get it",
)
def preview(request: HttpRequest, campaign_id: int, contact: str = "") -> PreviewOut:
    """`contact`: the address of one of the account's contacts (404 if it has none such);
    empty: sample data. 422 if the templates fail for this contact's data."""
    campaign = get_campaign_for_key(request, campaign_id)
    found = None
    if contact:
        found = contact_by_address(campaign.account, contact[:254])
        if found is None:
            raise NotFound("no contact with this address")
    try:
        rendered = selectors.preview(campaign, found)
    except Exception as exc:  # whatever the template raises for this contact's data
        raise InvalidInput(f"the campaign fails for this contact: {exc}") from None
    return PreviewOut(subject=rendered.subject, html=rendered.html, text=rendered.text)
