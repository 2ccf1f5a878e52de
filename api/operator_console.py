"""/operator/dashboard and /operator/audit-log: the console's figures and the audit log of
operator actions (issue 21, item 9), for the operator only.

Authenticated like every operator endpoint (api.operator): an operator API key, a staff
user's HTTP Basic credentials or the admin's session; an account's API key gets 403.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from api.operator import OPERATOR_AUTH, OPERATOR_ERRORS, operator_of
from api.pagination import page_of
from api.schemas import PageIn
from core.audit import audit_entries, entry_row
from core.models import AuditAction
from governance import health

router = Router(tags=["operator"], auth=OPERATOR_AUTH)


class RatesOut(Schema):
    name: str = Field(description="account slug or mailbox provider group")
    sent: int
    hard_bounces: int
    complaints: int
    bounce_rate: float
    complaint_rate: float


class PeriodOut(Schema):
    days: int
    accounts: list[RatesOut]
    providers: list[RatesOut]


class HourOut(Schema):
    hour: datetime
    sent: int


class FlaggedOut(Schema):
    account: str
    standing: str = Field(description='"over" or "near" a threshold')
    periods: list[int]


class DashboardOut(Schema):
    accounts_by_state: dict[str, int]
    messages_today: int
    per_hour: list[HourOut]
    hard_bounce_rate_max: float
    complaint_rate_max: float
    periods: list[PeriodOut]
    flagged: list[FlaggedOut]
    open_violations: int
    open_unsubscribe_requests: list[dict[str, Any]]
    stuck_sends: list[dict[str, Any]]


def _rates(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name, "sent": r.sent, "hard_bounces": r.hard_bounces,
            "complaints": r.complaints, "bounce_rate": float(r.bounce_rate),
            "complaint_rate": float(r.complaint_rate),
        }
        for r in rows
    ]  # fmt: skip


@router.get(
    "/operator/dashboard",
    response={200: DashboardOut, **OPERATOR_ERRORS},
    summary="The operator dashboard's figures",
)
def dashboard(request: HttpRequest) -> dict[str, Any]:
    operator_of(request)
    board = health.dashboard()
    return {
        "accounts_by_state": board["accounts_by_state"],
        "messages_today": board["messages_today"],
        "per_hour": [{"hour": hour, "sent": n} for hour, n in board["per_hour"]],
        "hard_bounce_rate_max": float(board["limits"].hard_bounce),
        "complaint_rate_max": float(board["limits"].complaint),
        "periods": [
            {"days": p.days, "accounts": _rates(p.accounts), "providers": _rates(p.providers)}
            for p in board["periods"]
        ],
        "flagged": [
            {
                "account": f["account"],
                "standing": f["standing"],
                "periods": [d for d, _r in f["by"]],
            }
            for f in board["flagged"]
        ],
        "open_violations": board["open_violations"],
        "open_unsubscribe_requests": [
            {
                "account": r["account__slug"],
                "open": r["open"],
                "overdue": r["overdue"],
                "due_today": r["due_today"],
            }
            for r in board["unsubscribes"]["accounts"]
        ],
        "stuck_sends": [
            {"account": c.account.slug, "campaign": c.pk, "state": c.state, "unknown": c.unknown}
            for c in board["stuck"]
        ],
    }


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    target_type: str
    target_id: str
    account: str | None
    reason: str
    detail: dict[str, Any]


class AuditPage(Schema):
    items: list[AuditEntryOut]
    count: int = Field(description="all matching entries, not just this page")


class AuditFilter(Schema):
    account: str = Field("", max_length=60, description="account slug")
    action: AuditAction | None = None
    actor: str = Field("", max_length=100, description="part of the actor's name")
    since: date | None = Field(None, description="from this day on (inclusive)")
    until: date | None = Field(None, description="up to this day (inclusive)")


@router.get(
    "/operator/audit-log",
    response={200: AuditPage, **OPERATOR_ERRORS},
    summary="The audit log of operator actions, newest first",
)
def audit_log(
    request: HttpRequest, page: Query[PageIn], filters: Query[AuditFilter]
) -> dict[str, Any]:
    operator_of(request, "core.view_auditentry")
    found = page_of(
        audit_entries(
            account=filters.account,
            action=filters.action or "",
            actor=filters.actor,
            since=filters.since,
            until=filters.until,
        ),
        page,
    )
    found["items"] = [entry_row(entry) for entry in found["items"]]
    return found
