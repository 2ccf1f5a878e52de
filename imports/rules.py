"""What an import may bring in: the source catalogue and the rules for one row. Pure.

IMPORT-3/CONSENT-1: every import names where its addresses come from; forbidden sources
refuse the import (or the row), allowed ones map to the contact's legal basis.
IMPORT-4..8, STATUS-5: each row ends in exactly one outcome with a reason code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from contacts.rules import Cause, LegalBasis, Status, decide_transition


@dataclass(frozen=True)
class SourceSpec:
    key: str
    label: str
    basis: LegalBasis | None  # None: forbidden
    needs_evidence_ref: bool = False
    needs_sponsors: bool = False
    needs_last_contact: bool = False


# IMPORT-3: the catalogue. Allowed sources first, then the forbidden ones with their reason.
CATALOGUE: dict[str, SourceSpec] = {
    s.key: s
    for s in (
        SourceSpec(
            "double_opt_in",
            "double opt-in on the account's own site",
            LegalBasis.DOUBLE_OPT_IN,
        ),
        SourceSpec(
            "existing_customer",
            "purchase with explicit notice (existing customer)",
            LegalBasis.EXISTING_CUSTOMER,
            needs_last_contact=True,
        ),
        SourceSpec(
            "business_card",
            "business card with written proof",
            LegalBasis.BUSINESS_CARD,
            needs_evidence_ref=True,
        ),
        SourceSpec(
            "offline_form",
            "offline form kept on file",
            LegalBasis.OFFLINE_FORM,
            needs_evidence_ref=True,
        ),
        SourceSpec(
            "co_registration",
            "co-registration (sweepstake) naming the account as sponsor",
            LegalBasis.CO_REGISTRATION,
            needs_sponsors=True,
        ),
        SourceSpec("bought_list", "bought or rented list", None),
        SourceSpec("website_copied", "addresses copied from websites", None),
        SourceSpec("public_directory", "public directories", None),
        SourceSpec("single_opt_in", "single opt-in", None),
        SourceSpec("verbal_consent", "verbal consent", None),
        SourceSpec("b2b_without_consent", "B2B contacts without consent", None),
        SourceSpec("third_party", "collected by a third party", None),
        SourceSpec("club_membership", "club or union membership", None),
        SourceSpec("social_network", "social networks", None),
    )
}
ALLOWED_SOURCES = tuple(k for k, s in CATALOGUE.items() if s.basis is not None)
FORBIDDEN_SOURCES = tuple(k for k, s in CATALOGUE.items() if s.basis is None)


# IMPORT-9: the delimiters a CSV file may use, and the longest cell a row may hold.
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_WORDS = {"tab": "\t", "\\t": "\t"}
MAX_CELL = 10_000


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


class Reason(StrEnum):
    INVALID_STATUS = "invalid_status"
    MISSING_ADDRESS = "missing_address"
    INVALID_SYNTAX = "invalid_syntax"
    ROLE_ADDRESS = "role_address"
    DISPOSABLE_ADDRESS = "disposable_address"
    PROVIDER_RULE = "provider_rule"
    NO_MAIL_DOMAIN = "no_mail_domain"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    SUPPRESSED = "suppressed"
    BOUNCING = "bouncing"
    UNKNOWN_SOURCE = "unknown_source"
    FORBIDDEN_SOURCE = "forbidden_source"
    MISSING_EVIDENCE_REF = "missing_evidence_ref"
    MISSING_SPONSORS = "missing_sponsors"
    MISSING_LAST_CONTACT = "missing_last_contact"
    INVALID_LAST_CONTACT = "invalid_last_contact"
    LAST_CONTACT_TOO_OLD = "last_contact_too_old"
    MISSING_PRODUCT_CATEGORY = "missing_product_category"
    INVALID_VALUE = "invalid_value"
    EMPTY_ROW = "empty_row"
    MISSING_FIELDS = "missing_fields"
    EXTRA_FIELDS = "extra_fields"
    CELL_TOO_LONG = "cell_too_long"
    STATUS_KEPT = "status_kept"
    COLUMNS_NOT_IMPORTED = "columns_not_imported"


REASON_TEXT: dict[Reason, str] = {
    Reason.INVALID_STATUS: "the status is not exactly A, U, B or D; the row is ignored",
    Reason.MISSING_ADDRESS: "the row has no address",
    Reason.INVALID_SYNTAX: "the address is not a valid email address",
    Reason.ROLE_ADDRESS: "role or generic address, not accepted for mailings",
    Reason.DISPOSABLE_ADDRESS: "the address is at a disposable (throw-away) mail domain",
    Reason.PROVIDER_RULE: "the mailbox provider allows no such address (e.g. too short)",
    Reason.NO_MAIL_DOMAIN: "the domain accepts no mail (it does not exist, or has no mail server)",
    Reason.DUPLICATE_IN_FILE: "the address appears earlier in the file",
    Reason.SUPPRESSED: "the address is on the platform's untrusted list",
    Reason.BOUNCING: "the address is currently bouncing on the platform",
    Reason.UNKNOWN_SOURCE: "the source is not in the catalogue",
    Reason.FORBIDDEN_SOURCE: "addresses from this source may not be imported",
    Reason.MISSING_EVIDENCE_REF: "this source needs a reference to the written proof",
    Reason.MISSING_SPONSORS: "co-registration needs the sponsor list",
    Reason.MISSING_LAST_CONTACT: "an existing customer needs the date of last contact",
    Reason.INVALID_LAST_CONTACT: "the date of last contact is not a date in the past",
    Reason.LAST_CONTACT_TOO_OLD: "the last contact is older than the allowed window",
    Reason.MISSING_PRODUCT_CATEGORY: "an existing customer needs the product category bought",
    Reason.INVALID_VALUE: "a value is too long or holds control characters",
    Reason.EMPTY_ROW: "the row is empty",
    Reason.MISSING_FIELDS: (
        "the row has fewer fields than the first row (the column named is the first one "
        "missing): check the delimiter and the quotes"
    ),
    Reason.EXTRA_FIELDS: (
        "the row has more fields than the first row (the column named is the first extra "
        "one): check the delimiter and the quotes"
    ),
    Reason.CELL_TOO_LONG: f"a cell in the column named is longer than {MAX_CELL:,} characters",
    Reason.STATUS_KEPT: "the contact keeps its status: an import never raises it",
    Reason.COLUMNS_NOT_IMPORTED: (
        "the row has values in the columns named, which are not imported: add a header row "
        "that names them, or map them by number"
    ),
}


def parse_delimiter(raw: str) -> tuple[str, bool]:
    """IMPORT-9: a delimiter as given, (delimiter, valid): one of , ; | or a tab (also
    spelled "tab" or "\\t"); empty or "auto" is valid and means "detect it" ("")."""
    if raw in ("", "auto"):
        return "", True
    value = _DELIMITER_WORDS.get(raw.casefold(), raw)
    return (value, True) if value in DELIMITERS else ("", False)


def shape_problem(
    cells: Sequence[str], *, width: int, max_cell: int = MAX_CELL
) -> tuple[Reason, int] | None:
    """IMPORT-5: why a CSV row cannot be read as the first row's columns, and the 0-based
    column where it shows: a cell over `max_cell` characters, fields missing, or extra
    fields with text in them (trailing empty fields, as some programs write, are none)."""
    for index, cell in enumerate(cells):
        if len(cell) > max_cell:
            return Reason.CELL_TOO_LONG, index
    if len(cells) < width:
        return Reason.MISSING_FIELDS, len(cells)
    for index in range(width, len(cells)):
        if cells[index].strip():
            return Reason.EXTRA_FIELDS, index
    return None


def reason_text(reason: Reason | str) -> str:
    return REASON_TEXT.get(Reason(reason), str(reason)) if reason else ""


def import_refusal(
    source: str,
    *,
    evidence_ref: str,
    sponsors: Sequence[str],
    account_names: Sequence[str],
    max_sponsors: int,
    product_category: str,
    per_row_source: bool = False,
) -> str | None:
    """IMPORT-3: why an import with this declared source may not start, or None.

    With a source column (`per_row_source`), the file-level source is only a default and
    each row is judged by `row_source_refusal`.
    """
    spec = CATALOGUE.get(source)
    if spec is None:
        return f"unknown source {source!r}; the catalogue has: {', '.join(CATALOGUE)}"
    if spec.basis is None:
        return f"addresses from {spec.label} may not be imported"
    if spec.needs_evidence_ref and not evidence_ref.strip() and not per_row_source:
        return f"{spec.label}: give a reference to the written proof (document id or file)"
    if spec.needs_sponsors:
        sponsor_problem = sponsors_refusal(sponsors, account_names, max_sponsors)
        if sponsor_problem:
            return sponsor_problem
    if spec.needs_last_contact and not product_category.strip() and not per_row_source:
        return "existing customers: name the product category bought"
    return None


def sponsors_refusal(
    sponsors: Sequence[str], account_names: Sequence[str], max_sponsors: int
) -> str | None:
    """CONSENT-1: at most `max_sponsors` sponsors, and the account is one of them."""
    names = [s.strip() for s in sponsors if s.strip()]
    if not names:
        return "co-registration: list the sponsors named to the person"
    if len(names) > max_sponsors:
        return f"co-registration: at most {max_sponsors} sponsors, {len(names)} given"
    own = {_fold(n) for n in account_names if n}
    if not any(_fold(n) in own for n in names):
        return "co-registration: the account must be one of the named sponsors"
    return None


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse_status(raw: str | None) -> tuple[Status | None, bool]:
    """STATUS-5: (status, valid). An empty or missing cell means no status given (valid);
    anything but exactly A, U, B or D is invalid and the row is ignored."""
    if raw is None or raw == "":
        return None, True
    if raw in ("A", "U", "B", "D"):
        return Status(raw), True
    return None, False


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S")
_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_date(raw: object) -> date | None:
    """A date from a cell: a date/datetime (XLSX) or text in a common format; None if not."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    if not text:
        return None
    if _ISO_PREFIX.match(text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def last_contact_problem(raw: object, *, today: date, window_days: int) -> Reason | None:
    """IMPORT-4: an existing customer's last contact lies within the window, not ahead."""
    if raw is None or str(raw).strip() == "":
        return Reason.MISSING_LAST_CONTACT
    when = parse_date(raw)
    if when is None or when > today:
        return Reason.INVALID_LAST_CONTACT
    if today - when > timedelta(days=window_days):
        return Reason.LAST_CONTACT_TOO_OLD
    return None


def row_source_problem(
    source: str,
    *,
    evidence_ref: str,
    have_sponsors: bool,
    product_category: str,
) -> Reason | None:
    """The per-row source column: the same catalogue as the whole import."""
    spec = CATALOGUE.get(source)
    if spec is None:
        return Reason.UNKNOWN_SOURCE
    if spec.basis is None:
        return Reason.FORBIDDEN_SOURCE
    if spec.needs_evidence_ref and not evidence_ref.strip():
        return Reason.MISSING_EVIDENCE_REF
    if spec.needs_sponsors and not have_sponsors:
        return Reason.MISSING_SPONSORS
    if spec.needs_last_contact and not product_category.strip():
        return Reason.MISSING_PRODUCT_CATEGORY
    return None


@dataclass(frozen=True)
class ExistingDecision:
    """What an import row does to a contact that exists already (IMPORT-7)."""

    new_status: Status | None  # None: the status stays
    status_kept: bool  # the file asked for a status the rules refuse


def decide_existing(current: Status, requested: Status | None) -> ExistingDecision:
    """IMPORT-7 through contacts.rules: only lowering changes (A→U, A→B) are applied;
    U, B and D never become A, and a file's D never deletes."""
    if requested is None or requested == current:
        return ExistingDecision(None, False)
    decision = decide_transition(current, requested, Cause.IMPORT)
    if decision.allowed and decision.changes:
        return ExistingDecision(requested, False)
    return ExistingDecision(None, True)


def merge_fields(
    current: dict[str, str], incoming: dict[str, str], *, overwrite: bool
) -> dict[str, str]:
    """IMPORT-7: the values to write. Empty incoming values never erase anything; without
    `overwrite` only empty fields are filled."""
    changes: dict[str, str] = {}
    for key, value in incoming.items():
        if not value:
            continue
        have = current.get(key, "")
        if have == value:
            continue
        if overwrite or not have:
            changes[key] = value
    return changes


# Formula injection (CSV injection): a cell starting with one of these is run by
# spreadsheet programs; reports prefix it with an apostrophe so it stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def neutralise_cell(value: object) -> str:
    """A report cell a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
