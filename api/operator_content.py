"""/operator/blocklist/urls and /operator/campaigns/{id}/stop: the operator's hand on
content (CONTENT-6). Authenticated like every operator endpoint (api.operator)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.operator import OPERATOR_AUTH, OPERATOR_ERRORS, operator_of
from core.actors import Actor
from policy import services
from policy.selectors import blocked_urls

router = Router(tags=["operator"], auth=OPERATOR_AUTH)


class BlockedUrlOut(Schema):
    id: int
    pattern: str = Field(description="a host (and every name below it), or a host and path")
    note: str
    created_at: datetime
    created_by: str


class BlockedUrlIn(Schema):
    pattern: str = Field(max_length=500, description="bad.example or files.example/path")
    note: str = Field("", max_length=200)
    reason: str = Field("", max_length=500, description="why (kept in the audit log)")


class BlockedUrlRemoveIn(Schema):
    pattern: str = Field(max_length=500)
    reason: str = Field("", max_length=500, description="why (kept in the audit log)")


class ContentStopIn(Schema):
    reason: str = Field(
        min_length=1, max_length=500, description="what breaks the guidelines; the account sees it"
    )


class ContentStopOut(Schema):
    campaign: int
    state: str
    reason: str


def _out(entry: Any) -> dict[str, Any]:
    fields = ("id", "pattern", "note", "created_at", "created_by")
    return {f: getattr(entry, f) for f in fields}


@router.get(
    "/operator/blocklist/urls",
    response={200: list[BlockedUrlOut], **OPERATOR_ERRORS},
    summary="The URL blocklist",
)
def list_blocked_urls(request: HttpRequest) -> list[dict[str, Any]]:
    operator_of(request, "policy.view_blockedurl")
    return [_out(entry) for entry in blocked_urls()]


@router.post(
    "/operator/blocklist/urls",
    response={201: BlockedUrlOut, **OPERATOR_ERRORS},
    summary="Block a host or URL in every campaign",
)
def add_blocked_url(request: HttpRequest, payload: BlockedUrlIn) -> tuple[int, dict[str, Any]]:
    """201 with the entry; 409 when it is already there; 422 for no host or URL."""
    user = operator_of(request, "policy.add_blockedurl")
    entry = services.add_blocked_url(
        payload.pattern, by=Actor.for_user(user, request), note=payload.note, reason=payload.reason
    )
    return 201, _out(entry)


@router.delete(
    "/operator/blocklist/urls",
    response={204: None, **OPERATOR_ERRORS},
    summary="Take a host or URL off the blocklist",
)
def remove_blocked_url(request: HttpRequest, payload: BlockedUrlRemoveIn) -> tuple[int, None]:
    """204; 404 when it is not on the list."""
    user = operator_of(request, "policy.delete_blockedurl")
    services.remove_blocked_url(
        payload.pattern, by=Actor.for_user(user, request), reason=payload.reason
    )
    return 204, None


@router.post(
    "/operator/campaigns/{campaign_id}/stop",
    response={200: ContentStopOut, **OPERATOR_ERRORS},
    summary="Stop a send for its content",
)
def stop_for_content(
    request: HttpRequest, campaign_id: int, payload: ContentStopIn
) -> dict[str, Any]:
    """The send is cancelled; the account sees the reason on the campaign. 404 for no such
    campaign; 409 when it has no running or paused send."""
    from delivery.sends import stop_for_content as stop

    user = operator_of(request, "campaigns.change_campaign")
    campaign = stop(campaign_id, reason=payload.reason, actor=Actor.for_user(user, request))
    return {"campaign": campaign.pk, "state": campaign.state, "reason": campaign.pause_reason}
