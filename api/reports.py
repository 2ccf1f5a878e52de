"""/campaigns/{id}/report: the numbers of a campaign's report page (issue 23), as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.campaigns import get_campaign_for_key
from api.schemas import ERRORS
from governance.reports import campaign_report

router = Router(tags=["campaigns"])


class RatesOut(Schema):
    delivery: float | None = Field(description="delivered of handed over; null: none")
    bounce: float | None
    hard_bounce: float | None
    complaint: float | None
    unsubscribe: float | None
    open: float | None = Field(description="of consenting recipients; null: not counted")
    click: float | None = Field(description="of consenting recipients; null: not counted")


class SummaryOut(Schema):
    id: int
    name: str
    state: str
    started_at: datetime | None
    finished_at: datetime | None
    recipients: int
    handed_over: int = Field(description="sent or refused at hand-over")
    delivered: int = Field(description="handed over, accepted, no bounce report since")
    hard_bounces: int
    soft_bounces: int
    sender_refusals: int = Field(description="refused as sender (policy, authentication)")
    complaints: int
    unsubscribes: int
    rates: RatesOut = Field(description="fractions (0.01 is 1 %)")


class LimitsOut(Schema):
    hard_bounce_rate: float | None
    complaint_rate: float | None
    min_volume: int = Field(description="rates are judged from this many messages on")


class TimelineOut(Schema):
    at: str = Field(description="start of the step, local time")
    handed_over: int


class ReasonOut(Schema):
    reason: str = Field(description="user_unknown, mailbox_full, …, refused_at_hand_over")
    kind: str = Field(description="hard, soft or sender")
    count: int


class ProviderCountOut(Schema):
    provider: str
    count: int


class ChannelOut(Schema):
    channel: str = Field(description="one_click, page, mailto, preferences, complaint, …")
    count: int


class ProviderOut(Schema):
    provider: str
    handed_over: int
    hard_bounces: int
    soft_bounces: int
    complaints: int


class ReportOut(SummaryOut):
    limits: LimitsOut
    timeline_step: str = Field(description="minute, hour or day")
    timeline: list[TimelineOut]
    bounces_by_reason: list[ReasonOut]
    complaints_by_provider: list[ProviderCountOut]
    unsubscribes_by_channel: list[ChannelOut]
    providers: list[ProviderOut]
    compared: list[SummaryOut] = Field(description="the account's last campaigns, newest first")


@router.get(
    "/campaigns/{campaign_id}/report",
    response={200: ReportOut, **ERRORS},
    summary="A campaign's report",
)
def get_report(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Hand-overs over time, bounces by reason (hard and soft apart), complaints,
    unsubscribes by channel, per mailbox provider, the policy's limits and the account's
    last campaigns: the numbers of the report page and its CSV."""
    return campaign_report(get_campaign_for_key(request, campaign_id)).as_json()
