"""Who a campaign reaches: its target lists' eligible contacts, narrowed to its segment,
and, before the send, how many that is and why the others are left out.

`eligible_contacts` is what the ledger's fill inserts (one INSERT … SELECT); `breakdown`
counts the same rule by reason in one GROUP BY, and the tests hold its recipients to
`eligible_contacts`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Subscription, SubscriptionState
from contacts.rules import LegalBasis, Status
from contacts.segment_rules import Condition, FieldSpec, Kind
from contacts.segments import register_field, segment_q
from contacts.selectors import is_role, is_suppressed
from delivery.models import LedgerState, OneClickUnsubscribe, SendLedgerEntry

if TYPE_CHECKING:
    from accounts.models import Account
    from campaigns.models import Campaign

RECIPIENT = "recipient"
# Why a contact on the target lists (and in the segment) gets no mail, in the order they
# are judged: a contact is counted under the first that applies.
REASONS: dict[str, Promise] = {
    "deleted": _("deleted"),
    "unsubscribed": _("unsubscribed"),
    "bounced": _("bounced"),
    "pending": _("not confirmed yet"),
    "untrusted": _("on the untrusted list"),
    "role": _("role address (info@, sales@ …)"),
    "no_basis": _("no legal basis"),
    "scope": _("existing customer: only similar-products campaigns"),
    "problem": _("problem address found by the list's audit"),
    "stale": _("consent too old (stale)"),
}


@contextmanager
def without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiler spent 3 s compiling the audience query that then ran in
    1 s (100,000 contacts, bench/segments.py): the planner's estimate for the per-row
    check of the untrusted domains is far above what it costs. Off for this transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def leaving(contact_ref: str) -> QuerySet[OneClickUnsubscribe]:
    """Invariant 5: a one-click unsubscribe counts from the moment it was answered, before
    it is applied to the subscriptions: such a contact counts as not subscribed."""
    return OneClickUnsubscribe.objects.filter(
        contact_id=OuterRef(contact_ref), applied_at__isnull=True
    )


def _on_lists(list_ids: list[int], state: str | None = None) -> Exists:
    subscriptions = Subscription.objects.filter(contact_id=OuterRef("pk"), list_id__in=list_ids)
    if state is not None:
        subscriptions = subscriptions.filter(state=state)
    return Exists(subscriptions)


def _segment(campaign: Campaign) -> Q:
    return Q() if campaign.segment is None else segment_q(campaign.segment)


def eligible_contacts(campaign: Campaign) -> QuerySet[Contact]:
    """SEND-3 in SQL for the start of a send: status A, confirmed on a target list, in the
    campaign's segment if it has one, not suppressed, consent scope fits (CONSENT-5), a
    legal basis and no role address whatever door created the contact.
    `campaigns.rules.may_receive` is the same rule for the re-check before hand-over; the
    tests hold both to it. The re-check also applies the address classification
    (contacts.addresses: disposable, invalid, provider rules), which has no SQL form: such
    a row is queued here and skipped at hand-over.

    At the start only: no problem address of a list's audit (AUDIT-1), and no contact
    whose consent is stale (AUDIT-3, INDUSTRY-8; delivery.freshness)."""
    from admission.selectors import is_problem_address
    from campaigns.rules import CampaignKind
    from delivery.freshness import fresh_filter

    list_ids = list(campaign.lists.values_list("pk", flat=True))
    query = (
        Contact.objects.filter(account_id=campaign.account_id, status=Status.ACTIVE)
        .filter(_segment(campaign))
        .filter(legal_basis__in=list(LegalBasis))
        .filter(_on_lists(list_ids, SubscriptionState.CONFIRMED))
        .exclude(is_suppressed("address_hash", "address"))
        .exclude(is_role("address"))
        .exclude(Exists(leaving("pk")))
        .exclude(is_problem_address("pk"))
        .filter(fresh_filter(campaign.account, list_ids))
    )
    if campaign.kind != CampaignKind.SIMILAR_PRODUCTS:
        query = query.exclude(legal_basis=LegalBasis.EXISTING_CUSTOMER)
    return query


@dataclass(frozen=True)
class Audience:
    """Everyone on the target lists (in the segment): who gets the mail, and the others by
    the first reason that leaves them out."""

    considered: int
    recipients: int
    left_out: dict[str, int]

    def reasons(self) -> list[tuple[str, str, int]]:
        """(key, label, count) of each reason that leaves somebody out, in REASONS order."""
        return [
            (key, str(label), self.left_out[key])
            for key, label in REASONS.items()
            if self.left_out.get(key)
        ]


def breakdown(campaign: Campaign) -> Audience:
    """The recipient count and why the others are left out, in one query."""
    from admission.selectors import is_problem_address
    from campaigns.rules import CampaignKind
    from delivery.freshness import fresh_filter

    list_ids = list(campaign.lists.values_list("pk", flat=True))
    confirmed = _on_lists(list_ids, SubscriptionState.CONFIRMED)
    out_of_scope = (
        Q(pk__in=[])
        if campaign.kind == CampaignKind.SIMILAR_PRODUCTS
        else Q(legal_basis=LegalBasis.EXISTING_CUSTOMER)
    )
    reason = Case(
        When(status=Status.DELETED, then=Value("deleted")),
        When(
            Q(status=Status.UNSUBSCRIBED)
            | Q(Exists(leaving("pk")))
            | (~Q(confirmed) & Q(_on_lists(list_ids, SubscriptionState.UNSUBSCRIBED))),
            then=Value("unsubscribed"),
        ),
        When(~Q(status=Status.ACTIVE), then=Value("bounced")),
        When(~Q(confirmed), then=Value("pending")),
        When(is_suppressed("address_hash", "address"), then=Value("untrusted")),
        When(is_role("address"), then=Value("role")),
        When(~Q(legal_basis__in=list(LegalBasis)), then=Value("no_basis")),
        When(out_of_scope, then=Value("scope")),
        When(is_problem_address("pk"), then=Value("problem")),
        When(fresh_filter(campaign.account, list_ids), then=Value(RECIPIENT)),
        default=Value("stale"),
        output_field=CharField(),
    )
    rows = (
        Contact.objects.filter(account_id=campaign.account_id)
        .filter(_on_lists(list_ids))
        .filter(_segment(campaign))
        .annotate(reason=reason)
        .values("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
        .order_by()
    )
    with without_jit():
        found = {key: int(n) for key, n in rows}
    recipients = found.pop(RECIPIENT, 0)
    return Audience(
        considered=recipients + sum(found.values()),
        recipients=recipients,
        left_out={key: found.get(key, 0) for key in REASONS},
    )


# The last delivery as a segment condition (registered here: contacts cannot see sends).


def _last_delivery(c: Condition, account: Account) -> Q:
    sent = SendLedgerEntry.objects.filter(
        contact_id=OuterRef("pk"), campaign__account_id=account.pk, state=LedgerState.SENT
    )
    if c.op == "never":
        return ~Q(Exists(sent))
    recent = Exists(sent.filter(sent_at__gte=timezone.now() - timedelta(days=c.value)))
    return Q(recent) if c.op == "within" else ~Q(recent)


def register_segment_fields() -> None:
    """Called when the app is ready (delivery.apps)."""
    register_field(
        FieldSpec(
            "last_delivery",
            _("Last delivery"),
            Kind.DAYS,
            {
                "within": _("within the last (days)"),
                "not_within": _("not within the last (days)"),
                "never": _("never"),
            },
            no_value=frozenset({"never"}),
        ),
        _last_delivery,
    )
