"""Contacts, lists, subscriptions and suppression: the only write path.

Every status change goes through `change_status`, which asks contacts.rules and writes
its evidence record in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import (
    Contact,
    List,
    RequestChannel,
    RequestState,
    Subscription,
    SubscriptionState,
    Suppression,
    SuppressionReason,
    UnsubscribeRequest,
)
from contacts.rules import (
    MAX_KEPT_MAIL_BYTES,
    Cause,
    LegalBasis,
    Status,
    decide_initial,
    decide_transition,
    kept_part,
    request_due_on,
)
from contacts.selectors import REQUEST_MAIL_KEY, request_mail_context
from contacts.signals import contact_erased
from core import evidence
from core.actors import Actor
from core.addresses import address_key, normalise_address
from core.audit import record_operator_action
from core.crypto import derive_key, seal
from core.errors import Conflict, InvalidInput, RuleViolation
from core.text import clean_text

if TYPE_CHECKING:
    from accounts.models import Account

FIELD_LIMIT = 50


def address_hash(normalised: str) -> str:
    """The key a contact, a suppression or a request is matched by (one address identity)."""
    return address_key(normalised)


def _check_fields(fields: dict[str, Any]) -> dict[str, str]:
    if len(fields) > FIELD_LIMIT:
        raise InvalidInput(f"at most {FIELD_LIMIT} custom fields")
    clean: dict[str, str] = {}
    for name, value in fields.items():
        key = clean_text(str(name), field="custom field name", max_length=50)
        if not key:
            raise InvalidInput("a custom field needs a name")
        text = "" if value is None else str(value)
        clean[key] = clean_text(
            text, field=f"custom field {key!r}", max_length=1000, multiline=True
        )
    return clean


@transaction.atomic
def create_contact(
    account: Account,
    address: str,
    *,
    actor: Actor,
    cause: Cause,
    status: Status = Status.ACTIVE,
    legal_basis: str = "",
    first_name: str = "",
    last_name: str = "",
    fields: dict[str, Any] | None = None,
    ref: str = "",
    lists: Sequence[List] = (),
) -> Contact:
    """A new contact in `account`; refuses a duplicate address or a status its cause may not set.

    `lists` are subscribed as confirmed in the same transaction: all or nothing.
    """
    normalised = normalise_address(address)
    decision = decide_initial(Status(status), cause)
    if not decision.allowed:
        raise RuleViolation(decision.reason)
    bases = {b.value for b in LegalBasis}
    if legal_basis and legal_basis not in bases:
        raise InvalidInput(f"unknown legal basis {legal_basis!r}")
    if status == Status.ACTIVE and not legal_basis:
        raise InvalidInput("an active contact needs its legal basis")
    digest = address_hash(normalised)
    if Contact.objects.filter(account=account, address_hash=digest).exists():
        raise Conflict("a contact with this address exists in the account")
    deleted = status == Status.DELETED
    now = timezone.now()
    contact = Contact.objects.create(
        account=account,
        address="" if deleted else normalised,
        address_hash=digest,
        status=status,
        legal_basis=legal_basis,
        first_name="" if deleted else clean_text(first_name, field="first name", max_length=100),
        last_name="" if deleted else clean_text(last_name, field="last name", max_length=100),
        fields={} if deleted else _check_fields(fields or {}),
        status_changed_at=now,
        signup_source=str(cause),
    )
    personal = (
        {}
        if deleted
        else {
            "address": normalised,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
        }
    )
    evidence.record(
        account,
        "contact.created",
        actor=actor,
        contact=contact,
        payload={"status": status, "cause": cause, "legal_basis": legal_basis, "ref": ref},
        personal=personal,
    )
    for lst in lists:
        set_subscription(contact, lst, SubscriptionState.CONFIRMED, actor=actor, ref=ref)
    return contact


@transaction.atomic
def change_status(
    contact: Contact, target: Status, *, actor: Actor, cause: Cause, ref: str = ""
) -> Contact:
    """Move a contact to `target` if contacts.rules allows it; the event is recorded (STATUS-6)."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    decision = decide_transition(Status(locked.status), Status(target), cause)
    if not decision.allowed:
        raise RuleViolation(decision.reason)
    if not decision.changes:
        return locked
    previous = locked.status
    locked.status = target
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at"])
    evidence.record(
        locked.account,
        "status.changed",
        actor=actor,
        contact=locked,
        payload={"from": previous, "to": target, "cause": cause, "ref": ref},
    )
    return locked


