"""Inbound mail: store it raw, then route and process it (STYLE: detect → record → apply).

`receive` writes the message in its own transaction before anything parses it, so a
message that breaks a handler is kept, marked for review with the error, never dropped
(invariant 7). Processing is idempotent: handlers key what they create on the message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.bulk import allocate_ids, db_datetime, insert_one, insert_rows, json_text, update_rows
from feedback.apply import Report, apply_reports
from feedback.handlers import Outcome, feedback_outcome, read_feedback
from feedback.models import InboundMessage, InboundState
from feedback.readers import parse_all
from feedback.routing import route_for

log = logging.getLogger(__name__)


def receive(
    raw: bytes, *, mail_from: str, rcpt_to: Sequence[str], peer: str = "", route: str = ""
) -> InboundMessage:
    """Keep the message exactly as it arrived; nothing has read it yet. `route` is known
    beforehand only for webhook events (`webhook:<esp>`)."""
    return receive_many([Arrival(raw, mail_from, rcpt_to, peer, route)])[0]


@dataclass(frozen=True)
class Arrival:
    """A message as it arrived, with its SMTP envelope (see `receive`)."""

    raw: bytes
    mail_from: str
    rcpt_to: Sequence[str]
    peer: str = ""
    route: str = ""


def receive_many(arrivals: Sequence[Arrival]) -> list[InboundMessage]:
    """`receive` for messages that arrived together (a mailbox poll, a listener's
    deliveries of the same moment): kept in one transaction, so one commit (PostgreSQL
    flushes its log to disk at each) stands for them all, and written in one statement
    (COPY on PostgreSQL, one executemany on SQLite) with their ids allocated first."""
    now = timezone.now()
    messages = [
        InboundMessage(
            raw=bytes(a.raw),
            size=len(a.raw),
            mail_from=a.mail_from[:500],
            rcpt_to=list(a.rcpt_to),
            peer=a.peer[:100],
            route=a.route[:20],
            received_at=now,
        )
        for a in arrivals
    ]
    if len(messages) == 1:  # the listener's one delivery: one round trip, id returned
        with transaction.atomic():
            insert_one(messages[0])
        return messages
    if not messages:
        return messages
    with transaction.atomic():
        for pk, message in zip(allocate_ids(InboundMessage, len(messages)), messages, strict=True):
            message.pk = pk
        stamp = db_datetime(now)
        insert_rows(
            InboundMessage,
            STORED,
            [
                (
                    m.pk,
                    m.raw,
                    m.size,
                    m.mail_from,
                    json_text(m.rcpt_to) if m.rcpt_to else "[]",
                    m.peer,
                    stamp,
                    m.route,
                    m.state,
                    "",
                )
                for m in messages
            ],
        )
    for message in messages:
        message._state.adding = False
        message._state.db = connection.alias
    return messages


# The columns `receive_many` writes, as `insert_rows` takes them.
STORED = (
    "id",
    "raw",
    "size",
    "mail_from",
    "rcpt_to",
    "peer",
    "received_at",
    "route",
    "state",
    "reason",
)


FEEDBACK_HANDLER = "feedback.handlers.handle_feedback"
# Reports applied in one transaction by `process_many`: enough that the account's chain
# lock and the send's judging are paid once for hundreds of reports, few enough that a
# batch a failure sends back to one-by-one processing is quickly done again.
BATCH_SIZE = 500
# The columns `_conclude` sets, as `update_rows` writes them.
CONCLUDED = ("state", "reason", "route", "account_id", "processed_at")


def process(message: InboundMessage) -> InboundMessage:
    """Route each recipient to its handler and record the outcome on the message."""
    outcomes: list[Outcome] = []
    routes: list[str] = []
    for recipient in message.rcpt_to or [""]:
        route, params = route_for(recipient)
        routes.append(route.name)
        handler = import_string(route.handler)
        try:
            with transaction.atomic():
                outcomes.append(handler(message, recipient, params))
        except Exception as exc:  # a bug or a message no handler foresaw: keep it for review
            outcomes.append(_failed(message, route.name, exc))
    return _conclude(message, outcomes, routes)


def process_many(messages: Sequence[InboundMessage]) -> list[InboundMessage]:
    """`process` for many messages at once, the same outcomes: bounces and complaints are
    parsed one by one, then recorded and applied together in one transaction with the
    messages' outcomes (a process that dies midway leaves them all `received`, to be
    processed again); each send they touch is judged once. Messages to other routes, and
    every message of a batch that fails as a whole, are processed one by one."""
    batch: list[tuple[InboundMessage, list[Outcome | Report]]] = []
    alone: list[InboundMessage] = []
    feedback: list[InboundMessage] = []
    for message in messages:
        recipients = message.rcpt_to or [""]
        if all(route_for(r)[0].handler == FEEDBACK_HANDLER for r in recipients):
            feedback.append(message)
        else:
            alone.append(message)
    # Parsed on every core (feedback.readers), one report per message and recipient.
    parsed = iter(parse_all([(bytes(m.raw), (r,)) for m in feedback for r in m.rcpt_to or [""]]))
    hosts: dict[str, str] = {}
    for message in feedback:
        reads: list[Outcome | Report] = []
        for recipient in message.rcpt_to or [""]:
            report = next(parsed)
            try:
                reads.append(read_feedback(message, recipient, report, hosts))
            except Exception as exc:  # a message no parser foresaw: kept for review
                reads.append(_failed(message, route_for(recipient)[0].name, exc))
        batch.append((message, reads))
    try:
        with transaction.atomic():
            _apply_batch(batch)
    except Exception:
        log.exception("a batch of %s inbound messages failed: each is processed alone", len(batch))
        alone = [m for m, _r in batch] + alone
    for message in alone:
        process(message)
    return list(messages)


def _apply_batch(batch: list[tuple[InboundMessage, list[Outcome | Report]]]) -> None:
    reports = [r for _m, reads in batch for r in reads if isinstance(r, Report)]
    applied = iter(apply_reports(reports))
    for message, reads in batch:
        outcomes = [
            r if isinstance(r, Outcome) else feedback_outcome(r, next(applied)) for r in reads
        ]
        routes = [route_for(r)[0].name for r in message.rcpt_to or [""]]
        _conclude(message, outcomes, routes, save=False)
    update_rows(
        InboundMessage,
        CONCLUDED,
        [
            (m.state, m.reason, m.route, m.account_id, db_datetime(m.processed_at), m.pk)
            for m, _r in batch
            if m.processed_at is not None
        ],
    )


def _failed(message: InboundMessage, route: str, exc: Exception) -> Outcome:
    log.exception("inbound message %s: handler %s failed", message.pk, route, exc_info=exc)
    return Outcome(InboundState.REVIEW, f"{route} failed: {type(exc).__name__}: {exc}")


def _conclude(
    message: InboundMessage, outcomes: list[Outcome], routes: list[str], *, save: bool = True
) -> InboundMessage:
    review = any(o.state == InboundState.REVIEW for o in outcomes)
    accounts = {o.account.pk: o.account for o in outcomes if o.account is not None}
    message.state = InboundState.REVIEW if review else InboundState.PROCESSED
    message.reason = "; ".join(o.reason for o in outcomes)[:5000]
    message.route = ",".join(dict.fromkeys(routes))[:20]
    message.account = next(iter(accounts.values())) if len(accounts) == 1 else None
    message.processed_at = timezone.now()
    if save:
        message.save(update_fields=["state", "reason", "route", "account", "processed_at"])
    return message


def process_waiting(batch_size: int = BATCH_SIZE, *, mail_only: bool = False) -> int:
    """Process what was stored but not processed yet (the listener stopped in between, or
    it arrived while other mail was processed), in batches. `mail_only`: only what came
    by mail, not the providers' webhook events, which their request processes itself."""
    count = last = 0
    waiting = InboundMessage.objects.filter(state=InboundState.RECEIVED).order_by("pk")
    if mail_only:
        waiting = waiting.filter(route="")
    while True:
        batch = list(waiting.filter(pk__gt=last)[:batch_size])
        if not batch:
            return count
        process_many(batch)
        count, last = count + len(batch), batch[-1].pk
