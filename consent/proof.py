"""The proof bundle (CONSENT-3): every evidence record of an address, for people and programs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone

from consent.mails import mail_view, raw_of
from consent.models import EvidenceRecord
from consent.rules import link_hash
from consent.selectors import CHAIN_FIELDS, import_origin, merged_into, readable_personal
from contacts.labels import LEGAL_BASIS, STATUS, evidence_title, fact_rows, label
from contacts.selectors import contact_by_address, request_mail, requests_about
from core.errors import NotFound

if TYPE_CHECKING:
    from accounts.models import Account
    from contacts.models import Contact


def build_bundle(account: Account, address: str) -> dict[str, Any]:
    """All records of the contact with this address, each with its own hash re-checked.

    Found by the keyed address hash, so a deleted contact's proof is still there; its
    personal data shows as erased.
    """
    contact = contact_by_address(account, address)
    if contact is None:
        raise NotFound("no contact with this address in the account")
    return build_bundle_for_contact(contact)


def build_bundle_for_contact(contact: Contact) -> dict[str, Any]:
    """The contact's records; for an imported contact also the records of its import (the
    attestations, the start record and the batch that created it, CONSENT-2: "imports
    (attestations, file hash, row)"), and under "import" its row, checked against the
    batch's digest."""
    account = contact.account
    # A contact merged into this one (one address identity) proves the same person.
    records = list(
        EvidenceRecord.objects.filter(
            account=account, contact_id__in=[contact.pk, *merged_into(contact)]
        )
        .select_related("wording")
        .order_by("seq")
    )
    origin = import_origin(contact)
    if origin is not None:
        found = [origin.batch] if origin.batch.pk is not None else []
        records = sorted([*records, *origin.basis, *found], key=lambda r: r.seq)
    request_records, request_mails = _unsubscribe_mails(contact)
    if request_records:
        seen = {rec.seq for rec in records}
        extra = [rec for rec in request_records if rec.seq not in seen]
        records = sorted([*records, *extra], key=lambda r: r.seq)
    personal = readable_personal(records)
    items = []
    for rec, data in zip(records, personal, strict=True):
        fields = {name: getattr(rec, name) for name in CHAIN_FIELDS}
        mail: dict[str, Any] | str | None = None
        if data is not None and "mail" in data:
            # CONSENT-7: the confirmation mail as sent, shown as a mail, not as a field.
            data = dict(data)
            kept = data.pop("mail")
            mail = {
                **mail_view(raw_of(kept), sha256=rec.payload.get("sha256", "")),
                "mail_from": kept.get("mail_from", ""),
                "rcpt_to": kept.get("rcpt_to", []),
                "received": False,
            }
        elif data is None and "sha256" in rec.payload:
            mail = "erased"
        elif rec.kind in REQUEST_KINDS and isinstance(rec.payload.get("mail"), dict):
            # CONSENT-6: the "unsubscribe me" mail, kept with its request.
            facts = rec.payload["mail"]
            raw = request_mails.get(rec.payload.get("request"))
            mail = (
                {
                    **mail_view(raw, sha256=facts.get("sha256", ""), size=facts.get("size")),
                    "received": True,
                }
                if raw is not None
                else "erased"
            )
        items.append(
            {
                "seq": rec.seq,
                "kind": rec.kind,
                "time": rec.created_at.isoformat(),
                "actor": rec.actor,
                "source": rec.source,
                "wording": (
                    {
                        "key": rec.wording.key,
                        "version": rec.wording.version,
                        "language": rec.wording.language,
                        "text": rec.wording.text,
                    }
                    if rec.wording
                    else None
                ),
                "facts": rec.payload,
                "personal": data if data is not None else "erased",
                "mail": mail,
                "hash": rec.hash,
                "prev_hash": rec.prev_hash,
                "hash_ok": link_hash(rec.prev_hash, fields) == rec.hash,
            }
        )
    return {
        "account": account.slug,
        "address": contact.address or "(erased: contact deleted)",
        "contact": {
            "id": contact.pk,
            "status": contact.status,
            "legal_basis": contact.legal_basis,
            "tracking_consent": contact.tracking_consent,
            "tracking_basis": contact.tracking_basis,
            "created_at": contact.created_at.isoformat(),
            "status_changed_at": contact.status_changed_at.isoformat(),
        },
        "generated_at": timezone.now().isoformat(),
        "import": origin.as_json() if origin is not None else None,
        "records": items,
    }


# The records of an unsubscribe request that keep its mail (contacts.services).
REQUEST_KINDS = ("unsubscribe_request.received", "unsubscribe_request.entered")


def _unsubscribe_mails(contact: Contact) -> tuple[list[EvidenceRecord], dict[int, bytes | None]]:
    """The records of the unsubscribe requests about the contact (a reply from an address
    not yet known is recorded without a contact) and each request's kept mail."""
    requests = list(requests_about(contact, [contact.pk, *merged_into(contact)]))
    if not requests:
        return [], {}
    records = EvidenceRecord.objects.filter(
        account_id=contact.account_id,
        kind__in=REQUEST_KINDS,
        payload__request__in=[r.pk for r in requests],
    ).select_related("wording")
    return list(records), {r.pk: request_mail(r) for r in requests}


def render_bundle_html(bundle: dict[str, Any]) -> str:
    """The bundle as a page a person reads: codes named, facts as rows of a table."""
    contact = bundle["contact"]
    shown = {
        **bundle,
        "status": label(STATUS, contact["status"]),
        "legal_basis": label(LEGAL_BASIS, contact["legal_basis"]) if contact["legal_basis"] else "",
        "records": [
            {
                **r,
                "title": evidence_title(r["kind"]),
                "fact_rows": fact_rows(r["facts"]),
                "personal_rows": fact_rows(r["personal"])
                if isinstance(r["personal"], dict)
                else [],
            }
            for r in bundle["records"]
        ],
    }
    return render_to_string("consent/proof.html", {"bundle": shown})
