"""A campaign's send from start to end, in one place: start it, enqueue and run its
batches, judge its figures, pause, resume, cancel and finish it (SEND-1..6, QUALITY-3).

The doors (web, API, CLI) call these; `consentry worker` runs the send's two tasks at
the end of this module, and they call the same functions. The campaigns app keeps a campaign's
states and the gate, the ledger its rows, the engine runs one batch. Who judges a send's
figures registers here (`register_judge`): the governance app, which may stop the send
through the `stop` it is handed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Account
from accounts.rules import may_send, strangers
from accounts.selectors import own_address_keys
from accounts.services import reserve_test_recipients
from admission import services as admission
from admission.rules import sample_size, sample_verdict
from admission.selectors import sample_of_campaign, samples_waiting, standing_of
from campaigns import selectors as campaign_selectors
from campaigns import services as campaigns
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from carrier.transports import Transport
from consent import services as evidence
from contacts.models import Contact, List, Subscription, SubscriptionState
from core.actors import Actor
from core.addresses import InvalidAddress, address_key, normalise_address
from core.errors import DomainError, InvalidInput, RuleViolation
from core.faults import fault
from delivery import engine, journal, ledger
from delivery.engine import BatchReport
from delivery.models import LedgerState, SendLedgerEntry
from delivery.pause_reasons import CONTENT_STOP, DOMAIN_PAUSE
from delivery.plan import send_test_messages
from domains.models import SenderDomain
from domains.rules import DomainStatus
from domains.selectors import sending_block_reasons, signing_keys_for
from policy.selectors import value

logger = logging.getLogger(__name__)

# How a judge stops a send: the coordinator's cancel, inside the judge's transaction.
Stop = Callable[[Campaign, Actor], object]


@dataclass(frozen=True)
class Judge:
    """Who judges a send's figures (QUALITY-3).

    `judge(campaign, stop)` looks at the figures and may call `stop`; `has_bounces(campaign)`
    tells whether bounces reported so far make the send worth judging at every flush."""

    judge: Callable[[Campaign, Stop], object]
    has_bounces: Callable[[Campaign], bool]


_judges: list[Judge] = []


def register_judge(judge: Judge) -> None:
    if judge not in _judges:
        _judges.append(judge)


def start_send(
    campaign: Campaign, *, actor: Actor, guidelines_confirmed: bool, language: str = "en"
) -> int:
    """SEND-1/2/4: gate, the guideline tick as evidence, the ledger in one statement.

    A target list never audited nor marked by an operator is audited first (AUDIT-1); a
    list whose first send must go to a sample gets one (AUDIT-2), the rest waits.
    Raises RuleViolation listing every failing reason. Returns the number of recipients."""
    admission.audit_before_first_send(list(campaign.lists.all()), actor=actor)
    return _start_send(
        campaign, actor=actor, guidelines_confirmed=guidelines_confirmed, language=language
    )


@transaction.atomic
def _start_send(
    campaign: Campaign, *, actor: Actor, guidelines_confirmed: bool, language: str
) -> int:
    locked = campaigns.begin_send(
        campaign, actor=actor, guidelines_confirmed=guidelines_confirmed, language=language
    )
    batch_size = int(value("send.batch_size", locked.account))
    sampled = [lst for lst in locked.lists.all() if standing_of(lst).sample_due]
    if sampled:
        recipients = _start_sample(locked, sampled, batch_size=batch_size, actor=actor)
    else:
        recipients = ledger.fill(locked, batch_size=batch_size)
    evidence.record(
        locked.account,
        "send.started",
        actor=actor,
        payload={"campaign": locked.pk, "recipients": recipients},
    )
    transaction.on_commit(lambda: enqueue_batches(locked.pk))
    return recipients


def enqueue_batches(campaign_id: int) -> int:
    """One background task per batch that has work."""
    campaign = Campaign.objects.select_related("account").get(pk=campaign_id)
    batches = ledger.batches_with_work(campaign)
    for batch in batches:
        send_batch.enqueue(campaign_id, batch)
    finish_if_done(campaign)  # nobody eligible: the send is over at once
    return len(batches)


def run_batch(campaign_id: int, batch: int, *, transport: Transport | None = None) -> BatchReport:
    """Send what is due in one batch; the send finishes when nothing is left open.

    With `transport` given, everything runs on this thread over that one transport."""
    journal.replay_dead()  # before any lease is judged lost: the journals know better
    ledger.expire_leases()
    campaign = Campaign.objects.select_related("account").get(pk=campaign_id)
    if campaign.state != CampaignState.SENDING or not campaign.account.is_active:
        return BatchReport()  # a suspended account sends nothing; its rows wait, queued
    report = engine.run(
        campaign, batch, judge=judge_safely, judging=judging_needed(campaign), transport=transport
    )
    finish_if_done(campaign)
    return report


def tend() -> dict[str, int]:
    """Expired leases become unknown; due retries of running sends are enqueued; sends
    with nothing left are finished. Journals of dead workers on this machine are replayed
    first, so only what they had on the wire is left to become unknown."""
    journal.replay_dead()
    expired = ledger.expire_leases()
    fault("send.tend")
    enqueued = 0
    tend_samples()
    for campaign in Campaign.objects.filter(state=CampaignState.SENDING):
        if finish_if_done(campaign):
            continue
        if _waiting(campaign.pk):
            continue  # its batches are still in the queue
        for batch in ledger.due_batches(campaign):
            send_batch.enqueue(campaign.pk, batch)
            enqueued += 1
    return {"expired": sum(expired.values()), "enqueued": enqueued}


def _waiting(campaign_id: int) -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=send_batch.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__args__0=campaign_id,
    ).exists()


def finish_if_done(campaign: Campaign) -> bool:
    """The end of a send with no open rows left; True once nothing is open. A send whose
    sample awaits its verdict is not over: its rest is still to come (AUDIT-2)."""
    if ledger.has_open_rows(campaign) or admission.open_sample(campaign.pk) is not None:
        return False
    campaigns.mark_finished(campaign)
    return True


# Judging (QUALITY-3) --------------------------------------------------------------------


def judging_needed(campaign: Campaign) -> bool:
    """A send with a hard bounce, at hand-over or reported, is judged at every flush."""
    return ledger.hard_failures_query(campaign.pk).exists() or any(
        j.has_bounces(campaign) for j in _judges
    )


def judge(campaign: Campaign) -> None:
    """Every registered judge looks at the send's figures; a breach stops it."""
    for j in _judges:
        j.judge(campaign, stop_send)


