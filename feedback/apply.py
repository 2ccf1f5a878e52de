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

import contextlib
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from campaigns.models import Campaign
from carrier.tokens import UNSUBSCRIBE, VERP, BadToken, read_token
from contacts import services as contacts
from contacts.models import SOURCE_FEEDBACK, Contact, SuppressionReason
from contacts.rules import Cause, Status
from core.actors import Actor
from core.addresses import InvalidAddress, address_key, domain_of, normalise_address
from core.errors import RuleViolation
from delivery import sends
from delivery.models import FailureClass, LedgerState, SendLedgerEntry
from feedback.models import FeedbackEvent, FeedbackKind, InboundMessage
from feedback.parsers.classify import classify, find_enhanced_code, find_smtp_code
from feedback.parsers.report import FeedbackReport, RecipientResult
from feedback.rules import (
    ISP_DOMAINS,
    Breach,
    Limits,
    SendHealth,
    breaches,
    isp_of,
    isp_of_mx,
    seven_day_breach,
    soft_bounces_make_bounced,
)
from policy.selectors import cached_value

HANDED_OVER = (LedgerState.SENT, LedgerState.FAILED)


def isp_for(address: str) -> str:
    """The provider of an address: the fixed list, else by its domain's MX hosts (DNS,
    cached for their TTL); a DNS failure leaves the domain standing for itself."""
    from domains.dns import lookup

    domain = address.rpartition("@")[2].lower().rstrip(".")
    if domain in ISP_DOMAINS:
        return ISP_DOMAINS[domain]
    try:
        records = lookup(domain, "MX")
    except Exception:  # a timeout or a broken zone: judged as its own domain
        return domain
    return isp_of_mx(domain, [r.split()[-1] for r in records if r.split()])


def _entry_by_token(purpose: str, token: str) -> SendLedgerEntry | None:
    try:
        entry_id = read_token(purpose, token).entry_id
    except BadToken:
        return None
    return SendLedgerEntry.objects.filter(pk=entry_id).first()


def match_entry(
    report: FeedbackReport, recipient: str, *, sender_domain: str = ""
) -> SendLedgerEntry | None:
    """BOUNCE-1: VERP first, heuristics second. Matched by address alone, only a message
    sent From `sender_domain` (where the report arrived) counts: another account's mail
    to the same address is never taken for it (PRIVACY-2)."""
    if report.verp_token:
        entry = _entry_by_token(VERP, report.verp_token)
        if entry is not None:
            return entry
    if report.original.unsubscribe_token:
        entry = _entry_by_token(UNSUBSCRIBE, report.original.unsubscribe_token)
        if entry is not None:
            return entry
    message_id = report.original.message_id.strip()
    if message_id:
        bare = message_id.strip("<>")
        entry = SendLedgerEntry.objects.filter(
            Q(message_id=message_id) | Q(message_id=f"<{bare}>") | Q(message_id=bare)
        ).first()
        if entry is not None:
            return entry
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
    return query.order_by("-sent_at", "-pk").first()


def _record(
    message: InboundMessage | None,
    entry: SendLedgerEntry,
    kind: FeedbackKind,
    result: RecipientResult | None,
    *,
    isp: str = "",
) -> FeedbackEvent | None:
    """The event, or None when this row already has the same one (a repeated report)."""
    campaign = entry.campaign
    try:
        with transaction.atomic():
            return FeedbackEvent.objects.create(
                inbound=message,
                kind=kind,
                account_id=campaign.account_id,
                campaign=campaign,
                entry=entry,
                contact=entry.contact,
                status=result.status[:20] if result else "",
                reason=(result.reason if result else "complaint")[:30],
                hard=bool(result and result.hard) or kind == FeedbackKind.COMPLAINT,
                sender_side=bool(result and result.sender_side),
                isp=(isp or isp_for(entry.contact.address or "unknown@unknown"))[:60],
                diagnostic=(result.diagnostic if result else "")[:500],
            )
    except IntegrityError:
        return None


def apply_report(
    message: InboundMessage | None, report: FeedbackReport, *, sender_domain: str = ""
) -> tuple[str, list[str]]:
    """Record and apply every recipient of a parsed report. Returns the state for the
    inbound message ("processed" or "review") and one line per recipient."""
    lines: list[str] = []
    unmatched = False
    campaigns: dict[int, Campaign] = {}
    if report.kind == "complaint":
        targets: list[tuple[str, RecipientResult | None]] = [
            (addr, None) for addr in (report.complaint.original_rcpt_to if report.complaint else ())
        ] or [(report.original.to, None)]
    else:
        targets = [(r.recipient, r) for r in report.failed]
    for recipient, result in targets:
        entry = match_entry(report, recipient, sender_domain=sender_domain)
        if entry is None:
            unmatched = True
            lines.append(f"{recipient or '(no recipient)'}: matches no message we sent")
            continue
        kind = FeedbackKind.COMPLAINT if report.kind == "complaint" else FeedbackKind.BOUNCE
        event = _record(message, entry, kind, result)
        if event is None:
            lines.append(f"ledger #{entry.pk}: already recorded")
            continue
        lines.append(f"ledger #{entry.pk}: {_apply(event)}")
        campaigns[entry.campaign_id] = entry.campaign
    for campaign in campaigns.values():
        sends.judge(campaign)  # a breach stops the send
    if not targets:
        unmatched = True
        lines.append("no failed recipient in the report")
    return ("review" if unmatched else "processed"), lines


