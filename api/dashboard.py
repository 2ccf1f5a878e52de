"""/dashboard: the numbers of the account's home page (issue 23), as JSON."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.auth import account_of
from api.reports import SummaryOut
from api.schemas import ERRORS
from governance.account_dashboard import dashboard

router = Router(tags=["reports"])


class AccountGrowthOut(Schema):
    days: int = Field(description="the period: 30 or 90 days up to today")
    labels: list[str] = Field(description="one date a day, oldest first")
    signups: list[int]
    confirmations: list[int]
    unsubscribes: list[int]
    bounces: list[int]
    complaints: list[int]


class AccountTodoOut(Schema):
    kind: str = Field(description="unsubscribe, list, domain, schedule or gate")
    text: str
    object_id: int = Field(description="the list, domain or campaign that fixes it; 0: none")
    urgent: bool


class AccountDashboardOut(Schema):
    contacts: int = Field(description="every contact but the erased")
    mailable: int = Field(description="contacts a campaign may mail now")
    statuses: dict[str, int] = Field(description="contacts by status: A, U, B, D")
    growth: list[AccountGrowthOut]
    campaigns: list[SummaryOut] = Field(description="the last campaigns, newest first")
    todos: list[AccountTodoOut] = Field(description="what needs doing, the urgent first")
    more_todos: int = Field(description="further items not listed")


@router.get(
    "/dashboard", response={200: AccountDashboardOut, **ERRORS}, summary="The account's dashboard"
)
def get_dashboard(request: HttpRequest) -> dict[str, Any]:
    """Contacts by status and how many can be mailed, growth over 30 and 90 days, the last
    campaigns' rates and what needs doing: the numbers of the account's home page."""
    return dashboard(account_of(request)).as_json()
