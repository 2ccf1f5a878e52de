"""Contacts: the table with search and filter, adding one, its page, status and deletion."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import user_names
from consent.models import EvidenceRecord
from consent.proof import build_bundle_for_contact, render_bundle_html
from consent.selectors import status_history
from contacts import selectors, services
from contacts.models import Contact
from contacts.rules import Cause, Status
from contacts.selectors import contacts_of
from core.actors import Actor
from core.addresses import InvalidAddress
from core.errors import Conflict, DomainError
from governance import subject_access
from imports import manual
from imports.services import CUSTOMER_CONTACT, ORIGIN
from web import labels
from web.access import get_account_for_user, get_contact_for_user
from web.errors import add_domain_error, raise_for_http
from web.forms import ContactFilterForm, ContactForm, StatusForm
from web.htmx import render_page_or_partial

PAGE_SIZE = 50


def _cause(request: HttpRequest) -> Cause:
    # STATUS-6 records who acted: an operator working in an account is not the account's user.
    return Cause.OPERATOR if request.user.is_staff else Cause.USER


@require_http_methods(["GET", "POST"])
@login_required
def contacts(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the table (only the table for htmx). POST: add a contact, then go to its page."""
    account = get_account_for_user(request, slug)
    form = ContactForm(account, request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            # A one-row import: the source's proof, both attestations and the row rules.
            contact = manual.add_contact(
                account,
                [data["subscribe_to"]],
                data["address"],
                actor=Actor.for_user(request.user, request),
                user=request.user,
                source=data["source"],
                attested=[ORIGIN, CUSTOMER_CONTACT],
                first_name=data["first_name"],
                last_name=data["last_name"],
                last_contact=data["last_contact"],
                product_category=data["product_category"],
                evidence_ref=data["evidence_ref"],
                sponsors=form.sponsor_list(),
            )
        except DomainError as exc:
            field = "address" if isinstance(exc, InvalidAddress | Conflict) else None
            add_domain_error(form, exc, field)
        else:
            messages.success(request, _("Contact added."))
            return redirect("web:contact", account.slug, contact.pk)

    filters = ContactFilterForm(request.GET)
    filters.is_valid()  # an invalid filter is dropped, the rest still applies
    query = contacts_of(
        account,
        status=filters.cleaned_data.get("status", ""),
        search=filters.cleaned_data.get("q", "").strip(),
    )
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "account": account,
        "section": "contacts",
        "page": page,
        "filters": filters,
        "form": form,
    }
    return render_page_or_partial(
        request,
        "web/contacts/list.html",
        "web/contacts/_table.html",
        context,
        status=400 if form.is_bound else 200,
    )


@dataclass(frozen=True)
class HistoryRow:
    record: EvidenceRecord
    by: str


def _render_contact(
    request: HttpRequest, contact: Contact, status_form: StatusForm, *, status: int = 200
) -> HttpResponse:
    account = contact.account
    records = list(status_history(account, contact)[:200])
    names = user_names([r.actor for r in records])
    context = {
        "account": account,
        "section": "contacts",
        "contact": contact,
        "subscriptions": selectors.subscriptions_of(contact),
        "history": [HistoryRow(r, names.get(r.actor, r.actor)) for r in records],
        "status_form": status_form,
        "is_deleted": contact.status == Status.DELETED,
        "awaiting_confirmation": selectors.awaiting_confirmation(contact),
    }
    return render(request, "web/contacts/detail.html", context, status=status)


@require_GET
@login_required
def contact(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    found = get_contact_for_user(request, slug, contact_id)
    return _render_contact(request, found, StatusForm())


@require_POST
@login_required
def contact_status(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    """A user records what they learnt; contacts.rules refuses what only the person may do."""
    found = get_contact_for_user(request, slug, contact_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        target = Status(form.cleaned_data["status"])
        try:
            services.change_status(
                found,
                target,
                actor=Actor.for_user(request.user, request),
                cause=_cause(request),
                ref=form.cleaned_data["ref"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, "status")
        else:
            messages.success(
                request, _("Status is now %(status)s.") % {"status": labels.STATUS[target]}
            )
            return redirect("web:contact", slug, found.pk)
    return _render_contact(request, found, form, status=400)


@require_POST
@login_required
def contact_delete(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    """STATUS-4: status D, address and names erased; the evidence and the hash stay."""
    found = get_contact_for_user(request, slug, contact_id)
    try:
        services.delete_contact(found, actor=Actor.for_user(request.user, request))
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Contact deleted: its personal data is erased."))
    return redirect("web:contact", slug, found.pk)


@require_GET
@login_required
def contact_proof(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    """CONSENT-3: the contact's proof bundle, as a page or (?format=json) as data."""
    bundle = build_bundle_for_contact(get_contact_for_user(request, slug, contact_id))
    if request.GET.get("format") == "json":
        return JsonResponse(bundle, json_dumps_params={"indent": 2, "ensure_ascii": False})
    return HttpResponse(render_bundle_html(bundle))


@require_GET
@login_required
def contact_personal_data(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    """PRIVACY-1: everything held about the person (Art. 15 GDPR), as a page or
    (?format=json, Art. 20) as a download to hand over."""
    contact = get_contact_for_user(request, slug, contact_id)
    data = subject_access.personal_data(contact)
    if request.GET.get("format") == "json":
        response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="personal-data-{contact.pk}.json"'
        return response
    return HttpResponse(subject_access.render_html(data))
