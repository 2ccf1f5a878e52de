"""Record and apply bounces and complaints (BOUNCE-1, COMPLAINT-1, STATUS-3, QUALITY-1..3).

The third step after storing (feedback.services.receive) and parsing (feedback.parsers):
each recipient of a report is matched to the ledger row of the message it is about — VERP
token first, then the original's unsubscribe token or Message-ID, then the address — and
recorded once; then the policy applies: a hard bounce makes the contact B, soft bounces do
after the policy's count of sends and days, a complaint makes it U; a sender-side
rejection never touches the contact. Every report then has its send judged again
(delivery.sends.judge; `judge_send` below finds the breaches, governance acts on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Account
from campaigns.models import Campaign
from carrier.tokens import UNSUBSCRIBE, VERP, BadToken, read_token
from core.addresses import InvalidAddress, address_key, domain_of, normalise_address
from delivery import sends
from delivery.models import FailureClass, LedgerState, SendLedgerEntry
from feedback.models import FeedbackEvent, FeedbackKind, InboundMessage
from feedback.parsers.classify import classify, find_enhanced_code, find_smtp_code
from feedback.parsers.report import FeedbackReport, RecipientResult
from feedback.recording import ROW_VALUES, Event, Row, record_and_apply, rows_of
from feedback.recording import isp_for as isp_for  # where callers found it before
from feedback.rules import (
    ISP_DOMAINS,
    Breach,
    Limits,
    SendHealth,
    breaches,
    isp_of,
    seven_day_breach,
)
from policy.selectors import cached_value

HANDED_OVER = (LedgerState.SENT, LedgerState.FAILED)


def _token_entry_id(purpose: str, token: str) -> int | None:
    try:
        return read_token(purpose, token).entry_id
    except BadToken:
        return None


def _message_ids(report: FeedbackReport) -> list[str]:
    """The forms the original's Message-ID may have in the ledger, first the one quoted."""
    message_id = report.original.message_id.strip()
    if not message_id:
        return []
    bare = message_id.strip("<>")
    return list(dict.fromkeys([message_id, f"<{bare}>", bare]))


class _Matcher:
    """BOUNCE-1: VERP first, heuristics second, for a batch of reports: the ledger rows the
    tokens and Message-IDs name are read in two queries; only a report matched by the
    recipient's address alone costs one of its own."""

    def __init__(self, reports: Sequence[FeedbackReport]) -> None:
        self.reports = reports
        # The ledger rows the report's VERP token, then its unsubscribe token, name.
        self.tokens = [
            [
                entry_id
                for purpose, token in (
                    (VERP, report.verp_token),
                    (UNSUBSCRIBE, report.original.unsubscribe_token),
                )
                if token and (entry_id := _token_entry_id(purpose, token)) is not None
            ]
            for report in reports
        ]
        ids = sorted({i for found in self.tokens for i in found})
        rows = SendLedgerEntry.objects.order_by()
        values = list(rows.filter(pk__in=ids).values_list(*ROW_VALUES)) if ids else []
        known = {v[0] for v in values}
        # The Message-IDs only of the reports no token matched (mostly none).
        message_ids = sorted(
            {
                m
                for report, found in zip(reports, self.tokens, strict=True)
                if not any(i in known for i in found)
                for m in _message_ids(report)
            }
        )
        by_message_id: dict[str, tuple[Any, ...]] = {}
        if message_ids:
            for found in rows.filter(message_id__in=message_ids).values_list(
                "message_id", *ROW_VALUES
            ):
                # The first row sent wins.
                if found[0] not in by_message_id or found[1] < by_message_id[found[0]][0]:
                    by_message_id[found[0]] = found[1:]
        made = rows_of([*values, *by_message_id.values()])
        self.by_id = {row.entry_id: row for row in made}
        self.by_message_id = {m: self.by_id[v[0]] for m, v in by_message_id.items()}

    def match(self, n: int, recipient: str, sender_domain: str) -> Row | None:
        """The row the recipient of the `n`th report is about, if any."""
        report = self.reports[n]
        for entry_id in self.tokens[n]:
            if entry_id in self.by_id:
                return self.by_id[entry_id]
        found = [self.by_message_id[m] for m in _message_ids(report) if m in self.by_message_id]
        if found:
            return min(found, key=lambda row: row.entry_id)
        return _row_by_address(report, recipient, sender_domain)


