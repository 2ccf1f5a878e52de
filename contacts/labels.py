"""Translatable words for the contacts' codes: the models keep codes, people read these.

The account pages (web.labels) and the proof of consent (consent.proof) both show them.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.rules import Cause, LegalBasis, Status

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

LANGUAGE: dict[str, Promise] = {"de": _("German"), "en": _("English"), "fr": _("French")}

EVIDENCE_KIND: dict[str, Promise] = {
    "contact.created": _("Created"),
    "contact.updated": _("Details changed"),
    "contact.restored": _("Restored"),
    "status.changed": _("Status changed"),
    "legal_basis.changed": _("Legal basis changed"),
    "subscription.changed": _("Subscription changed"),
    "subscription.purged": _("Subscription removed"),
    "import.batch": _("Imported"),
    "signup.submitted": _("Signed up on a form"),
    "signup.confirmed": _("Signup confirmed"),
    "signup.expired": _("Signup expired unconfirmed"),
    "reconfirmation.requested": _("Asked to confirm again"),
    "unsubscribe_request.received": _("Unsubscribe request received"),
    "unsubscribe_request.entered": _("Unsubscribe request entered"),
    "unsubscribe_request.done": _("Unsubscribe request carried out"),
    "unsubscribe_request.dismissed": _("Unsubscribe request dismissed"),
}

# The keys of an evidence record's facts, as a reader names them.
FACT: dict[str, Promise] = {
    "status": _("Status"),
    "old_status": _("Previous status"),
    "new_status": _("New status"),
    "from": _("From"),
    "to": _("To"),
    "cause": _("Cause"),
    "legal_basis": _("Legal basis"),
    "list": _("List"),
    "lists": _("Lists"),
    "form": _("Signup form"),
    "state": _("State"),
    "language": _("Language"),
    "confirmation": _("Confirmation"),
    "message_id": _("Message ID"),
    "ref": _("Reference"),
    "reason": _("Reason"),
    "channel": _("Channel"),
    "request": _("Request"),
    "import": _("Import"),
    "row": _("Row"),
    "source": _("Source"),
    "sha256": _("SHA-256"),
    "size": _("Size (bytes)"),
    "fields": _("Fields"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "address": _("Address"),
    "email": _("Email address"),
    "ip": _("IP address"),
    "user_agent": _("Browser"),
}
# Facts whose values are codes, with the table of their words.
FACT_VALUES: dict[str, dict[str, Promise]] = {
    "status": STATUS,
    "old_status": STATUS,
    "new_status": STATUS,
    "cause": CAUSE,
    "legal_basis": LEGAL_BASIS,
    "language": LANGUAGE,
}


def label(table: dict[str, Promise], code: str) -> str:
    """The word for `code`, or the code itself for one the UI does not know yet."""
    return str(table.get(code, code))


def humanise(key: str) -> str:
    """A key no table knows yet, as words: "double_opt_in" reads "Double opt in"."""
    return key.replace(".", " ").replace("_", " ").strip().capitalize()


def evidence_title(kind: str) -> str:
    """An evidence record's kind as a title: "signup.confirmed" reads "Signup confirmed"."""
    return label(EVIDENCE_KIND, kind) if kind in EVIDENCE_KIND else humanise(kind)


def fact_rows(facts: object, prefix: str = "") -> list[tuple[str, str]]:
    """A record's facts as (label, value) rows a person reads: nested facts flattened under
    their parent's label, lists joined, codes named, nothing left as a Python literal."""
    if not isinstance(facts, dict):
        return [(prefix, _value(prefix, facts))] if prefix else []
    rows: list[tuple[str, str]] = []
    for key, value in facts.items():
        name = str(FACT.get(key, "")) or humanise(str(key))
        title = f"{prefix}: {name}" if prefix else name
        if isinstance(value, dict) and value:
            rows += fact_rows(value, title)
        else:
            rows.append((title, _value(str(key), value)))
    return rows


def _value(key: str, value: object) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v) for v in value)
    if key in FACT_VALUES and isinstance(value, str):
        return label(FACT_VALUES[key], value)
    return str(value)
