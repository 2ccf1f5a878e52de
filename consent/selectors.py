"""Reading the ledger: chain verification and a contact's evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from consent.models import (
    ChainHead,
    ContactKey,
    EvidenceRecord,
    SignupAttempt,
    SignupForm,
    Wording,
)
from consent.rules import Break, first_break, import_digest
from core.crypto import SealBroken, derive_key, unseal, unwrap_key
from core.errors import NotFound

if TYPE_CHECKING:
    from accounts.models import Account
    from contacts.models import Contact

CHAIN_FIELDS = (
    "account_id",
    "seq",
    "kind",
    "contact_id",
    "created_at",
    "actor",
    "source",
    "wording_id",
    "payload",
    "sealed",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class ChainReport:
    account: str
    records: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(account: Account) -> ChainReport:
    head = ChainHead.objects.filter(account=account).first()
    rows = (
        EvidenceRecord.objects.filter(account=account)
        .order_by("seq")
        .values(*CHAIN_FIELDS)
        .iterator(chunk_size=5000)
    )
    count = 0

    def counted() -> Any:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    broken = first_break(
        counted(), head_seq=head.seq if head else 0, head_hash=head.hash if head else "0" * 64
    )
    return ChainReport(account.slug, count, broken)


def readable_personal(records: list[EvidenceRecord]) -> list[dict[str, Any] | None]:
    """Unseal each record's personal data with its contact's key; None where it was
    erased (key destroyed)."""
    contact_ids = {rec.contact_id for rec in records if rec.contact_id is not None}
    keys = {
        row.contact_id: unwrap_key(bytes(row.wrapped))
        for row in ContactKey.objects.filter(contact_id__in=contact_ids)
    }
    result: list[dict[str, Any] | None] = []
    for rec in records:
        if rec.sealed is None:
            result.append({})
            continue
        use = (
            keys.get(rec.contact_id)
            if rec.contact_id is not None
            else derive_key("account-evidence")
        )
        if use is None:
            result.append(None)
            continue
        try:
            data = unseal(use, bytes(rec.sealed), context=str(rec.account_id).encode())
            result.append(json.loads(data))
        except SealBroken:
            result.append(None)
    return result


# A contact that shared another's address identity was merged into it; the survivor's
# proof holds both contacts' records.
MERGED = "contact.merged"


def merged_into(contact: Contact) -> list[int]:
    """The contacts merged into this one (one address identity), oldest first."""
    return sorted(
        EvidenceRecord.objects.filter(
            account_id=contact.account_id, kind=MERGED, payload__into=contact.pk
        ).values_list("contact_id", flat=True)
    )


# The evidence that tells a contact's status story (STATUS-6).
STATUS_KINDS = ("contact.created", "status.changed")
# One record per batch of an import: the contacts it created point to it (Contact.import_*).
IMPORT_BATCH = "import.batch"


def status_history(account: Account, contact: Contact) -> QuerySet[EvidenceRecord]:
    """Newest first; filtered by account as well, so a foreign contact id finds nothing.
    An imported contact's story starts with the record of the batch that created it."""
    query = Q(contact=contact, kind__in=STATUS_KINDS)
    if contact.import_record is not None:
        query |= Q(contact=None, seq=contact.import_record, kind=IMPORT_BATCH)
    return EvidenceRecord.objects.filter(query, account=account).order_by("-seq")


@dataclass(frozen=True)
class ImportOrigin:
    """Where an imported contact came from, checked against its batch's record."""

    batch: EvidenceRecord
    # The records the batch stands on: the import's start record and its attestations.
    basis: list[EvidenceRecord]
    row: int
    status: str
    digest_ok: bool

    def as_json(self) -> dict[str, Any]:
        facts = self.batch.payload
        return {
            "import": facts.get("import"),
            "file_sha256": facts.get("file_sha256"),
            "row": self.row,
            "status": self.status,
            "batch_record": self.batch.seq,
            "import_record": facts.get("import_record"),
            "batch_rows": facts.get("rows"),
            "digest": facts.get("digest"),
            "digest_ok": self.digest_ok,
        }


def import_origin(contact: Contact) -> ImportOrigin | None:
    """The batch record an imported contact points to, and whether the batch's digest
    still matches the pointers of every contact that batch created (CONSENT-3)."""
    from contacts.models import Contact as ContactModel

    if contact.import_record is None:
        return None
    account_id = contact.account_id
    batch = EvidenceRecord.objects.filter(
        account_id=account_id, seq=contact.import_record, kind=IMPORT_BATCH, contact=None
    ).first()
    if batch is None:
        return ImportOrigin(
            EvidenceRecord(seq=contact.import_record, payload={}),
            [],
            contact.import_row or 0,
            contact.import_status,
            False,
        )
    facts = batch.payload
    span = facts.get("contacts") or [contact.pk, contact.pk]
    pointers = ContactModel.objects.filter(
        account_id=account_id, pk__range=(span[0], span[1]), import_record=batch.seq
    ).values_list("import_row", "pk", "address_hash", "import_hash", "import_status")
    # Rows start at 1: a cleared row number (0 here) cannot match the digest. A contact
    # re-keyed since (one address identity) kept the key the batch was digested over.
    leaves = [
        (row or 0, pk, imported or digest, status) for row, pk, digest, imported, status in pointers
    ]
    mine = (
        contact.import_row or 0,
        contact.pk,
        contact.import_hash or contact.address_hash,
        contact.import_status,
    )
    digest_ok = mine in leaves and import_digest(leaves) == facts.get("digest")
    basis: list[EvidenceRecord] = []
    started = EvidenceRecord.objects.filter(
        account_id=account_id, seq=facts.get("import_record"), kind="import.started"
    ).first()
    if started is not None:
        seqs = [s for s in (started.payload.get("attestations") or {}).values() if s is not None]
        attestations = EvidenceRecord.objects.filter(account_id=account_id, seq__in=seqs)
        basis = [started, *attestations.select_related("wording")]
    return ImportOrigin(batch, basis, contact.import_row or 0, contact.import_status, digest_ok)


def forms_of(account: Account, lst: Any = None) -> QuerySet[SignupForm]:
    query = SignupForm.objects.filter(account=account).select_related("list").order_by("name")
    return query.filter(list=lst) if lst is not None else query


def form_of(account: Account, form_id: int) -> SignupForm:
    form = forms_of(account).filter(pk=form_id).first()
    if form is None:
        raise NotFound("no such form")
    return form


def wording_versions(form: SignupForm) -> QuerySet[Wording]:
    return Wording.objects.filter(account=form.account, key=form.wording_key).order_by("-version")


def signup_stats(form: SignupForm) -> dict[str, int]:
    """Submissions of the last 30 days by outcome or refusal reason (FORM-3)."""
    since = timezone.now() - timedelta(days=30)
    rows = (
        SignupAttempt.objects.filter(form=form, created_at__gte=since)
        .values("outcome", "reason")
        .annotate(n=Count("pk"))
    )
    return {(row["reason"] or row["outcome"]): row["n"] for row in rows}
