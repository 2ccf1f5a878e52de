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
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from accounts.models import Account
from campaigns.models import Campaign
from carrier.tokens import UNSUBSCRIBE, VERP, BadToken, read_token
from contacts.bulk import StatusChange, change_statuses, suppress_many, unsubscribe_many
from contacts.models import SOURCE_FEEDBACK, Contact, SuppressionReason
from contacts.rules import Cause, Status
from core.actors import Actor
from core.addresses import InvalidAddress, address_key, domain_of, normalise_address
from core.bulk import allocate_ids, db_datetime, insert_rows
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
        rows = SendLedgerEntry.objects.select_related("contact")
        tokens = [self._token_ids(r) for r in reports]
        ids = sorted({i for found in tokens for i in found})
        self.by_id = rows.in_bulk(ids) if ids else {}
        # The Message-IDs only of the reports no token matched (mostly none).
        message_ids = sorted(
            {
                m
                for report, found in zip(reports, tokens, strict=True)
                if not any(i in self.by_id for i in found)
                for m in _message_ids(report)
            }
        )
        self.by_message_id: dict[str, SendLedgerEntry] = {}
        for entry in rows.filter(message_id__in=message_ids).order_by("-pk"):
            self.by_message_id[entry.message_id] = entry  # the first row sent wins
        # The few sends (and their accounts) of a batch, read once, not once per row.
        entries = [*self.by_id.values(), *self.by_message_id.values()]
        sends = Campaign.objects.select_related("account").in_bulk(
            sorted({e.campaign_id for e in entries})
        )
        for entry in entries:
            entry.campaign = sends[entry.campaign_id]

    @staticmethod
    def _token_ids(report: FeedbackReport) -> list[int]:
        """The ledger rows the report's VERP token, then its unsubscribe token, name."""
        found = []
        for purpose, token in (
            (VERP, report.verp_token),
            (UNSUBSCRIBE, report.original.unsubscribe_token),
        ):
            entry_id = _token_entry_id(purpose, token) if token else None
            if entry_id is not None:
                found.append(entry_id)
        return found

    def match(
        self, report: FeedbackReport, recipient: str, sender_domain: str
    ) -> SendLedgerEntry | None:
        for entry_id in self._token_ids(report):
            if entry_id in self.by_id:
                return self.by_id[entry_id]
        found = [self.by_message_id[m] for m in _message_ids(report) if m in self.by_message_id]
        if found:
            return min(found, key=lambda entry: entry.pk)
        return _entry_by_address(report, recipient, sender_domain)


def match_entry(
    report: FeedbackReport, recipient: str, *, sender_domain: str = ""
) -> SendLedgerEntry | None:
    """BOUNCE-1: VERP first, heuristics second. Matched by address alone, only a message
    sent From `sender_domain` (where the report arrived) counts: another account's mail
    to the same address is never taken for it (PRIVACY-2)."""
    return _Matcher([report]).match(report, recipient, sender_domain)


def _entry_by_address(
    report: FeedbackReport, recipient: str, sender_domain: str
) -> SendLedgerEntry | None:
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
    pending: list[tuple[int, FeedbackEvent]] = []
    for n, item in enumerate(reports):
        report, applied = item.report, results[n]
        if report.kind == "complaint":
            original = report.complaint.original_rcpt_to if report.complaint else ()
            targets: list[tuple[str, RecipientResult | None]] = [
                (addr, None) for addr in original
            ] or [(report.original.to, None)]
        else:
            targets = [(r.recipient, r) for r in report.failed]
        if not targets:
            applied.state = "review"
        for recipient, result in targets:
            entry = matcher.match(report, recipient, item.sender_domain)
            if entry is None:
                applied.state = "review"
                applied.lines.append(f"{recipient or '(no recipient)'}: matches no message we sent")
                continue
            kind = FeedbackKind.COMPLAINT if report.kind == "complaint" else FeedbackKind.BOUNCE
            pending.append((n, _event(item.message, entry, kind, result)))
        if not targets:
            applied.lines.append("no failed recipient in the report")
    with transaction.atomic():
        for n, line in _record_and_apply(pending, results):
            results[n].lines.append(line)
    return results


