"""The only write path of list admission: audits (AUDIT-1), the bounce attestation
(AUDIT-4), the sample's record and verdict (AUDIT-2), and the decision they make of a
list's `admitted` (SEND-2), which an operator's mark overrides."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Account
from admission import rules
from admission.models import AuditFinding, AuditState, BounceAttestation, ListAudit, SampleSend
from admission.rules import SampleState
from admission.selectors import facts_of, members_query, sample_of_campaign
from consent import services as evidence
from consent.models import Wording
from contacts import services as contacts
from contacts.models import List
from contacts.selectors import AddressDomain
from core.actors import Actor
from core.errors import InvalidInput, RuleViolation
from policy.selectors import value

logger = logging.getLogger(__name__)

DECIDER = Actor.system("admission")
ATTESTATION_KEY = "list:bounces_removed"
# Addresses read and checked per step, and domains asked per step; each step records its
# progress. A step of domains waits for its slowest answer (a timeout), so it is large.
CHUNK = 5000
DOMAIN_CHUNK = 4096

Progress = Callable[[ListAudit], object]


# The decision -----------------------------------------------------------------------------


def decide(lst: List, *, actor: Actor = DECIDER, reason: str = "") -> List:
    """What the list's attestation, audit and sample make of its admission (SEND-2); an
    operator's mark is left as it is."""
    facts = facts_of(lst)
    admitted = rules.automatic_admission(facts)
    if admitted is None:
        return lst
    return contacts.set_list_admission(lst, actor=actor, admitted=admitted, reason=reason)


def mark(
    lst: List, *, actor: Actor, admitted: bool | None = None, blocked: bool | None = None,
    reason: str,
) -> List:  # fmt: skip
    """The operator's mark (SEND-2): admit, refuse or block a list whatever the audit and
    sample said, with a reason that is recorded with the actor."""
    if not reason.strip():
        raise InvalidInput(_("Give the reason for the decision."), details=["reason"])
    return contacts.set_list_admission(
        lst,
        actor=actor,
        admitted=admitted,
        blocked=blocked,
        reason=reason.strip(),
        override=True if admitted is not None else None,
    )


def hand_back(lst: List, *, actor: Actor, reason: str) -> List:
    """The operator's mark is withdrawn: the audit and sample decide again."""
    locked = contacts.set_list_admission(
        lst, actor=actor, override=False, reason=reason.strip() or "decisions apply again"
    )
    return decide(locked)


# AUDIT-4: the bounce attestation ---------------------------------------------------------


def attestation_text(days: int) -> str:
    return _(
        "I confirm that every address that hard-bounced was removed from this list within "
        "the last %(days)s days (2 months), and that the list holds no address that was "
        "bought, rented or collected without consent."
    ) % {"days": days}


def attestation_wording(account: Account) -> Wording:
    days = int(value("freshness.mailing_interval_days", account))
    language = (get_language() or "en")[:2]
    return evidence.publish_wording(ATTESTATION_KEY, attestation_text(days), language=language)


@transaction.atomic
def attest_bounces_removed(lst: List, *, actor: Actor, cleaned_on: date) -> BounceAttestation:
    """AUDIT-4: before a list's first use the account attests, in the words it was shown,
    that hard bounces were removed from it within the last two months."""
    days = int(value("freshness.mailing_interval_days", lst.account))
    today = timezone.localdate()
    if cleaned_on > today:
        raise InvalidInput(_("The cleaning date lies in the future."), details=["cleaned_on"])
    if cleaned_on < today - timedelta(days=days):
        raise RuleViolation(
            _(
                "The list was cleaned more than %(days)s days ago: remove its hard bounces "
                "again, then attest."
            )
            % {"days": days},
            details=["cleaned_on"],
        )
    wording = attestation_wording(lst.account)
    record = evidence.record(
        lst.account,
        "list.bounces_removed_attested",
        actor=actor,
        wording=wording,
        payload={"list": lst.pk, "cleaned_on": cleaned_on.isoformat()},
    )
    attestation = BounceAttestation.objects.create(
        account=lst.account,
        list=lst,
        cleaned_on=cleaned_on,
        wording=wording,
        record_seq=record.seq,
        actor=actor.label[:120],
    )
    transaction.on_commit(lambda: decide(lst))
    return attestation


# AUDIT-1: the audit ------------------------------------------------------------------------


