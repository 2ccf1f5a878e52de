"""One batch of import rows, checked by imports.checking: looked up and written set-based
(IMPORT-5..9).

Called by imports.services inside the batch's transaction. Per batch a fixed number of
queries, whatever its size: earlier rows with the same addresses, the account's existing
contacts, platform suppressions (addresses, and whole domains), bounces elsewhere and
existing subscriptions are each read with one `IN` query; contacts, subscriptions,
evidence and report rows are each written with one bulk statement.

Evidence (IMPORT-9, CONSENT-3): one sealed, chained record per batch (kind
`import.batch`: the import, its start record, the file's SHA-256, the row range, the
outcome counts and a digest over the (row, contact id, keyed address hash, status) of
every contact the batch created), and on each created contact a pointer to it
(`import_record`, `import_row`, `import_status`). No personal data is in a batch record,
so erasing a contact leaves it intact and no data key is made for an imported contact
until something seals its personal data. A change to a contact that existed before
(status lowered, fields filled, list joined) is a record of its own, as everywhere.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone

from consent import doi
from consent import services as evidence
from consent.rules import import_digest
from contacts.models import Contact, Subscription, SubscriptionState, Suppression
from contacts.rules import Status, TrackingBasis
from contacts.selectors import suppressed_domains
from core.addresses import domain_of
from core.bulk import (
    allocate_ids,
    db_datetime,
    db_json,
    insert_rows,
    probe,
    update_rows,
)
from imports.checking import Context, Counts, Parsed
from imports.rules import (
    Outcome,
    Reason,
    decide_existing,
    merge_fields,
)

if TYPE_CHECKING:
    from imports.models import ImportJob


CONTACT_COLUMNS = (
    "account_id",
    "address",
    "address_hash",
    "status",
    "legal_basis",
    "first_name",
    "last_name",
    "fields",
    "created_at",
    "status_changed_at",
    "import_record",
    "import_row",
    "import_status",
    "tracking_consent",
    "tracking_basis",
)
SUBSCRIPTION_COLUMNS = ("contact_id", "list_id", "state", "created_at", "state_changed_at")


def _found(model: type[Model], column: str, values: list[Any], **kwargs: Any) -> set[Any]:
    """The `column` values of `probe`'s rows, as a set."""
    return {row[0] for row in probe(model, column, values, select=column, **kwargs)}


def apply(job: ImportJob, parsed: list[Parsed], ctx: Context, *, record_seq: int) -> Counts:
    """Judge and write one batch of rows checked by RowChecker (duplicates within the file
    already marked by imports.reader); returns the outcome counts. Inside the caller's
    transaction, which holds the account's chain head: the batch's evidence record will be
    `record_seq`, and the contacts it creates point to it."""
    candidates = [p for p in parsed if p.outcome is None]
    # Sorted: the index probes go through the index in its order.
    digests = sorted({p.digest for p in candidates})
    # One probe of the (address hash, account) index for both: the account's own
    # contacts, with what a merge needs, and the addresses bounced in any other account
    # (IMPORT-5), of which nothing else is read.
    mine = "account_id = %s"
    existing: dict[str, Known] = {}
    bouncing: set[str] = set()
    for digest, own, pk, status, first_name, last_name, fields in probe(
        Contact,
        "address_hash",
        digests,
        where=f"{mine} OR status = 'B'",
        params=[ctx.account_id],
        select=f"address_hash, {mine}, "
        + ", ".join(
            f"CASE WHEN {mine} THEN {column} END"
            for column in ("id", "status", "first_name", "last_name", "fields")
        ),
        select_params=[ctx.account_id] * 6,
    ):
        if own:
            existing[digest] = Known(pk, status, first_name, last_name, _json_value(fields))
        else:
            bouncing.add(digest)
    suppressed = _found(Suppression, "address_hash", digests)
    untrusted_domains = suppressed_domains(domain_of(p.address) for p in candidates)
    subscribed = _found(
        Subscription,
        "contact_id",
        [c.pk for c in existing.values()],
        where="list_id = %s",
        params=[ctx.list_id],
    )
    writer = _Writer(job, ctx, record_seq)
    for p in candidates:
        mailable = p.status is None or p.status == Status.ACTIVE
        if mailable and not ctx.untrusted_allowed:
            if p.digest in suppressed or domain_of(p.address) in untrusted_domains:
                p.reject(Reason.SUPPRESSED)
                continue
            if p.digest in bouncing:
                p.reject(Reason.BOUNCING)
                continue
        contact = existing.get(p.digest)
        if contact is None:
            writer.create(p)
        else:
            writer.merge(p, contact, subscribed=contact.pk in subscribed)
    counts = Counts()
    for p in parsed:
        counts.add(p)
    writer.flush(counts, rows=(parsed[0].row, parsed[-1].row) if parsed else (0, 0))
    return counts


