"""CONSENT-4: the contact's consent to open and click tracking, the only write path.

Separate from the consent to receive mail: a person may want the newsletter and not be
tracked. Every change is an evidence record, with the wording shown where there was one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from contacts.models import Contact
from contacts.rules import Status, TrackingBasis
from core import evidence
from core.actors import Actor
from core.errors import InvalidInput, RuleViolation
from core.text import clean_text

MAX_STATEMENT = 500


def tracking_basis(value: str) -> TrackingBasis:
    """The basis named by `value`; InvalidInput names the field and the choices."""
    try:
        return TrackingBasis(value)
    except ValueError:
        choices = ", ".join(b.value for b in TrackingBasis)
        raise InvalidInput(f"tracking basis: one of {choices}") from None


@transaction.atomic
def set_tracking_consent(
    contact: Contact,
    consent: bool,
    *,
    actor: Actor,
    basis: str = "",
    ref: str = "",
    statement: str = "",
    wording: Any = None,  # a consent.models.Wording: the text the person saw
    source: str = "",
) -> Contact:
    """Switch tracking on (with its basis) or off for one contact; the change is proven
    by an evidence record. `statement`: what the importer or user declared, kept with it."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if consent and locked.status == Status.DELETED:
        raise RuleViolation("a deleted contact cannot consent to tracking")
    new_basis = tracking_basis(basis).value if consent else ""
    text = clean_text(statement, field="tracking statement", max_length=MAX_STATEMENT)
    if locked.tracking_consent == consent and locked.tracking_basis == new_basis:
        return locked
    locked.tracking_consent, locked.tracking_basis = consent, new_basis
    locked.save(update_fields=["tracking_consent", "tracking_basis"])
    payload = {"basis": new_basis, "ref": ref}
    if text:
        payload["statement"] = text
    evidence.record(
        locked.account,
        "tracking.consented" if consent else "tracking.withdrawn",
        actor=actor,
        contact=locked,
        wording=wording,
        source=source,
        payload=payload,
    )
    return locked
