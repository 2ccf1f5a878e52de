"""Read queries for contacts and lists, always scoped to one account (PRIVACY-2)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Lower, Replace, StrIndex, Substr
from django.db.models.lookups import In

from contacts.addresses import ROLE_LOCAL_PARTS
from contacts.models import (
    Contact,
    List,
    RequestState,
    Subscription,
    SubscriptionState,
    SuppressedDomain,
    Suppression,
    UnsubscribeRequest,
)
from contacts.rules import Status
from core.addresses import address_key, domain_of, normalise_address
from core.bulk import probe
from core.crypto import SealBroken, derive_key, unseal
from core.errors import NotFound

if TYPE_CHECKING:
    from accounts.models import Account


def with_awaiting_confirmation(query: QuerySet[Contact]) -> QuerySet[Contact]:
    """Annotates `awaiting_confirmation`: an active contact whose only subscriptions wait for
    the double opt-in's click. It receives nothing yet, so it is not shown as plain Active."""
    subscriptions = Subscription.objects.filter(contact=OuterRef("pk"))
    return query.annotate(
        awaiting_confirmation=ExpressionWrapper(
            Q(status=Status.ACTIVE)
            & Exists(subscriptions.filter(state=SubscriptionState.PENDING))
            & ~Exists(subscriptions.filter(state=SubscriptionState.CONFIRMED)),
            output_field=BooleanField(),
        )
    )


def awaiting_confirmation(contact: Contact) -> bool:
    """The one contact's `with_awaiting_confirmation`."""
    subscriptions = Subscription.objects.filter(contact=contact)
    return (
        contact.status == Status.ACTIVE
        and subscriptions.filter(state=SubscriptionState.PENDING).exists()
        and not subscriptions.filter(state=SubscriptionState.CONFIRMED).exists()
    )


def contacts_of(account: Account, *, status: str = "", search: str = "") -> QuerySet[Contact]:
    query = with_awaiting_confirmation(
        Contact.objects.filter(account=account).order_by("-created_at", "-pk")
    )
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
    """The account's lists with `confirmed` subscriptions and, of those, the `mailable`
    ones: a contact still active (not unsubscribed, bounced or deleted since)."""
    confirmed = Q(subscriptions__state=SubscriptionState.CONFIRMED)
    return List.objects.filter(account=account).annotate(
        confirmed=Count("subscriptions", filter=confirmed),
        mailable=Count(
            "subscriptions", filter=confirmed & Q(subscriptions__contact__status=Status.ACTIVE)
        ),
    )


def list_of(account: Account, list_id: int) -> List:
    """One list of the account, with its `confirmed` count."""
    lst = lists_of(account).filter(pk=list_id).first()
    if lst is None:
        raise NotFound("no such list")
    return lst


def list_by_ref(account: Account, ref: str) -> List:
    """The CLI's way to name a list: its id, or its name within the account."""
    text = str(ref).strip()
    lst = None
    if text.isdigit():
        lst = lists_of(account).filter(pk=int(text)).first()
    lst = lst or lists_of(account).filter(name=text).first()
    if lst is None:
        raise NotFound(f"no list {text!r} in {account.slug}")
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
    """Why the address is untrusted: entries for it and for its whole domain (IMPORT-5/11)."""
    normalised = normalise_address(address)
    digest = address_key(normalised)
    reasons = set(Suppression.objects.filter(address_hash=digest).values_list("reason", flat=True))
    reasons.update(
        SuppressedDomain.objects.filter(domain=domain_of(normalised)).values_list(
            "reason", flat=True
        )
    )
    return sorted(reasons)


def suppressed_domains(domains: Iterable[str]) -> set[str]:
    """Which of these (normalised) domains are on the untrusted list: one index probe for a
    whole import batch."""
    return {
        row[0] for row in probe(SuppressedDomain, "domain", sorted(set(domains)), select="domain")
    }


class AddressDomain(Func):
    """The domain of a stored (normalised) address: what follows its last "@", as
    core.addresses.domain_of reads it."""

    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substring({sql} from '[^@]*$')", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # No reverse search in SQLite: rtrim drops the trailing characters that are not "@".
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"substr({sql}, length(rtrim({sql}, replace({sql}, '@', ''))) + 1)",
            (*params, *params, *params),
        )


def is_role(address: str) -> In:
    """IMPORT-8 in SQL, as contacts.rules.is_role_address: the local part before any "+"
    tag, lower case, is a role or generic one (info, sales, noreply, ...)."""
    column = F(address)
    local = Lower(
        Substr(column, 1, StrIndex(Replace(column, Value("+"), Value("@")), Value("@")) - 1)
    )
    return In(local, sorted(ROLE_LOCAL_PARTS))


def is_suppressed(address_hash: str, address: str) -> ExpressionWrapper:
    """SEND-3 in SQL: the contact whose columns these are is on the untrusted list, by its
    address or by its whole domain. For a send's queries (`.exclude(...)`, `annotate`)."""
    by_address = Suppression.objects.filter(address_hash=OuterRef(address_hash))
    by_domain = SuppressedDomain.objects.filter(domain=AddressDomain(OuterRef(address)))
    return ExpressionWrapper(
        Q(Exists(by_address)) | Q(Exists(by_domain)), output_field=BooleanField()
    )


def left_in_group(account: Account, *, address_hash: str, consent_at: str) -> Any:
    """ACCOUNT-3 in SQL: the address left another account of `account`'s customer group
    (the contact became U there, or unsubscribed from one of its lists) after the consent
    it gave here (`consent_at`, a column of the outer query). False without a group."""
    if account.customer_group_id is None:
        return Value(False, output_field=BooleanField())
    siblings = Q(account__customer_group_id=account.customer_group_id) & ~Q(account_id=account.pk)
    became_u = Contact.objects.filter(
        siblings,
        address_hash=OuterRef(address_hash),
        status=Status.UNSUBSCRIBED,
        status_changed_at__gt=OuterRef(consent_at),
    )
    left_a_list = Subscription.objects.filter(
        Q(contact__account__customer_group_id=account.customer_group_id)
        & ~Q(contact__account_id=account.pk),
        contact__address_hash=OuterRef(address_hash),
        state=SubscriptionState.UNSUBSCRIBED,
        state_changed_at__gt=OuterRef(consent_at),
    )
    return ExpressionWrapper(
        Q(Exists(became_u)) | Q(Exists(left_a_list)), output_field=BooleanField()
    )


def untrusted_entries(*, kind: str = "", reason: str = "") -> QuerySet[Any]:
    """The untrusted list, addresses and domains, newest first, as rows of `kind`
    ("address" or "domain"), `id`, `value` (the address hash or the domain), `reason`,
    `source`, `note`, `created_at`."""
    columns = ("id", "value", "reason", "source", "note", "created_at", "kind")
    addresses = Suppression.objects.annotate(
        value=F("address_hash"), kind=Value("address", output_field=CharField())
    )
    domains = SuppressedDomain.objects.annotate(
        value=F("domain"), kind=Value("domain", output_field=CharField())
    )
    if reason:
        addresses, domains = addresses.filter(reason=reason), domains.filter(reason=reason)
    parts = [
        part.values(*columns)
        for name, part in (("address", addresses), ("domain", domains))
        if kind in ("", name)
    ]
    query = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    return query.order_by("-created_at", "kind", "-id")


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
