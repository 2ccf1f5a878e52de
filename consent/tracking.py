"""CONSENT-4: the separate, optional tracking consent of a signup form.

A form asks for it only while its tracking text (a versioned wording, `form:<id>:tracking`)
is not empty. Ticking the box is not needed to subscribe; when ticked, the signup's
evidence names the wording version, and the confirmation switches tracking on with it.
"""

from __future__ import annotations

from django.db import transaction

from consent.models import SignupForm, Wording
from consent.services import publish_wording
from contacts.models import Contact
from contacts.rules import TrackingBasis
from contacts.tracking import set_tracking_consent
from core import evidence
from core.actors import Actor
from core.errors import InvalidInput

MAX_TEXT = 1000


def tracking_key(form: SignupForm) -> str:
    return f"form:{form.pk}:tracking"


@transaction.atomic
def set_tracking_text(form: SignupForm, text: str, *, actor: Actor) -> Wording:
    """A new version of the form's tracking text; empty: the form no longer asks."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"tracking text: at most {MAX_TEXT} characters")
    wording = publish_wording(
        tracking_key(form), text, account=form.account, language=form.list.language
    )
    evidence.record(
        form.account,
        "form.tracking_text",
        actor=actor,
        wording=wording,
        payload={"form": form.pk, "asks": bool(text)},
    )
    return wording


def tracking_wording(form: SignupForm) -> Wording | None:
    """The tracking text the form shows now, None where it asks for no tracking."""
    wording = (
        Wording.objects.filter(account=form.account, key=tracking_key(form))
        .order_by("-version")
        .first()
    )
    return wording if wording is not None and wording.text else None


def agreed_wording(form: SignupForm, data: dict[str, str]) -> int | None:
    """The id of the tracking text the person ticked on the form, None if not ticked."""
    if data.get("tracking") != "yes":
        return None
    wording = tracking_wording(form)
    return wording.pk if wording is not None else None


def consent_on_confirmation(
    contact: Contact, wording_id: int, *, actor: Actor, ref: str, source: str
) -> Contact:
    """The confirmed signup had the tracking box ticked: tracking on, citing its text."""
    wording = Wording.objects.filter(pk=wording_id).first()
    if wording is None:
        return contact
    return set_tracking_consent(
        contact,
        True,
        actor=actor,
        basis=TrackingBasis.SIGNUP_FORM,
        wording=wording,
        ref=ref,
        source=source,
    )
