"""Reading the rows of an import: which column plays which role, and each row checked on
its own (address syntax, status, source facts, field limits) before any lookup (IMPORT-5..9).

Runs in the import's reader process (imports.reader); imports.batches then judges and
writes the checked rows a batch at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from contacts.addresses import (
    DISPOSABLE,
    PROVIDER_RULE,
    ROLE,
    checked_address,
    classes_of,
)
from contacts.rules import LegalBasis, Status
from contacts.services import FIELD_LIMIT
from core.actors import Actor
from core.addresses import address_keyer, domain_of
from core.bulk import (
    json_text,
)
from core.errors import InvalidInput
from core.text import clean_text
from domains.mailhosts import NO_MAIL, domain_mail_states
from imports import files
from imports.files import Cell, FileInfo, FileProblem
from imports.rules import (
    CATALOGUE,
    MAX_CELL,
    Outcome,
    Reason,
    last_contact_problem,
    parse_status,
    row_source_problem,
    shape_problem,
    sponsors_refusal,
)
from policy.address_rules import DEFAULT_RULES, AddressRules
from policy.selectors import address_rules
from policy.selectors import value as policy_value

if TYPE_CHECKING:
    from imports.models import ImportJob

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
    """0-based positions of each role, and of the custom fields by their name; `unused`:
    the columns that are neither, whose values are not imported (a file without header
    row, or a header cell left empty)."""

    roles: dict[str, int]
    custom: dict[str, int] = field(default_factory=dict)
    unused: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"roles": self.roles, "custom": self.custom, "unused": self.unused}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Columns:
        return cls(
            dict(data.get("roles", {})),
            dict(data.get("custom", {})),
            list(data.get("unused", [])),
        )

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
    used = taken | set(custom.values())
    return Columns(roles, custom, [i for i in range(info.width) if i not in used])


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
    # AUDIT-1 (ii, v): the operator's provider rules and disposable domains.
    address_rules: AddressRules = DEFAULT_RULES
    # AUDIT-1 (iii): ask DNS whether each domain accepts mail (CONSENTRY_ADDRESS_DNS_CHECKS).
    dns_checks: bool = False

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
            address_rules=address_rules(fresh=True),
            dns_checks=settings.ADDRESS_DNS_CHECKS,
        )


@dataclass(slots=True)
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
    # `fields` as JSON, made by the reader process (imports.reader), which has a core of
    # its own; a parsed row sent from it carries only this text.
    fields_json: str = ""
    # The column(s) the reason is about, as the report names them: "3 (last_name)".
    column: str = ""

    def field_values(self) -> dict[str, str]:
        if not self.fields and self.fields_json not in ("", "{}"):
            self.fields = json.loads(self.fields_json)
        return self.fields

    def fields_text(self) -> str:
        return self.fields_json or json_text(self.fields)

    def reject(self, reason: Reason) -> Parsed:
        self.outcome, self.reason = Outcome.REJECTED, reason
        return self

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Sent from the reader process by the hundred thousand: plain values, rebuilt by
        # one call, instead of the slots' state and each enum looked up by name.
        return _parsed, (
            self.row,
            self.raw_address,
            self.outcome.value if self.outcome else None,
            self.reason.value if self.reason else None,
            self.address,
            self.digest,
            self.status.value if self.status else None,
            self.basis,
            self.first_name,
            self.last_name,
            self.fields_text(),
            self.column,
        )


_OUTCOMES = {o.value: o for o in Outcome}
_REASONS = {r.value: r for r in Reason}
_STATUSES = {s.value: s for s in Status}


def _parsed(
    row: int,
    raw_address: str,
    outcome: str | None,
    reason: str | None,
    address: str,
    digest: str,
    status: str | None,
    basis: str,
    first_name: str,
    last_name: str,
    fields_json: str,
    column: str,
) -> Parsed:
    return Parsed(
        row,
        raw_address,
        _OUTCOMES[outcome] if outcome else None,
        _REASONS[reason] if reason else None,
        address,
        digest,
        _STATUSES[status] if status else None,
        basis,
        first_name,
        last_name,
        fields_json=fields_json,
        column=column,
    )


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # Rejections and notes by reason code, for the summary (not in the batch record).
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, p: Parsed) -> None:
        assert p.outcome is not None
        setattr(self, p.outcome.value, getattr(self, p.outcome.value) + 1)
        if p.reason:
            self.reasons[p.reason.value] = self.reasons.get(p.reason.value, 0) + 1

    def as_json(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _text(cells: list[Cell], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    # CSV cells are text: the common case without cell_text's type checks.
    return value.strip() if value.__class__ is str else files.cell_text(value)  # type: ignore[union-attr]


def _plain(text: str, *, field: str, max_length: int, multiline: bool = False) -> str:
    """clean_text, without its per-character walk for the usual printable value: a
    printable string has no control character (Unicode category Cc) at all."""
    if len(text) <= max_length and text.isprintable() and text == text.strip():
        return text
    return clean_text(text, field=field, max_length=max_length, multiline=multiline)


# The classes of contacts.addresses that refuse a row, and the reason the report names.
_REFUSED_CLASSES = {
    ROLE: Reason.ROLE_ADDRESS,
    DISPOSABLE: Reason.DISPOSABLE_ADDRESS,
    PROVIDER_RULE: Reason.PROVIDER_RULE,
}


class RowChecker:
    """Every check of one row that needs no database (STATUS-5, IMPORT-3/4/5/8), with the
    column positions, the declared source and the hash key looked up once per batch.
    With the file's `info`, a row that does not fit the file's columns is rejected."""

    def __init__(self, columns: Columns, ctx: Context, info: FileInfo | None = None) -> None:
        roles = columns.roles
        self.ctx = ctx
        # A CSV row has as many fields as the first row; an XLSX row has its cells.
        self.width = info.width if info is not None and info.format == "csv" else 0
        self.shaped = info is not None
        self.header = list(info.header) if info is not None else []
        self.unused = list(columns.unused)
        self.email = roles["email"]
        self.status = roles.get("status")
        self.first_name = roles.get("first_name")
        self.last_name = roles.get("last_name")
        self.source = roles.get("source")
        self.product = roles.get("product_category")
        self.evidence_ref = roles.get("evidence_ref")
        self.last_contact = roles.get("last_contact")
        self.custom = list(columns.custom.items())
        self.declared = CATALOGUE.get(ctx.source)
        self.hashed = address_keyer()
        self.domain_states: dict[str, str] = {}

    def check_domains(self, batch: list[Parsed]) -> None:
        """AUDIT-1 (iii): reject the rows whose domain accepts no mail. Each domain is asked
        once a run, many at a time; one DNS does not answer for is let through."""
        if not self.ctx.dns_checks:
            return
        rows = [
            p
            for p in batch
            if p.outcome is None and p.address and (p.status is None or p.status == Status.ACTIVE)
        ]
        new = {domain_of(p.address) for p in rows} - self.domain_states.keys()
        if new:
            self.domain_states.update(domain_mail_states(new))
        for p in rows:
            if self.domain_states[domain_of(p.address)] == NO_MAIL:
                p.reject(Reason.NO_MAIL_DOMAIN)

    def parse(self, number: int, cells: list[Cell]) -> Parsed:
        ctx = self.ctx
        raw = _text(cells, self.email)
        parsed = Parsed(number, raw[:320])
        if not raw and not any(files.cell_text(c) for c in cells):
            return parsed.reject(Reason.EMPTY_ROW)
        if self.shaped:
            misfit = self._shape(cells)
            if misfit is not None:
                parsed.column = self.column_name(misfit[1])
                return parsed.reject(misfit[0])
        if self.status is not None:
            index = self.status
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
        parsed.digest = self.hashed(address)
        mailable = parsed.status is None or parsed.status == Status.ACTIVE
        if mailable:
            # AUDIT-1 (i, ii, v) as everywhere (contacts.addresses); a typo is no reason.
            classes, _suggestion = classes_of(address, ctx.address_rules)
            for name in classes:
                refused = _REFUSED_CLASSES.get(name)
                if refused is not None:
                    return parsed.reject(refused)
        source = _text(cells, self.source) or ctx.source
        product = _text(cells, self.product) or ctx.product_category
        spec = self.declared if source == ctx.source else None
        if spec is None:
            problem = row_source_problem(
                source,
                evidence_ref=_text(cells, self.evidence_ref) or ctx.evidence_ref,
                have_sponsors=ctx.have_sponsors,
                product_category=product,
            )
            if problem is not None:
                return parsed.reject(problem)
            spec = CATALOGUE[source]
        assert spec.basis is not None
        parsed.basis = spec.basis.value
        if spec.needs_last_contact and mailable:
            at = self.last_contact
            value = cells[at] if at is not None and at < len(cells) else None
            too_old = last_contact_problem(value, today=ctx.today, window_days=ctx.window_days)
            if too_old is not None:
                return parsed.reject(too_old)
        try:
            parsed.first_name = _plain(
                _text(cells, self.first_name), field="first name", max_length=100
            )
            parsed.last_name = _plain(
                _text(cells, self.last_name), field="last name", max_length=100
            )
            for name, index in self.custom:
                text = _text(cells, index)
                if text:
                    parsed.fields[name] = _plain(text, field=name, max_length=1000, multiline=True)
        except InvalidInput:
            return parsed.reject(Reason.INVALID_VALUE)
        if spec.basis == LegalBasis.EXISTING_CUSTOMER and product:
            # CONSENT-5: the scope of what this contact may be sent.
            parsed.fields.setdefault("product_category", product[:1000])
        if self.unused:
            left_out = [index for index in self.unused if _text(cells, index)]
            if left_out:
                # A note, not a rejection: the row's other values are imported.
                parsed.reason = Reason.COLUMNS_NOT_IMPORTED
                parsed.column = ", ".join(str(index + 1) for index in left_out)
        return parsed

    def _shape(self, cells: list[Cell]) -> tuple[Reason, int] | None:
        """IMPORT-5: fields missing or extra against the first row (CSV), or a cell over
        MAX_CELL characters: the reason and the 0-based column."""
        width = self.width
        if width:
            # CSV cells are text; the common row is checked without a call.
            if len(cells) == width and max(map(len, cells)) <= MAX_CELL:  # type: ignore[arg-type]
                return None
            return shape_problem(cells, width=width)  # type: ignore[arg-type]
        for index, cell in enumerate(cells):
            if cell.__class__ is str and len(cell) > MAX_CELL:  # type: ignore[arg-type]
                return Reason.CELL_TOO_LONG, index
        return None

    def column_name(self, index: int) -> str:
        """A column as the report names it: its number, and its header name if it has one."""
        name = self.header[index][:50] if index < len(self.header) else ""
        return f"{index + 1} ({name})" if name else str(index + 1)
