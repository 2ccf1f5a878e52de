"""One account in the console: its state, measures, violations and audit log (ACCOUNT-2),
and the operator's actions on it, each with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import services as accounts
from accounts.models import Account, ReviewState
from console.access import operator_required
from console.forms import ReasonForm
from contacts import services as contacts
from contacts.models import List
from core.actors import Actor
from core.audit import entries_of_account
from core.errors import DomainError
from governance.models import Violation

ENTRIES_SHOWN = 100
LISTS_SHOWN = 200


def account_or_404(slug: str) -> Account:
    account = Account.objects.filter(slug=slug).first()
    if account is None:
        raise Http404("no such account")
    return account


@operator_required
def account(request: HttpRequest, slug: str) -> HttpResponse:
    found = account_or_404(slug)
    context = {
        "section": "accounts",
        "account": found,
        "entries": entries_of_account(found)[:ENTRIES_SHOWN],
        "violations": Violation.objects.filter(account=found).order_by("-created_at")[:20],
        "lists": List.objects.filter(account=found).order_by("name")[:LISTS_SHOWN],
        "form": ReasonForm(),
    }
    return render(request, "console/account.html", context)


# The buttons of the account page and what each says once done.
ACTIONS = {
    "suspend": gettext_lazy("Account suspended."),
    "activate": gettext_lazy("Account activated."),
    "reduce_speed": gettext_lazy("Sends of this account now run at the reduced speed."),
    "lift_speed": gettext_lazy("The reduced speed is lifted."),
}


@require_POST
@operator_required
def account_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    found = account_or_404(slug)
    if action not in ACTIONS:
        raise Http404("no such action")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why: the reason is kept in the audit log."))
        return redirect("console:account", slug)
    reason = form.cleaned_data["reason"]
    try:
        if action in ("suspend", "activate"):
            target = ReviewState.SUSPENDED if action == "suspend" else ReviewState.ACTIVE
            accounts.change_review_state(found, target, note=reason, actor=request.user)
        else:
            reduced = action == "reduce_speed"
            accounts.set_reduced_speed(found, reduced, actor=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(ACTIONS[action]))
    return redirect("console:account", slug)


# List admission buttons: the field each one sets and its value (SEND-2, QUALITY-3).
ADMISSION = {
    "admit": ("admitted", True),
    "withdraw": ("admitted", False),
    "block": ("blocked", True),
    "unblock": ("blocked", False),
}


@require_POST
@operator_required
def list_admission(request: HttpRequest, slug: str, list_id: int, change: str) -> HttpResponse:
    found = account_or_404(slug)
    lst = List.objects.filter(account=found, pk=list_id).first()
    if lst is None or change not in ADMISSION:
        raise Http404("no such list or change")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why: the reason is kept in the audit log."))
        return redirect("console:account", slug)
    field, value = ADMISSION[change]
    contacts.set_list_admission(
        lst,
        actor=Actor.for_user(request.user, request),
        reason=form.cleaned_data["reason"],
        **{field: value},
    )
    messages.success(request, _("The list “%(name)s” is changed.") % {"name": lst.name})
    return redirect("console:account", slug)
