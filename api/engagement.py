"""/campaigns/{id}/engagement: opens and clicks of consenting recipients (CONSENT-4)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.campaigns import get_campaign_for_key
from api.schemas import ERRORS
from tracking.selectors import campaign_engagement

router = Router(tags=["campaigns"])


class HourOut(Schema):
    hour: datetime
    opens: int
    clicks: int


class LinkOut(Schema):
    url: str
    clicks: int = Field(description="clicks by persons")
    messages: int = Field(description="distinct messages whose link was clicked by a person")
    machine_clicks: int


class EngagementOut(Schema):
    delivered: int = Field(description="messages handed over")
    tracked: int = Field(
        description="of those, to contacts who consent to tracking, in a tracking campaign"
    )
    opened: int = Field(description="messages opened by a person (a click counts as an open)")
    clicked: int
    open_rate: float | None = Field(description="opened / tracked; null while nothing is tracked")
    click_rate: float | None
    machine_opens: int = Field(description="privacy proxies and scanners: not in the rates")
    machine_clicks: int
    machine_reasons: dict[str, int] = Field(
        description="privacy_proxy, scanner, link_sweep: machine events by reason"
    )
    timeline: list[HourOut] = Field(description="opens and clicks by persons, per hour (UTC)")
    links: list[LinkOut]


@router.get(
    "/campaigns/{campaign_id}/engagement",
    response={200: EngagementOut, **ERRORS},
    summary="Opens and clicks of a campaign",
    description="Counted only for contacts who agreed to tracking (CONSENT-4); machine opens "
    "and clicks apart. Everyone else appears only in the delivery counts.",
)
def get_engagement(request: HttpRequest, campaign_id: int) -> EngagementOut:
    report = campaign_engagement(get_campaign_for_key(request, campaign_id))
    totals = report.totals
    return EngagementOut(
        delivered=totals.delivered,
        tracked=totals.tracked,
        opened=totals.opened,
        clicked=totals.clicked,
        open_rate=totals.open_rate,
        click_rate=totals.click_rate,
        machine_opens=totals.machine_opens,
        machine_clicks=totals.machine_clicks,
        machine_reasons=report.machine_reasons,
        timeline=[HourOut(hour=h, opens=o, clicks=c) for h, o, c in report.timeline],
        links=[
            LinkOut(url=u, clicks=c, messages=m, machine_clicks=x) for u, c, m, x in report.links
        ],
    )