def judge_safely(campaign: Campaign) -> None:
    """The engine's judging between two messages: it must never lose the outcomes already
    recorded, so a failure is logged and the send goes on."""
    try:
        judge(campaign)
    except Exception:
        logger.exception("judging the rates of campaign %s failed", campaign.pk)


def stop_send(campaign: Campaign, actor: Actor) -> object:
    if campaign.state in (CampaignState.SENDING, CampaignState.PAUSED):
        return cancel_send(campaign, actor=actor)
    return None


# The sample send (AUDIT-2) -------------------------------------------------------------------

# Who tells a sample's breaches of QUALITY-1/2 (the governance app, with feedback's rates).
SampleJudge = Callable[[Campaign], list[str]]
_sample_judges: list[SampleJudge] = []
SAMPLER = Actor.system("sample-send")


def register_sample_judge(judge: SampleJudge) -> None:
    if judge not in _sample_judges:
        _sample_judges.append(judge)


def sample_population(campaign: Campaign, lists: Sequence[List]) -> QuerySet[Contact]:
    """Whom a sample is drawn from: the campaign's eligible contacts on the sampled lists."""
    on_lists = Subscription.objects.filter(
        contact_id=OuterRef("pk"),
        list_id__in=[lst.pk for lst in lists],
        state=SubscriptionState.CONFIRMED,
    )
    return ledger.eligible_contacts(campaign).filter(Exists(on_lists))