@transaction.atomic
def update_contact(
    contact: Contact,
    *,
    actor: Actor,
    first_name: str | None = None,
    last_name: str | None = None,
    fields: dict[str, Any] | None = None,
    overwrite: bool = True,
) -> Contact:
    """Change names and custom fields; overwrite=False fills only empty values (IMPORT-7)."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.status == Status.DELETED:
        raise RuleViolation("a deleted contact holds no personal data")
    changed: list[str] = []
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if value is None or not (overwrite or not getattr(locked, name)):
            continue
        text = clean_text(value, field=name.replace("_", " "), max_length=100)
        if getattr(locked, name) != text:
            setattr(locked, name, text)
            changed.append(name)
    if fields:
        merged = dict(locked.fields)
        for key, value in _check_fields(fields).items():
            if overwrite or not merged.get(key):
                merged[key] = value
        if merged != locked.fields:
            locked.fields = _check_fields(merged)
            changed.append("fields")
    if changed:
        locked.save(update_fields=changed)
        evidence.record(
            locked.account,
            "contact.updated",
            actor=actor,
            contact=locked,
            payload={"changed": changed},
        )
    return locked


@transaction.atomic
def delete_contact(contact: Contact, *, actor: Actor, ref: str = "") -> Contact:
    """STATUS-4/PRIVACY-1: status D, personal data erased, its evidence made unreadable.

    The keyed address hash and the (sealed) evidence stay, so consent and unsubscription
    remain provable and a later signup or import is recognised.
    """
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    locked = change_status(contact, Status.DELETED, actor=actor, cause=Cause.DELETION, ref=ref)
    locked.address = ""
    locked.first_name = ""
    locked.last_name = ""
    locked.fields = {}
    locked.save(update_fields=["address", "first_name", "last_name", "fields"])
    # Requests about this address, whether or not they were matched to the contact.
    UnsubscribeRequest.objects.filter(
        Q(contact=locked) | Q(account_id=locked.account_id, address_hash=locked.address_hash)
    ).update(address="", note="", mail=None)
    # The evidence keys and the import reports (each row's address as the file had it).
    contact_erased.send(sender=Contact, contact=locked)
    # Admin change messages may quote what an operator typed about this contact.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=str(locked.pk)
    ).update(change_message="[]", object_repr=str(locked))
    return locked


@transaction.atomic
def create_list(
    account: Account, name: str, *, actor: Actor, language: str = "de", description: str = ""
) -> List:
    name = clean_text(name, field="list name", max_length=200)
    description = clean_text(description, field="description", max_length=5000, multiline=True)
    if not name:
        raise InvalidInput("a list needs a name")
    if language not in ("de", "en", "fr"):
        raise InvalidInput("a list's language is de, en or fr")
    if List.objects.filter(account=account, name=name).exists():
        raise Conflict(f"a list named {name!r} exists")
    lst = List.objects.create(
        account=account, name=name, language=language, description=description
    )
    evidence.record(account, "list.created", actor=actor, payload={"list": lst.pk, "name": name})
    return lst


@transaction.atomic
def set_subscription(
    contact: Contact, lst: List, state: SubscriptionState, *, actor: Actor, ref: str = ""
) -> Subscription:
    """Subscribe, confirm or unsubscribe one contact on one list of the same account."""
    if contact.account_id != lst.account_id:
        raise InvalidInput("contact and list belong to different accounts")
    now = timezone.now()
    sub, created = Subscription.objects.select_for_update().get_or_create(
        contact=contact, list=lst, defaults={"state": state, "state_changed_at": now}
    )
    if not created and sub.state == state:
        return sub
    previous = None if created else sub.state
    if not created:
        sub.state, sub.state_changed_at = state, now
        sub.save(update_fields=["state", "state_changed_at"])
    evidence.record(
        contact.account,
        "subscription.changed",
        actor=actor,
        contact=contact,
        payload={"list": lst.pk, "from": previous, "to": state, "ref": ref},
    )
    return sub


@transaction.atomic
def suppress(
    address: str, reason: SuppressionReason, *, note: str = "", source: str = ""
) -> Suppression:
    """Put an address on the platform-wide untrusted list (only its keyed hash is kept)."""
    row, _ = Suppression.objects.get_or_create(
        address_hash=address_hash(normalise_address(address)),
        reason=reason,
        defaults={"note": note[:200], "source": source[:120]},
    )
    return row


@transaction.atomic
def confirm_double_opt_in(
    contact: Contact,
    *,
    address: str,
    actor: Actor,
    first_name: str = "",
    last_name: str = "",
    fields: dict[str, Any] | None = None,
    ref: str = "",
) -> Contact:
    """The person confirmed: the contact becomes A (STATUS-2) with double opt-in as basis.

    A deleted contact gets the data entered anew, never the erased data (STATUS-4)."""
    normalised = normalise_address(address)
    if address_hash(normalised) != contact.address_hash:
        raise InvalidInput("the confirmed address is not the contact's address")
    was_deleted = contact.status == Status.DELETED
    locked = change_status(contact, Status.ACTIVE, actor=actor, cause=Cause.DOI_CONFIRMED, ref=ref)
    if was_deleted:
        locked.address = normalised
        locked.first_name = clean_text(first_name, field="first name", max_length=100)
        locked.last_name = clean_text(last_name, field="last name", max_length=100)
        locked.fields = _check_fields(fields or {})
        locked.save(update_fields=["address", "first_name", "last_name", "fields"])
        evidence.record(
            locked.account,
            "contact.restored",
            actor=actor,
            contact=locked,
            payload={"cause": Cause.DOI_CONFIRMED, "ref": ref},
            personal={
                "address": normalised,
                "first_name": locked.first_name,
                "last_name": locked.last_name,
            },
        )
    else:
        locked = update_contact(
            locked,
            actor=actor,
            first_name=first_name,
            last_name=last_name,
            fields=fields,
            overwrite=False,
        )
    if locked.legal_basis != LegalBasis.DOUBLE_OPT_IN:
        previous = locked.legal_basis
        locked.legal_basis = LegalBasis.DOUBLE_OPT_IN
        locked.save(update_fields=["legal_basis"])
        evidence.record(
            locked.account,
            "legal_basis.changed",
            actor=actor,
            contact=locked,
            payload={"from": previous, "to": LegalBasis.DOUBLE_OPT_IN, "ref": ref},
        )
    return locked


@transaction.atomic
def purge_pending_subscription(subscription: Subscription, *, actor: Actor, ref: str = "") -> bool:
    """Remove a subscription that was never confirmed (FORM-2 expiry); False if it moved on."""
    locked = Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
    if locked is None or locked.state != SubscriptionState.PENDING:
        return False
    contact = locked.contact
    evidence.record(
        contact.account,
        "subscription.purged",
        actor=actor,
        contact=contact,
        payload={"list": locked.list_id, "ref": ref},
    )
    locked.delete()
    return True


# The audit log's word for each admission change (ACCOUNT-2).
ADMISSION_ACTIONS = {
    ("admitted", True): "admit_list",
    ("admitted", False): "withdraw_admission",
    ("blocked", True): "block_list",
    ("blocked", False): "unblock_list",
    # The operator's mark set along with `admitted` (recorded there) or withdrawn alone.
    ("admission_override", False): "hand_back_list",
}


@transaction.atomic
def set_list_admission(
    lst: List,
    *,
    actor: Actor,
    admitted: bool | None = None,
    blocked: bool | None = None,
    reason: str = "",
    override: bool | None = None,
) -> List:
    """Admit, refuse or block a list for sending (SEND-2), with the reason and the actor.

    The list's audit and sample send decide `admitted` (admission app, AUDIT-1/2) with
    `override=None`: a list an operator marked (`override=True`) keeps its mark until an
    operator hands it back (`override=False`). A block is always applied."""
    locked = List.objects.select_for_update().get(pk=lst.pk)
    changes: dict[str, bool] = {}
    if admitted is not None and locked.admitted != admitted:
        if override is None and locked.admission_override:
            admitted = None  # an operator's mark stands
        else:
            changes["admitted"] = admitted
    if blocked is not None and locked.blocked != blocked:
        changes["blocked"] = blocked
    if override is not None and locked.admission_override != override:
        changes["admission_override"] = override
    if not changes:
        return locked
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.admission_reason = reason[:500]
    locked.admission_actor = actor.label[:120]
    locked.admission_changed_at = timezone.now()
    locked.save(
        update_fields=[*changes, "admission_reason", "admission_actor", "admission_changed_at"]
    )
    evidence.record(
        locked.account,
        "list.admission_changed",
        actor=actor,
        payload={"list": locked.pk, **changes, "reason": reason[:500]},
    )
    for name, value in changes.items():
        action = ADMISSION_ACTIONS.get((name, value))
        if action is None:
            continue  # the mark set with an admission: that admission is the entry
        record_operator_action(
            actor, action, locked, reason, account=locked.account, detail=changes
        )
    return locked


# What unsubscribing means (STATUS-2, UNSUB-1..3) --------------------------------------


@transaction.atomic
def unsubscribe(
    contact: Contact,
    *,
    actor: Actor,
    method: str,
    lists: Sequence[List] | None = None,
    cause: Cause = Cause.UNSUBSCRIBE_LINK,
    ref: str = "",
    wording: Any = None,
) -> Contact:
    """Take the contact off `lists`, or off every list of its account when `lists` is None,
    which withdraws consent altogether: status U. Recorded with its method
    (one-click, page, mailto, reply, manual), what caused it and the wording version the
    person saw (a consent.Wording, CONSENT-6); the send path checks subscriptions and
    status before each hand-over, so it holds for the next message."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.status == Status.DELETED:
        return locked
    subscriptions = Subscription.objects.filter(contact=locked).exclude(
        state=SubscriptionState.UNSUBSCRIBED
    )
    if lists is not None:
        subscriptions = subscriptions.filter(list__in=[lst.pk for lst in lists])
    left = []
    for sub in subscriptions.select_related("list"):
        set_subscription(locked, sub.list, SubscriptionState.UNSUBSCRIBED, actor=actor, ref=ref)
        left.append(sub.list_id)
    withdraw = lists is None and locked.status != Status.UNSUBSCRIBED
    if not left and not withdraw:
        return locked  # a second click changes nothing and proves nothing new
    if withdraw:
        locked = change_status(locked, Status.UNSUBSCRIBED, actor=actor, cause=cause, ref=ref)
    evidence.record(
        locked.account,
        "unsubscribed",
        actor=actor,
        contact=locked,
        payload={"method": method, "everywhere": lists is None, "lists": left, "ref": ref},
        wording=wording,
    )
    return locked


