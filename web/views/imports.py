"""Contact imports: upload, the two attestation steps, progress, summary and report.

Each step calls one service of imports.services: the same as the API and the CLI.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as accounts
from campaigns import guidelines
from contacts import selectors as contact_selectors
from core.actors import Actor
from core.errors import DomainError, NotFound
from imports import checking, selectors, services
from imports.models import ImportJob, ImportState
from imports.rules import ALLOWED_SOURCES, CATALOGUE, reason_text
from web.access import get_account_for_user
from web.errors import add_domain_error
from web.htmx import render_page_or_partial, wants_partial


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("CSV (any delimiter) or XLSX.")
    )
    list_id = forms.TypedChoiceField(label=gettext_lazy("List"), coerce=int)
    source = forms.ChoiceField(
        label=gettext_lazy("Where the addresses come from"),
        choices=[(key, CATALOGUE[key].label) for key in ALLOWED_SOURCES],
        help_text=gettext_lazy(
            "Bought lists, addresses from websites or directories, single opt-in and the "
            "like may not be imported."
        ),
    )
    evidence_ref = forms.CharField(
        label=gettext_lazy("Reference to the written proof"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Business cards and offline forms: the document id."),
    )
    sponsors = forms.CharField(
        label=gettext_lazy("Sponsors named to the person"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Co-registration: one per line, at most 10, yours among them."),
    )
    product_category = forms.CharField(
        label=gettext_lazy("Product category bought"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Existing customers may only get offers for similar products."),
    )
    tracking_basis = forms.CharField(
        label=gettext_lazy("Consent to open and click tracking"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "How the new contacts agreed to have their opens and clicks counted, e.g. the "
            "terms they accepted; recorded as evidence. Empty: they are not tracked."
        ),
    )
    tracking_default = forms.BooleanField(
        label=gettext_lazy("Use this as the account's default for later imports"),
        required=False,
    )
    header = forms.ChoiceField(
        label=gettext_lazy("First row"),
        choices=[
            ("auto", gettext_lazy("detect")),
            ("yes", gettext_lazy("is a header")),
            ("no", gettext_lazy("is data")),
        ],
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Delimiter"),
        required=False,
        choices=[
            ("", gettext_lazy("found in the file")),
            (",", gettext_lazy("comma ,")),
            (";", gettext_lazy("semicolon ;")),
            ("tab", gettext_lazy("tab")),
            ("|", gettext_lazy("vertical bar |")),
        ],
        help_text=gettext_lazy("CSV only: the character between the fields of a row."),
    )
    email_column = forms.CharField(
        label=gettext_lazy("Address column"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("A header name or a column number; empty: found by its name."),
    )
    status_column = forms.CharField(
        label=gettext_lazy("Status column (A, U, B or D)"), required=False, max_length=100
    )
    first_name_column = forms.CharField(
        label=gettext_lazy("First name column"), required=False, max_length=100
    )
    last_name_column = forms.CharField(
        label=gettext_lazy("Last name column"), required=False, max_length=100
    )
    source_column = forms.CharField(
        label=gettext_lazy("Source column (one source per row)"), required=False, max_length=100
    )
    last_contact_column = forms.CharField(
        label=gettext_lazy("Last contact column (existing customers)"),
        required=False,
        max_length=100,
    )
    product_category_column = forms.CharField(
        label=gettext_lazy("Product category column"), required=False, max_length=100
    )
    evidence_ref_column = forms.CharField(
        label=gettext_lazy("Evidence reference column"), required=False, max_length=100
    )
    overwrite = forms.BooleanField(
        label=gettext_lazy("Overwrite filled fields of existing contacts"), required=False
    )
    reconfirm = forms.BooleanField(
        label=gettext_lazy("Send a confirmation mail; contacts stay pending until they confirm"),
        required=False,
    )
    import_untrusted = forms.BooleanField(
        label=gettext_lazy("Import addresses on the platform's untrusted list too"),
        required=False,
        help_text=gettext_lazy("Only for accounts the operator marked as using their own server."),
    )

    def __init__(self, *args: object, lists: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["list_id"].choices = lists  # type: ignore[attr-defined]

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"{role}_column"] for role in checking.ROLES]

    def mapping(self) -> dict[str, str | int]:
        """IMPORT-9: each role's column as typed, a header name or a 1-based number."""
        data = self.cleaned_data
        return {
            role: data[f"{role}_column"].strip()
            for role in checking.ROLES
            if data[f"{role}_column"].strip()
        }


class AttestForm(forms.Form):
    confirmed = forms.BooleanField(required=True)


def get_import_for_user(request: HttpRequest, slug: str, import_id: int) -> ImportJob:
    """The import if the user works in its account; 404 for anyone else's (PRIVACY-2)."""
    account = get_account_for_user(request, slug)
    try:
        return selectors.import_of(account, import_id)
    except NotFound:
        raise Http404("no such import") from None