def _row_by_address(report: FeedbackReport, recipient: str, sender_domain: str) -> Row | None:
    """Matched by address alone, only a message sent From `sender_domain` (where the
    report arrived) counts: another account's mail to the same address is never taken
    for it (PRIVACY-2)."""
    address = (recipient or report.original.to).strip().strip("<>")
    if "@" not in address:
        return None
    try:
        digest = address_key(normalise_address(address))
    except InvalidAddress:
        return None
    query = SendLedgerEntry.objects.filter(contact__address_hash=digest, state__in=HANDED_OVER)
    if sender_domain:
        query = query.filter(campaign__from_address__iendswith=f"@{sender_domain}")
    mailing = report.original.mailing_id.strip()
    if mailing.startswith("consentry-"):
        campaign_id = mailing.rpartition("-")[2]
        if campaign_id.isdigit():
            query = query.filter(campaign_id=int(campaign_id))
    found = query.order_by("-sent_at", "-pk").values_list(*ROW_VALUES).first()
    return rows_of([found])[0] if found else None


@dataclass(frozen=True)
class Report:
    """One parsed report of a batch, with the inbound message it came in and the domain
    it was addressed to (matching by address is limited to mail sent from there)."""

    message: InboundMessage | None
    report: FeedbackReport
    sender_domain: str = ""


@dataclass
class Applied:
    """What became of one report: "processed" or "review", one line per recipient, and the
    account its events belong to (the first one's)."""

    state: str = "processed"
    lines: list[str] = field(default_factory=list)
    account: Account | None = None


def apply_report(
    message: InboundMessage | None, report: FeedbackReport, *, sender_domain: str = ""
) -> tuple[str, list[str]]:
    """Record and apply every recipient of a parsed report. Returns the state for the
    inbound message ("processed" or "review") and one line per recipient."""
    applied = apply_reports([Report(message, report, sender_domain)])[0]
    return applied.state, applied.lines


def apply_reports(reports: Sequence[Report]) -> list[Applied]:
    """Record and apply a batch of reports in one transaction: each recipient matched to
    its ledger row and recorded once, the contacts' changes written together with their
    evidence (one lock of each account's chain), then each send the batch touched judged
    once, so a send whose rates the batch pushes past a limit stops within it."""
    matcher = _Matcher([r.report for r in reports])
    results = [Applied() for _ in reports]
    pending: list[tuple[int, Event]] = []
    for n, item in enumerate(reports):
        report, applied = item.report, results[n]
        if report.kind == "complaint":
            original = report.complaint.original_rcpt_to if report.complaint else ()
            targets: list[tuple[str, RecipientResult | None]] = [
                (addr, None) for addr in original
            ] or [(report.original.to, None)]
        else:
            targets = [(r.recipient, r) for r in report.failed]
        for recipient, result in targets:
            row = matcher.match(n, recipient, item.sender_domain)
            if row is None:
                applied.state = "review"
                applied.lines.append(f"{recipient or '(no recipient)'}: matches no message we sent")
                continue
            kind = FeedbackKind.COMPLAINT if report.kind == "complaint" else FeedbackKind.BOUNCE
            message_id = item.message.pk if item.message is not None else None
            pending.append((n, _event(message_id, row, kind, result)))
        if not targets:
            applied.state = "review"
            applied.lines.append("no failed recipient in the report")
    with transaction.atomic():
        lines, recorded = record_and_apply(pending)
        for n, line in lines:
            results[n].lines.append(line)
        for n, event in recorded:
            results[n].account = results[n].account or event.row.campaign.account
        _judge({e.row.campaign.pk: e.row.campaign for _n, e in recorded})
    return results


def record_sync_failures(entry_ids: Sequence[int]) -> list[str]:
    """INDUSTRY-4: rows whose hand-over the recipient's server refused at SMTP time count
    exactly like DSNs: each becomes a bounce event (no inbound message) and the same rules
    apply — a hard one bounces and suppresses, soft ones count (STATUS-3, INDUSTRY-5)."""
    pending = []
    failed = SendLedgerEntry.objects.filter(
        pk__in=list(entry_ids),
        state=LedgerState.FAILED,
        failure_class__in=(FailureClass.HARD, FailureClass.SOFT),
    )
    replies = dict(failed.values_list("pk", "reply"))
    hard = set(failed.filter(failure_class=FailureClass.HARD).values_list("pk", flat=True))
    for row in rows_of(list(failed.order_by("pk").values_list(*ROW_VALUES))):
        reply = replies[row.entry_id]
        status = find_enhanced_code(reply) or find_smtp_code(reply)
        result = RecipientResult(
            recipient=row.address,
            status=status,
            diagnostic=reply,
            reason=classify(status, reply).reason,
            hard=row.entry_id in hard,
            sender_side=False,
        )
        event = _event(None, row, FeedbackKind.BOUNCE, result, isp=isp_of(result.recipient))
        pending.append((0, event))
    with transaction.atomic():
        lines, _recorded = record_and_apply(pending)
    # Not judged here: the send's coordinator judges at its next flush.
    return [line for _n, line in lines if not line.endswith(": already recorded")]


