"""The operator's review (ACCOUNT-1, IMPORT-10): sign-ups waiting for a decision, one
account's case with its answers, domains, imports and lists, and the held imports."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import review
from accounts.models import Account, Application, CaseState
from accounts.selectors import review_queue
from console.access import operator_required
from contacts import services as contacts
from contacts.selectors import lists_of
from core.actors import Actor
from core.errors import DomainError
from domains.selectors import domains_of
from imports import hold
from imports.models import ImportJob
from imports.selectors import imports_of


@operator_required
def queue(request: HttpRequest) -> HttpResponse:
    context = {
        "section": "review",
        "waiting": review_queue(),
        "asked": Application.objects.filter(case_state=CaseState.ASKED).select_related("account"),
        "unconfirmed": Application.objects.filter(case_state=CaseState.UNCONFIRMED)
        .select_related("account")
        .order_by("-submitted_at")[:50],
        "held": hold.held_imports()[:100],
        "accounts": Account.objects.order_by("slug")[:500],
    }
    return render(request, "console/review/queue.html", context)


@operator_required
def case(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_object_or_404(Account, slug=slug)
    application = Application.objects.filter(account=account).first()
    context = {
        "section": "review",
        "account": account,
        "application": application,
        "conversation": application.messages.select_related("author") if application else [],
        "domains": domains_of(account),
        "imports": imports_of(account)[:20],
        "lists": lists_of(account),
    }
    return render(request, "console/review/case.html", context)


def _back(request: HttpRequest, slug: str) -> HttpResponse:
    return redirect("console:review_case", slug)


@require_POST
@operator_required
def decide(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_object_or_404(Account, slug=slug)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")[: review.MAX_REASON + 1]
    try:
        if decision in review.DECISIONS:
            review.decide(account, decision, operator=request.user, reason=reason)
        elif decision in ("reduced", "normal"):
            review.set_speed(
                account, reduced=decision == "reduced", operator=request.user, reason=reason
            )
        elif decision in ("hold_imports", "release_imports"):
            review.set_import_review(
                account, held=decision == "hold_imports", operator=request.user, reason=reason
            )
        else:
            raise Http404("no such decision")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: recorded in the audit log."))
    return _back(request, slug)


@require_POST
@operator_required
def admit_list(request: HttpRequest, slug: str, list_id: int) -> HttpResponse:
    """The operator's override: the list is admitted for sending without its audit."""
    account = get_object_or_404(Account, slug=slug)
    lst = get_object_or_404(lists_of(account), pk=list_id)
    admitted = request.POST.get("admitted") == "on"
    contacts.set_list_admission(lst, actor=Actor.for_user(request.user, request), admitted=admitted)
    messages.success(request, _("Done: recorded in the audit log."))
    return _back(request, slug)


@require_POST
@operator_required
def import_decide(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("account"), pk=job_id)
    reason = request.POST.get("reason", "")[: hold.MAX_REASON + 1]
    action = hold.release if request.POST.get("decision") == "release" else hold.refuse
    try:
        action(job, operator=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: recorded in the audit log."))
    return redirect("console:review")


urls = [
    path("", queue, name="review"),
    path("imports/<int:job_id>/", import_decide, name="review_import"),
    path("<slug:slug>/", case, name="review_case"),
    path("<slug:slug>/decide/", decide, name="review_decide"),
    path("<slug:slug>/lists/<int:list_id>/", admit_list, name="review_admit_list"),
]
