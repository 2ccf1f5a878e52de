"""QUALITY-3: what happens when a send breaks the policy, and how the measures end.

The send's coordinator (delivery.sends) asks `judge` at every report and, once the send
has a hard bounce, at every flush of its batches; `judge` has feedback find the breaches
and records them, stopping the send through the `stop` it is handed."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services as accounts
from campaigns.models import Campaign
from consent import services as evidence
from contacts import services as contacts
from core.actors import Actor
from core.audit import record_operator_action
from core.errors import RuleViolation
from core.text import clean_text
from delivery.sends import Stop
from feedback.apply import judge_send
from feedback.rules import Breach
from governance.models import Violation, ViolationState

BREAKER = Actor.system("quality-breaker")
log = logging.getLogger(__name__)


def judge(campaign: Campaign, stop: Stop) -> list[Violation]:
    """QUALITY-3: past a threshold the send stops (between two batches and within one),
    its lists are blocked, later sends run slower, and a violation explains why."""
    created = record_breaches(campaign, judge_send(campaign), stop=stop)
    for violation in created:
        log.warning("campaign %s stopped: %s", campaign.pk, violation.explanation)
    return created


def record_breaches(campaign: Campaign, breaches: list[Breach], *, stop: Stop) -> list[Violation]:
    """Stop the send at once, block its lists, slow the account's later sends, and keep a
    violation explaining the figures. A breach already recorded is not recorded again."""
    created = []
    for breach in breaches:
        try:
            with transaction.atomic():
                created.append(_record(campaign, breach, stop))
        except IntegrityError:
            continue  # the same breach, judged again by a later report
    return created


def _record(campaign: Campaign, breach: Breach, stop: Stop) -> Violation:
    violation = Violation.objects.create(
        account_id=campaign.account_id,
        campaign=campaign,
        kind=breach.kind,
        isp=breach.isp,
        figures={
            "count": breach.count,
            "volume": breach.volume,
            "rate": str(breach.rate),
            "limit": str(breach.limit),
        },
        explanation=breach.explain(),
    )
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    stop(locked, BREAKER)
    for lst in locked.lists.all():
        contacts.set_list_admission(lst, actor=BREAKER, blocked=True, reason=violation.explanation)
    accounts.set_reduced_speed(locked.account, True, actor=BREAKER, reason=violation.explanation)
    _suspend_if_repeated(locked)
    evidence.record(
        locked.account,
        "policy.violation",
        actor=BREAKER,
        payload={
            "violation": violation.pk,
            "campaign": locked.pk,
            **violation.figures,
            "kind": breach.kind,
            "isp": breach.isp,
        },
    )
    return violation


def _suspend_if_repeated(campaign: Campaign) -> None:
    """QUALITY-3: repeated violations (sends that broke the policy) suspend the account;
    an operator reviews it before it sends again (ACCOUNT-1)."""
    from accounts.models import ReviewState
    from policy.selectors import value as policy_value

    account = campaign.account
    sends = Violation.objects.filter(account_id=account.pk).values("campaign").distinct().count()
    if sends >= int(policy_value("quality.violations_before_suspension", account)):
        account.refresh_from_db(fields=["review_state"])
        if account.review_state == ReviewState.ACTIVE:
            accounts.change_review_state(
                account,
                ReviewState.SUSPENDED,
                note=f"{sends} sends broke the sending policy; the operator reviews the account",
                actor=BREAKER,
            )


@transaction.atomic
def state_remediation(violation: Violation, text: str, *, actor: Actor) -> Violation:
    """The account states how further violations are prevented (QUALITY-3)."""
    locked = Violation.objects.select_for_update().get(pk=violation.pk)
    if locked.state == ViolationState.LIFTED:
        raise RuleViolation("the measures of this violation are lifted already")
    text = clean_text(text, field="statement", max_length=10_000, multiline=True)
    if len(text) < 20:
        raise RuleViolation("say in a few sentences how further violations are prevented")
    locked.remediation, locked.state, locked.stated_at = text, ViolationState.STATED, timezone.now()
    locked.save(update_fields=["remediation", "state", "stated_at"])
    evidence.record(
        locked.account,
        "policy.remediation_stated",
        actor=actor,
        payload={"violation": locked.pk},
    )
    return locked


@transaction.atomic
def lift(violation: Violation, *, actor: Actor, reason: str = "") -> Violation:
    """An operator lifts the measures once the account has stated its remediation; the
    lists open again and the speed returns when no other violation is open."""
    locked = Violation.objects.select_for_update().get(pk=violation.pk)
    if locked.state != ViolationState.STATED:
        raise RuleViolation("the account has not stated its remediation yet")
    locked.state, locked.lifted_at, locked.lifted_by = (
        ViolationState.LIFTED,
        timezone.now(),
        actor.label,
    )
    locked.save(update_fields=["state", "lifted_at", "lifted_by"])
    still_open = Violation.objects.filter(account_id=locked.account_id).exclude(
        state=ViolationState.LIFTED
    )
    why = reason or f"violation #{locked.pk}: remediation stated"
    if not still_open.filter(campaign=locked.campaign).exists():
        for lst in locked.campaign.lists.all():
            contacts.set_list_admission(lst, actor=actor, blocked=False, reason=why)
    if not still_open.exists():
        accounts.set_reduced_speed(locked.account, False, actor=actor, reason=why)
    record_operator_action(
        actor, "lift", locked, why, account=locked.account, detail={"violation": locked.pk}
    )
    evidence.record(
        locked.account, "policy.measures_lifted", actor=actor, payload={"violation": locked.pk}
    )
    return locked
