"""/operator/abuse/…: the abuse desk for the operator's scripts (ABUSE-1, ABUSE-2): cases
with their deadlines, one case, the operator's actions, cases the operator enters, and
the mailing-ID lookup. The same credentials as every /operator/ endpoint; an account's
API key gets 403."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from accounts.models import Account
from api.operator import OPERATOR_AUTH, OPERATOR_ERRORS, operator_of
from api.schemas import PageIn
from core.actors import Actor
from core.errors import NotFound
from governance import abuse, selectors
from governance.lookup import lookup
from governance.models import CaseKind, CaseState

router = Router(tags=["operator"], auth=OPERATOR_AUTH)
PERMISSION = "governance.change_abusecase"
VIEW = "governance.view_abusecase"


class CaseOut(Schema):
    id: int
    kind: CaseKind
    source: str = Field(description="mailbox, form or operator")
    state: CaseState
    reporter: str
    subject: str
    text: str
    quoted: str = Field(description="the ID the reporter quoted on the form")
    matched_by: str = Field(
        description="verp, unsubscribe_token, message_id, feedback_id, mailing_id (+recipient), "
        "operator, or empty when nothing led to a message of ours"
    )
    account: str | None = Field(description="the account's slug")
    campaign_id: int | None
    mailing_id: str | None
    contact_id: int | None
    ledger_entry_id: int | None
    opened_at: datetime
    answer_due_at: datetime = Field(description="INDUSTRY-5: 24 hours after opening")
    answered_at: datetime | None
    answer_overdue: bool
    proof_requested_at: datetime | None
    proof_due_on: date | None = Field(description="ABUSE-2: one working day after the request")
    proof_overdue: bool
    proof_answered_at: datetime | None
    proof_answer: str
    closed_at: datetime | None
    closing_note: str


class CasePage(Schema):
    items: list[CaseOut]
    count: int


class ActionIn(Schema):
    action: Literal["unsubscribe", "request_proof", "reduce_speed", "suspend", "close"]
    reason: str = Field(max_length=2000, description="why (for close: the closing note)")


class CaseIn(Schema):
    kind: CaseKind
    text: str = Field(max_length=20_000)
    reporter: str = Field("", max_length=254)
    quoted: str = Field("", max_length=500, description="a mailing ID or other ID, if any")
    account: str = Field("", max_length=60, description="the account's slug, if known")


class LookupOut(Schema):
    found: bool
    matched_by: str
    account: str | None
    campaign_id: int | None
    campaign: str | None
    mailing_id: str | None
    ledger_entry_id: int | None
    message_id: str | None
    sent_at: datetime | None
    contact_id: int | None


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(operator_of(request, PERMISSION), request)


@router.get(
    "/operator/abuse/cases",
    response={200: CasePage, **OPERATOR_ERRORS},
    summary="Abuse cases, the most urgent first",
)
def list_cases(
    request: HttpRequest,
    page: Query[PageIn],
    state: Literal["active", "open", "proof_requested", "proof_received", "closed"] | None = None,
    kind: CaseKind | None = None,
    account: str = "",
    overdue: bool = False,
) -> dict[str, Any]:
    """`state=active` (every case not closed) unless given."""
    operator_of(request, VIEW)
    query = selectors.abuse_cases(
        state=state or "active", kind=kind or "", account=account[:60], overdue=overdue
    )
    return {
        "items": [selectors.case_facts(c) for c in query[page.offset : page.offset + page.limit]],
        "count": query.count(),
    }


@router.get(
    "/operator/abuse/cases/{case_id}",
    response={200: CaseOut, **OPERATOR_ERRORS},
    summary="One abuse case",
)
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    operator_of(request, VIEW)
    return selectors.case_facts(selectors.abuse_case(case_id))


@router.post(
    "/operator/abuse/cases",
    response={201: CaseOut, **OPERATOR_ERRORS},
    summary="Open a case (a blocklisting, an authority's request, a report by phone)",
)
def open_case(request: HttpRequest, payload: CaseIn) -> tuple[int, dict[str, Any]]:
    actor = _actor(request)
    account = None
    if payload.account:
        account = Account.objects.filter(slug=payload.account).first()
        if account is None:
            raise NotFound("account: no account with this slug")
    case = abuse.open_by_operator(
        kind=payload.kind,
        reporter=payload.reporter,
        text=payload.text,
        quoted=payload.quoted,
        actor=actor,
        account=account,
    )
    return 201, selectors.case_facts(selectors.abuse_case(case.pk))


@router.post(
    "/operator/abuse/cases/{case_id}/actions",
    response={200: CaseOut, **OPERATOR_ERRORS},
    summary="Act on a case: unsubscribe, request_proof, reduce_speed, suspend or close",
)
def act_on_case(request: HttpRequest, case_id: int, payload: ActionIn) -> dict[str, Any]:
    """Each action is written to the operator's audit log with its reason."""
    actor = _actor(request)
    case = selectors.abuse_case(case_id)
    abuse.act(case, payload.action, actor=actor, reason=payload.reason)
    return selectors.case_facts(selectors.abuse_case(case_id))


@router.get(
    "/operator/abuse/lookup",
    response={200: LookupOut, **OPERATOR_ERRORS},
    summary="Find campaign, account and sent message of a mailing ID, Feedback-ID, "
    "Message-ID or token",
)
def lookup_id(request: HttpRequest, id: str = Query(..., max_length=500)) -> dict[str, Any]:
    operator_of(request, VIEW)
    return selectors.found_facts(lookup(id))