def record_sync_failures(entry_ids: Sequence[int]) -> list[str]:
    """INDUSTRY-4: rows whose hand-over the recipient's server refused at SMTP time count
    exactly like DSNs: each becomes a bounce event (no inbound message) and the same rules
    apply — a hard one bounces and suppresses, soft ones count (STATUS-3, INDUSTRY-5)."""
    pending = []
    rows = SendLedgerEntry.objects.filter(
        pk__in=list(entry_ids),
        state=LedgerState.FAILED,
        failure_class__in=(FailureClass.HARD, FailureClass.SOFT),
    ).select_related("campaign__account", "contact")
    for entry in rows:
        status = find_enhanced_code(entry.reply) or find_smtp_code(entry.reply)
        result = RecipientResult(
            recipient=entry.contact.address,
            status=status,
            diagnostic=entry.reply,
            reason=classify(status, entry.reply).reason,
            hard=entry.failure_class == FailureClass.HARD,
            sender_side=False,
        )
        event = _event(None, entry, FeedbackKind.BOUNCE, result, isp=isp_of(result.recipient))
        pending.append((0, event))
    with transaction.atomic():
        return [line for _n, line in _record_and_apply(pending, [Applied()])]


def _event(
    message: InboundMessage | None,
    entry: SendLedgerEntry,
    kind: FeedbackKind,
    result: RecipientResult | None,
    *,
    isp: str = "",
) -> FeedbackEvent:
    campaign = entry.campaign
    return FeedbackEvent(
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
        isp=isp[:60],
        diagnostic=(result.diagnostic if result else "")[:500],
        created_at=timezone.now(),
    )


def _record_and_apply(
    pending: list[tuple[int, FeedbackEvent]], results: list[Applied]
) -> list[tuple[int, str]]:
    """Record the events not recorded before (the same DSN or report twice counts once),
    apply them in order and judge each send they touched; (report, line) for each."""
    lines: list[tuple[int, str]] = []
    fresh: list[tuple[int, FeedbackEvent]] = []
    seen = set(
        FeedbackEvent.objects.filter(entry_id__in={e.entry_id for _n, e in pending}).values_list(
            "entry_id", "kind", "hard", "sender_side"
        )
    )
    isps: dict[str, str] = {}
    for n, event in pending:
        key = (event.entry_id, event.kind, event.hard, event.sender_side)
        if key in seen:
            lines.append((n, f"ledger #{event.entry_id}: already recorded"))
            continue
        seen.add(key)
        if not event.isp:
            domain = domain_of(event.contact.address or "unknown@unknown")
            if domain not in isps:
                isps[domain] = isp_for(event.contact.address or "unknown@unknown")[:60]
            event.isp = isps[domain]
        fresh.append((n, event))
        if results[n].account is None:
            results[n].account = event.campaign.account
    if not fresh:
        return lines
    state = _ContactState.before([e for _n, e in fresh])
    fresh, repeated = _insert(fresh)
    lines.extend((n, f"ledger #{e.entry_id}: already recorded") for n, e in repeated)
    for n, event in fresh:
        lines.append((n, f"ledger #{event.entry_id}: {state.apply(event)}"))
    state.write()
    campaigns = {e.campaign_id: e.campaign for _n, e in fresh}
    for campaign in campaigns.values():
        sends.judge(campaign)  # a breach stops the send
    return lines


# The columns of an event, as `_row` gives them (`core.bulk.insert_rows`).
EVENT_COLUMNS = (
    "id",
    "inbound_id",
    "kind",
    "account_id",
    "campaign_id",
    "entry_id",
    "contact_id",
    "status",
    "reason",
    "hard",
    "sender_side",
    "isp",
    "diagnostic",
    "created_at",
)


