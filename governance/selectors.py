"""Read queries of the policy's measures, the abuse desk and the replies inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from core.errors import NotFound
from governance.models import AbuseCase, CaseState, Reply, Violation

if TYPE_CHECKING:
    from accounts.models import Account
    from campaigns.models import Campaign


def violations_of(campaign: Campaign) -> list[Violation]:
    """QUALITY-3: the violations a send caused, oldest first."""
    return list(Violation.objects.filter(campaign=campaign).order_by("pk"))


def abuse_cases(
    *, state: str = "", kind: str = "", account: str = "", overdue: bool = False
) -> QuerySet[AbuseCase]:
    """The abuse desk's list (operators only): filtered, the most urgent first. `state`
    "active" means every case not closed."""
    query = AbuseCase.objects.select_related("account", "campaign")
    if state == "active":
        query = query.exclude(state=CaseState.CLOSED)
    elif state:
        query = query.filter(state=state)
    if kind:
        query = query.filter(kind=kind)
    if account:
        query = query.filter(account__slug=account)
    if overdue:
        query = query.filter(answered_at__isnull=True, answer_due_at__lt=timezone.now())
    return query.order_by("answer_due_at", "pk")


def abuse_case(case_id: int) -> AbuseCase:
    case = (
        AbuseCase.objects.select_related("account", "campaign", "contact", "entry", "inbound")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("no such abuse case")
    return case


def proof_requests_of(account: Account) -> QuerySet[AbuseCase]:
    """ABUSE-2: the cases in which the account was asked for its proof (its own only)."""
    return (
        AbuseCase.objects.filter(account=account, proof_requested_at__isnull=False)
        .select_related("campaign", "contact")
        .order_by("-proof_requested_at", "-pk")
    )


def proof_request_of(account: Account, case_id: int) -> AbuseCase:
    case = proof_requests_of(account).filter(pk=case_id).first()
    if case is None:
        raise NotFound("no such proof request")
    return case


def replies_of(account: Account) -> QuerySet[Reply]:
    """ABUSE-3: the account's inbox: replies to its own campaigns only (PRIVACY-2)."""
    return Reply.objects.filter(account=account).select_related("campaign")


def reply_of(account: Account, reply_id: int) -> Reply:
    reply = replies_of(account).filter(pk=reply_id).first()
    if reply is None:
        raise NotFound("no such reply")
    return reply
