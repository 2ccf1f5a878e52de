"""/lists: the account's lists and who is subscribed to them."""

from __future__ import annotations

import ipaddress

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from api.auth import account_of, actor_of
from api.pagination import page_of
from api.schemas import ERRORS, ListContactPage, ListIn, ListOut, PageIn, SubscribeIn, SubscribeOut
from consent import doi
from contacts import selectors, services
from contacts.models import List, SubscriptionState
from contacts.rules import Status
from core.actors import Actor
from core.errors import InvalidInput

router = Router(tags=["lists"])


def get_list_for_key(request: HttpRequest, list_id: int) -> List:
    """The list, with its confirmed count, if it belongs to the key's account (PRIVACY-2)."""
    return selectors.list_of(account_of(request), list_id)


@router.get("/lists", response={200: list[ListOut], **ERRORS}, summary="List lists")
def list_lists(request: HttpRequest) -> QuerySet[List]:
    return selectors.lists_of(account_of(request))


@router.post("/lists", response={201: ListOut, **ERRORS}, summary="Create a list")
def create_list(request: HttpRequest, payload: ListIn) -> tuple[int, List]:
    lst = services.create_list(
        account_of(request),
        payload.name,
        actor=actor_of(request),
        language=payload.language,
        description=payload.description,
    )
    return 201, lst


@router.get("/lists/{list_id}", response={200: ListOut, **ERRORS}, summary="A list")
def get_list(request: HttpRequest, list_id: int) -> List:
    return get_list_for_key(request, list_id)


@router.get(
    "/lists/{list_id}/contacts",
    response={200: ListContactPage, **ERRORS},
    summary="Contacts on a list",
)
def list_contacts(
    request: HttpRequest,
    list_id: int,
    page: Query[PageIn],
    state: SubscriptionState | None = None,
    status: Status | None = None,
) -> dict[str, object]:
    """Everyone with a subscription to the list; `state` filters by subscription state."""
    contacts = selectors.contacts_on_list(
        account_of(request),
        get_list_for_key(request, list_id),
        state=state.value if state else "",
        status=status.value if status else "",
    )
    return page_of(contacts, page)


@router.post(
    "/lists/{list_id}/subscribe",
    response={202: SubscribeOut, **ERRORS},
    summary="Subscribe a person (double opt-in)",
)
def subscribe(request: HttpRequest, list_id: int, payload: SubscribeIn) -> tuple[int, object]:
    """How a shop or CRM adds people: they get the confirmation mail and join the list
    when they click it (FORM-2); until then the contact is pending. `accepted` false names
    the reason (rate limit, suppressed or role address, a pending mail within the hour)."""
    lst = get_list_for_key(request, list_id)
    if payload.ip:
        try:
            ipaddress.ip_address(payload.ip)
        except ValueError:
            raise InvalidInput("not an IP address", details=["ip"]) from None
    form = doi.form_for_list(lst, payload.form_id)
    data = {
        **payload.fields,
        "email": payload.email,
        "first_name": payload.first_name,
        "last_name": payload.last_name,
        # The integration asks the person for consent next to the form's text.
        "consent": "yes",
    }
    entry = doi.parse_entry(form, data)
    key = actor_of(request)
    actor = Actor(
        key.kind,
        key.ref,
        payload.ip or key.ip,
        payload.user_agent or key.user_agent,
    )
    outcome = doi.submit_signup(
        form, entry, actor=actor, source=payload.source_url or f"api:{key.label}"
    )
    return 202, {"accepted": outcome.accepted, "reason": outcome.reason}