def _start_sample(
    campaign: Campaign, lists: Sequence[List], *, batch_size: int, actor: Actor
) -> int:
    """AUDIT-2: the send goes to a random sample of at most the policy's share of the
    lists' eligible contacts, at reduced speed; the rest is held until the verdict."""
    share = Decimal(str(value("audit.test_send_share_max", campaign.account)))
    population = sample_population(campaign, lists)
    total = population.count()
    size = sample_size(total, share)
    if size == 0:
        raise RuleViolation(
            _(
                "The list is too small for a sample of at most %(share)s of it: an operator "
                "can admit it."
            )
            % {"share": f"{share:.0%}"}
        )
    # A random draw in the database: a different sample at every run.
    filled = ledger.fill(
        campaign, batch_size=batch_size, recipients=population.order_by("?")[:size]
    )
    admission.record_sample(
        campaign.account,
        campaign.pk,
        lists,
        size=filled,
        population=total,
        share_max=share,
        actor=actor,
    )
    return filled


def tend_samples() -> int:
    """Samples whose messages are all out get their verdict time; past it, the verdict:
    the rest goes, or the send is cancelled and the lists are not admitted."""
    decided = 0
    for sample in samples_waiting():
        campaign = Campaign.objects.select_related("account").filter(pk=sample.campaign_id).first()
        if campaign is None or campaign.state == CampaignState.CANCELLED:
            admission.decide_sample(
                sample, passed=False, reason="the sample send was stopped", figures={}
            )
            decided += 1
        elif ledger.has_open_rows(campaign):
            continue
        elif sample.verdict_at is None:
            admission.sample_sent(sample)
        elif sample.verdict_at <= timezone.now():
            judge_sample(campaign)
            decided += 1
    return decided


def judge_sample(campaign: Campaign) -> bool:
    """AUDIT-2: the sample's hard-bounce and complaint rates against QUALITY-1/2; under
    the thresholds the rest goes, over them the send is cancelled. True if it passed."""
    sample = admission.open_sample(campaign.pk)
    if sample is None:
        return False
    breaches = [text for judge in _sample_judges for text in judge(campaign)]
    passed, reason = sample_verdict(breaches, stopped=False)
    figures = {**ledger.counts(campaign), **ledger.failures(campaign)}
    with transaction.atomic():
        admission.decide_sample(sample, passed=passed, reason=reason, figures=figures)
        _after_verdict(campaign, passed=passed, reason=reason, actor=SAMPLER)
    return passed


def _after_verdict(campaign: Campaign, *, passed: bool, reason: str, actor: Actor) -> None:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state not in (CampaignState.SENDING, CampaignState.PAUSED):
        return
    if passed:
        ledger.fill(
            locked,
            batch_size=int(value("send.batch_size", locked.account)),
            first_batch=ledger.next_batch(locked),
        )
        if locked.state == CampaignState.SENDING:
            transaction.on_commit(lambda: enqueue_batches(locked.pk))
    else:
        cancel_send(locked, actor=actor)
        logger.warning("campaign %s: its sample failed: %s", locked.pk, reason)


@transaction.atomic
def override_sample(campaign: Campaign, *, admitted: bool, reason: str, actor: Actor) -> bool:
    """AUDIT-2: an operator decides a sample before or against its verdict, with a
    recorded reason; admitted, the rest of the send goes."""
    if not reason.strip():
        raise InvalidInput(_("Give the reason for the decision."), details=["reason"])
    sample = sample_of_campaign(campaign.pk)
    if sample is None:
        raise RuleViolation(_("This send has no sample."))
    admission.decide_sample(
        sample, passed=admitted, reason=reason.strip(), figures={}, actor=actor, override=True
    )
    _after_verdict(campaign, passed=admitted, reason=reason, actor=actor)
    return admitted


# A user's or an operator's hand on a running send ------------------------------------------


@transaction.atomic
def pause_send(campaign: Campaign, *, actor: Actor) -> Campaign:
    """SEND-4: workers stop handing over within a second; unsent rows stay queued."""
    return campaigns.change_state(campaign, CampaignState.PAUSED, actor=actor)


