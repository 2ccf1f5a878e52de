"""The send engine: a worker claims rows of one batch, re-checks them, has them built and
hands them over on a few threads, each with its own reused SMTP connection.

Only the calling thread touches the database: it claims, re-checks (every
RECHECK_SECONDS, so an unsubscribe stops later hand-overs within a second — invariant 5),
reads pause/cancel, renews the lease and writes outcomes in bulk. The sender threads
render, sign and talk SMTP; a sender short of send-rate tokens (delivery.pace) wakes the
calling thread, which takes them from the shared counters. With the sandbox transport
(which writes to the database) everything runs on the calling thread. The coordinator
(delivery.sends) decides whether a batch runs at all, and judges and finishes the send.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from carrier.rules import FailureKind, Outcome, after_temporary_failure
from carrier.transports import Transport, get_transport, sandbox_active
from core.faults import fault
from delivery import failures, ledger, pace
from delivery.builders import Builder, BuilderDied, Built, build_safely
from delivery.builders import kept as kept_builders
from delivery.journal import Journal
from delivery.ledger import Recipient
from delivery.models import LedgerState, SendLedgerEntry
from delivery.plan import CANCELLED, INELIGIBLE, RELEASED, Control, Result, SendPlan, plan_for
from delivery.throttle import POLL_SECONDS

if TYPE_CHECKING:
    from campaigns.models import Campaign

logger = logging.getLogger(__name__)

# Rows claimed at once. A worker holds at most MAX_HELD claimed rows whose outcome is not
# written yet: at most this many can be left `unknown` by a crash.
CHUNK = 200
MAX_HELD = 4 * CHUNK
# Threaded, the next chunk is claimed once fewer than this many recipients wait: enough
# to hide a claim, re-check and flush (~50 ms on SQLite) at ~2,000 messages/s.
LOW_WATER = CHUNK
# Recipients a builder process is given at once.
BUILD_GROUP = 8
# Invariant 5 and SEND-4: how often the worker re-reads eligibility and the campaign's state.
RECHECK_SECONDS = 0.5
CONTROL_SECONDS = 0.25
FLUSH_SECONDS = 0.5


@dataclass
class BatchReport:
    claimed: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1


def run(
    campaign: Campaign,
    batch: int,
    *,
    judge: Callable[[Campaign], None],
    judging: bool,
    transport: Transport | None = None,
) -> BatchReport:
    """Send what is due in one batch of a sending campaign; returns what happened to each
    row. `judge` is called at every flush once the send has a hard bounce (at once when
    `judging`). With `transport` given, everything runs on this thread over it."""
    report = BatchReport()
    plan = plan_for(campaign)
    run = _Run(plan, batch, report, judge=judge, judging=judging)
    # Before the first claim: every row this run holds is in its journal's care.
    journal = run.control.journal = Journal(run.owner, campaign.pk)
    written = False
    try:
        if transport is None and not sandbox_active() and plan.connections > 1:
            run.threaded(plan.connections, settings.SEND_BUILD_PROCESSES)
        else:
            run.inline(transport or get_transport())
        written = not run.pending
    finally:
        # A run that failed leaves its journal to delivery.journal.replay_dead.
        journal.close(written=written)
    pace.prune()
    return report


Jobs = queue.SimpleQueue["Recipient | None"]
Ready = queue.Queue["tuple[Recipient, Built] | None"]


def _thread(
    target: Callable[..., None], *args: Any, name: str = "consentry-sender"
) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def _new_transport() -> Transport:
    from carrier.transports.smtp import SmtpTransport

    return SmtpTransport(settings.SMTP_URL)


class _Run:
    """One batch: claim chunks, re-check, hand over, record — the database side of the work.

    Threaded, the sender threads live for the whole batch: the next chunk is claimed and
    re-checked while they still work on the last one, so none waits at a chunk's end."""

    def __init__(
        self,
        plan: SendPlan,
        batch: int,
        report: BatchReport,
        *,
        judge: Callable[[Campaign], None],
        judging: bool,
    ) -> None:
        self.plan = plan
        self.batch = batch
        self.owner = uuid.uuid4().hex[:12]
        self.report = report
        self.control = Control()
        self.results: queue.SimpleQueue[Result] = queue.SimpleQueue()
        # Claimed rows whose outcome is not written yet: at most MAX_HELD.
        self.pending: set[int] = set()
        self.exhausted = False
        now = time.monotonic()
        self._checked = self._controlled = self._flushed = self._renewed = now
        # QUALITY-3: once the send has a hard bounce, its rate is judged at every flush
        # (the volume it is judged against grows with every message).
        self._judge = judge
        self._judging = judging

    def top_up(self) -> list[Recipient]:
        """Claim the next chunk: its recipients that may be mailed (the others are skipped
        at once); [] once the batch has nothing more due, or the send halted."""
        if self.exhausted or self.control.halt:
            return []
        held = ledger.claim(
            self.plan.campaign.pk, self.batch, owner=self.owner, limit=CHUNK, lease=self.plan.lease
        )
        fault("send.claimed")
        ids = [entry_id for entry_id in held if entry_id not in self.pending]
        if not ids:
            self.exhausted = True
            return []
        self.report.claimed += len(ids)
        recipients = ledger.recheck(self.plan.campaign, ids)
        eligible = {r.entry_id for r in recipients}
        skipped = [i for i in ids if i not in eligible]
        if skipped:
            _skip(skipped, "not eligible at hand-over")
            for _ in skipped:
                self.report.add(INELIGIBLE)
        self.pending.update(eligible)
        self.plan.pace.expect(r.domain for r in recipients)
        return recipients

    # -- the two ways of running ----------------------------------------------------------

    def inline(self, transport: Transport) -> None:
        self.control.poll = self.maintain
        while recipients := self.top_up():
            for recipient in recipients:
                self.maintain()
                self._outcome(self.plan.deliver(recipient, transport, self.control))
            self.flush()

    def threaded(self, connections: int, processes: int) -> None:
        """Sender threads, each with its own connection; with `processes`, forked builders
        make the messages (delivery.builders) and one feeding thread per builder passes
        recipients in and messages on to the senders."""
        jobs: Jobs = queue.SimpleQueue()
        ready: Ready = queue.Queue(maxsize=4 * connections + BUILD_GROUP * processes)
        wake = threading.Event()
        # SEND-5: a sender short of tokens wakes this thread, which asks the shared store.
        self.plan.pace.serve(wake.set)
        first = self.top_up()
        if not first:
            return
        for recipient in first:
            jobs.put(recipient)
        # Forked (when not kept from the last batch) before any thread of this run exists.
        builders = kept_builders.take(self.plan.identity, self.plan.build, processes)
        feeders = [
            _thread(self._feed, jobs, ready, wake, builder, name="consentry-feeder")
            for builder in builders
        ]
        senders: list[threading.Thread] = []
        try:
            while True:
                wake.clear()  # before looking: a wake-up from here on ends the wait below
                if not self.exhausted and jobs.qsize() < LOW_WATER:
                    # Claim first while the senders still have work; the flush (which lets
                    # written rows stop counting against MAX_HELD) comes after.
                    if len(self.pending) > MAX_HELD - CHUNK:
                        self.flush()
                    if len(self.pending) <= MAX_HELD - CHUNK:
                        for recipient in self.top_up():
                            jobs.put(recipient)
                        self.flush()
                while len(senders) < min(connections, len(self.pending)):
                    senders.append(
                        _thread(
                            self._sender, jobs, wake, _new_transport(), ready if builders else None
                        )
                    )
                self.maintain()
                self.plan.pace.refill()
                halted = bool(self.control.halt)
                if (self.exhausted or halted) and self.results.qsize() >= len(self.pending):
                    self.flush()  # every outcome is in
                if (self.exhausted or halted) and not self.pending:
                    break
                wake.wait(POLL_SECONDS)
        except BaseException:
            # What is not handed over yet goes back to queued; the error goes on up.
            self.control.halt = self.control.halt or RELEASED
            raise
        finally:
            for _ in feeders:
                jobs.put(None)
            for thread in feeders:
                thread.join()
            kept_builders.give_back(self.plan.identity, builders)
            for _ in senders:
                (ready if builders else jobs).put(None)
            for thread in senders:
                thread.join()
            self.flush()

    def _take(self, jobs: Jobs, wake: threading.Event) -> Recipient | None:
        recipient = jobs.get()
        if not self.exhausted and jobs.qsize() < LOW_WATER:
            wake.set()  # time to claim the next chunk
        return recipient

    def _outcome(self, result: Result) -> None:
        """A row's outcome, journaled at once, then left for the next flush."""
        assert self.control.journal is not None
        self.control.journal.outcome(_written(result, self.plan.deadline))
        self.results.put(result)

    def _put(self, result: Result, jobs: Jobs, wake: threading.Event) -> None:
        self._outcome(result)
        if self.control.halt or not jobs.qsize():
            wake.set()  # the tail of the batch, or a halt: results to write

    def _sender(
        self, jobs: Jobs, wake: threading.Event, transport: Transport, ready: Ready | None
    ) -> None:
        """A sender thread: it hands over what the builders made (`ready`), or without
        builders builds its messages itself."""
        try:
            while True:
                item: tuple[Recipient, Built | None] | None
                if ready is None:
                    job = self._take(jobs, wake)
                    item = None if job is None else (job, None)
                else:
                    item = ready.get()
                if item is None:
                    break
                recipient, built = item
                try:
                    if built is None:
                        result = self.plan.deliver(recipient, transport, self.control)
                    else:
                        result = self.plan.hand_over(recipient, built, transport, self.control)
                except Exception as exc:  # never lose a row: the worst case is "unknown"
                    logger.exception("sender thread failed on ledger %s", recipient.entry_id)
                    result = Result(recipient, Outcome.UNKNOWN, f"sender failed: {exc}"[:500])
                self._put(result, jobs, wake)
        finally:
            transport.close()

    def _feed(self, jobs: Jobs, ready: Ready, wake: threading.Event, builder: Builder) -> None:
        """Recipients to a builder process, a group at a time, its messages on to the
        senders. The next group goes in before the last one's messages come out, so the
        builder never waits for this thread. Should it die, this thread builds the rest."""
        alive = True
        stop = False
        inflight: list[Recipient] = []

        def here(group: list[Recipient]) -> list[Built]:
            return [build_safely(self.plan.build, r) for r in group]

        def died(exc: BuilderDied) -> None:
            nonlocal alive
            alive = False
            logger.error("message builder %s died (%s); building here", builder.pid, exc)

        while not (stop and not inflight):
            group: list[Recipient] = []
            if not stop:
                group, stop = self._group(jobs, wake, block=not inflight)
            submitted = False
            if group and alive:
                try:
                    builder.submit(group)
                    submitted = True
                except BuilderDied as exc:
                    died(exc)
            if inflight:
                try:
                    built = builder.collect() if alive else here(inflight)
                except BuilderDied as exc:
                    died(exc)
                    built = here(inflight)
                for pair in zip(inflight, built, strict=True):
                    ready.put(pair)
            if group and not (submitted and alive):
                for pair in zip(group, here(group), strict=True):
                    ready.put(pair)
                group = []
            inflight = group

    def _group(
        self, jobs: Jobs, wake: threading.Event, *, block: bool
    ) -> tuple[list[Recipient], bool]:
        """Up to BUILD_GROUP recipients to build (those that need none get their outcome at
        once), and whether the end of the jobs was reached."""
        group: list[Recipient] = []
        stop = False
        if block:
            first = self._take(jobs, wake)
            if first is None:
                return group, True
            pending = [first]
        else:
            pending = []
        while len(pending) < BUILD_GROUP:
            try:
                more = jobs.get_nowait()
            except queue.Empty:
                break
            if more is None:
                stop = True
                break
            pending.append(more)
        for recipient in pending:
            early = self.plan.before_build(recipient, self.control)
            if early is None:
                group.append(recipient)
            else:
                self._put(early, jobs, wake)
        if not self.exhausted and jobs.qsize() < LOW_WATER:
            wake.set()
        return group, stop

    # -- the database side ----------------------------------------------------------------

    def maintain(self) -> None:
        now = time.monotonic()
        if now - self._controlled >= CONTROL_SECONDS:
            self._controlled = now
            self.control.halt = _halt_reason(self.plan.campaign.pk)
        if now - self._checked >= RECHECK_SECONDS and self.pending:
            self._checked = now
            still = ledger.still_eligible(self.plan.campaign, self.pending)
            self.control.excluded |= self.pending - still
        if now - self._flushed >= FLUSH_SECONDS:
            self.flush()
        if now - self._renewed >= self.plan.lease.total_seconds() / 3:
            self._renewed = now
            ledger.renew_lease(self.owner, self.plan.lease)

    def flush(self) -> None:
        self._flushed = time.monotonic()
        results: list[Result] = []
        while True:
            try:
                results.append(self.results.get_nowait())
            except queue.Empty:
                break
        if not results:
            return
        written = []
        for result in results:
            self.pending.discard(result.recipient.entry_id)
            row = _written(result, self.plan.deadline)
            self.report.add(row.state if result.outcome != INELIGIBLE else INELIGIBLE)
            written.append(row)
        fault("send.before_record")
        ledger.record(written, timezone.now())
        # INDUSTRY-4: rejected for the recipient at SMTP time counts like a DSN.
        failures.failed_at_hand_over(
            [
                row.entry_id
                for row in written
                if row.state == LedgerState.FAILED
                and row.failure_class in (FailureKind.HARD, FailureKind.SOFT)
            ]
        )
        if any(row.failure_class == FailureKind.HARD for row in written):
            self._judging = True
        if self._judging:
            # Synchronous bounces count like DSNs; a breach stops the send within the batch.
            self._judge(self.plan.campaign)


