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
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import Account
from accounts.rules import may_send, strangers
from accounts.selectors import own_address_keys
from accounts.services import reserve_test_recipients
from campaigns import services as campaigns
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from carrier.transports import Transport
from consent import services as evidence
from core.actors import Actor
from core.addresses import InvalidAddress, address_key, normalise_address
from core.errors import InvalidInput, RuleViolation
from delivery import engine, ledger
from delivery.engine import BatchReport
from delivery.models import LedgerState, SendLedgerEntry
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


@transaction.atomic
def start_send(
    campaign: Campaign, *, actor: Actor, guidelines_confirmed: bool, language: str = "en"
) -> int:
    """SEND-1/2/4: gate, the guideline tick as evidence, the ledger in one statement.

    Raises RuleViolation listing every failing reason. Returns the number of recipients."""
    locked = campaigns.begin_send(
        campaign, actor=actor, guidelines_confirmed=guidelines_confirmed, language=language
    )
    recipients = ledger.fill(locked, batch_size=int(value("send.batch_size", locked.account)))
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
    with nothing left are finished."""
    expired = ledger.expire_leases()
    enqueued = 0
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
    """The end of a send with no open rows left; True once nothing is open."""
    if ledger.has_open_rows(campaign):
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
        text = f"the sender domain {domain.name} stopped passing its checks ({reason})"
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
def resend_unknown(campaign: Campaign, *, actor: Actor) -> int:
    """SEND-4: a user chooses to send the rows of unknown outcome again (maybe twice)."""
    locked = campaigns.lock_for_resend(campaign)
    rows = SendLedgerEntry.objects.filter(campaign=locked, state=LedgerState.UNKNOWN).update(
        state=LedgerState.QUEUED, reply="queued again by a user", updated_at=timezone.now()
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
