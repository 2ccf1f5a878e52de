"""Recording and applying a batch of feedback events (BOUNCE-1, COMPLAINT-1, STATUS-3).

feedback.apply matches each recipient of a report to its ledger row; here the batch's
events are recorded once each (one insert; the same DSN or report twice counts once),
the policy decides each event in order on what the events before it left (a hard bounce
makes the contact B, soft bounces do after the policy's count of sends and days, a
complaint makes it U, a sender-side rejection leaves it alone), and the contacts'
changes are written together, their evidence under one lock of each account's chain.
Inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q

from accounts.models import Account
from campaigns.models import Campaign
from contacts.bulk import StatusChange, change_statuses, suppress_many, unsubscribe_many
from contacts.models import SOURCE_FEEDBACK, Contact, SuppressionReason
from contacts.rules import Cause, Status
from core.actors import Actor
from core.addresses import domain_of
from core.bulk import allocate_ids, db_datetime, insert_rows
from delivery.models import LedgerState, SendLedgerEntry
from feedback.models import FeedbackEvent, FeedbackKind
from feedback.rules import ISP_DOMAINS, isp_of_mx, soft_bounces_make_bounced
from policy.selectors import cached_value


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


@dataclass(frozen=True)
class Row:
    """The ledger row a report is about, as recording and applying need it."""

    entry_id: int
    campaign: Campaign  # with its account
    contact_id: int
    address: str
    address_hash: str


# SendLedgerEntry values that make a Row, with its campaign.
ROW_VALUES = ("pk", "campaign_id", "contact_id", "contact__address", "contact__address_hash")


def rows_of(values: Sequence[tuple[Any, ...]]) -> list[Row]:
    """Rows from `ROW_VALUES` tuples; the few sends among them read once."""
    campaigns = Campaign.objects.select_related("account").in_bulk(sorted({v[1] for v in values}))
    return [Row(pk, campaigns[c], contact, a, h) for pk, c, contact, a, h in values]


@dataclass
class Event:
    """A FeedbackEvent before it is written; `pk` once it is."""

    row: Row
    inbound_id: int | None
    kind: str
    status: str
    reason: str
    hard: bool
    sender_side: bool
    isp: str
    diagnostic: str
    created_at: datetime
    pk: int | None = None

    @property
    def key(self) -> tuple[int, str, bool, bool]:
        """What makes it the same event twice (`feedback_once_per_entry`)."""
        return (self.row.entry_id, self.kind, self.hard, self.sender_side)

    def values(self) -> tuple[Any, ...]:
        """The columns of `EVENT_COLUMNS`, in database form."""
        row = self.row
        return (
            self.pk,
            self.inbound_id,
            self.kind,
            row.campaign.account_id,
            row.campaign.pk,
            row.entry_id,
            row.contact_id,
            self.status,
            self.reason,
            self.hard,
            self.sender_side,
            self.isp,
            self.diagnostic,
            db_datetime(self.created_at),
        )


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


def record_and_apply(
    pending: list[tuple[int, Event]],
) -> tuple[list[tuple[int, str]], list[tuple[int, Event]]]:
    """Record the events not recorded before and apply them in order. Each event comes
    as (n, event), n standing for the report it came from; returns a (n, line) for each
    and the (n, event) recorded now."""
    lines: list[tuple[int, str]] = []
    fresh: list[tuple[int, Event]] = []
    seen = set(
        FeedbackEvent.objects.filter(
            entry_id__in={e.row.entry_id for _n, e in pending}
        ).values_list("entry_id", "kind", "hard", "sender_side")
    )
    isps: dict[str, str] = {}
    for n, event in pending:
        if event.key in seen:
            lines.append((n, f"ledger #{event.row.entry_id}: already recorded"))
            continue
        seen.add(event.key)
        if not event.isp:
            address = event.row.address or "unknown@unknown"
            domain = domain_of(address)
            if domain not in isps:
                isps[domain] = isp_for(address)[:60]
            event.isp = isps[domain]
        fresh.append((n, event))
    if not fresh:
        return lines, []
    state = _ContactState.before([e for _n, e in fresh])
    fresh, repeated = _insert(fresh)
    lines.extend((n, f"ledger #{e.row.entry_id}: already recorded") for n, e in repeated)
    for n, event in fresh:
        lines.append((n, f"ledger #{event.row.entry_id}: {state.apply(event)}"))
    state.write()
    return lines, fresh


def _insert(events: list[tuple[int, Event]]) -> tuple[list[tuple[int, Event]], ...]:
    """Insert the events in one statement; when another process recorded one of them in
    the meantime, one by one: (inserted, recorded before)."""
    for pk, (_n, event) in zip(allocate_ids(FeedbackEvent, len(events)), events, strict=True):
        event.pk = pk
    try:
        with transaction.atomic(), connection.wrap_database_errors:
            insert_rows(FeedbackEvent, EVENT_COLUMNS, [e.values() for _n, e in events])
        return events, []
    except IntegrityError:
        pass
    inserted, repeated = [], []
    for n, event in events:
        try:
            with transaction.atomic(), connection.wrap_database_errors:
                insert_rows(FeedbackEvent, EVENT_COLUMNS, [event.values()])
            inserted.append((n, event))
        except IntegrityError:
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
    def before(cls, events: Sequence[Event]) -> _ContactState:
        ids = sorted({e.row.contact_id for e in events})
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
            {e.row.contact_id for e in events if e.kind == FeedbackKind.BOUNCE and not e.hard}
        )
        return state

    def apply(self, event: Event) -> str:
        row = event.row
        account = row.campaign.account
        self.accounts[account.pk] = account
        actor = Actor("system", f"feedback:{event.pk}")
        ref = f"feedback:{event.pk}"
        if event.kind == FeedbackKind.COMPLAINT:
            # COMPLAINT-1: consent withdrawn, and the address is untrusted on the platform.
            self.complaints.setdefault(account.pk, []).append((row.contact_id, actor, ref))
            if self.statuses.get(row.contact_id) != Status.DELETED:
                self.statuses[row.contact_id] = Status.UNSUBSCRIBED
            if row.address:
                self.suppressed.append((row.address_hash, SuppressionReason.COMPLAINT, ref))
            return f"complaint ({event.isp}): contact unsubscribed"
        if event.sender_side:
            return f"{event.reason} ({event.status}): the sender's problem, contact untouched"
        counts = self.bounces.setdefault(row.contact_id, [0, 0])
        counts[0] += 1
        counts[1] += 1 if event.hard else 0
        bounces, hard = counts
        allowed = int(cached_value("bounce.max_bounces_before_removal", account))
        if bounces >= allowed and self.statuses.get(row.contact_id) == Status.ACTIVE:
            # INDUSTRY-5: whatever their kind, the address goes at the latest after this many.
            self._bounced(row, actor, ref)
            counted = f"bounce {bounces} of {allowed}"
            return f"bounce {event.status} ({event.reason}): {counted}, contact B"
        if event.hard:
            needed = int(cached_value("bounce.hard_bounces_to_bounced", account))
            if hard >= needed:
                self._bounced(row, actor, ref)
                return f"hard bounce {event.status} ({event.reason}): contact B"
            return f"hard bounce {event.status}: {hard} of {needed}"
        if self._soft_limit_reached(event, account):
            self._bounced(row, actor, ref)
            return f"soft bounce {event.status} ({event.reason}): limit reached, contact B"
        return f"soft bounce {event.status} ({event.reason}): counted"

    def _soft_limit_reached(self, event: Event, account: Account) -> bool:
        """STATUS-3: soft bounces of consecutive sends since the last delivered message,
        those the batch reported up to this one included."""
        if self.softs is None:
            self.softs = _soft_bounces(self.soft_contacts)
        return soft_bounces_make_bounced(
            [
                (c, at)
                for c, at in self.softs.get(event.row.contact_id, [])
                if at <= event.created_at
            ],
            sends=int(cached_value("bounce.soft_bounce_sends", account)),
            span_days=int(cached_value("bounce.soft_bounce_span_days", account)),
        )

    def _bounced(self, row: Row, actor: Actor, ref: str) -> None:
        change = StatusChange(row.contact_id, Status.BOUNCED, Cause.BOUNCE, actor, ref)
        self.changes.setdefault(row.campaign.account_id, []).append(change)
        if self.statuses.get(row.contact_id) == Status.ACTIVE:  # U, B or D: nothing to lower
            self.statuses[row.contact_id] = Status.BOUNCED
        if row.address:
            self.suppressed.append((row.address_hash, SuppressionReason.HARD_BOUNCE, ref))

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
