"""/lists/{id}/admission, /audit, /attestation, /sample, /stale, /reconfirm: a list's way
to sending (AUDIT-1..4) for the account's key; /operator/lists/{id}/admission and /sample
for the operator's mark and override (SEND-2, AUDIT-2)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.security import SessionAuthIsStaff

from admission import selectors, services
from admission.models import ListAudit, SampleSend
from api.auth import actor_of
from api.lists import get_list_for_key
from api.operator import OPERATOR_ERRORS, AccountKeyRefused, OperatorBasicAuth
from api.pagination import page_of
from api.schemas import ERRORS, PageIn
from campaigns.selectors import campaign_of
from contacts.models import List
from core.actors import Actor
from core.errors import InvalidInput, NotFound
from delivery import freshness, sends

router = Router(tags=["lists"])
operator_router = Router(
    tags=["operator"], auth=[OperatorBasicAuth(), SessionAuthIsStaff(), AccountKeyRefused()]
)


class AuditOut(Schema):
    id: int
    state: str = Field(description="running, done or failed")
    trigger: str = Field(description="on_demand or first_send")
    total: int = Field(description="addresses to check")
    checked: int
    domains: int = Field(description="distinct domains, each asked once")
    domains_checked: int
    progress: int = Field(description="percent done")
    problems: int
    share: Decimal = Field(description="problem addresses / addresses")
    limit: Decimal = Field(description="share above which the list is not admitted")
    admitted: bool | None = Field(description="the audit's decision, once done")
    counts: dict[str, int] = Field(description="addresses per class")
    examples: dict[str, list[str]] = Field(description="up to five addresses per class")
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_examples(obj: ListAudit) -> dict[str, list[str]]:
        return selectors.examples_of(obj)


class SampleOut(Schema):
    id: int
    campaign_id: int
    state: str = Field(description="sending, passed, failed or overridden")
    size: int
    population: int = Field(description="eligible contacts the sample was drawn from")
    share_max: Decimal
    verdict_at: datetime | None = Field(description="when the verdict comes")
    decided_at: datetime | None
    reason: str
    decided_by: str


class AttestationOut(Schema):
    cleaned_on: date
    wording: str
    wording_version: int
    actor: str
    created_at: datetime

    @staticmethod
    def resolve_wording(obj: Any) -> str:
        return str(obj.wording.text)

    @staticmethod
    def resolve_wording_version(obj: Any) -> int:
        return int(obj.wording.version)


class AdmissionOut(Schema):
    standing: str = Field(description="where the list stands on its way to sending")
    reason: str = Field(description="why, and what to do next")
    admitted: bool
    blocked: bool
    operator_mark: bool = Field(description="an operator's mark overrides the decisions")
    attestation: AttestationOut | None
    audit: AuditOut | None
    sample: SampleOut | None


class AttestIn(Schema):
    cleaned_on: date = Field(description="when hard bounces were last removed from the list")
    confirm: bool = Field(description="the account confirms the attestation's text")


class StaleOut(Schema):
    id: int
    address: str


class StalePage(Schema):
    items: list[StaleOut]
    count: int


class ReconfirmOut(Schema):
    requested: int = Field(description="double opt-in mails asked for")


class MarkIn(Schema):
    reason: str = Field(max_length=500)
    admitted: bool | None = None
    blocked: bool | None = None
    hand_back: bool = Field(False, description="withdraw the operator's mark")


class SampleDecisionIn(Schema):
    admitted: bool
    reason: str = Field(max_length=500)


def _admission(lst: List) -> dict[str, Any]:
    found = selectors.standing_of(lst)
    return {
        "standing": found.standing.value,
        "reason": found.reason,
        "admitted": lst.admitted,
        "blocked": lst.blocked,
        "operator_mark": lst.admission_override,
        "attestation": found.attestation,
        "audit": found.audit,
        "sample": found.sample,
    }


@router.get(
    "/lists/{list_id}/admission",
    response={200: AdmissionOut, **ERRORS},
    summary="Where a list stands on its way to sending",
)
def admission(request: HttpRequest, list_id: int) -> dict[str, Any]:
    return _admission(get_list_for_key(request, list_id))


@router.post("/lists/{list_id}/audit", response={202: AuditOut, **ERRORS}, summary="Audit a list")
def start_audit(request: HttpRequest, list_id: int) -> tuple[int, ListAudit]:
    """AUDIT-1: the worker checks every address; GET shows its progress and result."""
    lst = get_list_for_key(request, list_id)
    return 202, services.start_audit(lst, actor=actor_of(request))


@router.get(
    "/lists/{list_id}/audit", response={200: AuditOut, **ERRORS}, summary="A list's latest audit"
)
def latest_audit(request: HttpRequest, list_id: int) -> ListAudit:
    found = selectors.latest_audit(get_list_for_key(request, list_id))
    if found is None:
        raise NotFound("the list has not been audited")
    return found


@router.get(
    "/lists/{list_id}/audit/problems",
    response={200: str, **ERRORS},
    summary="The problem addresses of the latest audit (CSV)",
)
def problem_addresses(request: HttpRequest, list_id: int) -> HttpResponse:
    found = latest_audit(request, list_id)
    return problems_csv(found)


def problems_csv(found: ListAudit) -> HttpResponse:
    response = HttpResponse(selectors.problems_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{selectors.problems_filename(found)}"'
    return response


@router.post(
    "/lists/{list_id}/attestation",
    response={201: AttestationOut, **ERRORS},
    summary="Attest that hard bounces were removed",
)
def attest(request: HttpRequest, list_id: int, payload: AttestIn) -> tuple[int, Any]:
    """AUDIT-4: the text is GET /lists/{id}/admission's once attested; `confirm` must be true."""
    lst = get_list_for_key(request, list_id)
    if not payload.confirm:
        raise InvalidInput("confirm the attestation's text", details=["confirm"])
    return 201, services.attest_bounces_removed(
        lst, actor=actor_of(request), cleaned_on=payload.cleaned_on
    )


