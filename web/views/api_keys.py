"""API keys: owners and operators create and revoke them; members never see them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.selectors import api_keys_of
from core.errors import DomainError
from web.access import MANAGERS, get_account_for_user, get_api_key_for_user
from web.errors import add_domain_error, raise_for_http
from web.forms import ApiKeyForm


@never_cache  # the answer to a creation carries the plain key: no cache may keep it
@require_http_methods(["GET", "POST"])
@login_required
def api_keys(request: HttpRequest, slug: str) -> HttpResponse:
    """POST answers with the page itself, not a redirect: the plain key is shown this once
    and never stored, not even in the session."""
    account = get_account_for_user(request, slug, roles=MANAGERS)
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    created = plain = None
    if form.is_valid():
        try:
            created, plain = services.create_api_key(
                account, form.cleaned_data["name"], by=request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc, "name")
        else:
            form = ApiKeyForm()
    context = {
        "account": account,
        "section": "api_keys",
        "keys": api_keys_of(account).select_related("created_by"),
        "form": form,
        "created": created,
        "plain_key": plain,
    }
    failed = form.is_bound and created is None
    return render(request, "web/api_keys/list.html", context, status=400 if failed else 200)


@require_POST
@login_required
def api_key_revoke(request: HttpRequest, slug: str, key_id: int) -> HttpResponse:
    key = get_api_key_for_user(request, slug, key_id)
    try:
        services.revoke_api_key(key, actor=request.user)
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("API key “%(name)s” revoked.") % {"name": key.name})
    return redirect("web:api_keys", slug)
