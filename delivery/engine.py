"""The send engine: a worker claims rows of one batch, re-checks them, renders, signs and
hands them over on a few threads, each with its own reused SMTP connection (SEND-3..6).

Only the calling thread touches the database: it claims, re-checks (every
RECHECK_SECONDS, so an unsubscribe stops later hand-overs within a second — invariant 5),
reads pause/cancel, renews the lease and writes outcomes in bulk. The sender threads
render, sign and talk SMTP. With the sandbox transport (which writes to the database)
everything runs on the calling thread.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from contacts.rules import LegalBasis
from delivery import ledger
from delivery.assembly import CampaignHeaders, Skeleton
from delivery.builders import Builder, BuilderDied, Built, build_safely
from delivery.builders import kept as kept_builders
from delivery.ledger import Recipient
from delivery.models import LedgerState, SendLedgerEntry
from delivery.rules import FailureKind, Outcome, after_temporary_failure, classify_failure
from delivery.transports import (
    OutboundMessage,
    Transport,
    TransportError,
    get_transport,
    sandbox_active,
)

if TYPE_CHECKING:
    from campaigns.models import Campaign
    from campaigns.render import CompiledCampaign
    from domains.dkim import SigningKey

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
# How long a waiting thread sleeps before it looks at the halt flag again.
POLL_SECONDS = 1 / 20

# Outcomes a sender thread reports besides those of delivery.rules.
RELEASED = "released"  # paused before hand-over: back to queued
CANCELLED = "cancelled"  # cancelled before hand-over: skipped
INELIGIBLE = "ineligible"  # failed the re-check: skipped
# Test sends name no ledger row: the one-click endpoint refuses this token.
TEST_TOKEN = "test"  # noqa: S105


class Throttle:
    """SEND-5: an overall rate, a rate and a concurrency limit per destination domain."""

    def __init__(self, rate: float, domain_rate: float, domain_concurrency: int) -> None:
        self._cond = threading.Condition()
        self._interval = 1.0 / rate
        self._domain_interval = 1.0 / domain_rate
        self._concurrency = domain_concurrency
        self._next = 0.0
        self._domain_next: dict[str, float] = {}
        self._inflight: dict[str, int] = {}

    def acquire(self, domain: str, halted: Callable[[], bool]) -> bool:
        """Wait for a slot; False (holding nothing) when the send halts meanwhile."""
        with self._cond:
            while self._inflight.get(domain, 0) >= self._concurrency:
                if halted():
                    return False
                self._cond.wait(POLL_SECONDS)
            self._inflight[domain] = self._inflight.get(domain, 0) + 1
            now = time.monotonic()
            slot = max(now, self._next, self._domain_next.get(domain, 0.0))
            self._next = slot + self._interval
            self._domain_next[domain] = slot + self._domain_interval
        while (wait := slot - time.monotonic()) > 0:
            if halted():
                self.release(domain)
                return False
            time.sleep(min(wait, POLL_SECONDS))
        return True

    def release(self, domain: str) -> None:
        with self._cond:
            self._inflight[domain] -= 1
            self._cond.notify_all()


@dataclass
class Control:
    """What the database thread tells the sender threads."""

    halt: str = ""  # "", RELEASED (pause, account stopped) or CANCELLED
    excluded: set[int] = field(default_factory=set)

    def halted(self) -> bool:
        return bool(self.halt)


@dataclass(frozen=True)
class Result:
    recipient: Recipient
    outcome: str
    reply: str = ""
    queue_id: str = ""
    message_id: str = ""
    failure: FailureKind | None = None
    transport_error: bool = False


@dataclass
class BatchReport:
    claimed: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1


class SendPlan:
    """Everything per campaign that is built once: templates, skeleton, keys, limits."""

    def __init__(self, campaign: Campaign, *, compiled: CompiledCampaign) -> None:
        from domains.selectors import signing_keys_for
        from policy.selectors import values

        account = campaign.account
        self.campaign = campaign
        self.compiled = compiled
        self.skeleton = Skeleton(campaign_headers(campaign))
        self.keys: list[SigningKey] = signing_keys_for(account, campaign.from_address)
        limits = values(SEND_LIMITS, account)
        share = float(limits["send.reduced_speed_share"]) if account.reduced_speed else 1.0
        self.throttle = Throttle(
            rate=max(float(limits["send.rate_per_second"]) * share, 0.01),
            domain_rate=max(float(limits["send.domain_rate_per_second"]) * share, 0.01),
            domain_concurrency=int(limits["send.domain_concurrency"]),
        )
        self.connections = int(limits["send.connections"])
        self.lease = timedelta(seconds=int(limits["send.lease_seconds"]))
        started = campaign.started_at or timezone.now()
        hours = int(limits["send.retry_deadline_hours"])
        self.deadline = (started + timedelta(hours=hours)).timestamp()

    @functools.cached_property
    def identity(self) -> str:
        """What `build` makes a message of: two plans alike here build alike messages (read
        only where builder processes are kept between batches)."""
        return _identity(self.campaign, self.compiled, self.skeleton.headers, self.keys)

    def build(self, recipient: Recipient) -> tuple[OutboundMessage, str]:
        """The signed message for one recipient and its Message-ID."""
        from domains.dkim import sign_with

        token = self.skeleton.unsubscribe_token(recipient.entry_id)
        rendered = self.compiled.render_pieces(
            recipient.template_context(),
            unsubscribe_url=self.skeleton.unsubscribe_url(token),
            objection=recipient.legal_basis == LegalBasis.EXISTING_CUSTOMER,
        )
        raw, message_id, relaxed_body = self.skeleton.message(
            entry_id=recipient.entry_id,
            to=recipient.address,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            unsubscribe_token=token,
        )
        if self.keys:
            raw = sign_with(raw, self.keys, relaxed_body=relaxed_body)
        message = OutboundMessage(
            mail_from=self.skeleton.return_path(recipient.entry_id),
            rcpt_to=(recipient.address,),
            raw=raw,
            account_id=self.campaign.account_id,
            kind="campaign",
            tags={"campaign": str(self.campaign.pk), "ledger": str(recipient.entry_id)},
            message_id=message_id,
        )
        return message, message_id

    def before_build(self, recipient: Recipient, control: Control) -> Result | None:
        """The outcome without building, when the send halted or the recipient left."""
        if control.halt:
            return Result(recipient, control.halt)
        if recipient.entry_id in control.excluded:
            return Result(recipient, INELIGIBLE, "not eligible at hand-over (SEND-3)")
        return None

    def deliver(self, recipient: Recipient, transport: Transport, control: Control) -> Result:
        """Build and hand over one message, unless the send halted or the recipient left."""
        early = self.before_build(recipient, control)
        if early is not None:
            return early
        return self.hand_over(recipient, build_safely(self.build, recipient), transport, control)

    def hand_over(
        self, recipient: Recipient, built: Built, transport: Transport, control: Control
    ) -> Result:
        """Hand one built message over within the limits, after a last look at the send."""
        if built.message is None:
            return Result(recipient, Outcome.FAILED, built.error)
        if not self.throttle.acquire(recipient.domain, control.halted):
            return Result(recipient, control.halt or RELEASED)
        message_id = built.message_id
        try:
            # The last look before hand-over: the re-check may have run while we waited.
            if recipient.entry_id in control.excluded:
                return Result(recipient, INELIGIBLE, "not eligible at hand-over (SEND-3)")
            if control.halt:
                return Result(recipient, control.halt)
            try:
                sent = transport.send(built.message)
            except TransportError as exc:
                verdict = classify_failure(
                    permanent=exc.permanent, code=exc.code, reply=exc.reason, stage=exc.stage
                )
                return Result(
                    recipient,
                    verdict.outcome,
                    exc.reason[:500],
                    message_id=message_id,
                    failure=verdict.failure,
                    transport_error=True,
                )
            except Exception as exc:  # a timeout mid-DATA and the like: it may have arrived
                logger.warning("ledger %s: outcome unknown: %s", recipient.entry_id, exc)
                return Result(
                    recipient,
                    Outcome.UNKNOWN,
                    f"outcome unknown: {exc.__class__.__name__}: {exc}"[:500],
                    message_id=message_id,
                    transport_error=True,
                )
            return Result(
                recipient,
                Outcome.SENT,
                sent.response[:500],
                queue_id=sent.queue_id[:100],
                message_id=message_id,
            )
        finally:
            self.throttle.release(recipient.domain)


SEND_LIMITS = (
    "send.reduced_speed_share",
    "send.rate_per_second",
    "send.domain_rate_per_second",
    "send.domain_concurrency",
    "send.connections",
    "send.lease_seconds",
    "send.retry_deadline_hours",
)


def _identity(
    campaign: Campaign,
    compiled: CompiledCampaign,
    headers: CampaignHeaders,
    keys: list[SigningKey],
) -> str:
    """A digest of everything a plan's messages are made of: templates and footers, header
    fields, signing keys, the token keys (from SECRET_KEY)."""
    from cryptography.hazmat.primitives import serialization

    from core.crypto import derive_key

    digest = hashlib.sha256()
    for part in (
        repr((campaign.pk, campaign.account_id, headers)),
        compiled.subject_source,
        compiled.html_source,
        compiled.text_source,
        repr(sorted(compiled.imprint_html.items())),
        repr(sorted(compiled.imprint_text.items())),
    ):
        digest.update(part.encode() + b"\0")
    for key in keys:
        der = key.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        digest.update(f"{key.domain}/{key.selector}".encode() + hashlib.sha256(der).digest())
    digest.update(derive_key("ledger-token:unsubscribe") + derive_key("ledger-token:verp"))
    return digest.hexdigest()


def feedback_id(campaign: Campaign) -> str:
    """INDUSTRY-3: <campaign>:<account>:<type>:<SenderId>."""
    kind = campaign.kind.replace("_", "")
    return f"{campaign.pk}:{campaign.account_id}:{kind}:{settings.FEEDBACK_SENDER_ID}"


def campaign_headers(campaign: Campaign, *, test: bool = False) -> CampaignHeaders:
    return CampaignHeaders(
        from_addr=_from_header(campaign),
        reply_to=campaign.reply_to,
        mailing_id=campaign.mailing_id,
        feedback_id=feedback_id(campaign),
        base_url=settings.BASE_URL,
        csa_complaints=settings.CSA_COMPLAINTS,
        test=test,
    )


def _from_header(campaign: Campaign) -> str:
    from email.headerregistry import Address

    local, _, domain = campaign.from_address.rpartition("@")
    return str(Address(display_name=campaign.from_name, username=local, domain=domain))


def plan_for(campaign: Campaign) -> SendPlan:
    from campaigns.selectors import compiled_campaign

    return SendPlan(campaign, compiled=compiled_campaign(campaign))


# -- the worker loop -------------------------------------------------------------------------


def run_batch(campaign_id: int, batch: int, *, transport: Transport | None = None) -> BatchReport:
    """Send what is due in one batch of a campaign; returns what happened to each row.

    With `transport` given, everything runs on this thread over that one transport."""
    from campaigns.models import Campaign
    from campaigns.rules import CampaignState

    report = BatchReport()
    ledger.expire_leases()
    campaign = Campaign.objects.select_related("account").get(pk=campaign_id)
    if campaign.state != CampaignState.SENDING or not campaign.account.is_active:
        return report  # a suspended account sends nothing; its rows wait, queued
    plan = plan_for(campaign)
    run = _Run(plan, batch, report)
    if transport is None and not sandbox_active() and plan.connections > 1:
        run.threaded(plan.connections, settings.SEND_BUILD_PROCESSES)
    else:
        run.inline(transport or get_transport())
    _finish_if_done(campaign)
    return report


def _has_hard_bounces(campaign: Campaign) -> bool:
    from feedback.models import FeedbackEvent

    return (
        ledger.hard_failures_query(campaign.pk).exists()
        or FeedbackEvent.objects.filter(
            campaign=campaign, kind="bounce", hard=True, sender_side=False
        ).exists()
    )


def _judge(campaign: Campaign) -> None:
    from feedback.apply import judge_send

    try:
        judge_send(campaign)
    except Exception:  # judging must never lose the outcomes already recorded
        logger.exception("judging the rates of campaign %s failed", campaign.pk)


Jobs = queue.SimpleQueue["Recipient | None"]
Ready = queue.Queue["tuple[Recipient, Built] | None"]


def _thread(
    target: Callable[..., None], *args: Any, name: str = "consentry-sender"
) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def _new_transport() -> Transport:
    from delivery.transports.smtp import SmtpTransport

    return SmtpTransport(settings.SMTP_URL)


class _Run:
    """One batch: claim chunks, re-check, hand over, record — the database side of the work.

    Threaded, the sender threads live for the whole batch: the next chunk is claimed and
    re-checked while they still work on the last one, so none waits at a chunk's end."""

    def __init__(self, plan: SendPlan, batch: int, report: BatchReport) -> None:
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
        self._judging = _has_hard_bounces(plan.campaign)

    def top_up(self) -> list[Recipient]:
        """Claim the next chunk: its recipients that may be mailed (the others are skipped
        at once); [] once the batch has nothing more due, or the send halted."""
        if self.exhausted or self.control.halt:
            return []
        held = ledger.claim(
            self.plan.campaign.pk, self.batch, owner=self.owner, limit=CHUNK, lease=self.plan.lease
        )
        ids = [entry_id for entry_id in held if entry_id not in self.pending]
        if not ids:
            self.exhausted = True
            return []
        self.report.claimed += len(ids)
        recipients = ledger.recheck(self.plan.campaign, ids)
        eligible = {r.entry_id for r in recipients}
        skipped = [i for i in ids if i not in eligible]
        if skipped:
            _skip(skipped, "not eligible at hand-over (SEND-3)")
            for _ in skipped:
                self.report.add(INELIGIBLE)
        self.pending.update(eligible)
        return recipients

    # -- the two ways of running ----------------------------------------------------------

    def inline(self, transport: Transport) -> None:
        while recipients := self.top_up():
            for recipient in recipients:
                self.maintain()
                self.results.put(self.plan.deliver(recipient, transport, self.control))
            self.flush()

    def threaded(self, connections: int, processes: int) -> None:
        """Sender threads, each with its own connection; with `processes`, forked builders
        make the messages (delivery.builders) and one feeding thread per builder passes
        recipients in and messages on to the senders."""
        jobs: Jobs = queue.SimpleQueue()
        ready: Ready = queue.Queue(maxsize=4 * connections + BUILD_GROUP * processes)
        wake = threading.Event()
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

    def _put(self, result: Result, jobs: Jobs, wake: threading.Event) -> None:
        self.results.put(result)
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
        hard: list[Result] = []
        for result in results:
            self.pending.discard(result.recipient.entry_id)
            row = _written(result, self.plan.deadline)
            self.report.add(row.state if result.outcome != INELIGIBLE else INELIGIBLE)
            written.append(row)
            if result.failure is FailureKind.HARD:
                hard.append(result)
        ledger.record(written, timezone.now())
        for result in hard:
            _bounce(result)
        if hard:
            self._judging = True
        if self._judging:
            # Synchronous bounces count like DSNs; a breach stops the send within the batch.
            _judge(self.plan.campaign)


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


