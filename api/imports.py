"""/imports: upload a file with its source and both attestations, follow it, get the report."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from api.auth import account_of, actor_of
from api.schemas import ERRORS
from contacts import selectors as contact_selectors
from core.errors import InvalidInput, NotFound
from imports import selectors, services
from imports.models import ImportJob
from imports.rules import CATALOGUE

router = Router(tags=["imports"])


class ImportIn(Schema):
    list_id: int
    source: str = Field(description="from the catalogue: GET /imports/sources")
    attest_origin: bool = Field(
        False,
        description="IMPORT-2 (1): collected by double opt-in or another lawful procedure, "
        "none bought or from third parties. Required.",
    )
    attest_customer_contact: bool = Field(
        False,
        description="IMPORT-2 (2): existing customers were in touch within the last 6 months. "
        "Required.",
    )
    evidence_ref: str = Field("", max_length=300, description="business_card, offline_form")
    sponsors: str = Field("", max_length=3000, description="co_registration: one per line")
    product_category: str = Field("", max_length=200, description="existing_customer")
    tracking_basis: str | None = Field(
        None,
        max_length=500,
        description="CONSENT-4: how the new contacts agreed to open and click tracking "
        "(recorded as evidence); omitted: the account's default; empty: not tracked",
    )
    mapping: str = Field(
        "",
        max_length=2000,
        description='JSON: {"email": "E-Mail", "first_name": 2, ...} (header name or 1-based '
        "position); roles: email, status, first_name, last_name, source, last_contact, "
        "product_category, evidence_ref",
    )
    header: str = Field("auto", pattern="^(auto|yes|no)$")
    delimiter: str = Field(
        "",
        max_length=5,
        description='CSV delimiter: ",", ";", "|" or "tab"; empty or "auto": found in the file',
    )
    overwrite: bool = False
    reconfirm: bool = Field(False, description="IMPORT-6: send the double opt-in mail")
    import_untrusted: bool = Field(False, description="own-mail-server accounts only")


class ImportOut(Schema):
    id: int
    list_id: int
    state: str = Field(description="draft, queued, running, done or failed")
    source: str
    file_name: str
    file_sha256: str
    rows_total: int
    rows_done: int
    percent: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    reasons: dict[str, int]
    delimiter: str = Field(description="the CSV delimiter as given; empty: found in the file")
    unused_columns: list[int] = Field(
        description="columns (1-based) whose values are not imported, e.g. of a file "
        "without header row; `notice` says how to import them"
    )
    notice: str
    error: str
    created_at: datetime
    finished_at: datetime | None


class SourceOut(Schema):
    key: str
    label: str
    allowed: bool
    legal_basis: str | None
    needs_evidence_ref: bool
    needs_sponsors: bool
    needs_last_contact: bool


def import_out(job: ImportJob) -> ImportOut:
    return ImportOut(
        id=job.pk,
        list_id=job.list_id,
        state=job.state,
        source=job.source,
        file_name=job.file_name,
        file_sha256=job.file_sha256,
        rows_total=job.rows_total,
        rows_done=job.rows_done,
        percent=job.percent,
        created=job.created,
        updated=job.updated,
        unchanged=job.unchanged,
        rejected=job.rejected,
        reasons=selectors.reasons_of(job),
        delimiter=job.delimiter,
        unused_columns=selectors.unused_columns(job),
        notice=selectors.unused_columns_notice(job),
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def get_import_for_key(request: HttpRequest, import_id: int) -> ImportJob:
    """The import if it belongs to the key's account; 404 otherwise (PRIVACY-2)."""
    return selectors.import_of(account_of(request), import_id)


def _mapping(text: str) -> dict[str, str | int]:
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidInput("mapping is not JSON", details=["mapping"]) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in data.values()
    ):
        raise InvalidInput("mapping maps roles to a column name or number", details=["mapping"])
    return {str(k): v for k, v in data.items()}


