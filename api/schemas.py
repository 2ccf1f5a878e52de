"""Request and response shapes of the REST API; the words are those of REQUIREMENTS.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from contacts.rules import Status

MAX_PAGE = 500

# Custom field values arrive as JSON scalars; contacts.services stores them as text.
FieldValue = str | int | float | bool | None


class ErrorOut(Schema):
    """The body of every error answer (api/errors.py)."""

    error: str = Field(description="machine-readable code, e.g. not_found, invalid, refused")
    message: str
    details: list[str] = []


# Documented on every operation that can answer them; the bodies come from api/errors.py
# (400: a body that is not JSON; 413: a body over CONSENTRY_MAX_REQUEST_KB, refused by
# config.middleware before the view is reached).
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class ContactOut(Schema):
    id: int
    # Empty once the contact is deleted (STATUS-4).
    address: str
    status: Status
    legal_basis: str = Field(description="one of CONSENT-1's bases; may be empty for U/B")
    first_name: str
    last_name: str
    fields: dict[str, str]
    created_at: datetime
    status_changed_at: datetime
    tracking_consent: bool = Field(
        description="CONSENT-4: opens and clicks are counted only where true"
    )
    tracking_basis: str = Field(
        description="how the consent was given: signup_form, preference_centre, import; "
        "empty without consent"
    )


class ContactIn(Schema):
    """A contact added by hand: a one-row import into each list, with the import's source
    catalogue, proof fields and attestations. A person who signs up through your site or
    shop is added by `POST /lists/{id}/subscribe` instead (double opt-in)."""

    # Longer than an address may be, so that the domain's own check gives the precise reason.
    address: str = Field(max_length=320)
    source: str = Field(
        max_length=40,
        description="where the address comes from: existing_customer, business_card, "
        "offline_form or co_registration (the import catalogue)",
    )
    list_ids: list[int] = Field(
        min_length=1, max_length=50, description="lists of this account the contact joins"
    )
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    fields: dict[str, FieldValue] = Field({}, max_length=50)
    last_contact: date | None = Field(None, description="existing_customer: the last purchase")
    product_category: str = Field("", max_length=200, description="existing_customer")
    evidence_ref: str = Field("", max_length=300, description="business_card, offline_form")
    sponsors: list[str] = Field([], max_length=20, description="co_registration")
    attest_origin: bool = Field(
        False, description="the address was collected lawfully, not bought or from third parties"
    )
    attest_customer_contact: bool = Field(
        False, description="an existing customer was in touch within the last 6 months"
    )


class SubscribeIn(Schema):
    """A person who signed up on your site or in your shop: they get the confirmation mail
    of a double opt-in and join the list when they click it (FORM-2)."""

    email: str = Field(max_length=320)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    fields: dict[str, str] = Field({}, max_length=50)
    form_id: int | None = Field(
        None,
        description="the signup form whose consent text the person saw (default: the "
        "list's first form)",
    )
    ip: str = Field("", max_length=45, description="the person's IP address, for the evidence")
    user_agent: str = Field("", max_length=500)
    source_url: str = Field("", max_length=300, description="the page the person signed up on")


class SubscribeOut(Schema):
    accepted: bool
    reason: str = Field("", description="why a signup was refused (FORM-3)")


class ContactPatch(Schema):
    """Only the keys sent are changed; `fields` is merged into the stored fields."""

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    fields: dict[str, FieldValue] | None = None


class StatusChangeIn(Schema):
    status: Status
    # A person at the account acts through the key: only the `user` cause is theirs to give.
    # Bounces, complaints and confirmed opt-ins come from the platform itself (STATUS-6).
    cause: Literal["user"] = "user"
    ref: str = Field("", max_length=200, description="what this change refers to")


class ListOut(Schema):
    id: int
    name: str
    language: str
    description: str
    created_at: datetime
    confirmed: int = Field(description="contacts with a confirmed subscription")

    @staticmethod
    def resolve_confirmed(obj: object) -> int:
        # contacts.selectors.lists_of annotates the count; a list fresh from a service has
        # no subscriptions yet.
        return int(getattr(obj, "confirmed", 0) or 0)


class ListIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    language: Literal["de", "en", "fr"] = "de"
    description: str = Field("", max_length=5000)


class ListContactOut(ContactOut):
    subscription_state: str = Field(description="pending, confirmed or unsubscribed")


class PageIn(Schema):
    """`?limit=&offset=` on every list answer."""

    limit: int = Field(100, ge=1, le=MAX_PAGE)
    # Bounded so that a huge offset is a 422, not a database overflow (SQLite: 64-bit).
    offset: int = Field(0, ge=0, le=2**31)


class ContactPage(Schema):
    items: list[ContactOut]
    count: int = Field(description="all matching contacts, not just this page")


class ListContactPage(Schema):
    items: list[ListContactOut]
    count: int = Field(description="all matching contacts, not just this page")
