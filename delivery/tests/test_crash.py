"""Crash tests: real `consentry worker` processes, SIGKILLed where a test chose (core.faults),
on SQLite and PostgreSQL, against a real SMTP server on loopback.

One send of 400 recipients in batches of 100 meets three dead workers in a row: one killed
inside the periodic `tend_sends`, one inside a batch right after the server accepted a
message (before anything of it was written), one between the hand-over and the ledger write.
A fourth worker is started and nobody touches anything else. In another, two workers share
the send and one is killed from outside while both hand over. Then, in both:

- no task is stuck: every task a dead worker ran is taken back (config.workers);
- the send finishes by itself;
- no recipient is lost: every row ends `sent` or `unknown`, every `sent` row's message
  arrived once, and only messages on the wire at a kill are `unknown` — at most the
  connections of the send (each carries one message at a time) per kill inside a batch;
- no duplicate: no recipient got two messages.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from config.models import WorkerBeat
from contacts.models import Contact, Subscription, SubscriptionState
from contacts.rules import LegalBasis, Status
from core.addresses import address_key
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable
from policy import services as policy

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 400
CONNECTIONS = 4
# Each worker dies at the first of its points it reaches (core.faults).
KILLED_IN_TEND = "send.tend@1"
KILLED_AFTER_ACCEPTANCE = "send.handed_over@40"
KILLED_BEFORE_WRITE = "send.before_record@2"
# A guard against waiting for ever, not a speed limit: well below the lease, so that no
# outcome comes from a lease running out (about 35 s on a busy two-core machine).
DEADLINE_SECONDS = 150

Read = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


@dataclass
class Installation:
    """The database the worker processes share with this test, and how to start them."""

    env: dict[str, str]
    read: Read
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *command: str, fault: str = "") -> subprocess.Popen[bytes]:
        env = {**self.env, "CONSENTRY_FAULT": fault}
        proc = subprocess.Popen(
            [sys.executable, "-m", "config.cli", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.processes.append(proc)
        return proc

    def worker(self, fault: str = "") -> subprocess.Popen[bytes]:
        return self.start("worker", "--no-startup-delay", "--interval", "0.1", fault=fault)

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.read(sql, params)[0][0]


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def _installation(sendable: Sendable, settings: Any, tmp_path: Path) -> Installation:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONSENTRY_FAULT")}
    env.update(
        CONSENTRY_SMTP_URL=sendable.smtp.url(),
        CONSENTRY_SECRET_KEY=settings.SECRET_KEY,
        CONSENTRY_JOURNAL_DIR=str(tmp_path / "journal"),
        CONSENTRY_LOG_LEVEL="WARNING",
        CONSENTRY_SEND_TEND_SECONDS="1",
        CONSENTRY_WORKER_LOST_SECONDS="20",
        # The domain checks the scheduler runs ask the test's DNS server, as the test did.
        CONSENTRY_DNS_RESOLVERS=",".join(settings.DNS_RESOLVERS),
        CONSENTRY_DNS_TIMEOUT="1",
        CONSENTRY_SPF_INCLUDE=settings.SPF_INCLUDE,
        CONSENTRY_SENDING_IPS=",".join(settings.SENDING_IPS),
    )
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )

        def read(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(sql, list(params))
                return list(cursor.fetchall())

        return Installation(env, read)
    # SQLite: the test's database lives in memory; the workers get a copy in a file, made
    # once everything is set up, and the test reads that file.
    path = tmp_path / "consentry.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    env["CONSENTRY_VAR_DIR"] = str(tmp_path)

    def read_file(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(path, timeout=30)) as db:
            return db.execute(sql.replace("%s", "?"), list(params)).fetchall()

    return Installation(env, read_file)


@pytest.fixture
def installation(
    sendable: Sendable, settings: Any, tmp_path: Path
) -> Iterator[Callable[[], Installation]]:
    made: list[Installation] = []

    def make() -> Installation:
        made.append(_installation(sendable, settings, tmp_path))
        return made[-1]

    yield make
    for inst in made:
        for proc in inst.processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)


def wait_for(what: str, done: Callable[[], bool], deadline: float) -> None:
    while not done():
        assert time.monotonic() < deadline, f"not within the deadline: {what}"
        time.sleep(0.2)


def died(proc: subprocess.Popen[bytes], deadline: float) -> None:
    remaining = max(deadline - time.monotonic(), 1)
    proc.wait(timeout=remaining)
    assert proc.stderr is not None
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-3000:]


def add_recipients(sendable: Sendable, count: int) -> None:
    """Confirmed subscribers of the send's list, written in bulk."""
    now = timezone.now()
    made = Contact.objects.bulk_create(
        Contact(
            account=sendable.world.alice_account,
            address=f"c{n}@example.org",
            address_hash=address_key(f"c{n}@example.org"),
            status=Status.ACTIVE,
            legal_basis=LegalBasis.DOUBLE_OPT_IN,
            status_changed_at=now,
        )
        for n in range(count)
    )
    Subscription.objects.bulk_create(
        Subscription(
            contact=c, list=sendable.lst, state=SubscriptionState.CONFIRMED, state_changed_at=now
        )
        for c in made
    )


