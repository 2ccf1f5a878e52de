"""The operator's API keys (issue 21, item 9): valid on /api/v1/operator/... only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from console.access import operator_required
from console.forms import ReasonForm
from core.errors import DomainError
from core.operator_keys import create_operator_key, operator_keys, revoke_operator_key


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)


@operator_required
def keys(request: HttpRequest) -> HttpResponse:
    """Each operator sees and makes their own keys; a superuser sees everyone's."""
    form = KeyForm(request.POST or None)
    plain = ""
    if request.method == "POST" and form.is_valid():
        try:
            _key, plain = create_operator_key(request.user, form.cleaned_data["name"])
        except DomainError as exc:
            form.add_error("name", exc.message)
        else:
            form = KeyForm()
    shown = operator_keys(None if request.user.is_superuser else request.user)
    context = {
        "section": "keys",
        "keys": shown[:200],
        "form": form,
        "plain": plain,
        "revoke_form": ReasonForm(),
    }
    response = render(request, "console/keys.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # a new key is on this page once
    return response


@require_POST
@operator_required
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    key = operator_keys(None if request.user.is_superuser else request.user).filter(pk=key_id)
    found = key.first()
    if found is None:
        raise Http404("no such key")
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if revoke_operator_key(found, actor=request.user, reason=reason):
        messages.success(request, _("The key is revoked."))
    return redirect("console:keys")
