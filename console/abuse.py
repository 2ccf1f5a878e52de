"""The abuse desk in the console (ABUSE-1, ABUSE-2, INDUSTRY-5): the cases with their
deadlines, one case with its actions, a form for cases that reached the operator another
way (a blocklisting, an authority's letter), and the mailing-ID lookup."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Account
from console.access import operator_required
from core.actors import Actor
from core.audit import audit_entries
from core.errors import DomainError, NotFound
from governance import abuse, selectors
from governance.abuse_rules import is_overdue, proof_is_overdue
from governance.lookup import lookup
from governance.models import AbuseCase, CaseKind, CaseState

ACTION_LABELS = {
    "unsubscribe": gettext_lazy("Unsubscribe the complainant"),
    "request_proof": gettext_lazy("Ask the account for its proof"),
    "reduce_speed": gettext_lazy("Reduce the account's speed"),
    "suspend": gettext_lazy("Suspend the account"),
    "close": gettext_lazy("Close with a note"),
}


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[
            ("active", gettext_lazy("not closed")),
            ("", gettext_lazy("all")),
            *CaseState.choices,
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("all")), *CaseKind.choices],
    )
    account = forms.CharField(label=gettext_lazy("Account"), required=False, max_length=60)
    overdue = forms.BooleanField(label=gettext_lazy("Only overdue"), required=False)


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=list(ACTION_LABELS.items()))
    reason = forms.CharField(
        label=gettext_lazy("Reason or note"), max_length=2000, widget=forms.Textarea
    )


class OpenCaseForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CaseKind.choices)
    reporter = forms.CharField(label=gettext_lazy("From"), required=False, max_length=254)
    quoted = forms.CharField(label=gettext_lazy("Mailing ID"), required=False, max_length=500)
    account = forms.CharField(label=gettext_lazy("Account"), required=False, max_length=60)
    text = forms.CharField(
        label=gettext_lazy("Description"), max_length=20_000, widget=forms.Textarea
    )


def _rows(cases: list[AbuseCase]) -> list[tuple[AbuseCase, bool, bool]]:
    now, today = timezone.now(), timezone.localdate()
    return [
        (
            case,
            case.answered_at is None and is_overdue(case.answer_due_at, now),
            case.state == CaseState.PROOF_REQUESTED and proof_is_overdue(case.proof_due_on, today),
        )
        for case in cases
    ]


@operator_required
@require_http_methods(["GET", "POST"])
def abuse_cases(request: HttpRequest) -> HttpResponse:
    filters = FilterForm(request.GET or {"state": "active"})
    data = filters.cleaned_data if filters.is_valid() else {"state": "active"}
    cases = list(
        selectors.abuse_cases(
            state=data.get("state", ""),
            kind=data.get("kind", ""),
            account=data.get("account", ""),
            overdue=bool(data.get("overdue")),
        )[:200]
    )
    form = OpenCaseForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        account = None
        if form.cleaned_data["account"]:
            account = Account.objects.filter(slug=form.cleaned_data["account"]).first()
            if account is None:
                form.add_error("account", _("No account with this name."))
        if not form.errors:
            try:
                case = abuse.open_by_operator(
                    kind=form.cleaned_data["kind"],
                    reporter=form.cleaned_data["reporter"],
                    text=form.cleaned_data["text"],
                    quoted=form.cleaned_data["quoted"],
                    actor=Actor.for_user(request.user, request),
                    account=account,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Case #%(id)s opened.") % {"id": case.pk})
                return redirect("console:abuse_case", case.pk)
    return render(
        request,
        "console/abuse/list.html",
        {"section": "abuse", "rows": _rows(cases), "filters": filters, "form": form},
        status=400 if form.is_bound else 200,
    )


def _case(case_id: int) -> AbuseCase:
    try:
        return selectors.abuse_case(case_id)
    except NotFound:
        raise Http404("no such abuse case") from None


@operator_required
def abuse_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    return _render_case(request, case, ActionForm())


def _render_case(
    request: HttpRequest, case: AbuseCase, form: ActionForm, status: int = 200
) -> HttpResponse:
    ((_, late, proof_late),) = _rows([case])
    history = audit_entries(action="case_action").filter(
        target_type="governance.abusecase", target_id=str(case.pk)
    )[:100]
    context = {
        "section": "abuse",
        "case": case,
        "late": late,
        "proof_late": proof_late,
        "form": form,
        "actions": list(ACTION_LABELS.items()),
        "history": history,
    }
    return render(request, "console/abuse/case.html", context, status=status)


@operator_required
@require_POST
def abuse_case_action(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            abuse.act(
                case,
                form.cleaned_data["action"],
                actor=Actor.for_user(request.user, request),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Done: %(action)s.") % {"action": ACTION_LABELS[form.cleaned_data["action"]]},
            )
            return redirect("console:abuse_case", case.pk)
    return _render_case(request, _case(case_id), form, status=400)


@operator_required
def abuse_lookup(request: HttpRequest) -> HttpResponse:
    """ABUSE-1: the campaign, account and sent message of any ID a recipient quotes."""
    quoted = request.GET.get("id", "").strip()[:500]
    found = lookup(quoted) if quoted else None
    return render(
        request,
        "console/abuse/lookup.html",
        {"section": "abuse", "quoted": quoted, "found": found},
    )
