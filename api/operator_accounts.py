"""/operator/accounts/…, /operator/imports/…: the operator's review of sign-ups (ACCOUNT-1),
speed (SEND-5) and held imports (IMPORT-10). Same authentication as every operator
endpoint (api.operator); an account's API key gets 403."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from accounts import review
from accounts.models import Account
from accounts.selectors import case_json, review_queue
from api.operator import OPERATOR_AUTH, OPERATOR_ERRORS, operator_of
from imports import hold
from imports.models import ImportJob

router = Router(tags=["operator"], auth=OPERATOR_AUTH)

CHANGE_ACCOUNT = "accounts.change_account"


class ReasonIn(Schema):
    reason: str = Field(max_length=500, description="why; the account's users read it")


class DecisionIn(ReasonIn):
    decision: Literal["activate", "refuse", "ask"]


class SpeedIn(ReasonIn):
    reduced: bool


class ImportReviewIn(ReasonIn):
    held: bool = Field(description="true: the account's imports wait for the operator")


class AccountOut(Schema):
    slug: str
    review_state: str
    review_note: str
    reduced_speed: bool
    import_review: bool


class HeldImportOut(Schema):
    id: int
    account: str
    list_name: str
    state: str
    file_name: str
    rows: int
    source: str
    evidence_ref: str
    sponsors: list[str]
    product_category: str
    attested: bool
    review_note: str
    created_at: datetime


def _account(slug: str) -> Account:
    return get_object_or_404(Account, slug=slug)


def _import(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "account": job.account.slug,
        "list_name": job.list.name,
        "state": job.state,
        "file_name": job.file_name,
        "rows": job.rows_total,
        "source": job.source,
        "evidence_ref": job.evidence_ref,
        "sponsors": job.sponsors,
        "product_category": job.product_category,
        "attested": job.attested,
        "review_note": job.review_note,
        "created_at": job.created_at,
    }


@router.get("/operator/accounts/review", response={200: dict, **OPERATOR_ERRORS})
def account_review_queue(request: HttpRequest) -> dict[str, Any]:
    """The sign-ups waiting for the operator, longest waiting first, with their answers."""
    operator_of(request, "accounts.view_account")
    return {"queue": [case_json(a) for a in review_queue()]}


@router.post("/operator/accounts/{slug}/decision", response={200: AccountOut, **OPERATOR_ERRORS})
def account_decision(request: HttpRequest, slug: str, payload: DecisionIn) -> Account:
    """Activate, refuse, or ask for more information; in the audit log with the reason."""
    user = operator_of(request, CHANGE_ACCOUNT)
    return review.decide(_account(slug), payload.decision, operator=user, reason=payload.reason)


@router.post("/operator/accounts/{slug}/speed", response={200: AccountOut, **OPERATOR_ERRORS})
def account_speed(request: HttpRequest, slug: str, payload: SpeedIn) -> Account:
    user = operator_of(request, CHANGE_ACCOUNT)
    return review.set_speed(
        _account(slug), reduced=payload.reduced, operator=user, reason=payload.reason
    )


@router.post(
    "/operator/accounts/{slug}/import-review", response={200: AccountOut, **OPERATOR_ERRORS}
)
def account_import_review(request: HttpRequest, slug: str, payload: ImportReviewIn) -> Account:
    user = operator_of(request, CHANGE_ACCOUNT)
    return review.set_import_review(
        _account(slug), held=payload.held, operator=user, reason=payload.reason
    )


@router.get("/operator/imports/held", response={200: list[HeldImportOut], **OPERATOR_ERRORS})
def held_imports(request: HttpRequest) -> list[dict[str, Any]]:
    operator_of(request, "imports.view_importjob")
    return [_import(job) for job in hold.held_imports()[:500]]


@router.post(
    "/operator/imports/{job_id}/{action}", response={200: HeldImportOut, **OPERATOR_ERRORS}
)
def import_decision(
    request: HttpRequest, job_id: int, action: Literal["release", "refuse"], payload: ReasonIn
) -> dict[str, Any]:
    user = operator_of(request, "imports.change_importjob")
    job = get_object_or_404(ImportJob.objects.select_related("account", "list"), pk=job_id)
    decide = hold.release if action == "release" else hold.refuse
    return _import(decide(job, operator=user, reason=payload.reason))
