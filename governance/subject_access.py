"""The data held about one person (GDPR Art. 15 access, Art. 20 portability; PRIVACY-1).

One bundle for every door — the account's contact page, the API, `consentry privacy
export` and the person's own preference page: the contact's data, its lists, every
message sent to it, every bounce or complaint reported about it, the unsubscribe requests
and the proof of consent (the evidence records, as the proof bundle gives them). JSON for
programs (Art. 20: structured, commonly used, machine-readable) and HTML for people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone

from consent.proof import build_bundle_for_contact
from contacts.labels import LEGAL_BASIS, STATUS, evidence_title, label
from contacts.models import Subscription, SubscriptionState, UnsubscribeRequest
from delivery.models import SendLedgerEntry
from feedback.models import FeedbackEvent

if TYPE_CHECKING:
    from contacts.models import Contact

# What one export lists at most of each kind: a person mailed daily for years stays
# readable; the counts say when more exist.
MAX_ROWS = 5000


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data(contact: Contact) -> dict[str, Any]:
    """Everything the account holds about `contact`, as plain JSON values."""
    proof = build_bundle_for_contact(contact)
    subscriptions = (
        Subscription.objects.filter(contact=contact).select_related("list").order_by("list__name")
    )
    sends = (
        SendLedgerEntry.objects.filter(contact=contact)
        .select_related("campaign")
        .order_by("-created_at", "-pk")
    )
    reports = (
        FeedbackEvent.objects.filter(contact=contact)
        .select_related("campaign")
        .order_by("-created_at", "-pk")
    )
    requests = UnsubscribeRequest.objects.filter(contact=contact).order_by("-received_on", "-pk")
    erased = not contact.address
    return {
        "generated_at": timezone.now().isoformat(),
        "controller": {
            "account": contact.account.name,
            "imprint": {
                "name": contact.account.imprint_name,
                "address": contact.account.imprint_address,
                "contact": contact.account.imprint_contact,
            },
        },
        "person": {
            "address": contact.address or None,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "fields": contact.fields,
            "erased": erased,
            "status": contact.status,
            "legal_basis": contact.legal_basis,
            "created_at": _iso(contact.created_at),
            "status_changed_at": _iso(contact.status_changed_at),
        },
        "lists": [
            {
                "list": s.list.name,
                "state": s.state,
                "since": _iso(s.created_at),
                "changed_at": _iso(s.state_changed_at),
            }
            for s in subscriptions
        ],
        "messages": {
            "total": sends.count(),
            "rows": [
                {
                    "campaign": e.campaign.name,
                    "subject": e.campaign.subject,
                    "state": e.state,
                    "sent_at": _iso(e.sent_at),
                    "message_id": e.message_id,
                }
                for e in sends[:MAX_ROWS]
            ],
        },
        "reports": {
            "total": reports.count(),
            "rows": [
                {
                    "kind": r.kind,
                    "campaign": r.campaign.name,
                    "reason": r.reason,
                    "hard": r.hard,
                    "received_at": _iso(r.created_at),
                }
                for r in reports[:MAX_ROWS]
            ],
        },
        "unsubscribe_requests": [
            {
                "channel": r.channel,
                "received_on": r.received_on.isoformat(),
                "due_on": r.due_on.isoformat(),
                "state": r.state,
            }
            for r in requests[:MAX_ROWS]
        ],
        "consent_evidence": proof["records"],
        "import": proof["import"],
    }


def render_html(data: dict[str, Any]) -> str:
    """The data as a page the person reads: codes named in their words, not as keys."""
    person = data["person"]
    states = dict(SubscriptionState.choices)
    shown = {
        **data,
        "person": {
            **person,
            "status": label(STATUS, person["status"]),
            "legal_basis": label(LEGAL_BASIS, person["legal_basis"])
            if person["legal_basis"]
            else "",
        },
        "lists": [{**s, "state": states.get(s["state"], s["state"])} for s in data["lists"]],
        "consent_evidence": [
            {**r, "kind": evidence_title(r["kind"])} for r in data["consent_evidence"]
        ],
    }
    return render_to_string("governance/personal_data.html", {"data": shown})