@transaction.atomic
def start_audit(
    lst: List, *, actor: Actor, trigger: str = "on_demand", run: bool = True
) -> ListAudit:
    """An audit of the list, run by the worker (`run`), or by the caller (the CLI shows its
    progress). A list has one running audit at a time: asking again returns it."""
    locked = List.objects.select_for_update().get(pk=lst.pk)
    running = ListAudit.objects.filter(list=locked, state=AuditState.RUNNING).first()
    if running is not None:
        return running
    audit = ListAudit.objects.create(
        account_id=locked.account_id,
        list=locked,
        trigger=trigger,
        requested_by=actor.label[:120],
        limit=Decimal(str(value("audit.problem_share_max", locked.account))),
    )
    evidence.record(
        locked.account,
        "list.audit_started",
        actor=actor,
        payload={"list": locked.pk, "audit": audit.pk, "trigger": trigger},
    )
    if run:
        transaction.on_commit(lambda: run_list_audit.enqueue(audit.pk))
    return audit


def audit_before_first_send(lists: Iterable[List], *, actor: Actor) -> list[ListAudit]:
    """AUDIT-1: a list that was never audited nor marked by an operator is audited before
    its first send; the send can start once the audit passed."""
    started = []
    for lst in lists:
        if lst.admitted or lst.blocked or lst.admission_override:
            continue
        if not ListAudit.objects.filter(list=lst).exists():
            started.append(start_audit(lst, actor=actor, trigger="first_send"))
    return started


