"""/addresses/check: what is wrong with an address (AUDIT-1), as the imports, signup forms
and the list audit judge it. Stores nothing and reads no account data."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.schemas import ERRORS
from domains.mailhosts import check_addresses

router = Router(tags=["addresses"])

MAX_ADDRESSES = 1000


class AddressCheckIn(Schema):
    addresses: list[str] = Field(
        min_length=1, max_length=MAX_ADDRESSES, description="at most 1,000 addresses"
    )
    dns: bool = Field(True, description="also ask DNS whether each domain accepts mail")


class AddressCheckOut(Schema):
    address: str = Field(description="normalised (domain lower case, IDNA) when valid")
    valid: bool = Field(description="false when invalid or the domain accepts no mail")
    classes: list[str] = Field(
        description="role, disposable, no_mail_domain, invalid, provider_rule, typo, "
        "unknown_domain_state (in this order)"
    )
    suggestion: str | None = Field(description="the corrected address of a likely typo")


@router.post(
    "/addresses/check",
    response={200: list[AddressCheckOut], **ERRORS},
    summary="Classify email addresses",
)
def check(request: HttpRequest, payload: AddressCheckIn) -> list[AddressCheckOut]:
    """One object per address, in order. An address over 320 characters is `invalid`."""
    given = [a[:320] for a in payload.addresses]
    return [
        AddressCheckOut(
            address=c.address, valid=c.valid, classes=list(c.classes), suggestion=c.suggestion
        )
        for c in check_addresses(given, dns=payload.dns)
    ]