def _written(result: Result, deadline: float) -> ledger.Written:
    """What the ledger row of one result becomes."""
    recipient = result.recipient
    attempts = recipient.attempts + (result.transport_error or result.outcome == Outcome.SENT)
    failure = result.failure.value if result.failure else ""
    outcome = result.outcome
    row = ledger.Written(
        recipient.entry_id,
        LedgerState.QUEUED,  # RELEASED: back to queued, as it was before the claim
        result.reply,
        result.queue_id,
        result.message_id,
        failure_class=failure,
        attempts=attempts,
    )
    if outcome == Outcome.SENT:
        return row._replace(state=LedgerState.SENT, sent=True)
    if outcome == Outcome.DEFERRED:
        state, next_at = after_temporary_failure(
            attempts=attempts, now=time.time(), deadline=deadline
        )
        if state == Outcome.FAILED:
            reply = f"retry deadline passed; last reply: {result.reply}"[:500]
            return row._replace(
                state=LedgerState.FAILED, failure_class=FailureKind.SOFT, reply=reply
            )
        assert next_at is not None
        return row._replace(
            state=LedgerState.DEFERRED, next_attempt_at=datetime.fromtimestamp(next_at, tz=UTC)
        )
    if outcome == Outcome.FAILED:
        return row._replace(state=LedgerState.FAILED)
    if outcome == Outcome.UNKNOWN:
        return row._replace(state=LedgerState.UNKNOWN)
    if outcome in (INELIGIBLE, CANCELLED):
        reply = result.reply or "the send was cancelled before hand-over"
        return row._replace(state=LedgerState.SKIPPED, reply=reply)
    return row


def _skip(ids: list[int], reason: str) -> None:
    SendLedgerEntry.objects.filter(pk__in=ids).update(
        state=LedgerState.SKIPPED,
        reply=reason,
        lease_owner="",
        lease_until=None,
        updated_at=timezone.now(),
    )


def _halt_reason(campaign_id: int) -> str:
    """Pause or an account that stopped being active release rows; cancel skips them."""
    from accounts.models import ReviewState
    from campaigns.models import Campaign
    from campaigns.rules import CampaignState

    row = (
        Campaign.objects.filter(pk=campaign_id)
        .values_list("state", "account__review_state")
        .first()
    )
    if row is None or row[0] == CampaignState.CANCELLED:
        return CANCELLED
    if row[0] != CampaignState.SENDING or row[1] != ReviewState.ACTIVE:
        return RELEASED
    return ""