@router.get(
    "/lists/{list_id}/sample", response={200: SampleOut, **ERRORS}, summary="A list's sample send"
)
def sample(request: HttpRequest, list_id: int) -> SampleSend:
    found = selectors.latest_sample(get_list_for_key(request, list_id))
    if found is None:
        raise NotFound("the list has had no sample send")
    return found


@router.get(
    "/lists/{list_id}/stale",
    response={200: StalePage, **ERRORS},
    summary="Contacts whose consent is stale",
)
def stale(request: HttpRequest, list_id: int, page: Query[PageIn]) -> dict[str, object]:
    """AUDIT-3, INDUSTRY-8: held back from sends until they confirm again."""
    return page_of(freshness.stale_contacts(get_list_for_key(request, list_id)), page)


@router.post(
    "/lists/{list_id}/reconfirm",
    response={202: ReconfirmOut, **ERRORS},
    summary="Ask stale contacts to confirm again",
)
def reconfirm(request: HttpRequest, list_id: int) -> tuple[int, dict[str, int]]:
    lst = get_list_for_key(request, list_id)
    return 202, {"requested": freshness.request_reconfirmations(lst, actor=actor_of(request))}


# The operator's doors --------------------------------------------------------------------


def _operator_list(list_id: int) -> List:
    found = List.objects.filter(pk=list_id).select_related("account").first()
    if found is None:
        raise NotFound("no such list")
    return found


def _operator(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth, request)  # type: ignore[attr-defined]


@operator_router.post(
    "/operator/lists/{list_id}/admission",
    response={200: AdmissionOut, **OPERATOR_ERRORS},
    summary="Mark a list admitted, refused or blocked",
)
def mark(request: HttpRequest, list_id: int, payload: MarkIn) -> dict[str, Any]:
    """SEND-2: the operator's mark overrides the audit and sample, with its reason."""
    lst = _operator_list(list_id)
    actor = _operator(request)
    if payload.hand_back:
        lst = services.hand_back(lst, actor=actor, reason=payload.reason)
    else:
        lst = services.mark(
            lst,
            actor=actor,
            admitted=payload.admitted,
            blocked=payload.blocked,
            reason=payload.reason,
        )
    return _admission(lst)


@operator_router.post(
    "/operator/lists/{list_id}/sample",
    response={200: SampleOut, **OPERATOR_ERRORS},
    summary="Decide a list's sample send",
)
def decide_sample(request: HttpRequest, list_id: int, payload: SampleDecisionIn) -> SampleSend:
    """AUDIT-2: admit (the held rest goes) or refuse, with a recorded reason."""
    lst = _operator_list(list_id)
    found = selectors.latest_sample(lst)
    if found is None:
        raise NotFound("the list has had no sample send")
    campaign = campaign_of(lst.account, found.campaign_id)
    sends.override_sample(
        campaign, admitted=payload.admitted, reason=payload.reason, actor=_operator(request)
    )
    found.refresh_from_db()
    return found
