"""One batch of import rows: checked, looked up and written set-based (IMPORT-5..9).

Called by imports.services inside the batch's transaction. Per batch a fixed number of
queries, whatever its size: earlier rows with the same addresses, the account's existing
contacts, platform suppressions, bounces elsewhere and existing subscriptions are each
read with one `IN` query; contacts, keys, subscriptions, evidence and report rows are
each written with one bulk statement.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from email_validator import EmailNotValidError, validate_email
from email_validator.syntax import validate_email_local_part

from consent import services as evidence
from contacts.models import Contact, Subscription, SubscriptionState, Suppression
from contacts.rules import LegalBasis, Status, is_role_address
from contacts.services import FIELD_LIMIT
from core.actors import Actor
from core.addresses import MAX_ADDRESS_LENGTH, normalise_address
from core.bulk import db_datetime, db_json, insert_rows, update_rows
from core.crypto import keyed_hash
from core.errors import InvalidInput
from core.text import clean_text
from imports import files
from imports.files import Cell, FileInfo, FileProblem
from imports.models import ImportRow
from imports.rules import (
    CATALOGUE,
    Outcome,
    Reason,
    decide_existing,
    last_contact_problem,
    merge_fields,
    parse_status,
    row_source_problem,
    sponsors_refusal,
)
from policy.selectors import value as policy_value

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
)
SUBSCRIPTION_COLUMNS = ("contact_id", "list_id", "state", "created_at", "state_changed_at")
REPORT_COLUMNS = ("job_id", "row", "address", "address_hash", "outcome", "reason", "contact_id")

# The roles a column can play; every other named column becomes a custom field.
ROLES = (
    "email",
    "status",
    "first_name",
    "last_name",
    "source",
    "last_contact",
    "product_category",
    "evidence_ref",
)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "mail", "email address", "e-mail-adresse", "address", "courriel"),
    "status": ("status", "statut"),
    "first_name": ("first_name", "first name", "firstname", "given name", "vorname", "prénom"),
    "last_name": ("last_name", "last name", "lastname", "surname", "nachname", "nom"),
    "source": ("source", "quelle"),
    "last_contact": ("last_contact", "last contact", "letzter kontakt", "dernier contact"),
    "product_category": ("product_category", "product category", "produktkategorie"),
    "evidence_ref": ("evidence_ref", "evidence", "nachweis", "document"),
}


def _fold(name: str) -> str:
    return " ".join(name.strip().casefold().replace("_", " ").split())


@dataclass
class Columns:
    """0-based positions of each role, and of the custom fields by their name."""

    roles: dict[str, int]
    custom: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"roles": self.roles, "custom": self.custom}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Columns:
        return cls(dict(data.get("roles", {})), dict(data.get("custom", {})))

    def __contains__(self, role: str) -> bool:
        return role in self.roles


def resolve_mapping(info: FileInfo, mapping: dict[str, str | int]) -> Columns:
    """IMPORT-9: a role's column by header name or 1-based position; with a header the
    usual names are found by themselves. FileProblem if a mapping names nothing."""
    unknown = set(mapping) - set(ROLES)
    if unknown:
        raise FileProblem(f"unknown column roles: {', '.join(sorted(unknown))}")
    folded = {_fold(h): i for i, h in reversed(list(enumerate(info.header))) if h}
    roles: dict[str, int] = {}
    for role, spec in mapping.items():
        text = str(spec).strip()
        if text.isdigit():
            position = int(text)
            if not 1 <= position <= info.width:
                raise FileProblem(f"{role}: the file has no column {position}")
            roles[role] = position - 1
        elif _fold(text) in folded:
            roles[role] = folded[_fold(text)]
        else:
            raise FileProblem(f"{role}: the file has no column named {text!r}")
    for role in ROLES:
        if role in roles:
            continue
        for name in SYNONYMS[role]:
            if _fold(name) in folded and folded[_fold(name)] not in roles.values():
                roles[role] = folded[_fold(name)]
                break
    if "email" not in roles:
        if info.has_header:
            raise FileProblem("no address column found: map 'email' to a column name or number")
        roles["email"] = 0
    custom: dict[str, int] = {}
    taken = set(roles.values())
    for index, name in enumerate(info.header):
        if index not in taken and name.strip():
            custom[clean_text(name, field="column name", max_length=50)] = index
    if len(custom) > FIELD_LIMIT:
        raise FileProblem(f"at most {FIELD_LIMIT} custom field columns")
    return Columns(roles, custom)


@dataclass(frozen=True)
class Context:
    """What every row of one import is judged against, read once per run."""

    account_id: int
    list_id: int
    source: str
    evidence_ref: str
    product_category: str
    have_sponsors: bool
    window_days: int
    today: date
    untrusted_allowed: bool
    overwrite: bool
    reconfirm: bool
    actor: Actor
    ref: str
    file_sha256: str
    import_record: int | None

    @classmethod
    def for_job(cls, job: ImportJob) -> Context:
        account = job.account
        max_sponsors = int(policy_value("import.co_registration_max_sponsors", account))
        kind, _sep, ref = job.actor.partition(":")
        return cls(
            account_id=account.pk,
            list_id=job.list_id,
            source=job.source,
            evidence_ref=job.evidence_ref,
            product_category=job.product_category,
            have_sponsors=bool(job.sponsors)
            and sponsors_refusal(job.sponsors, [account.name, account.slug], max_sponsors) is None,
            window_days=int(policy_value("import.existing_customer_window_days", account)),
            today=timezone.localdate(),
            # IMPORT-5: only for accounts with their own mail server, and only if asked.
            untrusted_allowed=account.own_mail_server and job.import_untrusted,
            overwrite=job.overwrite,
            reconfirm=job.reconfirm,
            actor=Actor(kind, ref),
            ref=job.ref,
            file_sha256=job.file_sha256,
            import_record=job.evidence_seq,
        )


@dataclass
class Parsed:
    """A row after the checks that need no database."""

    row: int
    raw_address: str
    outcome: Outcome | None = None
    reason: Reason | None = None
    address: str = ""
    digest: str = ""
    status: Status | None = None
    basis: str = ""
    first_name: str = ""
    last_name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    contact_id: int | None = None

    def reject(self, reason: Reason) -> Parsed:
        self.outcome, self.reason = Outcome.REJECTED, reason
        return self


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)


def _get(cells: list[Cell], columns: Columns, role: str) -> str:
    index = columns.roles.get(role)
    if index is None or index >= len(cells):
        return ""
    return files.cell_text(cells[index])


# What core.addresses refuses anywhere in an address: whitespace and control characters.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


@lru_cache(maxsize=50_000)
def _checked_domain(domain: str) -> str | None:
    """The normalised domain, or None if email-validator refuses it. A file has few
    distinct domains: each is checked (and IDNA-encoded) once."""
    try:
        validate_email(f"x@{domain}", check_deliverability=False)
        return normalise_address(f"x@{domain}").rpartition("@")[2]
    except (EmailNotValidError, InvalidInput):
        return None


def checked_address(raw: str) -> str | None:
    """email-validator's syntax check without DNS (IMPORT-5), and the address normalised
    exactly as core.addresses does; None if it is not a valid address."""
    text = raw.strip()
    local, sep, domain = text.rpartition("@")
    if not sep or not local or _SPACE_OR_CONTROL.search(local):
        return None
    ascii_domain = _checked_domain(domain)
    if ascii_domain is None:
        return None
    try:
        validate_email_local_part(local)
    except EmailNotValidError:
        return None
    address = f"{local}@{ascii_domain}"
    return address if len(address) <= MAX_ADDRESS_LENGTH else None


def parse_row(number: int, cells: list[Cell], columns: Columns, ctx: Context) -> Parsed:
    """Every check of one row that needs no database (STATUS-5, IMPORT-3/4/8)."""
    raw = _get(cells, columns, "email")
    parsed = Parsed(number, raw[:320])
    if not any(files.cell_text(c) for c in cells):
        return parsed.reject(Reason.EMPTY_ROW)
    if "status" in columns:
        index = columns.roles["status"]
        value = cells[index] if index < len(cells) else None
        # STATUS-5: exactly A, U, B or D; " A" or "a" is not a status.
        status, valid = parse_status(None if value is None else str(value))
        if not valid:
            return parsed.reject(Reason.INVALID_STATUS)
        parsed.status = status
    if not raw:
        return parsed.reject(Reason.MISSING_ADDRESS)
    address = checked_address(raw)
    if address is None:
        return parsed.reject(Reason.INVALID_SYNTAX)
    parsed.address = address
    parsed.digest = keyed_hash(parsed.address)
    mailable = parsed.status in (None, Status.ACTIVE)
    if mailable and is_role_address(parsed.address):
        return parsed.reject(Reason.ROLE_ADDRESS)
    source = _get(cells, columns, "source") or ctx.source
    product = _get(cells, columns, "product_category") or ctx.product_category
    spec = CATALOGUE.get(source)
    if source != ctx.source or spec is None:
        problem = row_source_problem(
            source,
            evidence_ref=_get(cells, columns, "evidence_ref") or ctx.evidence_ref,
            have_sponsors=ctx.have_sponsors,
            product_category=product,
        )
        if problem is not None:
            return parsed.reject(problem)
        spec = CATALOGUE[source]
    assert spec.basis is not None
    parsed.basis = spec.basis.value
    if spec.needs_last_contact and mailable:
        at = columns.roles.get("last_contact")
        value = cells[at] if at is not None and at < len(cells) else None
        too_old = last_contact_problem(value, today=ctx.today, window_days=ctx.window_days)
        if too_old is not None:
            return parsed.reject(too_old)
    try:
        parsed.first_name = clean_text(
            _get(cells, columns, "first_name"), field="first name", max_length=100
        )
        parsed.last_name = clean_text(
            _get(cells, columns, "last_name"), field="last name", max_length=100
        )
        for name, index in columns.custom.items():
            text = files.cell_text(cells[index]) if index < len(cells) else ""
            if text:
                parsed.fields[name] = clean_text(text, field=name, max_length=1000, multiline=True)
    except InvalidInput:
        return parsed.reject(Reason.INVALID_VALUE)
    if spec.basis == LegalBasis.EXISTING_CUSTOMER and product:
        # CONSENT-5: the scope of what this contact may be sent.
        parsed.fields.setdefault("product_category", product[:1000])
    return parsed


def apply(
    job: ImportJob, batch: list[tuple[int, list[Cell]]], columns: Columns, ctx: Context
) -> Counts:
    """Judge and write one batch; returns the outcome counts. Inside the caller's transaction."""
    parsed = [parse_row(number, cells, columns, ctx) for number, cells in batch]
    candidates = [p for p in parsed if p.outcome is None]
    # Rejected rows count as earlier occurrences too: a duplicate is reported as one.
    digests = list({p.digest for p in parsed if p.digest})
    seen_before = set(
        ImportRow.objects.filter(job=job, address_hash__in=digests).values_list(
            "address_hash", flat=True
        )
    )
    existing = {
        c.address_hash: c
        for c in Contact.objects.filter(account_id=ctx.account_id, address_hash__in=digests)
    }
    suppressed = set(
        Suppression.objects.filter(address_hash__in=digests).values_list("address_hash", flat=True)
    )
    bouncing = set(
        Contact.objects.filter(address_hash__in=digests, status=Status.BOUNCED)
        .exclude(account_id=ctx.account_id)
        .values_list("address_hash", flat=True)
    )
    subscribed = set(
        Subscription.objects.filter(
            list_id=ctx.list_id, contact__in=[c.pk for c in existing.values()]
        ).values_list("contact_id", flat=True)
    )
    writer = _Writer(job, ctx)
    in_batch: set[str] = set()
    for p in parsed:
        if not p.digest:
            continue
        if p.digest in seen_before or p.digest in in_batch:
            p.reject(Reason.DUPLICATE_IN_FILE)
        in_batch.add(p.digest)
    for p in candidates:
        if p.outcome is not None:
            continue
        mailable = p.status in (None, Status.ACTIVE)
        if mailable and not ctx.untrusted_allowed:
            if p.digest in suppressed:
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
    writer.flush()
    counts = Counts()
    for p in parsed:
        assert p.outcome is not None
        counts.add(p.outcome)
    insert_rows(
        ImportRow,
        REPORT_COLUMNS,
        [
            (
                job.pk,
                p.row,
                p.raw_address,
                p.digest,
                p.outcome.value if p.outcome else "",
                p.reason.value if p.reason else "",
                p.contact_id,
            )
            for p in parsed
        ],
    )
    return counts


