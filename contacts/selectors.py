"""Read queries for contacts and lists, always scoped to one account (PRIVACY-2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet

from contacts.models import (
    Contact,
    List,
    RequestState,
    Subscription,
    Suppression,
    UnsubscribeRequest,
)
from core.addresses import address_key, normalise_address
from core.crypto import SealBroken, derive_key, unseal
from core.errors import NotFound

if TYPE_CHECKING:
    from accounts.models import Account


def contacts_of(account: Account, *, status: str = "", search: str = "") -> QuerySet[Contact]:
    query = Contact.objects.filter(account=account).order_by("-created_at", "-pk")
    if status:
        query = query.filter(status=status)
    if search:
        query = query.filter(
            Q(address__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return query


def contact_of(account: Account, contact_id: int) -> Contact:
    contact = Contact.objects.filter(account=account, pk=contact_id).first()
    if contact is None:
        raise NotFound("no such contact")
    return contact


def contact_by_address(account: Account, address: str) -> Contact | None:
    """Finds deleted contacts too: they are matched by the keyed hash of the address."""
    return Contact.objects.filter(
        account=account, address_hash=address_key(normalise_address(address))
    ).first()


def lists_of(account: Account) -> QuerySet[List]:
    return List.objects.filter(account=account).annotate(
        confirmed=Count("subscriptions", filter=Q(subscriptions__state="confirmed"))
    )


def list_of(account: Account, list_id: int) -> List:
    """One list of the account, with its `confirmed` count."""
    lst = lists_of(account).filter(pk=list_id).first()
    if lst is None:
        raise NotFound("no such list")
    return lst


def contacts_on_list(
    account: Account, lst: List, *, state: str = "", status: str = ""
) -> QuerySet[Contact]:
    """Contacts with a subscription to `lst`, each with its `subscription_state`."""
    on_list: dict[str, object] = {"subscriptions__list": lst}
    if state:
        # In the same filter() as the list, so both conditions hold for one subscription.
        on_list["subscriptions__state"] = state
    return (
        contacts_of(account, status=status)
        .filter(**on_list)
        .annotate(subscription_state=F("subscriptions__state"))
    )


def suppression_reasons(address: str) -> list[str]:
    digest = address_key(normalise_address(address))
    return sorted(Suppression.objects.filter(address_hash=digest).values_list("reason", flat=True))


def subscriptions_of(contact: Contact) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(contact=contact).select_related("list").order_by("list__name")
    )


def unsubscribe_requests_of(account: Account, *, state: str = "") -> QuerySet[UnsubscribeRequest]:
    """Open ones by deadline (the most urgent first), the others newest first."""
    query = UnsubscribeRequest.objects.filter(account=account)
    if state:
        query = query.filter(state=state)
    if state == RequestState.OPEN:
        return query.order_by("due_on", "pk")
    return query.order_by("-created_at", "-pk")


def unsubscribe_request_of(account: Account, request_id: int) -> UnsubscribeRequest:
    request = UnsubscribeRequest.objects.filter(account=account, pk=request_id).first()
    if request is None:
        raise NotFound("no such unsubscribe request")
    return request


def unsubscribe_requests_due(account: Account) -> int:
    """Open requests whose deadline is tomorrow or earlier (UNSUB-2: warn before it passes)."""
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    return UnsubscribeRequest.objects.filter(
        account=account, state=RequestState.OPEN, due_on__lte=tomorrow
    ).count()


# The "unsubscribe me" mail of a request is sealed with a platform key bound to its row:
# a database dump alone does not show it, and a blob moved to another row does not open.
REQUEST_MAIL_KEY = "unsubscribe-request-mail"


def request_mail_context(request: UnsubscribeRequest) -> bytes:
    return f"{request.account_id}:{request.pk}".encode()


def request_mail(request: UnsubscribeRequest) -> bytes | None:
    """The kept mail of a request (CONSENT-6); None when there is none, or when it was
    erased with its contact."""
    if request.mail is None:
        return None
    try:
        return unseal(
            derive_key(REQUEST_MAIL_KEY), bytes(request.mail), context=request_mail_context(request)
        )
    except SealBroken:
        return None


def requests_about(contact: Contact, contact_ids: list[int]) -> QuerySet[UnsubscribeRequest]:
    """The unsubscribe requests about a contact: matched to it (or to a contact merged into
    it, `contact_ids`) or naming its address, oldest first."""
    return UnsubscribeRequest.objects.filter(
        Q(contact_id__in=contact_ids)
        | Q(account_id=contact.account_id, address_hash=contact.address_hash)
    ).order_by("pk")