def record_sync_failures(entry_ids: Sequence[int]) -> list[str]:
    """INDUSTRY-4: rows whose hand-over the recipient's server refused at SMTP time count
    exactly like DSNs: each becomes a bounce event (no inbound message) and the same rules
    apply — a hard one bounces and suppresses, soft ones count (STATUS-3, INDUSTRY-5)."""
    lines = []
    rows = SendLedgerEntry.objects.filter(
        pk__in=list(entry_ids),
        state=LedgerState.FAILED,
        failure_class__in=(FailureClass.HARD, FailureClass.SOFT),
    ).select_related("campaign", "contact")
    for entry in rows:
        status = find_enhanced_code(entry.reply) or find_smtp_code(entry.reply)
        hard = entry.failure_class == FailureClass.HARD
        result = RecipientResult(
            recipient=entry.contact.address,
            status=status,
            diagnostic=entry.reply,
            reason=classify(status, entry.reply).reason,
            hard=hard,
            sender_side=False,
        )
        event = _record(None, entry, FeedbackKind.BOUNCE, result, isp=isp_of(result.recipient))
        if event is not None:
            lines.append(f"ledger #{entry.pk}: {_apply(event)}")
    return lines


def _apply(event: FeedbackEvent) -> str:
    actor = Actor("system", f"feedback:{event.pk}")
    ref = f"feedback:{event.pk}"
    contact = Contact.objects.get(pk=event.contact_id)
    if event.kind == FeedbackKind.COMPLAINT:
        # COMPLAINT-1: consent withdrawn, and the address is untrusted on the platform.
        contacts.unsubscribe(
            contact, actor=actor, method="complaint", cause=Cause.COMPLAINT, ref=ref
        )
        if contact.address:
            contacts.suppress(
                contact.address, SuppressionReason.COMPLAINT, note=ref, source=SOURCE_FEEDBACK
            )
        return f"complaint ({event.isp}): contact unsubscribed"
    if event.sender_side:
        return f"{event.reason} ({event.status}): the sender's problem, contact untouched"
    bounces = FeedbackEvent.objects.filter(
        contact=contact, kind=FeedbackKind.BOUNCE, sender_side=False
    ).count()
    allowed = int(cached_value("bounce.max_bounces_before_removal", contact.account))
    if bounces >= allowed and contact.status == Status.ACTIVE:
        # INDUSTRY-5: whatever their kind, the address goes at the latest after this many.
        _make_bounced(contact, actor=actor, ref=ref)
        return f"bounce {event.status} ({event.reason}): bounce {bounces} of {allowed}, contact B"
    if event.hard:
        needed = int(cached_value("bounce.hard_bounces_to_bounced", contact.account))
        count = FeedbackEvent.objects.filter(
            contact=contact, kind=FeedbackKind.BOUNCE, hard=True, sender_side=False
        ).count()
        if count >= needed:
            _make_bounced(contact, actor=actor, ref=ref)
            return f"hard bounce {event.status} ({event.reason}): contact B"
        return f"hard bounce {event.status}: {count} of {needed}"
    if _soft_limit_reached(contact):
        _make_bounced(contact, actor=actor, ref=ref)
        return f"soft bounce {event.status} ({event.reason}): limit reached, contact B"
    return f"soft bounce {event.status} ({event.reason}): counted"


def _make_bounced(contact: Contact, *, actor: Actor, ref: str) -> None:
    with contextlib.suppress(RuleViolation):  # U, B or D already: nothing to lower
        contacts.change_status(contact, Status.BOUNCED, actor=actor, cause=Cause.BOUNCE, ref=ref)
    if contact.address:
        contacts.suppress(
            contact.address, SuppressionReason.HARD_BOUNCE, note=ref, source=SOURCE_FEEDBACK
        )


def _soft_limit_reached(contact: Contact) -> bool:
    """STATUS-3: soft bounces of consecutive sends since the last delivered message."""
    clean = (
        SendLedgerEntry.objects.filter(contact=contact, state=LedgerState.SENT)
        .exclude(feedback__isnull=False)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    softs = FeedbackEvent.objects.filter(
        contact=contact, kind=FeedbackKind.BOUNCE, hard=False, sender_side=False
    )
    if clean is not None:
        softs = softs.filter(entry__sent_at__gt=clean)
    return soft_bounces_make_bounced(
        list(softs.values_list("campaign_id", "created_at")),
        sends=int(cached_value("bounce.soft_bounce_sends", contact.account)),
        span_days=int(cached_value("bounce.soft_bounce_span_days", contact.account)),
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
