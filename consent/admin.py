"""The evidence ledger in the admin: read-only, plus the proof bundle page (CONSENT-3)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from accounts.models import Account
from consent.models import EvidenceRecord, Wording
from consent.proof import build_bundle, build_bundle_for_contact, render_bundle_html
from consent.services import publish_wording
from contacts.models import Contact
from core.errors import DomainError


def bundle_response(account: Account, address: str, fmt: str) -> HttpResponse:
    bundle = build_bundle(account, address)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(bundle, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = f'inline; filename="proof-{bundle["contact"]["id"]}.json"'
        return response
    return HttpResponse(render_bundle_html(bundle))


class ProofForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.all(), to_field_name="slug")
    address = forms.CharField(max_length=254)
    format = forms.ChoiceField(choices=[("html", "HTML"), ("json", "JSON")])


@admin.register(EvidenceRecord)
class EvidenceRecordAdmin(admin.ModelAdmin):
    list_display = ["seq", "account", "kind", "contact_id", "actor", "created_at"]
    list_filter = ["kind", "account"]
    list_select_related = ["account"]
    ordering = ["account", "-seq"]
    exclude = ["sealed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("proof/", view(self.proof_view), name="consent_proof"),
            path(
                "proof/<int:contact_id>/",
                view(self.proof_contact_view),
                name="consent_proof_contact",
            ),
            *super().get_urls(),
        ]

    def proof_view(self, request: HttpRequest) -> HttpResponse:
        """Look up an address in an account and show its proof bundle."""
        form = ProofForm(request.GET or None)
        error = ""
        if form.is_valid():
            try:
                return bundle_response(
                    form.cleaned_data["account"],
                    form.cleaned_data["address"],
                    form.cleaned_data["format"],
                )
            except DomainError as exc:
                error = exc.message
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "error": error,
            "title": "Proof of consent",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/consent/proof_form.html", context)

    def proof_contact_view(self, request: HttpRequest, contact_id: int) -> HttpResponse:
        contact = get_object_or_404(Contact.objects.select_related("account"), pk=contact_id)
        bundle = build_bundle_for_contact(contact)
        if request.GET.get("format") == "json":
            return HttpResponse(
                json.dumps(bundle, indent=2, ensure_ascii=False), content_type="application/json"
            )
        return HttpResponse(render_bundle_html(bundle))


class WordingForm(forms.ModelForm):
    class Meta:
        model = Wording
        fields = ["account", "key", "language", "text"]


@admin.register(Wording)
class WordingAdmin(admin.ModelAdmin):
    form = WordingForm
    list_display = ["key", "version", "language", "account", "created_at"]
    list_filter = ["key", "language"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a change is a new version: add one

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Wording, form: Any, change: bool) -> None:
        saved = publish_wording(obj.key, obj.text, account=obj.account, language=obj.language)
        obj.pk, obj.version = saved.pk, saved.version
        obj._state.adding = False
