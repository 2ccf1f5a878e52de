"""A campaign's report: the page with its charts and tables, and the same as CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from governance.reports import campaign_report, engagement_chart, report_csv
from tracking.selectors import campaign_engagement
from web.views.campaigns import get_campaign_for_user


@require_GET
@login_required
def campaign_report_page(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug, campaign_id)
    report = campaign_report(campaign)
    engagement = campaign_engagement(campaign)
    context = {
        "account": campaign.account,
        "section": "campaigns",
        "campaign": campaign,
        "report": report,
        "summary": report.summary,
        "rates": report.summary.shown(),
        "limits": report.limits_shown(),
        "charts": {**report.charts(), "engagement": engagement_chart(engagement)},
        "engagement": engagement,
    }
    return render(request, "web/campaigns/report.html", context)


@require_GET
@login_required
def campaign_report_csv(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug, campaign_id)
    response = HttpResponse(report_csv(campaign_report(campaign)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-report.csv"'
    return response