def _contact_to_unsubscribe(account: Account, address: str, *, actor: Actor, ref: str) -> Contact:
    """The contact with this address; an unknown address becomes a U contact, so that no
    later import can add it as active (IMPORT-7): the person said no."""
    normalised = normalise_address(address)
    contact = Contact.objects.filter(account=account, address_hash=address_hash(normalised)).first()
    if contact is not None:
        return contact
    return create_contact(
        account, normalised, actor=actor, cause=Cause.USER, status=Status.UNSUBSCRIBED, ref=ref
    )


def _due_on(account: Account, received_on: date) -> date:
    from policy.selectors import value as policy_value

    days = int(policy_value("unsub.manual_deadline_working_days", account))
    return request_due_on(received_on, days, settings.HOLIDAY_CALENDAR, settings.EXTRA_HOLIDAYS)


def _request_facts(request: UnsubscribeRequest) -> dict[str, Any]:
    return {
        "request": request.pk,
        "channel": request.channel,
        "received_on": request.received_on.isoformat(),
        "due_on": request.due_on.isoformat(),
    }


def _check_request_input(channel: str, received_on: date, note: str) -> str:
    if channel not in RequestChannel.values:
        raise InvalidInput(
            f"unknown channel {channel!r} (known: {', '.join(RequestChannel.values)})"
        )
    if received_on > timezone.localdate():
        raise InvalidInput("the date received cannot be in the future")
    return clean_text(note, field="note", max_length=2000, multiline=True)


