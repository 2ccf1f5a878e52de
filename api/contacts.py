"""/contacts: read, create, edit, change the status of and delete the account's contacts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from api.auth import account_of, actor_of
from api.pagination import page_of
from api.schemas import (
    ERRORS,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    PageIn,
    StatusChangeIn,
)
from contacts import selectors, services
from contacts.models import Contact, List
from contacts.rules import Cause, Status
from core.errors import InvalidInput, NotFound
from core.text import clean_text
from governance import subject_access
from imports import manual
from imports.services import CUSTOMER_CONTACT, ORIGIN

router = Router(tags=["contacts"])


def get_contact_for_key(request: HttpRequest, contact_id: int) -> Contact:
    """The contact if it belongs to the key's account; 404 otherwise, never 403 (PRIVACY-2)."""
    return selectors.contact_of(account_of(request), contact_id)


def _lists_for_key(request: HttpRequest, list_ids: list[int]) -> list[List]:
    # Resolved before anything is written: one unknown id refuses the whole request.
    found: list[List] = []
    for list_id in dict.fromkeys(list_ids):
        try:
            found.append(selectors.list_of(account_of(request), list_id))
        except NotFound:
            # 422, not 404: the URL exists, a value in the body is wrong (and, as with 404,
            # another account's list looks exactly like a missing one).
            raise InvalidInput("no such list", details=[f"list_ids: {list_id}"]) from None
    return found


@router.get("/contacts", response={200: ContactPage, **ERRORS}, summary="List contacts")
def list_contacts(
    request: HttpRequest,
    page: Query[PageIn],
    status: Status | None = None,
    search: str = Query("", max_length=200),
) -> dict[str, object]:
    """Newest first; `status` filters by A/U/B/D, `search` matches address and names."""
    contacts = selectors.contacts_of(
        account_of(request),
        status=status.value if status else "",
        # NUL and other control characters: a clear 400, never a database error.
        search=clean_text(search, field="search", max_length=200),
    )
    return page_of(contacts, page)


@router.post("/contacts", response={201: ContactOut, **ERRORS}, summary="Add a contact by hand")
def create_contact(request: HttpRequest, payload: ContactIn) -> tuple[int, Contact]:
    """A one-row import into each list: the source's proof fields and both attestations
    are required, the import's row rules apply, and a refusal (409 or 422) adds nothing."""
    attested = [
        name
        for name, given in (
            (ORIGIN, payload.attest_origin),
            (CUSTOMER_CONTACT, payload.attest_customer_contact),
        )
        if given
    ]
    contact = manual.add_contact(
        account_of(request),
        _lists_for_key(request, payload.list_ids),
        payload.address,
        actor=actor_of(request),
        source=payload.source,
        attested=attested,
        first_name=payload.first_name,
        last_name=payload.last_name,
        fields={k: "" if v is None else str(v) for k, v in payload.fields.items()},
        last_contact=payload.last_contact,
        product_category=payload.product_category,
        evidence_ref=payload.evidence_ref,
        sponsors=payload.sponsors,
    )
    return 201, contact


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="A contact")
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    return get_contact_for_key(request, contact_id)


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Edit a contact"
)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Contact:
    """Names and custom fields; the address and status have their own paths."""
    return services.update_contact(
        get_contact_for_key(request, contact_id),
        actor=actor_of(request),
        first_name=payload.first_name,
        last_name=payload.last_name,
        fields=payload.fields,
    )


@router.post(
    "/contacts/{contact_id}/status",
    response={200: ContactOut, **ERRORS},
    summary="Change a contact's status",
)
def change_status(request: HttpRequest, contact_id: int, payload: StatusChangeIn) -> Contact:
    """contacts.rules decides; a refused move (e.g. U → A, STATUS-2) answers 409 `refused`."""
    return services.change_status(
        get_contact_for_key(request, contact_id),
        payload.status,
        actor=actor_of(request),
        cause=Cause(payload.cause),
        ref=payload.ref,
    )


@router.delete(
    "/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Delete a contact"
)
def delete_contact(request: HttpRequest, contact_id: int) -> Contact:
    """STATUS-4: the contact becomes D and its personal data is erased; the proof stays."""
    return services.delete_contact(
        get_contact_for_key(request, contact_id), actor=actor_of(request)
    )


@router.get(
    "/contacts/{contact_id}/personal-data",
    response={200: dict[str, Any], **ERRORS},
    summary="Everything held about a contact (Art. 15/20 GDPR)",
)
def personal_data(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """PRIVACY-1: the contact's data, lists, messages sent, bounces and complaints,
    unsubscribe requests and proof of consent, as one JSON document to hand over."""
    return subject_access.personal_data(get_contact_for_key(request, contact_id))
