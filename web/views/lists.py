"""Lists: their confirmed-subscriber counts, creating one, and one list's contacts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consent.selectors import forms_of
from contacts import services
from contacts.selectors import contacts_on_list, lists_of
from core.actors import Actor
from core.errors import Conflict, DomainError
from web.access import get_account_for_user, get_list_for_user
from web.errors import add_domain_error
from web.forms import ListForm
from web.views.admission import admission_context
from web.views.signup_forms import SignupFormForm

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@login_required
def lists(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    form = ListForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            lst = services.create_list(
                account,
                form.cleaned_data["name"],
                actor=Actor.for_user(request.user, request),
                language=form.cleaned_data["language"],
                description=form.cleaned_data["description"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, "name" if isinstance(exc, Conflict) else None)
        else:
            messages.success(request, _("List created."))
            return redirect("web:list", account.slug, lst.pk)
    context = {
        "account": account,
        "section": "lists",
        "lists": lists_of(account).order_by("name"),
        "form": form,
    }
    return render(request, "web/lists/list.html", context, status=400 if form.is_bound else 200)


@require_GET
@login_required
def list_detail(request: HttpRequest, slug: str, list_id: int) -> HttpResponse:
    lst = get_list_for_user(request, slug, list_id)
    members = contacts_on_list(lst.account, lst)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "account": lst.account,
        "section": "lists",
        "list": lst,
        "page": page,
        "forms": forms_of(lst.account, lst),
        "new_form": SignupFormForm(),
        **admission_context(lst),
    }
    return render(request, "web/lists/detail.html", context)
