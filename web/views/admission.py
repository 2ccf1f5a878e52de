"""A list's way to sending on its page: the bounce attestation, the audit with its
progress bar and download of what to clean, the sample, and the stale contacts with their
re-confirmation mailing (AUDIT-1..4)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from admission import selectors, services
from admission.models import ListAudit
from contacts.models import List
from core.actors import Actor
from core.errors import DomainError, NotFound
from delivery import freshness
from web.access import get_list_for_user
from web.htmx import render_page_or_partial

CLASS_LABELS = {
    "role": gettext_lazy("Role or generic addresses (info@, support@, …)"),
    "disposable": gettext_lazy("Disposable mailbox domains"),
    "no_mail_domain": gettext_lazy("Domains that accept no mail"),
    "invalid": gettext_lazy("Impossible addresses"),
    "provider_rule": gettext_lazy("Against the mailbox provider's rules"),
    "typo": gettext_lazy("Likely typing errors of a large domain"),
    "unknown_domain_state": gettext_lazy("Domain not answering (not counted)"),
}


class AttestForm(forms.Form):
    cleaned_on = forms.DateField(
        label=gettext_lazy("Hard bounces last removed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    confirm = forms.BooleanField(label=gettext_lazy("I confirm the text above."))


def admission_context(lst: List) -> dict[str, Any]:
    """What the list's page shows of its admission."""
    return {
        "standing": selectors.standing_of(lst),
        "attestation_text": services.attestation_wording(lst.account).text,
        "attest_form": AttestForm(initial={"cleaned_on": timezone.localdate()}),
        "stale_count": freshness.stale_contacts(lst).count(),
    }


def _audit_of(request: HttpRequest, slug: str, list_id: int, audit_id: int) -> ListAudit:
    lst = get_list_for_user(request, slug, list_id)
    try:
        found = selectors.audit_of(lst.account, audit_id)
    except NotFound:
        raise Http404("no such audit") from None
    if found.list_id != lst.pk:
        raise Http404("no such audit")
    return found


def _audit_context(found: ListAudit) -> dict[str, Any]:
    examples = selectors.examples_of(found)
    rows = [
        (CLASS_LABELS.get(name, name), count, examples.get(name, []))
        for name, count in sorted(found.counts.items(), key=lambda item: -item[1])
    ]
    return {
        "account": found.list.account,
        "section": "lists",
        "list": found.list,
        "audit": found,
        "rows": rows,
        "running": found.state == "running",
        "share": f"{found.share:.1%}",
        "limit": f"{found.limit:.0%}",
    }


@require_POST
@login_required
def audit_start(request: HttpRequest, slug: str, list_id: int) -> HttpResponse:
    lst = get_list_for_user(request, slug, list_id)
    found = services.start_audit(lst, actor=Actor.for_user(request.user, request))
    return redirect("web:list_audit", lst.account.slug, lst.pk, found.pk)


@require_GET
@login_required
def audit_detail(request: HttpRequest, slug: str, list_id: int, audit_id: int) -> HttpResponse:
    """The audit's progress bar while it runs (htmx poll), its report once done."""
    found = _audit_of(request, slug, list_id, audit_id)
    return render_page_or_partial(
        request, "web/lists/audit.html", "web/lists/_audit.html", _audit_context(found)
    )


@require_GET
@login_required
def audit_problems(request: HttpRequest, slug: str, list_id: int, audit_id: int) -> HttpResponse:
    """The problem addresses to clean, as CSV."""
    found = _audit_of(request, slug, list_id, audit_id)
    response = HttpResponse(selectors.problems_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{selectors.problems_filename(found)}"'
    return response


@require_POST
@login_required
def attest(request: HttpRequest, slug: str, list_id: int) -> HttpResponse:
    lst = get_list_for_user(request, slug, list_id)
    form = AttestForm(request.POST)
    if form.is_valid():
        try:
            services.attest_bounces_removed(
                lst,
                actor=Actor.for_user(request.user, request),
                cleaned_on=form.cleaned_data["cleaned_on"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Attestation recorded."))
    else:
        messages.error(request, _("Give the date and tick the confirmation."))
    return redirect("web:list", lst.account.slug, lst.pk)


@require_GET
@login_required
def stale(request: HttpRequest, slug: str, list_id: int) -> HttpResponse:
    """AUDIT-3: the contacts held back until they confirm again."""
    lst = get_list_for_user(request, slug, list_id)
    page = Paginator(freshness.stale_contacts(lst), 50).get_page(request.GET.get("page"))
    context = {"account": lst.account, "section": "lists", "list": lst, "page": page}
    return render(request, "web/lists/stale.html", context)


@require_POST
@login_required
def reconfirm(request: HttpRequest, slug: str, list_id: int) -> HttpResponse:
    lst = get_list_for_user(request, slug, list_id)
    sent = freshness.request_reconfirmations(lst, actor=Actor.for_user(request.user, request))
    messages.success(
        request, _("%(count)d re-confirmation mails are on their way.") % {"count": sent}
    )
    return redirect("web:list_stale", lst.account.slug, lst.pk)