@dataclass(slots=True)
class NewContact:
    """A contact to insert: plain values, cheaper than a model instance per row."""

    address: str
    address_hash: str
    status: Status
    legal_basis: str
    first_name: str
    last_name: str
    fields: dict[str, str]
    pk: int = 0


class _Writer:
    """Collects the changes of one batch and writes each kind with one statement."""

    def __init__(self, job: ImportJob, ctx: Context) -> None:
        self.job, self.ctx = job, ctx
        self.now = timezone.now()
        self.new: list[tuple[Parsed, NewContact]] = []
        self.lowered: dict[Status, list[tuple[Parsed, Contact]]] = defaultdict(list)
        self.field_updates: list[tuple[Parsed, Contact, list[str]]] = []
        self.new_subscriptions: list[tuple[Parsed, Contact, str]] = []
        self.entries: list[evidence.Entry] = []

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
            fields={} if deleted else p.fields,
        )
        p.outcome = Outcome.CREATED
        self.new.append((p, contact))

    def merge(self, p: Parsed, contact: Contact, *, subscribed: bool) -> None:
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
            extra = merge_fields(contact.fields, p.fields, overwrite=self.ctx.overwrite)
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
            state = self._subscription_state(Status.ACTIVE)
            assert state is not None
            self.new_subscriptions.append((p, contact, state))
            changed = True
        p.contact_id = contact.pk
        p.outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
        p.reason = Reason.STATUS_KEPT if decision.status_kept else None

    def _facts(self, p: Parsed) -> dict[str, Any]:
        # CONSENT-3: every record of an imported contact names the import, file and row.
        return {
            "cause": "import",
            "ref": self.ctx.ref,
            "import": self.job.pk,
            "import_record": self.ctx.import_record,
            "file_sha256": self.ctx.file_sha256,
            "row": p.row,
        }

    def flush(self) -> None:
        ctx = self.ctx
        when = db_datetime(self.now)
        keys: dict[int, bytes] = {}
        # (contact id, state) of every new subscription; pending ones get the DOI mail.
        subscriptions: list[tuple[Parsed, int, str]] = []
        if self.new:
            insert_rows(
                Contact,
                CONTACT_COLUMNS,
                [
                    (
                        ctx.account_id,
                        c.address,
                        c.address_hash,
                        c.status,
                        c.legal_basis,
                        c.first_name,
                        c.last_name,
                        db_json(c.fields),
                        when,
                        when,
                    )
                    for _p, c in self.new
                ],
            )
            ids = dict(
                Contact.objects.filter(
                    account_id=ctx.account_id,
                    address_hash__in=[c.address_hash for _p, c in self.new],
                ).values_list("address_hash", "pk")
            )
            keys = evidence.create_contact_keys(
                [ids[c.address_hash] for _p, c in self.new if c.status != Status.DELETED]
            )
            for p, made in self.new:
                made.pk = p.contact_id = ids[made.address_hash]
                state = self._subscription_state(Status(made.status))
                deleted = made.status == Status.DELETED
                self.entries.append(
                    evidence.Entry(
                        "contact.created",
                        made.pk,
                        payload={
                            **self._facts(p),
                            "status": made.status,
                            "legal_basis": made.legal_basis,
                            "list": ctx.list_id,
                            "subscription": state,
                        },
                        personal=None
                        if deleted
                        else {
                            "address": made.address,
                            "first_name": made.first_name,
                            "last_name": made.last_name,
                        },
                        source=self.job.file_name,
                    )
                )
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
                        payload={**self._facts(p), "from": contact.status, "to": target},
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
                        payload={**self._facts(p), "changed": touched},
                    )
                )
        for p, contact, state in self.new_subscriptions:
            subscriptions.append((p, contact.pk, state))
            self.entries.append(
                evidence.Entry(
                    "subscription.changed",
                    contact.pk,
                    payload={**self._facts(p), "list": ctx.list_id, "from": None, "to": state},
                )
            )
        insert_rows(
            Subscription,
            SUBSCRIPTION_COLUMNS,
            [(pk, ctx.list_id, state, when, when) for _p, pk, state in subscriptions],
        )
        evidence.record_many(self.job.account, self.entries, actor=ctx.actor, keys=keys)
        pending = [(p, pk) for p, pk, state in subscriptions if state == SubscriptionState.PENDING]
        if pending:
            self._reconfirm(pending)

    def _reconfirm(self, pending: list[tuple[Parsed, int]]) -> None:
        """IMPORT-6: the double opt-in mail for each newly pending subscription."""
        from consent import doi

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
