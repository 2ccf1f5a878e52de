"""Scale-out on PostgreSQL (SEND-4, invariant 2): several `consentry` worker processes
share one database and never send a (campaign, contact) twice — also when the SMTP server
drops connections, and when a worker is killed mid-batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from delivery import ledger
from delivery.models import LedgerState, SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable
from policy import services as policy

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several workers need PostgreSQL"),
]
ROOT = Path(__file__).resolve().parents[2]


def worker(
    smtp_url: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    environ = dict(os.environ)
    environ.update(
        DATABASE_URL=f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        CONSENTRY_SMTP_URL=smtp_url,
        CONSENTRY_LOG_LEVEL="WARNING",
    )
    environ.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "config.cli", "db_worker", "--no-startup-delay", *extra],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def use_task_database(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_two_workers_send_each_recipient_exactly_once(sendable: Sendable, settings: Any) -> None:
    """Two processes, batches of 20, an SMTP server hanging up on every 7th reused
    connection: every eligible recipient gets one message, none gets two."""
    for n in range(117):
        sendable.add(f"w{n}@example.org")
    policy.set_value("send.batch_size", "20")
    sendable.smtp.drop_every = 7
    use_task_database(settings)
    assert sendable.start() == 120
    workers = [worker(settings.SMTP_URL, "--batch") for _ in range(2)]
    for proc in workers:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()[-3000:]
    received = Counter(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert sendable.smtp.dropped > 0
    assert set(received.values()) == {1}
    assert sorted(received) == sorted(c.address for c in sendable.contacts)
    assert set(SendLedgerEntry.objects.values_list("state", flat=True)) == {LedgerState.SENT}
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.FINISHED


def test_a_killed_worker_leaves_only_what_was_on_the_wire_unknown(
    sendable: Sendable, settings: Any
) -> None:
    """SIGKILL mid-batch: once its lease runs out the rows it held are `unknown`; its
    journal, replayed by the next run, gives them their outcome — accepted ones `sent`,
    never handed over ones `queued` — so at most one per connection stays `unknown`, is
    reported and not resent. The other rows are sent once each."""
    from datetime import timedelta

    from django.utils import timezone

    from delivery import journal

    for n in range(57):
        sendable.add(f"k{n}@example.org")
    policy.set_value("send.batch_size", "30")
    policy.set_value("send.rate_per_second", "20")
    use_task_database(settings)
    assert sendable.start() == 60
    proc = worker(settings.SMTP_URL, env={"CONSENTRY_JOURNAL_DIR": str(settings.JOURNAL_DIR)})
    deadline = time.monotonic() + 60
    while len(sendable.smtp.messages) < 5:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    states = Counter(SendLedgerEntry.objects.values_list("state", flat=True))
    assert states[LedgerState.SENDING] > 0
    # The lease runs out before anyone reads the journal: unknown for now.
    expired = ledger.expire_leases(timezone.now() + timedelta(hours=1))
    assert expired == {sendable.campaign.pk: states[LedgerState.SENDING]}
    assert journal.replay_dead().journals == 1
    # Another worker finishes the rest; the unknown rows are never sent again.
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    received = Counter(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert set(received.values()) == {1}
    final = Counter(SendLedgerEntry.objects.values_list("state", flat=True))
    assert final[LedgerState.UNKNOWN] <= 4  # send.connections
    assert final[LedgerState.SENT] + final[LedgerState.UNKNOWN] == 60
    by_state = {
        state: set(
            SendLedgerEntry.objects.filter(state=state).values_list("contact__address", flat=True)
        )
        for state in (LedgerState.SENT, LedgerState.UNKNOWN)
    }
    # Every message that arrived belongs to a sent row or to an unknown one.
    assert set(received) <= by_state[LedgerState.SENT] | by_state[LedgerState.UNKNOWN]
    assert by_state[LedgerState.SENT] <= set(received)