def prepare(sendable: Sendable, settings: Any, *, batch_size: int) -> None:
    add_recipients(sendable, RECIPIENTS - len(sendable.contacts))
    policy.set_value("send.batch_size", str(batch_size))
    policy.set_value("send.connections", str(CONNECTIONS))
    policy.set_value("send.lease_seconds", "600")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_killed_workers_leave_nothing_stuck_lose_nothing_and_send_nothing_twice(
    sendable: Sendable, settings: Any, installation: Callable[[], Installation]
) -> None:
    prepare(sendable, settings, batch_size=100)
    # The periodic tending is enqueued before the send's batches: the first worker runs it
    # first (the queue is first in, first out).
    from delivery.sends import tend_sends

    tend_sends.enqueue()
    assert sendable.start() == RECIPIENTS
    site = installation()
    deadline = time.monotonic() + DEADLINE_SECONDS
    scheduler = site.start("scheduler", "--tick", "0.5")
    for fault in (KILLED_IN_TEND, KILLED_AFTER_ACCEPTANCE, KILLED_BEFORE_WRITE):
        died(site.worker(fault), deadline)
    last = site.worker()
    finished_alone(sendable, site, [last, scheduler], deadline, kills_in_a_batch=2)


def test_a_worker_killed_beside_another_leaves_the_rest_to_it(
    sendable: Sendable, settings: Any, installation: Callable[[], Installation]
) -> None:
    """Two workers share the send; one is SIGKILLed from outside at a moment nobody chose
    while both hand over. The other and the scheduler finish the send without a restart:
    the dead worker's journal is replayed at the scheduler's next tick (the live one's is
    left alone) and its task is taken back at once."""
    prepare(sendable, settings, batch_size=50)
    policy.set_value("send.rate_per_second", "100")
    assert sendable.start() == RECIPIENTS
    site = installation()
    deadline = time.monotonic() + DEADLINE_SECONDS
    scheduler = site.start("scheduler", "--tick", "0.5")
    doomed, survivor = site.worker(), site.worker()
    wait_for("a quarter is out", lambda: len(sendable.smtp.messages) >= RECIPIENTS // 4, deadline)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)
    finished_alone(sendable, site, [survivor, scheduler], deadline, kills_in_a_batch=1)


def finished_alone(
    sendable: Sendable,
    site: Installation,
    live: list[subprocess.Popen[bytes]],
    deadline: float,
    *,
    kills_in_a_batch: int,
) -> None:
    """The send finishes by itself with `live` running; then what the module promises."""
    campaign = sendable.campaign.pk
    last = live[0]
    ledger_table, tasks, beats = _table(SendLedgerEntry), _table(DBTaskResult), _table(WorkerBeat)

    def finished() -> bool:
        state = site.scalar(f"SELECT state FROM {_table(Campaign)} WHERE id = %s", campaign)  # noqa: S608
        return bool(state == CampaignState.FINISHED)

    wait_for("the send finishes by itself", finished, deadline)

    def nothing_stuck() -> bool:
        """No task runs but on the live worker (which may be tending right now)."""
        beat_sql = f"SELECT worker_id FROM {beats} WHERE pid = %s"  # noqa: S608
        live = [str(w) for (w,) in site.read(beat_sql, (last.pid,))]
        running_sql = f"SELECT worker_ids FROM {tasks} WHERE status = %s"  # noqa: S608
        running = site.read(running_sql, (TaskResultStatus.RUNNING,))
        return bool(live) and all(any(w in str(ids) for w in live) for (ids,) in running)

    wait_for("every task of a dead worker is taken back", nothing_stuck, deadline)
    for proc in live:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    rows = site.read(
        f"SELECT c.address, e.state FROM {ledger_table} e"  # noqa: S608
        f" JOIN {_table(Contact)} c ON c.id = e.contact_id WHERE e.campaign_id = %s",
        (campaign,),
    )
    state_of: dict[str, str] = dict(rows)
    assert len(state_of) == RECIPIENTS
    states = Counter(state_of.values())
    assert set(states) <= {LedgerState.SENT, LedgerState.UNKNOWN}, states
    received = Counter(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert max(received.values()) == 1, "a recipient got two messages"
    sent = {a for a, s in state_of.items() if s == LedgerState.SENT}
    unknown = {a for a, s in state_of.items() if s == LedgerState.UNKNOWN}
    assert sent <= set(received), "a row is sent whose message never arrived"
    assert set(received) <= sent | unknown
    # Only what was on the wire when a worker died inside a batch is uncertain.
    assert len(unknown) <= kills_in_a_batch * CONNECTIONS, unknown
    assert list((Path(site.env["CONSENTRY_JOURNAL_DIR"])).glob("*")) == []
    # Every task a dead worker ran was taken back; the live one stopped cleanly.
    running = f"SELECT COUNT(*) FROM {tasks} WHERE status = %s"  # noqa: S608
    assert site.scalar(running, TaskResultStatus.RUNNING) == 0