@dataclass(slots=True)
class Known:
    """An existing contact as a batch reads it: what merging a row into it needs."""

    pk: int
    status: str
    first_name: str
    last_name: str
    fields: dict[str, Any]


def _json_value(value: Any) -> Any:
    # SQLite gives a JSON column's text; psycopg may give it parsed.
    return json.loads(value) if isinstance(value, str) else value


@dataclass(slots=True)
class NewContact:
    """A contact to insert: plain values, cheaper than a model instance per row."""

    address: str
    address_hash: str
    status: Status
    legal_basis: str
    first_name: str
    last_name: str
    fields_json: str
    pk: int = 0


BATCH_RECORD = "import.batch"


class _Writer:
    """Collects the changes of one batch and writes each kind with one statement."""

    def __init__(self, job: ImportJob, ctx: Context, record_seq: int) -> None:
        self.job, self.ctx, self.record_seq = job, ctx, record_seq
        self.now = timezone.now()
        self.new: list[tuple[Parsed, NewContact]] = []
        self.lowered: dict[Status, list[tuple[Parsed, Known]]] = defaultdict(list)
        self.field_updates: list[tuple[Parsed, Known, list[str]]] = []
        self.new_subscriptions: list[tuple[Parsed, Known, str]] = []
        self.entries: list[evidence.Entry] = []
        # Per status, once: asked for every contact the batch creates.
        self.states = {status: self._subscription_state(status) for status in Status}

    def _subscription_state(self, status: Status) -> str | None:
        if status == Status.ACTIVE:
            # IMPORT-6: with a re-confirmation the contact stays pending until it confirms.
            return SubscriptionState.PENDING if self.ctx.reconfirm else SubscriptionState.CONFIRMED
        if status == Status.UNSUBSCRIBED:
            return SubscriptionState.UNSUBSCRIBED
        if status == Status.BOUNCED:
            return SubscriptionState.CONFIRMED
        return None

    def create(self, p: Parsed) -> None:
        status = p.status or Status.ACTIVE
        deleted = status == Status.DELETED
        contact = NewContact(
            address="" if deleted else p.address,
            address_hash=p.digest,
            status=status,
            legal_basis=p.basis,
            first_name="" if deleted else p.first_name,
            last_name="" if deleted else p.last_name,
            fields_json="{}" if deleted else p.fields_text(),
        )
        p.outcome = Outcome.CREATED
        self.new.append((p, contact))

    def merge(self, p: Parsed, contact: Known, *, subscribed: bool) -> None:
        """IMPORT-7: lower a status if the file says so, fill empty fields, add the list."""
        current = Status(contact.status)
        decision = decide_existing(current, p.status)
        changed = False
        if decision.new_status is not None:
            self.lowered[decision.new_status].append((p, contact))
            changed = True
        if current != Status.DELETED:
            names = merge_fields(
                {"first_name": contact.first_name, "last_name": contact.last_name},
                {"first_name": p.first_name, "last_name": p.last_name},
                overwrite=self.ctx.overwrite,
            )
            extra = merge_fields(contact.fields, p.field_values(), overwrite=self.ctx.overwrite)
            touched: list[str] = []
            for name, value in names.items():
                setattr(contact, name, value)
                touched.append(name)
            if extra:
                contact.fields = {**contact.fields, **extra}
                touched.append("fields")
            if touched:
                self.field_updates.append((p, contact, touched))
                changed = True
        # Only an active contact joins the list: a U/B/D contact is never signed up anew.
        if current == Status.ACTIVE and decision.new_status is None and not subscribed:
            state = self.states[Status.ACTIVE]
            assert state is not None
            self.new_subscriptions.append((p, contact, state))
            changed = True
        p.contact_id = contact.pk
        p.outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
        if decision.status_kept:
            p.reason, p.column = Reason.STATUS_KEPT, ""

    def _facts(self) -> dict[str, Any]:
        # CONSENT-3: every record of an import names the import, its record and the file.
        return {
            "cause": "import",
            "ref": self.ctx.ref,
            "import": self.job.pk,
            "import_record": self.ctx.import_record,
            "file_sha256": self.ctx.file_sha256,
        }

    def _row_facts(self, p: Parsed) -> dict[str, Any]:
        return {**self._facts(), "batch_record": self.record_seq, "row": p.row}

    def flush(self, counts: Counts, *, rows: tuple[int, int]) -> None:
        """Write the batch, then its evidence: one record for the whole batch (the rows,
        their outcomes and a digest over the contacts it created, each of which points to
        it), and a record per change of a contact that existed before."""
        ctx = self.ctx
        when = db_datetime(self.now)
        # (contact id, state) of every new subscription; pending ones get the DOI mail.
        subscriptions: list[tuple[Parsed, int, str]] = []
        leaves: list[tuple[int, int, str, str]] = []
        statuses: dict[Status, int] = defaultdict(int)
        if self.new:
            # In the order of their hashes: the inserts walk the unique index of
            # (account, address hash) once from one end, instead of at random places.
            self.new.sort(key=lambda item: item[1].address_hash)
            for (p, made), pk in zip(self.new, allocate_ids(Contact, len(self.new)), strict=True):
                made.pk = p.contact_id = pk
            # CONSENT-4: tracked on the basis the import states, new active contacts only.
            tracked = TrackingBasis.IMPORT.value if self.job.tracking_basis else ""
            insert_rows(
                Contact,
                ("id", *CONTACT_COLUMNS),
                [
                    (
                        c.pk,
                        ctx.account_id,
                        c.address,
                        c.address_hash,
                        c.status,
                        c.legal_basis,
                        c.first_name,
                        c.last_name,
                        c.fields_json,
                        when,
                        when,
                        self.record_seq,
                        p.row,
                        c.status,
                        bool(tracked) and c.status == Status.ACTIVE,
                        tracked if c.status == Status.ACTIVE else "",
                    )
                    for p, c in self.new
                ],
            )
            for p, made in self.new:
                leaves.append((p.row, made.pk, made.address_hash, made.status))
                statuses[made.status] += 1
                state = self.states[made.status]
                if state is not None:
                    subscriptions.append((p, made.pk, state))
        for target, items in self.lowered.items():
            Contact.objects.filter(pk__in=[c.pk for _p, c in items]).update(
                status=target, status_changed_at=self.now
            )
            for p, contact in items:
                self.entries.append(
                    evidence.Entry(
                        "status.changed",
                        contact.pk,
                        payload={**self._row_facts(p), "from": contact.status, "to": target},
                    )
                )
        if self.field_updates:
            # Only empty fields were filled (or overwrite chosen): writing all three names
            # back is the same change, in one statement.
            update_rows(
                Contact,
                ("first_name", "last_name", "fields"),
                [
                    (c.first_name, c.last_name, db_json(c.fields), c.pk)
                    for _p, c, _t in self.field_updates
                ],
            )
            for p, contact, touched in self.field_updates:
                self.entries.append(
                    evidence.Entry(
                        "contact.updated",
                        contact.pk,
                        payload={**self._row_facts(p), "changed": touched},
                    )
                )
        for p, contact, state in self.new_subscriptions:
            subscriptions.append((p, contact.pk, state))
            self.entries.append(
                evidence.Entry(
                    "subscription.changed",
                    contact.pk,
                    payload={**self._row_facts(p), "list": ctx.list_id, "from": None, "to": state},
                )
            )
        insert_rows(
            Subscription,
            SUBSCRIPTION_COLUMNS,
            [(pk, ctx.list_id, state, when, when) for _p, pk, state in subscriptions],
        )
        ids_made = [pk for _row, pk, _h, _s in leaves]
        batch_record = evidence.Entry(
            BATCH_RECORD,
            None,
            payload={
                **self._facts(),
                "list": ctx.list_id,
                "rows": list(rows),
                "outcomes": counts.as_json(),
                # The contacts created, by id range, status and the subscription each got;
                # the digest covers each one's row, id, keyed address hash and status.
                "contacts": [min(ids_made), max(ids_made)] if ids_made else None,
                "statuses": dict(sorted(statuses.items())),
                "subscriptions": {s: self.states[s] for s in sorted(statuses)},
                "legal_bases": sorted({c.legal_basis for _p, c in self.new}),
                "tracking_basis": self.job.tracking_basis,
                "digest": import_digest(leaves),
            },
            source=self.job.file_name,
        )
        last = evidence.record_many(
            self.job.account, [batch_record, *self.entries], actor=ctx.actor
        )
        if last - len(self.entries) != self.record_seq:
            raise RuntimeError("the evidence chain moved while the batch held its head")
        pending = [(p, pk) for p, pk, state in subscriptions if state == SubscriptionState.PENDING]
        if pending:
            self._reconfirm(pending)

    def _reconfirm(self, pending: list[tuple[Parsed, int]]) -> None:
        """IMPORT-6: the double opt-in mail for each newly pending subscription."""
        found = Subscription.objects.select_related("contact", "list__account").filter(
            list_id=self.ctx.list_id, contact_id__in=[pk for _p, pk in pending]
        )
        by_contact = {sub.contact_id: sub for sub in found}
        for p, pk in pending:
            sub = by_contact[pk]
            doi.request_reconfirmation(
                sub,
                doi.Entry(p.address, p.first_name, p.last_name, {}),
                actor=self.ctx.actor,
                source=self.job.file_name,
                ref=self.ctx.ref,
            )