@require_http_methods(["GET", "POST"])
@login_required
def imports(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    lists = [(lst.pk, lst.name) for lst in contact_selectors.lists_of(account)]
    bound = request.method == "POST"
    form = UploadForm(
        request.POST if bound else None,
        request.FILES or None,
        lists=lists,
        initial={"tracking_basis": account.import_tracking_basis},
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            job = services.create_import(
                account,
                contact_selectors.list_of(account, data["list_id"]),
                data["file"],
                file_name=data["file"].name,
                actor=Actor.for_user(request.user, request),
                user=request.user,
                source=data["source"],
                evidence_ref=data["evidence_ref"],
                sponsors=data["sponsors"].splitlines(),
                product_category=data["product_category"],
                mapping=form.mapping(),
                header={"auto": None, "yes": True, "no": False}[data["header"]],
                delimiter=data["delimiter"],
                overwrite=data["overwrite"],
                reconfirm=data["reconfirm"],
                import_untrusted=data["import_untrusted"],
                check_large_later=True,
                tracking_basis=data["tracking_basis"],
            )
            if data["tracking_default"]:
                accounts.set_import_tracking_basis(
                    account, data["tracking_basis"], actor=Actor.for_user(request.user, request)
                )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:import", account.slug, job.pk)
    context = {
        "account": account,
        "section": "imports",
        "form": form,
        "imports": selectors.imports_of(account)[:50],
        "precondition": _precondition(account),
        # ACCOUNT-4: the guidelines, with the note that an import is no legal approval.
        "guidelines": guidelines.wording(request.LANGUAGE_CODE),
    }
    return render(request, "web/imports/list.html", context, status=400 if bound else 200)


def _precondition(account: object) -> str:
    try:
        services.check_preconditions(account)  # type: ignore[arg-type]
    except DomainError as exc:
        return exc.message
    return ""


DELIMITER_NAMES = {
    ",": gettext_lazy("comma ,"),
    ";": gettext_lazy("semicolon ;"),
    "\t": gettext_lazy("tab"),
    "|": gettext_lazy("vertical bar |"),
}


def _detail_context(job: ImportJob) -> dict[str, object]:
    reasons = [
        (code, count, reason_text(code)) for code, count in selectors.reasons_of(job).items()
    ]
    step = ""
    if job.state == ImportState.DRAFT:
        step = services.ORIGIN if job.origin_attested_seq is None else services.CUSTOMER_CONTACT
    return {
        "account": job.account,
        "section": "imports",
        "job": job,
        "layout": selectors.columns_used(job),
        "delimiter_name": DELIMITER_NAMES.get(job.file_info.get("delimiter", ""), ""),
        "unused_notice": selectors.unused_columns_notice(job),
        "step": step,
        "attestation": services.attestation_text(step, job.account) if step else "",
        "reasons": reasons,
        "running": job.state in (ImportState.QUEUED, ImportState.RUNNING),
        "checking": job.state == ImportState.CHECKING,
        "retention_days": selectors.retention_days(job.account),
    }


@require_GET
@login_required
def import_detail(request: HttpRequest, slug: str, import_id: int) -> HttpResponse:
    job = get_import_for_user(request, slug, import_id)
    return render(request, "web/imports/detail.html", _detail_context(job))


@require_GET
@login_required
def import_progress(request: HttpRequest, slug: str, import_id: int) -> HttpResponse:
    """The htmx poll: the progress bar while it runs, the summary once it is done."""
    job = get_import_for_user(request, slug, import_id)
    if job.state == ImportState.DRAFT and wants_partial(request):
        # The check of a large file is done: the whole page shows the first step now.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render_page_or_partial(
        request, "web/imports/detail.html", "web/imports/_progress.html", _detail_context(job)
    )


@require_POST
@login_required
def import_attest(request: HttpRequest, slug: str, import_id: int, which: str) -> HttpResponse:
    """IMPORT-2: one checkbox per step; the second one starts the import."""
    job = get_import_for_user(request, slug, import_id)
    if which not in services.ATTESTATIONS:
        raise Http404("no such attestation")
    form = AttestForm(request.POST)
    actor = Actor.for_user(request.user, request)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm: the import needs it."))
        return redirect("web:import", slug, job.pk)
    try:
        job = services.attest(job, which, actor=actor, confirmed=True)
        if job.attested:
            job = services.start_import(job, actor=actor)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:import", slug, job.pk)


@require_POST
@login_required
def import_resume(request: HttpRequest, slug: str, import_id: int) -> HttpResponse:
    job = get_import_for_user(request, slug, import_id)
    try:
        services.resume_import(job, actor=Actor.for_user(request.user, request))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("web:import", slug, job.pk)


@require_GET
@login_required
def import_report(request: HttpRequest, slug: str, import_id: int) -> StreamingHttpResponse:
    """IMPORT-5: every row with its outcome and reason, formula-safe for spreadsheets."""
    job = get_import_for_user(request, slug, import_id)
    try:
        lines = selectors.report_lines(job)
    except NotFound as exc:
        raise Http404(exc.message) from None
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response
