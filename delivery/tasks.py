"""Background entry points of the send engine (run by `consentry worker`)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_batch(campaign_id: int, batch: int) -> dict[str, int]:
    """One batch of a send: claim, re-check, hand over, record (SEND-3..6)."""
    from delivery.engine import run_batch

    report = run_batch(campaign_id, batch)
    return {"claimed": report.claimed, **report.by_outcome}


@task()
def tend_sends() -> dict[str, int]:
    """Periodic: expired leases become unknown; due retries of running sends are enqueued;
    sends with nothing left are finished."""
    from campaigns import services as campaigns
    from campaigns.models import Campaign
    from campaigns.rules import CampaignState
    from delivery import ledger

    expired = ledger.expire_leases()
    enqueued = 0
    for campaign in Campaign.objects.filter(state=CampaignState.SENDING):
        if not ledger.has_open_rows(campaign):
            campaigns.mark_finished(campaign)
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
        task_path="delivery.tasks.send_batch",
        status=TaskResultStatus.READY,
        args_kwargs__args__0=campaign_id,
    ).exists()


@task()
def apply_one_click_unsubscribes() -> int:
    """Periodic: one-click unsubscribes received since the last run become subscription
    changes with their evidence (they already keep the contact out of every hand-over)."""
    from delivery.links import apply_one_click_unsubscribes as apply

    return apply()