def _row(pk: int, e: FeedbackEvent) -> tuple[Any, ...]:
    return (
        pk,
        e.inbound_id,
        e.kind,
        e.account_id,
        e.campaign_id,
        e.entry_id,
        e.contact_id,
        e.status,
        e.reason,
        e.hard,
        e.sender_side,
        e.isp,
        e.diagnostic,
        db_datetime(e.created_at),
    )


def _insert(
    events: list[tuple[int, FeedbackEvent]],
) -> tuple[list[tuple[int, FeedbackEvent]], list[tuple[int, FeedbackEvent]]]:
    """Insert the events in one statement; when another process recorded one of them in
    the meantime, one by one: (inserted, recorded before)."""
    ids = allocate_ids(FeedbackEvent, len(events))
    try:
        with transaction.atomic(), connection.wrap_database_errors:
            insert_rows(
                FeedbackEvent,
                EVENT_COLUMNS,
                [_row(pk, e) for pk, (_n, e) in zip(ids, events, strict=True)],
            )
        for pk, (_n, event) in zip(ids, events, strict=True):
            event.pk = pk
            event._state.adding = False
        return events, []
    except IntegrityError:
        pass
    inserted, repeated = [], []
    for n, event in events:
        try:
            with transaction.atomic():
                event.save(force_insert=True)
            inserted.append((n, event))
        except IntegrityError:
            event.pk = None
            repeated.append((n, event))
    return inserted, repeated