def _judge(campaigns: dict[int, Campaign]) -> None:
    for campaign in campaigns.values():
        sends.judge(campaign)  # a breach stops the send


def _event(
    message_id: int | None,
    row: Row,
    kind: FeedbackKind,
    result: RecipientResult | None,
    *,
    isp: str = "",
) -> Event:
    return Event(
        row=row,
        inbound_id=message_id,
        kind=kind,
        status=result.status[:20] if result else "",
        reason=(result.reason if result else "complaint")[:30],
        hard=bool(result and result.hard) or kind == FeedbackKind.COMPLAINT,
        sender_side=bool(result and result.sender_side),
        isp=isp[:60],
        diagnostic=(result.diagnostic if result else "")[:500],
        created_at=timezone.now(),
    )


# Rates and the automatic stop (QUALITY-1..3) ----------------------------------------


def send_health(campaign: Campaign) -> SendHealth:
    """The send's figures now: messages handed over, hard bounces (synchronous 5.1.x
    rejections count like DSNs, INDUSTRY-4), complaints and volume per ISP."""
    rows = SendLedgerEntry.objects.filter(campaign=campaign, state__in=HANDED_OVER)
    sent = rows.count()
    sync_hard = rows.filter(state=LedgerState.FAILED, failure_class=FailureClass.HARD).count()
    events = FeedbackEvent.objects.filter(campaign=campaign)
    async_hard = (
        events.filter(kind=FeedbackKind.BOUNCE, hard=True, sender_side=False)
        .exclude(entry__state=LedgerState.FAILED, entry__failure_class=FailureClass.HARD)
        .count()
    )
    complaints = dict(
        events.filter(kind=FeedbackKind.COMPLAINT)
        .values_list("isp")
        .annotate(n=Count("pk"))
        .values_list("isp", "n")
    )
    sent_by_isp = {isp: _sent_to(rows, isp, campaign) for isp in complaints}
    return SendHealth(sent, sync_hard + async_hard, sent_by_isp, complaints)


def _sent_to(rows: QuerySet[SendLedgerEntry], isp: str, campaign: Campaign) -> int:
    """Messages of the send to `isp`: its listed domains, and the domains whose feedback
    was attributed to it by their MX hosts."""
    domains = [d for d, name in ISP_DOMAINS.items() if name == isp]
    for address in FeedbackEvent.objects.filter(campaign=campaign, isp=isp).values_list(
        "contact__address", flat=True
    ):
        domains.append(domain_of(address))
    domains = sorted(set(domains)) or [isp]
    query = Q()
    for domain in domains:
        query |= Q(contact__address__iendswith=f"@{domain}")
    return rows.filter(query).count()


def limits_for(campaign: Campaign) -> Limits:
    account = campaign.account

    def number(key: str) -> Decimal:
        return Decimal(str(cached_value(key, account)))

    return Limits(
        hard_bounce_rate_max=number("quality.hard_bounce_rate_max"),
        complaint_rate_max=number("quality.complaint_rate_max"),
        complaint_rate_max_strict=number("quality.complaint_rate_max_gmail_yahoo"),
        min_volume=int(cached_value("quality.min_volume", account)),
    )


def _seven_day_breach(campaign: Campaign) -> Breach | None:
    since = timezone.now() - timedelta(days=7)
    account = campaign.account
    complaints = FeedbackEvent.objects.filter(
        account=account, kind=FeedbackKind.COMPLAINT, created_at__gte=since
    ).count()
    if not complaints:
        return None
    sent = SendLedgerEntry.objects.filter(
        campaign__account=account, state__in=HANDED_OVER, sent_at__gte=since
    ).count()
    return seven_day_breach(
        complaints,
        sent,
        limit=Decimal(str(cached_value("csa.complaint_rate_7d_max", account))),
        min_volume=int(cached_value("quality.min_volume", account)),
    )


def judge_send(campaign: Campaign) -> list[Breach]:
    """QUALITY-3: the thresholds the send has broken so far (governance acts on them)."""
    found = breaches(send_health(campaign), limits_for(campaign))
    weekly = _seven_day_breach(campaign)
    if weekly is not None:
        found.append(weekly)
    return found


def has_hard_bounces(campaign: Campaign) -> bool:
    """Whether a hard bounce of the send's mail was reported (not a sender-side one)."""
    return FeedbackEvent.objects.filter(
        campaign=campaign, kind=FeedbackKind.BOUNCE, hard=True, sender_side=False
    ).exists()
