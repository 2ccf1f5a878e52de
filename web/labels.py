"""Translatable words for the domain's codes: the models keep codes, the UI shows these."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.labels import LEGAL_BASIS, STATUS
from contacts.rules import Cause

__all__ = ["CAUSE", "EVIDENCE_KIND", "HAND_SOURCE", "LANGUAGE", "LEGAL_BASIS", "STATUS", "label"]

# The sources a contact may be added by hand from (imports.manual).
HAND_SOURCE: dict[str, Promise] = {
    "existing_customer": _("Existing customer (bought from us, told of the newsletter)"),
    "business_card": _("Business card, with written proof"),
    "offline_form": _("Paper form, kept on file"),
    "co_registration": _("Co-registration (a sweepstake naming us as sponsor)"),
}

CAUSE: dict[str, Promise] = {
    Cause.USER: _("entered by a user"),
    Cause.IMPORT: _("import"),
    Cause.BOUNCE: _("bounce"),
    Cause.COMPLAINT: _("complaint"),
    Cause.UNSUBSCRIBE_LINK: _("unsubscribe link"),
    Cause.DOI_CONFIRMED: _("double opt-in confirmed"),
    Cause.OPERATOR: _("operator"),
    Cause.DELETION: _("deletion"),
}

EVIDENCE_KIND: dict[str, Promise] = {
    "contact.created": _("Created"),
    "status.changed": _("Status changed"),
    "import.batch": _("Imported"),
}

LANGUAGE: dict[str, Promise] = {"de": _("German"), "en": _("English"), "fr": _("French")}


def label(table: dict[str, Promise], code: str) -> str:
    """The word for `code`, or the code itself for one the UI does not know yet."""
    return str(table.get(code, code))
