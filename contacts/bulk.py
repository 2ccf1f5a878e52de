"""Contact writes for many contacts at once (the feedback batch: STATUS-3, COMPLAINT-1):
the same rules and the same evidence as `contacts.services`, in a few statements, with
the evidence appended under one lock of the account's chain. Inside the caller's
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from contacts.models import Contact, Subscription, SubscriptionState, Suppression, SuppressionReason
from contacts.rules import Cause, Status, decide_transition
from core import evidence
from core.actors import Actor
from core.bulk import db_datetime, insert_new_rows

if TYPE_CHECKING:
    from accounts.models import Account


@dataclass(frozen=True)
class StatusChange:
    """One change for `change_statuses`, with what `change_status` would be given."""

    contact_id: int
    target: Status
    cause: Cause
    actor: Actor
    ref: str = ""


def change_statuses(account: Account, changes: Sequence[StatusChange]) -> dict[int, str]:
    """`change_status` for many contacts of `account`, one after another in the order
    given, in a few statements; a change contacts.rules forbids is skipped (a single
    `change_status` would raise). Their evidence goes in under one lock of the chain.
    Returns the status of each contact afterwards, by id."""
    statuses = _locked_statuses(account, [c.contact_id for c in changes])
    entries = _status_entries(statuses, changes)
    _write_statuses(account, statuses, entries)
    return statuses


def unsubscribe_many(
    account: Account, contacts: Sequence[tuple[int, Actor, str]], *, method: str, cause: Cause
) -> dict[int, str]:
    """`unsubscribe` from every list for many contacts of `account`, each given as
    (id, actor, ref): their subscriptions end, consent is withdrawn (status U), each
    recorded as `unsubscribe` records it; deleted contacts are left as they are. Returns
    the status of each contact afterwards, by id."""
    statuses = _locked_statuses(account, [pk for pk, _a, _r in contacts])
    open_subscriptions: dict[int, list[tuple[int, int, str]]] = {}
    for pk, contact_id, list_id, state in (
        Subscription.objects.select_for_update()
        .filter(contact_id__in=list(statuses))
        .exclude(state=SubscriptionState.UNSUBSCRIBED)
        .order_by("pk")
        .values_list("pk", "contact_id", "list_id", "state")
    ):
        open_subscriptions.setdefault(contact_id, []).append((pk, list_id, state))
    ended: list[int] = []
    entries: list[evidence.Entry] = []
    for contact_id, actor, ref in contacts:
        status = statuses.get(contact_id)
        if status is None or status == Status.DELETED:
            continue
        left = open_subscriptions.pop(contact_id, [])
        if not left and status == Status.UNSUBSCRIBED:
            continue  # a second report changes nothing and proves nothing new
        for pk, list_id, state in left:
            ended.append(pk)
            payload = {"list": list_id, "from": state, "to": SubscriptionState.UNSUBSCRIBED}
            entries.append(
                evidence.Entry(
                    "subscription.changed", contact_id, {**payload, "ref": ref}, actor=actor
                )
            )
        change = StatusChange(contact_id, Status.UNSUBSCRIBED, cause, actor, ref)
        entries.extend(_status_entries(statuses, [change]))
        facts = {"method": method, "everywhere": True, "lists": [s[1] for s in left], "ref": ref}
        entries.append(evidence.Entry("unsubscribed", contact_id, facts, actor=actor))
    Subscription.objects.filter(pk__in=ended).update(
        state=SubscriptionState.UNSUBSCRIBED, state_changed_at=timezone.now()
    )
    _write_statuses(account, statuses, entries)
    return statuses


def suppress_many(rows: Sequence[tuple[str, SuppressionReason, str]], *, source: str = "") -> None:
    """`suppress` for many (keyed address hash, reason, note) at once, as the contacts'
    `address_hash` has it; those listed already stay."""
    wanted = {
        (digest, reason): note[:200]
        for digest, reason, note in reversed(rows)  # the first note of an address wins
    }
    when = db_datetime(timezone.now())
    insert_new_rows(
        Suppression,
        ("address_hash", "reason", "note", "source", "created_at"),
        [(digest, reason, note, source[:120], when) for (digest, reason), note in wanted.items()],
    )


def _locked_statuses(account: Account, contact_ids: Sequence[int]) -> dict[int, str]:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("contacts change in bulk inside the caller's transaction")
    return dict(
        Contact.objects.select_for_update()
        .filter(account=account, pk__in=sorted(set(contact_ids)))
        .order_by("pk")
        .values_list("pk", "status")
    )


def _status_entries(
    statuses: dict[int, str], changes: Sequence[StatusChange]
) -> list[evidence.Entry]:
    """Decide each change on the status left by the ones before; `statuses` follows."""
    entries = []
    for change in changes:
        current = statuses.get(change.contact_id)
        if current is None:
            continue
        if not decide_transition(Status(current), change.target, change.cause).changes:
            continue
        statuses[change.contact_id] = change.target
        payload = {"from": current, "to": change.target, "cause": change.cause, "ref": change.ref}
        entries.append(
            evidence.Entry("status.changed", change.contact_id, payload, actor=change.actor)
        )
    return entries


def _write_statuses(
    account: Account, statuses: dict[int, str], entries: Sequence[evidence.Entry]
) -> None:
    changed = {e.contact_id for e in entries if e.kind == "status.changed"}
    by_target: dict[str, list[int]] = {}
    for contact_id in sorted(pk for pk in changed if pk is not None):
        by_target.setdefault(statuses[contact_id], []).append(contact_id)
    now = timezone.now()
    for target, ids in by_target.items():
        Contact.objects.filter(pk__in=ids).update(status=target, status_changed_at=now)
    if entries:
        evidence.record_many(account, entries, actor=entries[0].actor or Actor.system())
