"""Forms: they parse and check shape; the services decide what the domain allows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from contacts.models import List
from contacts.rules import Status
from contacts.selectors import lists_of
from imports.services import CUSTOMER_CONTACT, ORIGIN, attestation_text
from web import labels

# Lazy: the words are chosen per request, in the language of the user.
STATUS_CHOICES = [
    (code, format_lazy("{} · {}", code, name)) for code, name in labels.STATUS.items()
]


class ContactFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Search address or name"),
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *STATUS_CHOICES]
    )


class ContactForm(forms.Form):
    # A plain text field: core.addresses decides what an address is, in one place.
    address = forms.CharField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    source = forms.ChoiceField(
        label=_("Where the address comes from"),
        # No default: the source is a claim the user makes on purpose, never by omission.
        # Double opt-in is not offered: that person signs up through a form.
        choices=[("", _("— choose —")), *labels.HAND_SOURCE.items()],
    )
    subscribe_to = forms.ModelChoiceField(
        label=_("List the contact joins"), queryset=List.objects.none()
    )
    last_contact = forms.DateField(
        label=_("Last purchase or contact (existing customers)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    product_category = forms.CharField(
        label=_("Product category bought (existing customers)"), max_length=200, required=False
    )
    evidence_ref = forms.CharField(
        label=_("Where the written proof is kept (business card, offline form)"),
        max_length=300,
        required=False,
    )
    sponsors = forms.CharField(
        label=_("Sponsors named to the person, one per line (co-registration)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attest_origin = forms.BooleanField(required=True)
    attest_customer_contact = forms.BooleanField(required=True)

    def __init__(self, account: Account, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the account's own lists can be chosen (PRIVACY-2).
        self.fields["subscribe_to"].queryset = lists_of(account)  # type: ignore[attr-defined]
        # IMPORT-2: the exact words confirmed, as on the import page.
        self.fields["attest_origin"].label = attestation_text(ORIGIN, account)
        self.fields["attest_customer_contact"].label = attestation_text(CUSTOMER_CONTACT, account)

    def sponsor_list(self) -> list[str]:
        return [s.strip() for s in self.cleaned_data.get("sponsors", "").splitlines() if s.strip()]


class StatusForm(forms.Form):
    # D is not offered: deleting erases data and has its own confirmed button (STATUS-4).
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[c for c in STATUS_CHOICES if c[0] != Status.DELETED],
    )
    ref = forms.CharField(
        label=_("Reference"),
        max_length=200,
        required=False,
        help_text=_("How you learnt it, e.g. “phone call of 3 May”."),
    )


class ListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=list(labels.LANGUAGE.items()),
        help_text=_("The language of its signup and unsubscribe pages."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the key will be used, e.g. “shop backend”."),
    )


class ProfileForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser asks")), *settings.LANGUAGES],
        help_text=_("The language of these pages for you; other users choose their own."),
    )