@router.get("/imports/sources", response={200: list[SourceOut], **ERRORS}, summary="Sources")
def list_sources(request: HttpRequest) -> list[SourceOut]:
    """IMPORT-3: the catalogue; forbidden sources refuse an import."""
    return [
        SourceOut(
            key=s.key,
            label=s.label,
            allowed=s.basis is not None,
            legal_basis=s.basis.value if s.basis else None,
            needs_evidence_ref=s.needs_evidence_ref,
            needs_sponsors=s.needs_sponsors,
            needs_last_contact=s.needs_last_contact,
        )
        for s in CATALOGUE.values()
    ]


@router.post("/imports", response={202: ImportOut, **ERRORS}, summary="Start an import")
def create_import(
    request: HttpRequest, payload: Form[ImportIn], file: File[UploadedFile]
) -> tuple[int, ImportOut]:
    """Multipart upload of a CSV or XLSX file; both attestations must be true (IMPORT-2).
    The import runs in the background: poll GET /imports/{id}."""
    missing = [
        name
        for name, given in (
            ("attest_origin", payload.attest_origin),
            ("attest_customer_contact", payload.attest_customer_contact),
        )
        if not given
    ]
    if missing:
        raise InvalidInput("the import needs both attestations", details=missing)
    account = account_of(request)
    try:
        lst = contact_selectors.list_of(account, payload.list_id)
    except NotFound:
        raise InvalidInput("no such list", details=[f"list_id: {payload.list_id}"]) from None
    actor = actor_of(request)
    job = services.create_import(
        account,
        lst,
        file,
        file_name=file.name or "upload.csv",
        actor=actor,
        source=payload.source,
        evidence_ref=payload.evidence_ref,
        sponsors=payload.sponsors.splitlines(),
        product_category=payload.product_category,
        mapping=_mapping(payload.mapping),
        header={"auto": None, "yes": True, "no": False}[payload.header],
        delimiter=payload.delimiter,
        overwrite=payload.overwrite,
        reconfirm=payload.reconfirm,
        import_untrusted=payload.import_untrusted,
        tracking_basis=payload.tracking_basis,
    )
    for which in services.ATTESTATIONS:
        job = services.attest(job, which, actor=actor, confirmed=True)
    job = services.start_import(job, actor=actor)
    return 202, import_out(get_import_for_key(request, job.pk))


@router.get("/imports", response={200: list[ImportOut], **ERRORS}, summary="Imports")
def list_imports(request: HttpRequest) -> list[ImportOut]:
    return [import_out(job) for job in selectors.imports_of(account_of(request))[:100]]


@router.get("/imports/{import_id}", response={200: ImportOut, **ERRORS}, summary="An import")
def get_import(request: HttpRequest, import_id: int) -> ImportOut:
    """Progress while it runs, the summary when it is done."""
    return import_out(get_import_for_key(request, import_id))


@router.post("/imports/{import_id}/resume", response={202: ImportOut, **ERRORS}, summary="Resume")
def resume_import(request: HttpRequest, import_id: int) -> tuple[int, ImportOut]:
    """A failed or interrupted import continues after its last committed batch."""
    job = services.resume_import(get_import_for_key(request, import_id), actor=actor_of(request))
    return 202, import_out(get_import_for_key(request, job.pk))


CSV_RESPONSE: dict[str, Any] = {
    "responses": {
        "200": {
            "description": "row, address, outcome, reason, reason_text",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/imports/{import_id}/report",
    response={**ERRORS},
    summary="The row report as CSV",
    openapi_extra=CSV_RESPONSE,
)
def import_report(request: HttpRequest, import_id: int) -> StreamingHttpResponse:
    """Every row with its outcome and reason (IMPORT-5); cells are formula-safe."""
    job = get_import_for_key(request, import_id)
    response = StreamingHttpResponse(
        selectors.report_lines(job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response
