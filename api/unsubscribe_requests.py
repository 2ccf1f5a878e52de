"""/unsubscribe-requests: unsubscribes received by phone, letter, mail or reply (UNSUB-2/3)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from api.auth import account_of, actor_of
from api.schemas import ERRORS
from contacts import selectors, services
from contacts.models import RequestChannel, RequestState, UnsubscribeRequest
from contacts.rules import request_urgency
from core.errors import InvalidInput

router = Router(tags=["unsubscribe requests"])


class UnsubscribeRequestOut(Schema):
    id: int
    address: str = Field(description="empty once the contact was deleted")
    channel: RequestChannel
    received_on: date
    due_on: date = Field(description="the deadline: 3 working days after received_on")
    state: RequestState = Field(description="open (surfaced from a reply), done or dismissed")
    urgency: str = Field(description="on_time, due (today or tomorrow), overdue, or closed")
    note: str
    contact_id: int | None
    created_at: datetime
    done_at: datetime | None


class UnsubscribeRequestIn(Schema):
    address: str = Field(min_length=3, max_length=254)
    channel: RequestChannel = Field(description="phone, letter, email or other")
    received_on: date = Field(description="the day the request arrived (not in the future)")
    note: str = Field("", max_length=2000)
    mail: str = Field(
        "",
        max_length=262_144,
        description="for a request by email: the person's message as raw RFC 5322 text, "
        "kept as the evidence of the unsubscribe (at most 256 KB)",
    )


class DismissIn(Schema):
    note: str = Field("", max_length=2000)


def request_out(item: UnsubscribeRequest) -> UnsubscribeRequestOut:
    return UnsubscribeRequestOut(
        id=item.pk,
        address=item.address,
        channel=RequestChannel(item.channel),
        received_on=item.received_on,
        due_on=item.due_on,
        state=RequestState(item.state),
        urgency=request_urgency(
            item.due_on, timezone.localdate(), open_=item.state == RequestState.OPEN
        ),
        note=item.note,
        contact_id=item.contact_id,
        created_at=item.created_at,
        done_at=item.done_at,
    )


@router.get(
    "/unsubscribe-requests",
    response={200: list[UnsubscribeRequestOut], **ERRORS},
    summary="List unsubscribe requests",
)
def list_requests(
    request: HttpRequest, state: RequestState | None = None
) -> list[UnsubscribeRequestOut]:
    """Open ones by deadline, most urgent first; the others newest first."""
    items = selectors.unsubscribe_requests_of(account_of(request), state=state or "")
    return [request_out(r) for r in items[:500]]


@router.post(
    "/unsubscribe-requests",
    response={201: UnsubscribeRequestOut, **ERRORS},
    summary="Enter an unsubscribe received by phone, letter or mail",
)
def enter_request(
    request: HttpRequest, payload: UnsubscribeRequestIn
) -> tuple[int, UnsubscribeRequestOut]:
    """UNSUB-2: takes effect at once: the address leaves every list of the account (U)."""
    if payload.channel == RequestChannel.REPLY:
        raise InvalidInput("replies are surfaced by the inbound listener, not entered")
    item = services.enter_unsubscribe_request(
        account_of(request),
        payload.address,
        channel=payload.channel,
        received_on=payload.received_on,
        note=payload.note,
        actor=actor_of(request),
        mail=payload.mail.encode("utf-8", "surrogateescape") or None,
    )
    return 201, request_out(item)


@router.post(
    "/unsubscribe-requests/{request_id}/complete",
    response={200: UnsubscribeRequestOut, **ERRORS},
    summary="Carry out an open request",
)
def complete_request(request: HttpRequest, request_id: int) -> UnsubscribeRequestOut:
    item = selectors.unsubscribe_request_of(account_of(request), request_id)
    return request_out(services.complete_unsubscribe_request(item, actor=actor_of(request)))


@router.post(
    "/unsubscribe-requests/{request_id}/dismiss",
    response={200: UnsubscribeRequestOut, **ERRORS},
    summary="Dismiss an open request that asks for no unsubscribe",
)
def dismiss_request(
    request: HttpRequest, request_id: int, payload: DismissIn
) -> UnsubscribeRequestOut:
    item = selectors.unsubscribe_request_of(account_of(request), request_id)
    return request_out(
        services.dismiss_unsubscribe_request(item, actor=actor_of(request), note=payload.note)
    )
