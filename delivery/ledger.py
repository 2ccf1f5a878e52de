"""The send ledger's set-based statements: fill at start, claim, re-check, record, expire.

Every statement here touches many rows at once; none loops over recipients in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from carrier.rules import FailureKind
from contacts.addresses import refused_at_send
from contacts.models import Contact, Subscription, SubscriptionState
from contacts.selectors import is_role, is_suppressed, left_in_group
from delivery.audience import eligible_contacts, leaving, without_jit
from delivery.models import LedgerState, SendLedgerEntry
from policy.address_rules import AddressRules
from policy.selectors import address_rules

if TYPE_CHECKING:
    from campaigns.models import Campaign

logger = logging.getLogger(__name__)

CLAIMABLE = (LedgerState.QUEUED, LedgerState.DEFERRED)
OPEN_STATES = (LedgerState.QUEUED, LedgerState.SENDING, LedgerState.DEFERRED)


def fill(
    campaign: Campaign,
    *,
    batch_size: int,
    recipients: QuerySet[Contact] | None = None,
    first_batch: int = 0,
) -> int:
    """SEND-4: every eligible contact (delivery.audience: of the target lists, in the
    campaign's segment; or those of `recipients`, a part of them: a sample, AUDIT-2)
    becomes one `queued` row, numbered into batches, in one INSERT … SELECT. A
    contact on several target lists is one row (dedup); the unique (campaign, contact)
    constraint makes a repeated start add nothing, and the rest after a sample only the
    rest (numbered from `first_batch`, after the sample's batches)."""
    chosen = eligible_contacts(campaign).order_by() if recipients is None else recipients
    select_sql, params = chosen.values(eligible_id=F("pk")).query.sql_with_params()
    table = SendLedgerEntry._meta.db_table
    now = timezone.now()
    # "WHERE 1=1" keeps SQLite from reading ON CONFLICT as a join's ON.
    sql = (
        f"INSERT INTO {table} (campaign_id, contact_id, batch, state, lease_owner, attempts,"  # noqa: S608
        " failure_class, reply, queue_id, message_id, created_at, updated_at)"
        " SELECT %s, e.eligible_id, (ROW_NUMBER() OVER (ORDER BY e.eligible_id) - 1) / %s,"
        " %s, '', 0, '', '', '', '', %s, %s"
        f" FROM ({select_sql}) e WHERE 1=1"
        " ON CONFLICT (campaign_id, contact_id) DO NOTHING"
    )
    sql = sql.replace("/ %s,", "/ %s + %s,", 1)
    with without_jit(), connection.cursor() as cursor:
        cursor.execute(
            sql, [campaign.pk, batch_size, first_batch, LedgerState.QUEUED, now, now, *params]
        )
        return int(cursor.rowcount)


def next_batch(campaign: Campaign) -> int:
    """The number after the send's last batch (the rest after a sample starts there)."""
    last = SendLedgerEntry.objects.filter(campaign=campaign).order_by("-batch").first()
    return last.batch + 1 if last is not None else 0


def batches_with_work(campaign: Campaign) -> list[int]:
    return sorted(
        set(
            SendLedgerEntry.objects.filter(campaign=campaign, state__in=CLAIMABLE)
            .values_list("batch", flat=True)
            .distinct()
        )
    )


def claim(campaign_id: int, batch: int, *, owner: str, limit: int, lease: timedelta) -> list[int]:
    """Atomically take up to `limit` claimable rows of a batch under a lease for `owner`.

    The UPDATE repeats the state condition, so of two workers racing for a row only one
    gets it; on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so workers never
    wait for each other's rows."""
    now = timezone.now()
    due = _due(now)
    rows = claimable_query(campaign_id, batch, now)
    changes = {
        "state": LedgerState.SENDING,
        "lease_owner": owner,
        "lease_until": now + lease,
        "updated_at": now,
    }
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(
                rows.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
            )
            SendLedgerEntry.objects.filter(pk__in=ids).filter(due).update(**changes)
    else:
        claim_update_query(campaign_id, batch, now, limit).update(**changes)
    return list(held_rows_query(campaign_id, owner).values_list("pk", flat=True))


def claim_update_query(
    campaign_id: int, batch: int, now: datetime, limit: int
) -> QuerySet[SendLedgerEntry]:
    """SQLite's claim: the rows its subquery picks, by id. One statement holds SQLite's
    write lock from start to end, so what it picks is still due when it is changed.
    Repeating the state condition outside made the planner walk every queued row of the
    ledger instead (ledger_state_lease): 129 ms a claim at 1,000,000 recipients."""
    picked = claimable_query(campaign_id, batch, now).values("pk")[:limit]
    return SendLedgerEntry.objects.filter(pk__in=picked)


def _due(now: datetime) -> Q:
    return Q(state=LedgerState.QUEUED) | Q(state=LedgerState.DEFERRED, next_attempt_at__lte=now)


def claimable_query(campaign_id: int, batch: int, now: datetime) -> QuerySet[SendLedgerEntry]:
    """The due rows of one batch, in the ledger_batch_state index's order. Ordered by id
    alone, SQLite's planner walked the campaign index past every earlier batch's rows for
    each chunk claimed (0.3 s a claim at 1,000,000 recipients)."""
    return (
        SendLedgerEntry.objects.filter(campaign_id=campaign_id, batch=batch)
        .filter(_due(now))
        .order_by("batch", "state", "pk")
    )


# The per-campaign questions by state; each uses the ledger_campaign_state index
# (delivery/tests/test_ledger_queries.py), so none walks a large campaign's every row.


def held_rows_query(campaign_id: int, owner: str) -> QuerySet[SendLedgerEntry]:
    return SendLedgerEntry.objects.filter(
        campaign_id=campaign_id, state=LedgerState.SENDING, lease_owner=owner
    ).order_by("pk")


def open_rows_query(campaign_id: int) -> QuerySet[SendLedgerEntry]:
    return SendLedgerEntry.objects.filter(campaign_id=campaign_id, state__in=OPEN_STATES)


def hard_failures_query(campaign_id: int) -> QuerySet[SendLedgerEntry]:
    """Synchronous hard bounces of the send so far (INDUSTRY-4)."""
    return SendLedgerEntry.objects.filter(
        campaign_id=campaign_id, state=LedgerState.FAILED, failure_class=FailureKind.HARD
    )


@dataclass(frozen=True)
class Recipient:
    entry_id: int
    contact_id: int
    attempts: int
    address: str
    first_name: str
    last_name: str
    fields: dict[str, Any]
    legal_basis: str
    tracking: bool = False  # CONSENT-4: the open pixel and tracked links only if True

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    def template_context(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.address,
            "fields": self.fields,
        }


def recheck(campaign: Campaign, entry_ids: Iterable[int]) -> list[Recipient]:
    """SEND-3: of these rows, those whose contact may be mailed right now — one query.

    The query selects the rows by primary key only and reads the facts as columns; the
    rule is applied here (`campaigns.rules.may_receive`). Put into WHERE, SQLite's planner
    walked the account's whole (account, status) index instead: seconds per call at
    100,000 contacts."""
    rows = _checked(campaign, entry_ids).values_list(
        "pk",
        "contact_id",
        "attempts",
        "contact__address",
        "contact__first_name",
        "contact__last_name",
        "contact__fields",
        "contact__legal_basis",
        "contact__tracking_consent",
        *_FACTS,
    )
    rules = address_rules()
    return [
        Recipient(*row[:9])
        for row in rows
        if _may_receive(campaign, row[7], row[3], row[9:], rules)
    ]


def still_eligible(campaign: Campaign, entry_ids: Iterable[int]) -> set[int]:
    """The rows of `recheck` by id alone: the worker's re-check every half second needs no
    names or fields (the JSON of every contact's fields cost more than the query)."""
    rows = _checked(campaign, entry_ids).values_list(
        "pk", "contact__legal_basis", "contact__address", *_FACTS
    )
    rules = address_rules()
    return {row[0] for row in rows if _may_receive(campaign, row[1], row[2], row[3:], rules)}


# What SEND-3 is judged on, read as columns by `_checked`.
_FACTS = (
    "contact__account_id",
    "contact__status",
    "subscribed",
    "suppressed",
    "leaving",
    "role",
    "left_group",
)


def _may_receive(
    campaign: Campaign, legal_basis: str, address: str, facts: Sequence[Any], rules: AddressRules
) -> bool:
    from campaigns.rules import may_receive

    account_id, status, subscribed, suppressed, leaving, role, left_group = facts
    return account_id == campaign.account_id and may_receive(
        status=status,
        # ACCOUNT-3: left another account of the customer group since consenting here.
        subscribed=bool(subscribed) and not leaving and not left_group,
        suppressed=bool(suppressed),
        legal_basis=legal_basis,
        kind=campaign.kind,
        role_address=bool(role),
        refused_address=refused_at_send(address, rules),
    )


def _checked(campaign: Campaign, entry_ids: Iterable[int]) -> QuerySet[SendLedgerEntry]:
    list_ids = list(campaign.lists.values_list("pk", flat=True))
    subscribed = Subscription.objects.filter(
        contact_id=OuterRef("contact_id"), list_id__in=list_ids, state=SubscriptionState.CONFIRMED
    )
    consented = subscribed.order_by("-state_changed_at").values("state_changed_at")[:1]
    return (
        SendLedgerEntry.objects.filter(pk__in=list(entry_ids))
        .annotate(consent_at=Subquery(consented))
        .annotate(
            subscribed=Exists(subscribed),
            left_group=left_in_group(
                campaign.account, address_hash="contact__address_hash", consent_at="consent_at"
            ),
            suppressed=is_suppressed("contact__address_hash", "contact__address"),
            leaving=Exists(leaving("contact_id")),
            role=is_role("contact__address"),
        )
        .order_by("pk")
    )


def renew_lease(owner: str, lease: timedelta) -> None:
    now = timezone.now()
    SendLedgerEntry.objects.filter(lease_owner=owner, state=LedgerState.SENDING).update(
        lease_until=now + lease
    )


class Written(NamedTuple):
    """One row's outcome as `record` writes it."""

    entry_id: int
    state: str
    reply: str = ""
    queue_id: str = ""
    message_id: str = ""
    sent: bool = False  # sent_at is the time of the write
    next_attempt_at: datetime | None = None
    failure_class: str = ""
    attempts: int = 0


# Per vendor, how a VALUES column becomes its column's type: PostgreSQL types a column of
# parameters from its first rows (NULL alone would be text); SQLite needs no cast.
_RECORD_CASTS = {
    "postgresql": {
        "id": "bigint",
        "sent_at": "timestamptz",
        "next_attempt_at": "timestamptz",
        "attempts": "integer",
    },
}
_RECORD_COLUMNS = (
    "id",
    "state",
    "reply",
    "queue_id",
    "message_id",
    "sent_at",
    "next_attempt_at",
    "failure_class",
    "attempts",
)
# Rows per statement: 9 parameters each, well inside SQLite's limit of 32,766.
RECORD_ROWS = 500


def _record_sql(rows: int) -> str:
    casts = _RECORD_CASTS.get(connection.vendor, {})

    def column(name: str) -> str:
        return f"CAST(v.{name} AS {casts[name]})" if name in casts else f"v.{name}"

    table = SendLedgerEntry._meta.db_table
    row = "(" + ", ".join(["%s"] * len(_RECORD_COLUMNS)) + ")"
    updates = ", ".join(f"{name} = {column(name)}" for name in _RECORD_COLUMNS[1:])
    return (
        f"WITH v({', '.join(_RECORD_COLUMNS)}) AS (VALUES {', '.join([row] * rows)})"  # noqa: S608 (names are constants)
        f" UPDATE {table} SET {updates}, lease_owner = '', lease_until = NULL, updated_at = %s"
        f" FROM v WHERE {table}.id = {column('id')}"
    )


def record(outcomes: Sequence[Written], now: datetime) -> None:
    """Write outcomes in bulk, the lease given up: one UPDATE … FROM (VALUES …) for up to
    RECORD_ROWS rows. As one statement per row (executemany) SQLite took 45 µs a row and
    the worker gave up the GIL at each, which the sender threads then held."""
    adapt = connection.ops.adapt_datetimefield_value
    at = adapt(now)
    with connection.cursor() as cursor:
        for start in range(0, len(outcomes), RECORD_ROWS):
            part = outcomes[start : start + RECORD_ROWS]
            params: list[Any] = []
            for o in part:
                params += (
                    o.entry_id,
                    str(o.state),
                    o.reply,
                    o.queue_id,
                    o.message_id,
                    at if o.sent else None,
                    adapt(o.next_attempt_at) if o.next_attempt_at is not None else None,
                    str(o.failure_class),
                    o.attempts,
                )
            params.append(at)
            cursor.execute(_record_sql(len(part)), params)


def expire_leases(now: datetime | None = None) -> dict[int, int]:
    """SEND-4: rows held past their lease become `unknown` (reported, never resent).

    They keep their owner: should the dead run's journal turn up later (its machine back),
    delivery.journal still gives them their outcome. Returns {campaign id: rows} of what
    expired, and logs it."""
    now = now or timezone.now()
    expired = SendLedgerEntry.objects.filter(state=LedgerState.SENDING, lease_until__lt=now)
    counts = dict(
        expired.values("campaign_id")
        .annotate(rows=Count("pk"))
        .values_list("campaign_id", "rows")
        .order_by()
    )
    if counts:
        expired.update(
            state=LedgerState.UNKNOWN,
            reply="the worker's lease ran out: the message may or may not have been handed over",
            lease_until=None,
            updated_at=now,
        )
        for campaign_id, rows in counts.items():
            logger.warning("campaign %s: %s rows became unknown (lease expired)", campaign_id, rows)
    return counts


def counts(campaign: Campaign) -> dict[str, int]:
    found = dict(
        SendLedgerEntry.objects.filter(campaign=campaign)
        .values("state")
        .annotate(rows=Count("pk"))
        .values_list("state", "rows")
        .order_by()
    )
    return {state.value: int(found.get(state.value, 0)) for state in LedgerState}


def failures(campaign: Campaign) -> dict[str, int]:
    """Failed rows by whose problem they are (INDUSTRY-4): `sender` ones count against the
    send's health, never against a contact."""
    found = dict(
        SendLedgerEntry.objects.filter(campaign=campaign, state=LedgerState.FAILED)
        .values("failure_class")
        .annotate(rows=Count("pk"))
        .values_list("failure_class", "rows")
        .order_by()
    )
    return {kind: int(found.get(kind, 0)) for kind in ("hard", "soft", "sender")}


def sent_since(campaign: Campaign, since: datetime) -> int:
    return SendLedgerEntry.objects.filter(
        campaign=campaign, state=LedgerState.SENT, sent_at__gte=since
    ).count()


def has_open_rows(campaign: Campaign) -> bool:
    return open_rows_query(campaign.pk).exists()


def due_batches(campaign: Campaign) -> list[int]:
    """Batches with rows due now: queued, or deferred whose next attempt has come."""
    now = timezone.now()
    due = _due(now)
    return sorted(
        set(
            SendLedgerEntry.objects.filter(campaign=campaign)
            .filter(due)
            .values_list("batch", flat=True)
            .distinct()
        )
    )
