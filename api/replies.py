"""/replies and /proof-requests: the account's replies inbox (ABUSE-3) and the operator's
requests for its proof of consent (ABUSE-2). An account's API key sees its own only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from api.auth import account_of, actor_of
from api.schemas import ERRORS, PageIn
from governance import abuse, replies, selectors
from governance.abuse_rules import proof_is_overdue
from governance.models import AbuseCase, Reply

router = Router(tags=["replies"])


class ReplyOut(Schema):
    id: int
    received_at: datetime
    recipient: str = Field(description="the campaign's From or Reply-To address it was sent to")
    sender: str
    subject: str
    text: str
    automatic: bool = Field(description="an automatic reply (out of office); never forwarded")
    campaign_id: int | None
    forwarded_to: str
    forwarded_at: datetime | None
    forward_note: str = Field(description="why it was not forwarded, if it was not")


class ReplyPage(Schema):
    items: list[ReplyOut]
    count: int


class ForwardingIn(Schema):
    address: str = Field(max_length=254, description="empty: stop forwarding")


class ForwardingOut(Schema):
    address: str


class ProofRequestOut(Schema):
    id: int
    kind: str
    state: str
    campaign_id: int | None
    contact_id: int | None
    proof_requested_at: datetime | None
    proof_request: str
    proof_due_on: date | None = Field(description="one working day after the request")
    overdue: bool
    proof_answered_at: datetime | None
    proof_answer: str


class ProofAnswerIn(Schema):
    statement: str = Field(min_length=1, max_length=20_000)


def _reply(reply: Reply) -> dict[str, Any]:
    fields = ("id", "received_at", "recipient", "sender", "subject", "text", "automatic")
    return {
        **{f: getattr(reply, f) for f in fields},
        "campaign_id": reply.campaign_id,
        "forwarded_to": reply.forwarded_to,
        "forwarded_at": reply.forwarded_at,
        "forward_note": reply.forward_note,
    }


def _proof(case: AbuseCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "kind": case.kind,
        "state": case.state,
        "campaign_id": case.campaign_id,
        "contact_id": case.contact_id,
        "proof_requested_at": case.proof_requested_at,
        "proof_request": case.proof_request,
        "proof_due_on": case.proof_due_on,
        "overdue": case.state == "proof_requested"
        and proof_is_overdue(case.proof_due_on, timezone.localdate()),
        "proof_answered_at": case.proof_answered_at,
        "proof_answer": case.proof_answer,
    }


@router.get("/replies", response={200: ReplyPage, **ERRORS}, summary="The replies inbox")
def list_replies(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    """Newest first: mail to your campaigns' From and Reply-To that is no unsubscribe."""
    query = selectors.replies_of(account_of(request))
    return {
        "items": [_reply(r) for r in query[page.offset : page.offset + page.limit]],
        "count": query.count(),
    }


@router.get("/replies/forwarding", response={200: ForwardingOut, **ERRORS})
def get_forwarding(request: HttpRequest) -> dict[str, str]:
    return {"address": replies.forwarding_of(account_of(request))}


@router.put(
    "/replies/forwarding",
    response={200: ForwardingOut, **ERRORS},
    summary="Forward replies to an address (empty: stop)",
)
def put_forwarding(request: HttpRequest, payload: ForwardingIn) -> dict[str, str]:
    row = replies.set_forwarding(account_of(request), payload.address)
    return {"address": row.address if row is not None else ""}


@router.get("/replies/{reply_id}", response={200: ReplyOut, **ERRORS}, summary="One reply")
def get_reply(request: HttpRequest, reply_id: int) -> dict[str, Any]:
    return _reply(selectors.reply_of(account_of(request), reply_id))


@router.get(
    "/proof-requests",
    response={200: list[ProofRequestOut], **ERRORS},
    summary="The operator's requests for proof of consent",
)
def list_proof_requests(request: HttpRequest) -> list[dict[str, Any]]:
    return [_proof(c) for c in selectors.proof_requests_of(account_of(request))[:200]]


@router.post(
    "/proof-requests/{case_id}/answer",
    response={200: ProofRequestOut, **ERRORS},
    summary="Answer with a statement; the contact's proof bundle goes with it",
)
def answer_proof_request(
    request: HttpRequest, case_id: int, payload: ProofAnswerIn
) -> dict[str, Any]:
    case = selectors.proof_request_of(account_of(request), case_id)
    return _proof(abuse.answer_proof(case, actor=actor_of(request), statement=payload.statement))