@transaction.atomic
def resume_send(campaign: Campaign, *, actor: Actor) -> Campaign:
    """SEND-4: the rest goes out, unless its sender domain still fails (DOMAIN-1)."""
    blocked = sending_block_reasons(campaign.account, campaign.from_address)
    if blocked:
        raise RuleViolation(
            "the send cannot resume while its sender domain fails: " + "; ".join(blocked)
        )
    locked = campaigns.change_state(campaign, CampaignState.SENDING, actor=actor)
    transaction.on_commit(lambda: enqueue_batches(locked.pk))
    return locked


def follow_domain(
    sender: object, *, domain: SenderDomain, previous: str, status: str, reason: str, **_: Any
) -> None:
    """DOMAIN-1: a sender domain that stops passing its checks pauses every running send
    from it, with the reason on the campaign page; passing again resumes exactly those."""
    sending = Campaign.objects.filter(
        account_id=domain.account_id, from_address__iendswith=f"@{domain.name}"
    )
    actor = Actor.system("domain-check")
    if status == DomainStatus.FAILED:
        text = DOMAIN_PAUSE % {"domain": domain.name, "reason": reason}
        for campaign in sending.filter(state=CampaignState.SENDING):
            campaigns.change_state(
                campaign, CampaignState.PAUSED, actor=actor, reason=text, for_domain=domain.name
            )
            logger.warning("campaign %s paused: %s", campaign.pk, text)
    elif status == DomainStatus.VERIFIED:
        for campaign in sending.filter(state=CampaignState.PAUSED, paused_for_domain=domain.name):
            resume_send(campaign, actor=actor)


@transaction.atomic
def cancel_send(campaign: Campaign, *, actor: Actor) -> Campaign:
    """SEND-4: nothing more is handed over; queued and deferred rows are skipped."""
    locked = campaigns.change_state(campaign, CampaignState.CANCELLED, actor=actor)
    SendLedgerEntry.objects.filter(
        campaign=locked, state__in=(LedgerState.QUEUED, LedgerState.DEFERRED)
    ).update(state=LedgerState.SKIPPED, reply="the send was cancelled", updated_at=timezone.now())
    return locked


@transaction.atomic
def stop_for_content(campaign_id: int, *, reason: str, actor: Actor) -> Campaign:
    """CONTENT-6: the operator stops a running (or paused) send whose content breaks the
    guidelines; nothing more goes out, the account sees the reason on the campaign, and the
    audit log keeps who did it and why."""
    from core.audit import record_operator_action
    from core.errors import NotFound
    from core.models import AuditAction

    said = " ".join(reason.split())[:400]
    if not said:
        raise InvalidInput("a reason is needed: the account sees it")
    campaign = Campaign.objects.filter(pk=campaign_id).select_related("account").first()
    if campaign is None:
        raise NotFound(f"no campaign #{campaign_id}")
    if campaign.state not in (CampaignState.SENDING, CampaignState.PAUSED):
        raise RuleViolation(f"campaign #{campaign_id} is {campaign.state}: no send to stop")
    stopped = cancel_send(campaign, actor=actor)
    stopped.pause_reason = CONTENT_STOP + said
    stopped.save(update_fields=["pause_reason"])
    record_operator_action(
        actor,
        AuditAction.CONTENT_STOP,
        f"campaign #{stopped.pk} {stopped.name}",
        said,
        account=stopped.account,
        detail={"campaign": stopped.pk},
    )
    return stopped


@transaction.atomic
def resend_unknown(campaign: Campaign, *, actor: Actor) -> int:
    """SEND-4: a user chooses to send the rows of unknown outcome again (maybe twice)."""
    locked = campaigns.lock_for_resend(campaign)
    rows = SendLedgerEntry.objects.filter(campaign=locked, state=LedgerState.UNKNOWN).update(
        state=LedgerState.QUEUED,
        reply="queued again by a user",
        lease_owner="",
        updated_at=timezone.now(),
    )
    if rows and locked.state == CampaignState.FINISHED:
        locked = campaigns.reopen_send(locked)
    evidence.record(
        locked.account,
        "send.unknown_requeued",
        actor=actor,
        payload={"campaign": locked.pk, "rows": rows},
    )
    if locked.state == CampaignState.SENDING:
        transaction.on_commit(lambda: enqueue_batches(locked.pk))
    return rows


