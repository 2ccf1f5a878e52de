"""A campaign's send time (set, changed, cancelled before it starts), its duplicate, and the
account's time zone in which send times are given."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as accounts
from campaigns import selectors, services
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from core.actors import Actor
from core.errors import DomainError, NotFound
from web.access import MANAGERS, get_account_for_user
from web.errors import raise_for_http

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def schedule_context(campaign: Campaign) -> dict[str, Any]:
    """What the campaign page shows of its schedule, in the account's time zone."""
    zone = ZoneInfo(campaign.account.time_zone)
    scheduled = campaign.state == CampaignState.DRAFT and campaign.scheduled_at is not None
    suggested = (timezone.now() + timedelta(hours=1)).astimezone(zone)
    return {
        "zone": campaign.account.time_zone,
        "at": (
            f"{campaign.scheduled_at.astimezone(zone):%Y-%m-%d %H:%M:%S}"
            if scheduled and campaign.scheduled_at
            else ""
        ),
        "held_reason": campaign.schedule_held_reason if scheduled else "",
        "suggested": suggested.replace(minute=0, second=0).strftime(LOCAL_FORMAT),
    }


def get_campaign_for_user(request: HttpRequest, slug: str, campaign_id: int) -> Campaign:
    """The campaign if the user works in its account; 404 for anyone else's (PRIVACY-2)."""
    account = get_account_for_user(request, slug)
    try:
        return selectors.campaign_of(account, campaign_id)
    except NotFound:
        raise Http404("no such campaign") from None


def _show_error(request: HttpRequest, exc: DomainError) -> None:
    raise_for_http(exc)
    messages.error(request, "; ".join([exc.message, *exc.details]))


@require_POST
@login_required
def campaign_schedule(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    """SEND-4: the send starts by itself at a time in the account's zone; the gate (and the
    guideline tick) now, and again then."""
    campaign = get_campaign_for_user(request, slug, campaign_id)
    given = request.POST.get("at", "")[:40]
    try:
        when = datetime.fromisoformat(given)
    except ValueError:
        messages.error(request, _("Give the send time as a date and a time."))
        return redirect("web:campaign", slug, campaign_id)
    try:
        scheduled = services.schedule_send(
            campaign,
            when=when,
            actor=Actor.for_user(request.user, request),
            guidelines_confirmed=request.POST.get("confirm_for_schedule") == "on",
            language=request.LANGUAGE_CODE,
        )
    except DomainError as exc:
        _show_error(request, exc)
    else:
        at = schedule_context(scheduled)["at"]
        messages.success(
            request,
            _("Scheduled: the send starts by itself at %(at)s (%(zone)s).")
            % {"at": at, "zone": scheduled.account.time_zone},
        )
    return redirect("web:campaign", slug, campaign_id)


@require_POST
@login_required
def campaign_unschedule(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug, campaign_id)
    try:
        services.unschedule_send(campaign, actor=Actor.for_user(request.user, request))
    except DomainError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The schedule is cancelled; the campaign is a draft."))
    return redirect("web:campaign", slug, campaign_id)


@require_POST
@login_required
def campaign_duplicate(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug, campaign_id)
    try:
        copy = services.duplicate_campaign(campaign, actor=Actor.for_user(request.user, request))
    except DomainError as exc:
        _show_error(request, exc)
        return redirect("web:campaign", slug, campaign_id)
    messages.success(request, _("A copy was made as a new draft."))
    return redirect("web:campaign", slug, copy.pk)


@require_POST
@login_required
def time_zone(request: HttpRequest, slug: str) -> HttpResponse:
    """The zone of the account's send times; owners and operators set it."""
    account = get_account_for_user(request, slug, roles=MANAGERS)
    try:
        accounts.set_time_zone(account, request.POST.get("time_zone", "")[:64])
    except DomainError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("Time zone saved."))
    return redirect("web:imprint", slug)
