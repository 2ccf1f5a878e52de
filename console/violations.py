"""Violations of the sending policy (QUALITY-3) in the console: what happened, the account's
remediation, and the operator lifting the measures with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.access import operator_required
from console.forms import ReasonForm
from core.actors import Actor
from core.errors import DomainError
from governance import services
from governance.models import Violation, ViolationState

SHOWN = 200


@operator_required
def violations(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    rows = Violation.objects.select_related("account", "campaign").order_by("-created_at")
    if state in ViolationState.values:
        rows = rows.filter(state=state)
    else:
        rows = rows.exclude(state=ViolationState.LIFTED)
    context = {
        "section": "violations",
        "violations": rows[:SHOWN],
        "state": state,
        "states": ViolationState.choices,
        "lift_form": ReasonForm(),
    }
    return render(request, "console/violations.html", context)


@require_POST
@operator_required
def violation_lift(request: HttpRequest, violation_id: int) -> HttpResponse:
    violation = Violation.objects.filter(pk=violation_id).first()
    if violation is None:
        raise Http404("no such violation")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why: the reason is kept in the audit log."))
        return redirect("console:violations")
    try:
        services.lift(
            violation,
            actor=Actor.for_user(request.user, request),
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The measures are lifted."))
    return redirect("console:violations")
