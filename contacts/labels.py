"""Translatable words for a contact's codes, shared by the segment editor and the web UI."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.rules import LegalBasis, Status

STATUS: dict[str, Promise] = {
    Status.ACTIVE: _("Active"),
    Status.UNSUBSCRIBED: _("Unsubscribed"),
    Status.BOUNCED: _("Bounced"),
    Status.DELETED: _("Deleted"),
}

LEGAL_BASIS: dict[str, Promise] = {
    LegalBasis.DOUBLE_OPT_IN: _("Double opt-in"),
    LegalBasis.EXISTING_CUSTOMER: _("Existing customer"),
    LegalBasis.BUSINESS_CARD: _("Business card"),
    LegalBasis.OFFLINE_FORM: _("Offline form"),
    LegalBasis.CO_REGISTRATION: _("Co-registration"),
}
