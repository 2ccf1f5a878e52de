"""Checking addresses: what the imports, signup forms and the list audit would say of each
(AUDIT-1). Stores nothing; the addresses are posted, never put in a URL."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from contacts.addresses import REFUSED
from domains.mailhosts import check_addresses
from web.access import get_account_for_user

MAX_ADDRESSES = 100

# What each class means, in words a user reads.
CLASS_LABELS = {
    "role": _("role or generic address (info@, support@, …)"),
    "disposable": _("disposable (throw-away) mail domain"),
    "no_mail_domain": _("the domain accepts no mail"),
    "invalid": _("not a valid email address"),
    "provider_rule": _("the mail provider allows no such address"),
    "typo": _("probably a typo"),
    "unknown_domain_state": _("the domain could not be checked (no DNS answer)"),
}


class AddressCheckForm(forms.Form):
    addresses = forms.CharField(
        label=_("Addresses"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_ADDRESSES * 330,
        help_text=_("One per line, up to 100."),
    )
    dns = forms.BooleanField(
        label=_("Ask DNS whether each domain accepts mail"), required=False, initial=True
    )

    def clean_addresses(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["addresses"].splitlines()]
        given = [line[:320] for line in lines if line]
        if len(given) > MAX_ADDRESSES:
            raise forms.ValidationError(_("Check at most 100 addresses at a time."))
        return given


@require_http_methods(["GET", "POST"])
@login_required
def address_check(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_user(request, slug)
    form = AddressCheckForm(request.POST if request.method == "POST" else None)
    results = []
    if form.is_valid():
        for check in check_addresses(form.cleaned_data["addresses"], dns=form.cleaned_data["dns"]):
            results.append(
                {
                    "address": check.address,
                    "refused": check.refused,
                    "labels": [CLASS_LABELS[name] for name in check.classes],
                    "suggestion": check.suggestion,
                }
            )
    context = {
        "account": account,
        "section": "contacts",
        "form": form,
        "results": results,
        "refusing": [CLASS_LABELS[name] for name in sorted(REFUSED)],
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "web/contacts/address_check.html", context, status=status)
