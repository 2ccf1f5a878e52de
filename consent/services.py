"""Writing evidence: the only path into the ledger, and the contact data keys behind it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from consent.models import ChainHead, ContactKey, EvidenceRecord, Wording
from consent.rules import link_hash
from consent.selectors import CHAIN_FIELDS, merged_into
from core.actors import Actor
from core.bulk import db_datetime, db_json, insert_rows
from core.crypto import derive_key, new_data_key, seal, unwrap_key, wrap_key
from core.evidence import Entry

if TYPE_CHECKING:
    from accounts.models import Account
    from contacts.models import Contact


def _json_safe(value: dict[str, Any]) -> dict[str, Any]:
    # Store exactly what the hash saw: JSON in, JSON out, on every database.
    result: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return result


def contact_key(contact: Contact) -> bytes:
    """The contact's data key, made on first use."""
    row = ContactKey.objects.filter(contact=contact).first()
    if row is None:
        key = new_data_key()
        ContactKey.objects.create(contact=contact, wrapped=wrap_key(key))
        return key
    return unwrap_key(bytes(row.wrapped))


def destroy_contact_key(sender: Any, *, contact: Contact, **_: Any) -> None:
    """`contact_erased`: after this, personal data in the contact's evidence (and in that
    of contacts merged into it, the same person) can never be read (STATUS-4)."""
    ContactKey.objects.filter(contact_id__in=[contact.pk, *merged_into(contact)]).delete()


def seal_personal(
    contact: Contact | None, account_id: int, personal: dict[str, Any], *, key: bytes | None = None
) -> bytes:
    if key is None:
        key = contact_key(contact) if contact is not None else derive_key("account-evidence")
    return seal(
        key, json.dumps(personal, sort_keys=True).encode(), context=str(account_id).encode()
    )


def record(
    account: Account,
    kind: str,
    *,
    actor: Actor,
    contact: Contact | None = None,
    source: str = "",
    payload: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
    wording: Wording | None = None,
) -> EvidenceRecord:
    """Append one record to the account's chain, inside the caller's transaction.

    `personal` (address, names, ...) is sealed with the contact's key; the actor's IP and
    user agent join it, since they are personal data too.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("evidence is written inside the transaction of the change it proves")
    ChainHead.objects.get_or_create(account=account)
    head = ChainHead.objects.select_for_update().get(account=account)
    personal_data = dict(personal or {})
    if actor.ip:
        personal_data["ip"] = actor.ip
    if actor.user_agent:
        personal_data["user_agent"] = actor.user_agent
    fields: dict[str, Any] = {
        "account_id": account.pk,
        "seq": head.seq + 1,
        "kind": kind,
        "contact_id": contact.pk if contact is not None else None,
        "created_at": timezone.now(),
        "actor": actor.label,
        "source": source[:300],
        "wording_id": wording.pk if wording is not None else None,
        "payload": _json_safe(payload or {}),
        "sealed": seal_personal(contact, account.pk, personal_data) if personal_data else None,
    }
    digest = link_hash(head.hash, fields)
    rec = EvidenceRecord.objects.create(prev_hash=head.hash, hash=digest, **fields)
    head.seq, head.hash = rec.seq, digest
    head.save(update_fields=["seq", "hash"])
    return rec


def lock_chain(account: Account) -> ChainHead:
    """Lock the account's chain head for the rest of the transaction: writers of one
    account queue here, so a batch reads and writes a consistent state."""
    ChainHead.objects.get_or_create(account=account)
    return ChainHead.objects.select_for_update().get(account=account)


def create_contact_keys(contact_ids: Sequence[int]) -> dict[int, bytes]:
    """Data keys for contacts created in bulk, written in one statement."""
    keys = {pk: new_data_key() for pk in contact_ids}
    insert_rows(
        ContactKey, ("contact_id", "wrapped"), [(pk, wrap_key(k)) for pk, k in keys.items()]
    )
    return keys


def record_many(
    account: Account,
    entries: Sequence[Entry],
    *,
    actor: Actor,
    keys: dict[int, bytes] | None = None,
) -> int:
    """Append many records in one statement, chained exactly as `record` chains them.

    Personal data of a contact is sealed with its key from `keys` (see
    `create_contact_keys`); an entry's own actor, if it names one, stands for `actor`; the
    actors' IP and user agent are not added here, the bulk writer's records point to a
    record that carries them. Returns the last seq written.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("evidence is written inside the transaction of the change it proves")
    head = lock_chain(account)
    if not entries:
        return head.seq
    keys = keys or {}
    now = timezone.now()
    seq, prev = head.seq, head.hash
    rows: list[tuple[Any, ...]] = []
    when = db_datetime(now)
    for entry in entries:
        seq += 1
        sealed = None
        if entry.personal:
            key = keys.get(entry.contact_id) if entry.contact_id is not None else None
            if entry.contact_id is not None and key is None:
                raise RuntimeError("a contact's personal data needs its data key")
            sealed = seal_personal(None, account.pk, entry.personal, key=key)
        fields: dict[str, Any] = {
            "account_id": account.pk,
            "seq": seq,
            "kind": entry.kind,
            "contact_id": entry.contact_id,
            "created_at": now,
            "actor": (entry.actor or actor).label,
            "source": entry.source[:300],
            "wording_id": None,
            "payload": _json_safe(entry.payload or {}),
            "sealed": sealed,
        }
        digest = link_hash(prev, fields)
        rows.append(
            (
                account.pk,
                seq,
                entry.kind,
                entry.contact_id,
                when,
                fields["actor"],
                fields["source"],
                None,
                db_json(fields["payload"]),
                sealed,
                prev,
                digest,
            )
        )
        prev = digest
    # The columns in the order of CHAIN_FIELDS, as the rows were built.
    insert_rows(EvidenceRecord, CHAIN_FIELDS, rows)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return seq


@transaction.atomic
def publish_wording(
    key: str, text: str, *, account: Account | None = None, language: str = "en"
) -> Wording:
    """A new version of a text; the current one stays as it was for the evidence that cites it."""
    latest = (
        Wording.objects.filter(account=account, key=key, language=language)
        .order_by("-version")
        .first()
    )
    if latest is not None and latest.text == text:
        return latest
    return Wording.objects.create(
        account=account,
        key=key,
        language=language,
        text=text,
        version=(latest.version + 1) if latest else 1,
    )
