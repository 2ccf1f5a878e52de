"""Forms of the operator's console: every field has a size limit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import AuditAction


class AuditFilterForm(forms.Form):
    account = forms.SlugField(label=_("Account"), max_length=60, required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("any")), *AuditAction.choices], required=False
    )
    actor = forms.CharField(label=_("Who"), max_length=100, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the range lies before its start."))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters, for core.audit.audit_entries."""
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class ReasonForm(forms.Form):
    """Every operator action in the console says why (ACCOUNT-2)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