class _ContactState:
    """The contacts a batch's events are about, as the batch finds them; `apply` decides
    each event in order on what the events before it left, `write` writes the outcome."""

    def __init__(self, statuses: dict[int, str], bounces: dict[int, list[int]]) -> None:
        self.statuses = statuses
        self.bounces = bounces  # contact -> [bounces, hard ones], of the address itself
        self.changes: dict[int, list[StatusChange]] = {}
        self.complaints: dict[int, list[tuple[int, Actor, str]]] = {}
        self.suppressed: list[tuple[str, SuppressionReason, str]] = []
        self.accounts: dict[int, Account] = {}
        self.soft_contacts: list[int] = []
        self.softs: dict[int, list[tuple[int, datetime]]] | None = None

    @classmethod
    def before(cls, events: Sequence[FeedbackEvent]) -> _ContactState:
        ids = sorted({e.contact_id for e in events})
        bounces = {
            row["contact_id"]: [row["n"], row["hard_n"]]
            for row in FeedbackEvent.objects.filter(
                contact_id__in=ids, kind=FeedbackKind.BOUNCE, sender_side=False
            )
            .values("contact_id")
            .annotate(n=Count("pk"), hard_n=Count("pk", filter=Q(hard=True)))
        }
        statuses = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "status"))
        state = cls(statuses, bounces)
        state.soft_contacts = sorted(
            {e.contact_id for e in events if e.kind == FeedbackKind.BOUNCE and not e.hard}
        )
        return state

    def apply(self, event: FeedbackEvent) -> str:
        account = event.campaign.account
        self.accounts[account.pk] = account
        actor = Actor("system", f"feedback:{event.pk}")
        ref = f"feedback:{event.pk}"
        contact = event.contact
        if event.kind == FeedbackKind.COMPLAINT:
            # COMPLAINT-1: consent withdrawn, and the address is untrusted on the platform.
            self.complaints.setdefault(account.pk, []).append((event.contact_id, actor, ref))
            if self.statuses.get(event.contact_id) != Status.DELETED:
                self.statuses[event.contact_id] = Status.UNSUBSCRIBED
            if contact.address:
                self.suppressed.append((contact.address_hash, SuppressionReason.COMPLAINT, ref))
            return f"complaint ({event.isp}): contact unsubscribed"
        if event.sender_side:
            return f"{event.reason} ({event.status}): the sender's problem, contact untouched"
        counts = self.bounces.setdefault(event.contact_id, [0, 0])
        counts[0] += 1
        counts[1] += 1 if event.hard else 0
        bounces, hard = counts
        allowed = int(cached_value("bounce.max_bounces_before_removal", account))
        if bounces >= allowed and self.statuses.get(event.contact_id) == Status.ACTIVE:
            # INDUSTRY-5: whatever their kind, the address goes at the latest after this many.
            self._bounced(event, account, actor, ref)
            return (
                f"bounce {event.status} ({event.reason}): bounce {bounces} of {allowed}, contact B"
            )
        if event.hard:
            needed = int(cached_value("bounce.hard_bounces_to_bounced", account))
            if hard >= needed:
                self._bounced(event, account, actor, ref)
                return f"hard bounce {event.status} ({event.reason}): contact B"
            return f"hard bounce {event.status}: {hard} of {needed}"
        if self._soft_limit_reached(event, account):
            self._bounced(event, account, actor, ref)
            return f"soft bounce {event.status} ({event.reason}): limit reached, contact B"
        return f"soft bounce {event.status} ({event.reason}): counted"

    def _soft_limit_reached(self, event: FeedbackEvent, account: Account) -> bool:
        """STATUS-3: soft bounces of consecutive sends since the last delivered message,
        those the batch reported up to this one included."""
        if self.softs is None:
            self.softs = _soft_bounces(self.soft_contacts)
        return soft_bounces_make_bounced(
            [(c, at) for c, at in self.softs.get(event.contact_id, []) if at <= event.created_at],
            sends=int(cached_value("bounce.soft_bounce_sends", account)),
            span_days=int(cached_value("bounce.soft_bounce_span_days", account)),
        )

    def _bounced(self, event: FeedbackEvent, account: Account, actor: Actor, ref: str) -> None:
        change = StatusChange(event.contact_id, Status.BOUNCED, Cause.BOUNCE, actor, ref)
        self.changes.setdefault(account.pk, []).append(change)
        if self.statuses.get(event.contact_id) == Status.ACTIVE:  # U, B or D: nothing to lower
            self.statuses[event.contact_id] = Status.BOUNCED
        contact = event.contact
        if contact.address:
            self.suppressed.append((contact.address_hash, SuppressionReason.HARD_BOUNCE, ref))

    def write(self) -> None:
        for account_id, account in sorted(self.accounts.items()):  # one order: no deadlock
            if account_id in self.changes:
                change_statuses(account, self.changes[account_id])
            if account_id in self.complaints:
                unsubscribe_many(
                    account, self.complaints[account_id], method="complaint", cause=Cause.COMPLAINT
                )
        suppress_many(self.suppressed, source=SOURCE_FEEDBACK)


def _soft_bounces(contact_ids: Sequence[int]) -> dict[int, list[tuple[int, datetime]]]:
    """STATUS-3: each contact's soft bounces since its last message delivered without a
    report, as (campaign, reported at)."""
    clean = dict(
        SendLedgerEntry.objects.filter(contact_id__in=contact_ids, state=LedgerState.SENT)
        .exclude(feedback__isnull=False)
        .values("contact_id")
        .annotate(last=Max("sent_at"))
        .values_list("contact_id", "last")
    )
    found: dict[int, list[tuple[int, datetime]]] = {pk: [] for pk in contact_ids}
    for contact_id, campaign_id, created_at, sent_at in FeedbackEvent.objects.filter(
        contact_id__in=contact_ids, kind=FeedbackKind.BOUNCE, hard=False, sender_side=False
    ).values_list("contact_id", "campaign_id", "created_at", "entry__sent_at"):
        last = clean.get(contact_id)
        if last is None or (sent_at is not None and sent_at > last):
            found[contact_id].append((campaign_id, created_at))
    return found


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
