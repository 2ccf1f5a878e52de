"""Read queries of the policy's measures, the abuse desk and the replies inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from core.errors import NotFound
from governance.abuse_rules import is_overdue, proof_is_overdue
from governance.lookup import Found
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


def case_facts(case: AbuseCase) -> dict[str, Any]:
    """One case as plain data, for the API and `consentry abuse … --json`."""
    today, now = timezone.localdate(), timezone.now()
    return {
        "id": case.pk,
        "kind": case.kind,
        "source": case.source,
        "state": case.state,
        "reporter": case.reporter,
        "subject": case.subject,
        "text": case.text,
        "quoted": case.quoted,
        "matched_by": case.matched_by,
        "account": case.account.slug if case.account is not None else None,
        "campaign_id": case.campaign_id,
        "mailing_id": case.campaign.mailing_id if case.campaign is not None else None,
        "contact_id": case.contact_id,
        "ledger_entry_id": case.entry_id,
        "opened_at": case.opened_at,
        "answer_due_at": case.answer_due_at,
        "answered_at": case.answered_at,
        "answer_overdue": case.answered_at is None and is_overdue(case.answer_due_at, now),
        "proof_requested_at": case.proof_requested_at,
        "proof_due_on": case.proof_due_on,
        "proof_overdue": case.state == CaseState.PROOF_REQUESTED
        and proof_is_overdue(case.proof_due_on, today),
        "proof_answered_at": case.proof_answered_at,
        "proof_answer": case.proof_answer,
        "closed_at": case.closed_at,
        "closing_note": case.closing_note,
    }


def found_facts(found: Found) -> dict[str, Any]:
    """What a mailing-ID lookup found, as plain data."""
    entry = found.entry
    return {
        "found": bool(found),
        "matched_by": found.matched_by,
        "account": found.account.slug if found.account is not None else None,
        "campaign_id": found.campaign.pk if found.campaign is not None else None,
        "campaign": found.campaign.name if found.campaign is not None else None,
        "mailing_id": found.campaign.mailing_id if found.campaign is not None else None,
        "ledger_entry_id": entry.pk if entry is not None else None,
        "message_id": entry.message_id if entry is not None else None,
        "sent_at": entry.sent_at if entry is not None else None,
        "contact_id": found.contact.pk if found.contact is not None else None,
    }


def abuse_summary(limit: int = 5) -> dict[str, Any]:
    """The dashboard's abuse figures: cases not closed, those past their 24 hours without
    an answer, proofs past their day, and the most urgent cases."""
    now, today = timezone.now(), timezone.localdate()
    active = AbuseCase.objects.exclude(state=CaseState.CLOSED)
    return {
        "active": active.count(),
        "unanswered_overdue": active.filter(
            answered_at__isnull=True, answer_due_at__lt=now
        ).count(),
        "proof_overdue": active.filter(
            state=CaseState.PROOF_REQUESTED, proof_due_on__lt=today
        ).count(),
        "urgent": list(active.select_related("account").order_by("answer_due_at", "pk")[:limit]),
    }