def _address(value: str) -> str:
    try:
        return normalise_address(value)
    except InvalidAddress as exc:
        raise InvalidInput(
            _("Test address %(address)s: %(reason)s")
            % {"address": value.strip()[:254], "reason": exc.message}
        ) from None


def send_test(
    campaign: Campaign, addresses: Sequence[str], *, actor: Actor
) -> list[tuple[str, str]]:
    """SEND-2: marked test mail before the gate passes, and no relay: only from an active
    account, From a verified sender domain and DKIM-signed, only to the account's own
    people (members' login addresses, addresses confirmed by link), within the policy's
    count per day. Every door (web, API, CLI) sends test mail through here."""
    account = Account.objects.get(pk=campaign.account_id)  # today's review state
    if not may_send(account.review_state):
        raise RuleViolation(
            _("The account is %(state)s: no test mail leaves it until it is active.")
            % {"state": account.get_review_state_display()}
        )
    blocked = sending_block_reasons(account, campaign.from_address)
    if blocked or not signing_keys_for(account, campaign.from_address):
        raise RuleViolation(
            _(
                "Test mail goes only From a verified sender domain of the account, signed "
                "with its DKIM key: %(sender)s is not one."
            )
            % {"sender": campaign.from_address},
            details=blocked,
        )
    requested: dict[str, str] = {}
    for raw in addresses:
        if raw.strip():
            clean = _address(raw)
            requested.setdefault(address_key(clean), clean)
    if not requested:
        raise InvalidInput(_("Name at least one address for the test send."))
    limit = int(value("send.test_send_max_recipients", account))
    if len(requested) > limit:
        raise InvalidInput(_("A test send goes to at most %(limit)d addresses.") % {"limit": limit})
    refused = strangers(requested, own_address_keys(account))
    if refused:
        raise RuleViolation(
            _(
                "Test mail goes only to the account members' own addresses: %(addresses)s "
                "is not one. Add it under Test addresses and confirm it by its link."
            )
            % {"addresses": ", ".join(refused)},
            details=refused,
        )
    clean_addresses = sorted(requested.values())
    with transaction.atomic():
        reserve_test_recipients(
            account, len(clean_addresses), limit=int(value("test_send.max_per_day", account))
        )
        evidence.record(
            account,
            "send.test",
            actor=actor,
            payload={"campaign": campaign.pk, "recipients": len(clean_addresses)},
            personal={"addresses": clean_addresses},
        )
    # After commit: a relay cannot take a message back.
    return send_test_messages(campaign, clean_addresses)


def start_due_schedules(now: datetime | None = None) -> dict[str, int]:
    """SEND-4: every scheduled draft whose time has come is started through the gate, as
    the one who scheduled it; one the gate refuses now is held with the reason."""
    started = held = 0
    for campaign in campaign_selectors.due_schedules(now or timezone.now()):
        actor = Actor.from_label(campaign.scheduled_by)
        try:
            start_send(campaign, actor=actor, guidelines_confirmed=True, language=campaign.language)
        except DomainError as exc:
            reason = "; ".join([exc.message, *exc.details])
            held += campaigns.hold_schedule(campaign, reason)
            logger.info("schedule of campaign %s held: %s", campaign.pk, reason)
        else:
            started += 1
    return {"started": started, "held": held}


# The send's background tasks, run by `consentry worker` -------------------------------------


@task()
def send_batch(campaign_id: int, batch: int) -> dict[str, int]:
    """One batch of a send: claim, re-check, hand over, record (SEND-3..6)."""
    report = run_batch(campaign_id, batch)
    return {"claimed": report.claimed, **report.by_outcome}


@task()
def tend_sends() -> dict[str, int]:
    """Periodic: expired leases become unknown; due retries of running sends are enqueued;
    sends with nothing left are finished."""
    return tend()


@task()
def start_scheduled_sends() -> dict[str, int]:
    """Periodic: scheduled sends whose time has come start (or are held with the reason)."""
    return start_due_schedules()
