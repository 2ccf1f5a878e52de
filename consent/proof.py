"""The proof bundle (CONSENT-3): every evidence record of an address, for people and programs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone

from consent.mails import mail_view, raw_of
from consent.models import EvidenceRecord
from consent.rules import link_hash
from consent.selectors import CHAIN_FIELDS, import_origin, merged_into, readable_personal
from contacts.selectors import contact_by_address
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
    personal = readable_personal(records)
    items = []
    for rec, data in zip(records, personal, strict=True):
        fields = {name: getattr(rec, name) for name in CHAIN_FIELDS}
        mail = None
        if data is not None and "mail" in data:
            # CONSENT-7: the confirmation mail as sent, shown as a mail, not as a field.
            data = dict(data)
            kept = data.pop("mail")
            mail = {
                **mail_view(raw_of(kept), sha256=rec.payload.get("sha256", "")),
                "mail_from": kept.get("mail_from", ""),
                "rcpt_to": kept.get("rcpt_to", []),
            }
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
            "created_at": contact.created_at.isoformat(),
            "status_changed_at": contact.status_changed_at.isoformat(),
        },
        "generated_at": timezone.now().isoformat(),
        "import": origin.as_json() if origin is not None else None,
        "records": items,
    }


def render_bundle_html(bundle: dict[str, Any]) -> str:
    return render_to_string("consent/proof.html", {"bundle": bundle})