def run_audit(audit_id: int, *, progress: Progress | None = None) -> ListAudit:
    """Check every address of the list: each domain once, concurrently (DNS), then each
    address; record the counts, examples and problem addresses, and decide (AUDIT-1).
    Progress is written as it goes, for the page's bar and the CLI's."""
    audit = ListAudit.objects.select_related("list__account").get(pk=audit_id)
    if audit.state != AuditState.RUNNING:
        return audit
    try:
        _check(audit, progress)
    except Exception as exc:
        logger.exception("audit %s of list %s failed", audit.pk, audit.list_id)
        ListAudit.objects.filter(pk=audit.pk).update(
            state=AuditState.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        AuditFinding.objects.filter(audit=audit).delete()
        raise
    return _finish(audit)


def _check(audit: ListAudit, progress: Progress | None) -> None:
    from contacts.addresses import check_address
    from domains.mailhosts import domain_mail_states, with_domain_state
    from policy.selectors import address_rules

    in_force = address_rules()

    def classify(address: str) -> tuple[str, ...]:
        return with_domain_state(check_address(address, rules=in_force), states).classes

    members = members_query(audit.list)
    domains = sorted(
        members.annotate(d=AddressDomain("address"))
        .order_by()
        .values_list("d", flat=True)
        .distinct()
    )
    audit.total = members.count()
    audit.domains = len(domains)
    _save_progress(audit, progress, "total", "domains")
    states: dict[str, str] = {}
    for start in range(0, len(domains), DOMAIN_CHUNK):
        part = domains[start : start + DOMAIN_CHUNK]
        states.update(domain_mail_states(part))
        audit.domains_checked += len(part)
        _save_progress(audit, progress, "domains_checked")
    counts: dict[str, int] = {}
    examples: dict[str, list[int]] = {}
    batch: list[tuple[int, str]] = []
    for contact_id, address in members.values_list("pk", "address").iterator(chunk_size=CHUNK):
        batch.append((contact_id, address))
        if len(batch) >= CHUNK:
            _classify(audit, batch, classify, counts, examples, progress)
            batch = []
    _classify(audit, batch, classify, counts, examples, progress)
    audit.counts, audit.examples = counts, examples


def _classify(
    audit: ListAudit,
    batch: Sequence[tuple[int, str]],
    classify: Callable[[str], tuple[str, ...]],
    counts: dict[str, int],
    examples: dict[str, list[int]],
    progress: Progress | None,
) -> None:
    findings = []
    for contact_id, address in batch:
        classes = classify(address)
        for name in classes:
            counts[name] = counts.get(name, 0) + 1
            shown = examples.setdefault(name, [])
            if len(shown) < rules.EXAMPLES_PER_CLASS:
                shown.append(contact_id)
        problem = rules.problem_classes(classes)
        if problem:
            findings.append(
                AuditFinding(audit=audit, contact_id=contact_id, classes=",".join(problem))
            )
    AuditFinding.objects.bulk_create(findings, batch_size=1000)
    audit.problems += len(findings)
    audit.checked += len(batch)
    _save_progress(audit, progress, "checked", "problems")


def _save_progress(audit: ListAudit, progress: Progress | None, *fields: str) -> None:
    ListAudit.objects.filter(pk=audit.pk).update(**{f: getattr(audit, f) for f in fields})
    if progress is not None:
        progress(audit)


@transaction.atomic
def _finish(audit: ListAudit) -> ListAudit:
    decision = rules.decide_audit(audit.total, audit.problems, audit.limit)
    lst = List.objects.select_for_update().get(pk=audit.list_id)
    AuditFinding.objects.filter(audit__list=lst, current=True).update(current=False)
    ListAudit.objects.filter(list=lst, current=True).update(current=False)
    AuditFinding.objects.filter(audit=audit).update(current=True)
    audit.share = decision.share.quantize(Decimal("0.000001"))
    audit.admitted = decision.admitted
    audit.state = AuditState.DONE
    audit.current = True
    audit.finished_at = timezone.now()
    audit.save()
    evidence.record(
        lst.account,
        "list.audited",
        actor=DECIDER,
        payload={
            "list": lst.pk,
            "audit": audit.pk,
            "total": audit.total,
            "problems": audit.problems,
            "share": str(audit.share),
            "limit": str(audit.limit),
            "admitted": decision.admitted,
            "counts": audit.counts,
        },
    )
    reason = (
        f"audit #{audit.pk}: {audit.problems} of {audit.total} problem addresses "
        f"({decision.share:.1%}, limit {decision.limit:.0%})"
    )
    decide(lst, reason=reason)
    return audit


# AUDIT-2: the sample ---------------------------------------------------------------------


@transaction.atomic
def record_sample(
    account: Account, campaign_id: int, lists: Sequence[List], *, size: int, population: int,
    share_max: Decimal, actor: Actor,
) -> SampleSend:  # fmt: skip
    """The sample a send starts with; its lists wait for the verdict (AUDIT-2)."""
    sample = SampleSend.objects.create(
        account=account,
        campaign_id=campaign_id,
        state=SampleState.SENDING,
        size=size,
        population=population,
        share_max=share_max,
    )
    sample.lists.set(lists)
    evidence.record(
        account,
        "list.sample_started",
        actor=actor,
        payload={
            "campaign": campaign_id,
            "lists": [lst.pk for lst in lists],
            "size": size,
            "population": population,
        },
    )
    return sample


def sample_sent(sample: SampleSend) -> SampleSend:
    """The sample's last message is out: its verdict comes after the waiting window."""
    if sample.verdict_at is None:
        hours = int(value("audit.sample_wait_hours", sample.account))
        sample.verdict_at = timezone.now() + timedelta(hours=hours)
        SampleSend.objects.filter(pk=sample.pk, verdict_at__isnull=True).update(
            verdict_at=sample.verdict_at
        )
    return sample


@transaction.atomic
def decide_sample(
    sample: SampleSend, *, passed: bool, reason: str, figures: Mapping[str, object],
    actor: Actor = DECIDER, override: bool = False,
) -> SampleSend:  # fmt: skip
    """AUDIT-2: under the thresholds the lists are admitted; over, they are not, and the
    reason says why. An operator's verdict (`override`) is recorded as theirs."""
    locked = SampleSend.objects.select_for_update().get(pk=sample.pk)
    if locked.state != SampleState.SENDING and not override:
        return locked
    locked.state = (
        SampleState.OVERRIDDEN
        if override
        else (SampleState.PASSED if passed else SampleState.FAILED)
    )
    locked.reason = reason[:1000]
    locked.figures = dict(figures)
    locked.decided_at = timezone.now()
    locked.decided_by = actor.label[:120]
    locked.save()
    evidence.record(
        locked.account,
        "list.sample_decided",
        actor=actor,
        payload={
            "sample": locked.pk,
            "campaign": locked.campaign_id,
            "passed": passed,
            "reason": locked.reason,
            "override": override,
            **{k: str(v) for k, v in figures.items()},
        },
    )
    text = f"sample #{locked.pk}: " + (reason or ("passed" if passed else "failed"))
    for lst in locked.lists.all():
        if override:
            contacts.set_list_admission(
                lst, actor=actor, admitted=passed, reason=text, override=True
            )
        else:
            decide(lst, reason=text)
    return locked


def open_sample(campaign_id: int) -> SampleSend | None:
    sample = sample_of_campaign(campaign_id)
    return sample if sample is not None and sample.state == SampleState.SENDING else None


# The audit's background task, run by `consentry worker` -------------------------------------


@task()
def run_list_audit(audit_id: int) -> dict[str, object]:
    """AUDIT-1: one list's audit, its progress written as it goes."""
    audit = run_audit(audit_id)
    return {"audit": audit.pk, "problems": audit.problems, "admitted": audit.admitted}
