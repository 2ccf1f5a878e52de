"""Translatable words for the domain's codes: the models keep codes, the UI shows these.
The contacts' own are in contacts.labels, here under the same names."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.labels import CAUSE, EVIDENCE_KIND, LANGUAGE, LEGAL_BASIS, STATUS, label

# The sources a contact may be added by hand from (imports.manual).
HAND_SOURCE: dict[str, Promise] = {
    "existing_customer": _("Existing customer (bought from us, told of the newsletter)"),
    "business_card": _("Business card, with written proof"),
    "offline_form": _("Paper form, kept on file"),
    "co_registration": _("Co-registration (a sweepstake naming us as sponsor)"),
}


CAMPAIGN_STATE: dict[str, Promise] = {
    "draft": _("Draft"),
    "sending": _("Sending"),
    "paused": _("Paused"),
    "cancelled": _("Cancelled"),
    "finished": _("Finished"),
}

__all__ = [
    "CAMPAIGN_STATE",
    "CAUSE",
    "EVIDENCE_KIND",
    "HAND_SOURCE",
    "LANGUAGE",
    "LEGAL_BASIS",
    "STATUS",
    "label",
]
