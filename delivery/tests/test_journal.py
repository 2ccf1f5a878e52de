"""The hand-over journal (delivery.journal): after a worker dies, the rows it held get the
outcome its journal tells — accepted ones `sent`, the one on the wire `unknown`, the ones
never handed over `queued` again — instead of all becoming `unknown`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from contacts.testing import SYSTEM
from core.faults import _parse
from delivery import journal, ledger, sends
from delivery.journal import Journal, replay_dead
from delivery.ledger import Written
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(sendable: Sendable, settings: Any, tmp_path: Path) -> tuple[Campaign, list[int]]:
    """A send whose three rows a run (owner "dead-run") claimed, with nothing written yet."""
    settings.JOURNAL_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert sendable.start() == 3
    ids = ledger.claim(
        sendable.campaign.pk, 0, owner="dead-run", limit=10, lease=timedelta(minutes=2)
    )
    assert len(ids) == 3
    return sendable.campaign, ids


def died(ids: list[int], campaign: Campaign) -> Journal:
    """A run's journal as a SIGKILL leaves it: the first row accepted, the second on the
    wire, the third never begun; unlocked and not deleted."""
    run = Journal("dead-run", campaign.pk)
    run.begin(ids[0])
    run.outcome(
        Written(ids[0], LedgerState.SENT, "250 ok queued as A1", "A1", "<m1>", True, attempts=1)
    )
    run.begin(ids[1])
    run.close(written=False)
    return run


def rewrite_header(run: Journal, **changes: str) -> None:
    lines = run.path.read_text().split("\n")
    header = {**json.loads(lines[0]), **changes}
    run.path.write_text("\n".join([json.dumps(header), *lines[1:]]))


def states(ids: list[int]) -> list[str]:
    found = dict(SendLedgerEntry.objects.filter(pk__in=ids).values_list("pk", "state"))
    return [found[i] for i in ids]


def test_a_dead_runs_rows_get_the_outcome_its_journal_tells(held: Any) -> None:
    campaign, ids = held
    run = died(ids, campaign)
    replayed = replay_dead()
    assert (replayed.journals, replayed.written, replayed.unknown, replayed.requeued) == (
        1,
        1,
        1,
        1,
    )
    assert states(ids) == [LedgerState.SENT, LedgerState.UNKNOWN, LedgerState.QUEUED]
    sent = SendLedgerEntry.objects.get(pk=ids[0])
    assert (sent.queue_id, sent.message_id, sent.attempts, sent.lease_owner) == (
        "A1",
        "<m1>",
        1,
        "",
    )
    assert sent.sent_at is not None
    assert not run.path.exists()
    # Replayed once: a second look finds nothing.
    assert replay_dead().journals == 0


def test_after_a_restart_of_the_machine_unjournaled_rows_are_unknown(held: Any) -> None:
    """What was not flushed to disk may be lost with the machine: a row without a line
    may have been handed over, so it is not sent again."""
    campaign, ids = held
    run = died(ids, campaign)
    rewrite_header(run, boot="another-boot")
    replay_dead()
    assert states(ids) == [LedgerState.SENT, LedgerState.UNKNOWN, LedgerState.UNKNOWN]


def test_rows_whose_lease_ran_out_first_still_get_their_outcome(held: Any) -> None:
    campaign, ids = held
    died(ids, campaign)
    ledger.expire_leases(timezone.now() + timedelta(hours=1))
    assert states(ids) == [LedgerState.UNKNOWN] * 3
    replay_dead()
    assert states(ids) == [LedgerState.SENT, LedgerState.UNKNOWN, LedgerState.QUEUED]


def test_rows_never_handed_over_of_a_cancelled_send_are_skipped(held: Any) -> None:
    campaign, ids = held
    died(ids, campaign)
    sends.cancel_send(campaign, actor=SYSTEM)
    replay_dead()
    assert states(ids) == [LedgerState.SENT, LedgerState.UNKNOWN, LedgerState.SKIPPED]


def test_the_journal_of_a_live_process_is_left_alone(held: Any) -> None:
    campaign, ids = held
    run = died(ids, campaign)
    locker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
            str(run.path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline() == b"locked\n"
        assert replay_dead().journals == 0
        assert states(ids) == [LedgerState.SENDING] * 3
    finally:
        locker.communicate(b"", timeout=10)
    assert replay_dead().journals == 1


def test_a_journal_of_another_database_is_left_alone(held: Any) -> None:
    campaign, ids = held
    run = died(ids, campaign)
    rewrite_header(run, database="postgresql:elsewhere:5432:other")
    assert replay_dead().journals == 0
    assert run.path.exists()
    assert states(ids) == [LedgerState.SENDING] * 3


def test_a_journal_cut_short_or_begun_without_a_header_is_handled(held: Any) -> None:
    campaign, ids = held
    run = died(ids, campaign)
    with run.path.open("a") as file:
        file.write(f'["o",{ids[2]},"sent"')  # the last write, cut short
    (run.path.parent / "half.new").write_text("")
    replay_dead()
    assert states(ids) == [LedgerState.SENT, LedgerState.UNKNOWN, LedgerState.QUEUED]
    assert list(run.path.parent.iterdir()) == []


def test_a_run_deletes_its_journal_and_a_finished_send_leaves_none(
    sendable: Sendable, settings: Any, tmp_path: Path
) -> None:
    settings.JOURNAL_DIR = tmp_path
    assert sendable.start() == 3
    for batch in ledger.batches_with_work(sendable.campaign):
        sends.run_batch(sendable.campaign.pk, batch)
    assert len(sendable.smtp.messages) == 3
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.FINISHED
    assert list(tmp_path.iterdir()) == []
    assert journal.replay_dead().journals == 0


def test_fault_points_are_read_from_their_setting() -> None:
    assert _parse("send.tend@2, send.claimed") == {"send.tend": 2, "send.claimed": 1}
    assert _parse("") == {}


def test_a_journal_directory_that_cannot_be_made_stops_the_start(
    settings: Any, tmp_path: Path
) -> None:
    from delivery.checks import check_journal_dir

    (tmp_path / "a-file").write_text("")
    settings.JOURNAL_DIR = tmp_path / "a-file" / "journal"
    assert [e.id for e in check_journal_dir()] == ["delivery.E003"]
    settings.JOURNAL_DIR = tmp_path / "journal"
    assert check_journal_dir() == []