def _bounce(result: Result) -> None:
    """INDUSTRY-4: a synchronous 5.1.1-type rejection bounces the contact like a DSN."""
    from contacts import services as contacts
    from contacts.models import Contact
    from contacts.rules import Cause, Status
    from core.actors import Actor
    from core.errors import RuleViolation

    contact = Contact.objects.get(pk=result.recipient.contact_id)
    with contextlib.suppress(RuleViolation):  # already U, B or D: nothing to lower
        contacts.change_status(
            contact,
            Status.BOUNCED,
            actor=Actor.system("send"),
            cause=Cause.BOUNCE,
            ref=f"ledger:{result.recipient.entry_id}",
        )


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


def _finish_if_done(campaign: Campaign) -> None:
    from campaigns import services as campaigns

    if not ledger.has_open_rows(campaign):
        campaigns.mark_finished(campaign)


def send_test_messages(campaign: Campaign, addresses: list[str]) -> list[tuple[str, str]]:
    """SEND-2: a test send to a few named addresses, allowed before the gate passes.

    Marked `[TEST]` in the subject and by `X-Consentry-Test: 1`; no ledger row, no
    unsubscribe token that works. Signed when the domain has keys. (address, outcome)."""
    from campaigns.selectors import compiled_campaign
    from domains.dkim import sign_with
    from domains.selectors import sending_block_reasons, signing_keys_for

    compiled = compiled_campaign(campaign)
    skeleton = Skeleton(campaign_headers(campaign, test=True))
    keys = (
        []
        if sending_block_reasons(campaign.account, campaign.from_address)
        else signing_keys_for(campaign.account, campaign.from_address)
    )
    transport = get_transport()
    outcomes = []
    for address in addresses:
        rendered = compiled.render(
            {"first_name": "", "last_name": "", "email": address, "fields": {}},
            unsubscribe_url=skeleton.unsubscribe_url(TEST_TOKEN),
            objection=False,
        )
        raw, _, _ = skeleton.message(
            entry_id=0,
            to=address,
            subject=f"[TEST] {rendered.subject}",
            text=rendered.text,
            html=rendered.html,
            unsubscribe_token=TEST_TOKEN,
        )
        message = OutboundMessage(
            mail_from=campaign.from_address,
            rcpt_to=(address,),
            raw=sign_with(raw, keys) if keys else raw,
            account_id=campaign.account_id,
            kind="campaign",
            tags={"campaign": str(campaign.pk), "test": "1"},
        )
        try:
            outcomes.append((address, transport.send(message).response))
        except TransportError as exc:
            outcomes.append((address, exc.reason))
    return outcomes