@transaction.atomic
def enter_unsubscribe_request(
    account: Account,
    address: str,
    *,
    channel: str,
    received_on: date,
    actor: Actor,
    note: str = "",
    mail: bytes | None = None,
) -> UnsubscribeRequest:
    """UNSUB-2: an unsubscribe received by phone, letter or mail, entered by a user: it takes
    effect at once, from every list of the account, and keeps its deadline on record. An
    "unsubscribe me" mail the user hands in (`mail`, raw RFC 5322) is kept as its evidence
    (CONSENT-6)."""
    note = _check_request_input(channel, received_on, note)
    if mail is not None and len(mail) > MAX_KEPT_MAIL_BYTES:
        raise InvalidInput(
            f"the mail is larger than {MAX_KEPT_MAIL_BYTES // 1024} KB: save it without its "
            "attachments and hand it in again",
            details=["mail"],
        )
    normalised = normalise_address(address)
    now = timezone.now()
    request = UnsubscribeRequest.objects.create(
        account=account,
        address=normalised,
        address_hash=address_hash(normalised),
        channel=channel,
        received_on=received_on,
        due_on=_due_on(account, received_on),
        note=note,
        state=RequestState.DONE,
        created_by=actor.label,
        done_at=now,
        done_by=actor.label,
    )
    ref = f"unsubscribe-request:{request.pk}"
    contact = _contact_to_unsubscribe(account, normalised, actor=actor, ref=ref)
    unsubscribe(contact, actor=actor, method=f"manual:{channel}", cause=Cause.USER, ref=ref)
    request.contact = contact
    request.save(update_fields=["contact"])
    evidence.record(
        account,
        "unsubscribe_request.entered",
        actor=actor,
        contact=contact,
        payload={
            **_request_facts(request),
            "on_time": now.date() <= request.due_on,
            **_keep_mail(request, mail),
        },
    )
    return request


