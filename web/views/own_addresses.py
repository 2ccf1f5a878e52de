"""Test addresses: a member adds an address of theirs for test sends and confirms it by
the link mailed to it (SEND-2: test mail goes to the account's own people only)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors
from accounts.rules import MAX_TEST_ADDRESSES
from accounts.services import address_for_token
from core.actors import Actor
from core.errors import DomainError, InvalidInput, NotFound
from core.http import client_ip
from delivery import own_addresses
from web.access import MANAGERS, get_account_for_user
from web.errors import add_domain_error, raise_for_http


class TestAddressForm(forms.Form):
    __test__ = False  # a form, not a test class

    address = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        help_text=gettext_lazy("A confirmation mail with a link goes to it."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def test_address_list(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    form = TestAddressForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            row, outcome = own_addresses.add_test_address(
                account,
                request.user,
                form.cleaned_data["address"],
                actor=Actor.for_user(request.user, request),
            )
        except DomainError as exc:
            add_domain_error(form, exc, "address")
        else:
            messages.success(
                request,
                _("A confirmation mail went to %(address)s: open its link to confirm.")
                % {"address": row.address},
            )
            if not outcome.startswith("2"):
                messages.error(
                    request,
                    _("The confirmation mail was not accepted: %(reply)s") % {"reply": outcome},
                )
            return redirect("web:test_addresses", account.slug)
    context = {
        "account": account,
        "section": "campaigns",
        "form": form,
        "logins": account.member_login_addresses(),
        "rows": selectors.added_test_addresses(account),
        "max_addresses": MAX_TEST_ADDRESSES,
    }
    return render(
        request, "web/test_addresses/list.html", context, status=400 if form.is_bound else 200
    )


@require_POST
@login_required
def test_address_remove(request: HttpRequest, slug: str, address_id: int) -> HttpResponse:
    """The member who added it, or an owner, removes an address."""
    account = get_account_for_user(request, slug)
    try:
        row = selectors.added_test_address(account, address_id)
    except NotFound:
        raise Http404("no such test address") from None
    if row.user_id != request.user.pk and request.account_role not in MANAGERS:  # type: ignore[attr-defined]
        raise PermissionDenied
    own_addresses.remove_test_address(row, actor=Actor.for_user(request.user, request))
    messages.success(request, _("%(address)s removed.") % {"address": row.address})
    return redirect("web:test_addresses", account.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def test_address_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the mail: GET shows one button (a mail scanner that follows links
    confirms nothing), POST confirms. No sign-in: the link proves the mailbox."""
    try:
        row = address_for_token(token)
        if request.method == "POST":
            actor = Actor("public", "test-address-link", client_ip(request))
            row = own_addresses.confirm_test_address(token, actor=actor)
    except InvalidInput as exc:
        raise_for_http(exc)
        return render(
            request, "web/test_addresses/confirm.html", {"error": exc.message}, status=404
        )
    return render(request, "web/test_addresses/confirm.html", {"row": row})
