"""The policy in force, readable and editable in the console; every change says why and is
recorded in the audit log (issue 21, item 4)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account
from console.access import operator_required
from core.errors import DomainError
from policy import services
from policy.defaults import BY_KEY, ITEMS
from policy.selectors import effective_table


class PolicyForm(forms.Form):
    key = forms.ChoiceField(
        label=gettext_lazy("Setting"), choices=[(i.key, i.description) for i in ITEMS]
    )
    account = forms.SlugField(
        label=gettext_lazy("Account"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Empty: the value for the whole platform."),
    )
    value = forms.CharField(
        label=gettext_lazy("Value"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "Empty: back to the next level (the platform value, then the default)."
        ),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)

    def clean_account(self) -> Account | None:
        slug = self.cleaned_data.get("account", "")
        if not slug:
            return None
        found = Account.objects.filter(slug=slug).first()
        if found is None:
            raise forms.ValidationError(_("No account with this name."))
        return found


@operator_required
def policy(request: HttpRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            if data["value"].strip():
                services.set_value(
                    data["key"], data["value"], account=data["account"],
                    by=request.user, reason=data["reason"],
                )  # fmt: skip
            else:
                services.clear_value(
                    data["key"], account=data["account"], by=request.user, reason=data["reason"]
                )
        except DomainError as exc:
            form.add_error("value", exc.message)
        else:
            messages.success(request, _("The policy is changed."))
            return redirect("console:policy")
    rows = [
        {"item": BY_KEY[key], "value": value, "origin": origin}
        for key, value, origin in effective_table()
    ]
    context = {"section": "policy", "rows": rows, "form": form}
    return render(request, "console/policy.html", context, status=400 if form.errors else 200)