@transaction.atomic
def surface_unsubscribe_request(
    account: Account,
    address: str,
    *,
    received_on: date,
    ref: str,
    actor: Actor,
    channel: str = RequestChannel.REPLY,
    note: str = "",
    mail: bytes | None = None,
) -> UnsubscribeRequest:
    """UNSUB-3: a reply that asks to unsubscribe, found in inbound mail: open until a user
    of the account confirms or dismisses it. The same `ref` twice surfaces it once. The
    reply itself (`mail`) is kept as the request's evidence, its start if it is large
    (CONSENT-6)."""
    note = _check_request_input(channel, received_on, note)
    normalised = normalise_address(address)
    existing = UnsubscribeRequest.objects.filter(account=account, ref=ref).first()
    if existing is not None:
        return existing
    digest = address_hash(normalised)
    request = UnsubscribeRequest.objects.create(
        account=account,
        contact=Contact.objects.filter(account=account, address_hash=digest).first(),
        address=normalised,
        address_hash=digest,
        channel=channel,
        received_on=received_on,
        due_on=_due_on(account, received_on),
        note=note,
        state=RequestState.OPEN,
        ref=ref[:100],
        created_by=actor.label,
    )
    evidence.record(
        account,
        "unsubscribe_request.received",
        actor=actor,
        contact=request.contact,
        payload={**_request_facts(request), "ref": request.ref, **_keep_mail(request, mail)},
    )
    return request


def _keep_mail(request: UnsubscribeRequest, mail: bytes | None) -> dict[str, Any]:
    """Seal the kept part of an "unsubscribe me" mail onto its request; what its evidence
    record says of it (the digest of the kept bytes, the full size)."""
    if not mail:
        return {}
    kept = kept_part(mail)
    request.mail = seal(derive_key(REQUEST_MAIL_KEY), kept, context=request_mail_context(request))
    request.save(update_fields=["mail"])
    return {
        "mail": {"sha256": hashlib.sha256(kept).hexdigest(), "size": len(mail), "kept": len(kept)}
    }


def _locked_open_request(request: UnsubscribeRequest) -> UnsubscribeRequest:
    locked = UnsubscribeRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != RequestState.OPEN:
        raise Conflict(f"this request is {locked.state} already")
    return locked


@transaction.atomic
def complete_unsubscribe_request(
    request: UnsubscribeRequest, *, actor: Actor
) -> UnsubscribeRequest:
    """A user confirms an open request: the person leaves every list of the account."""
    locked = _locked_open_request(request)
    ref = f"unsubscribe-request:{locked.pk}"
    if not locked.address:
        raise RuleViolation("the contact of this request was deleted: nothing left to do")
    contact = _contact_to_unsubscribe(locked.account, locked.address, actor=actor, ref=ref)
    unsubscribe(contact, actor=actor, method=f"manual:{locked.channel}", cause=Cause.USER, ref=ref)
    now = timezone.now()
    locked.contact, locked.state, locked.done_at, locked.done_by = (
        contact,
        RequestState.DONE,
        now,
        actor.label,
    )
    locked.save(update_fields=["contact", "state", "done_at", "done_by"])
    evidence.record(
        locked.account,
        "unsubscribe_request.done",
        actor=actor,
        contact=contact,
        payload={**_request_facts(locked), "on_time": now.date() <= locked.due_on},
    )
    return locked


@transaction.atomic
def dismiss_unsubscribe_request(
    request: UnsubscribeRequest, *, actor: Actor, note: str = ""
) -> UnsubscribeRequest:
    """A user judges that an open request asks for no unsubscribe (a misread reply)."""
    locked = _locked_open_request(request)
    note = clean_text(note, field="note", max_length=2000, multiline=True)
    locked.state, locked.done_at, locked.done_by = (
        RequestState.DISMISSED,
        timezone.now(),
        actor.label,
    )
    if note:
        locked.note = f"{locked.note}\n{note}".strip()
    locked.save(update_fields=["state", "done_at", "done_by", "note"])
    evidence.record(
        locked.account,
        "unsubscribe_request.dismissed",
        actor=actor,
        contact=locked.contact,
        payload=_request_facts(locked),
    )
    return locked
