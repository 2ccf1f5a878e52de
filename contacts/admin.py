"""Contacts, lists and the untrusted list in the operator's admin. Changes go through services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contacts import services, untrusted
from contacts.models import Contact, List, Subscription, SuppressedDomain, Suppression
from contacts.rules import parse_untrusted
from core.actors import Actor
from core.addresses import address_key, normalise_address
from core.errors import DomainError


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ("list", "state", "state_changed_at")
    readonly_fields = ("list", "state", "state_changed_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["id", "address", "account", "status", "legal_basis", "created_at"]
    list_filter = ["status", "legal_basis", "account"]
    search_fields = ["address"]
    readonly_fields = (
        "account",
        "address",
        "address_hash",
        "status",
        "legal_basis",
        "status_changed_at",
        "created_at",
        "proof",
    )
    fields = (*readonly_fields[:-1], "first_name", "last_name", "fields", "proof")
    inlines = [SubscriptionInline]
    actions = ["delete_contacts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # contacts come through signup, import, API or the account's UI

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deletion means STATUS-4 erasure: the action below

    @admin.display(description="proof of consent")
    def proof(self, obj: Contact) -> str:
        url = reverse("admin:consent_proof_contact", args=[obj.pk])
        return format_html('<a href="{}">HTML</a> · <a href="{}?format=json">JSON</a>', url, url)

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        try:
            services.update_contact(
                obj,
                actor=Actor.for_user(request.user, request),
                first_name=obj.first_name,
                last_name=obj.last_name,
                fields=obj.fields,
            )
        except DomainError as exc:
            messages.error(request, exc.message)

    @admin.action(description="Delete: status D, personal data erased (STATUS-4)")
    def delete_contacts(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        actor = Actor.for_user(request.user, request)
        for contact in queryset:
            try:
                services.delete_contact(contact, actor=actor)
            except DomainError as exc:
                messages.error(request, f"{contact}: {exc.message}")


@admin.register(List)
class ListAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "language", "admitted", "blocked", "created_at"]
    list_filter = ["account", "language", "admitted", "blocked"]
    search_fields = ["name"]
    readonly_fields = ["admitted", "blocked"]
    actions = ["admit", "withdraw_admission", "block", "unblock"]

    def _admission(self, request: HttpRequest, queryset: QuerySet[List], **change: bool) -> None:
        actor = Actor.for_user(request.user, request)
        for lst in queryset:
            services.set_list_admission(
                lst, actor=actor, reason="changed in the Django admin", **change
            )
        messages.success(request, f"{queryset.count()} lists changed")

    @admin.action(description="Admit for sending (SEND-2, until list audits exist)")
    def admit(self, request: HttpRequest, queryset: QuerySet[List]) -> None:
        self._admission(request, queryset, admitted=True)

    @admin.action(description="Withdraw the admission")
    def withdraw_admission(self, request: HttpRequest, queryset: QuerySet[List]) -> None:
        self._admission(request, queryset, admitted=False)

    @admin.action(description="Block: no send to these lists")
    def block(self, request: HttpRequest, queryset: QuerySet[List]) -> None:
        self._admission(request, queryset, blocked=True)

    @admin.action(description="Lift the block")
    def unblock(self, request: HttpRequest, queryset: QuerySet[List]) -> None:
        self._admission(request, queryset, blocked=False)


class UntrustedForm(forms.ModelForm):
    """Adding to the untrusted list: the address is typed here and only its keyed hash
    is stored (IMPORT-11)."""

    entry = forms.CharField(
        label=_("Address"),
        max_length=254,
        help_text=_("The address; only its keyed hash is stored."),
    )

    class Meta:
        model = Suppression
        fields = ["reason", "note"]

    def clean_entry(self) -> str:
        text = self.cleaned_data["entry"]
        if text.strip().startswith("@"):
            raise forms.ValidationError(_("Add a whole domain as an untrusted domain."))
        try:
            parse_untrusted(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return text


class UntrustedDomainForm(forms.ModelForm):
    entry = forms.CharField(
        label=_("Domain"),
        max_length=253,
        help_text=_("The domain only, without its subdomains, e.g. example.de."),
    )

    class Meta:
        model = SuppressedDomain
        fields = ["reason", "note"]

    def clean_entry(self) -> str:
        text = "@" + self.cleaned_data["entry"].strip().lstrip("@")
        try:
            parse_untrusted(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return text


class UntrustedAdmin(admin.ModelAdmin):
    """Add, list, search and remove; entries are never edited, only added or removed.
    Every change goes through contacts.services."""

    list_filter = ["reason", "source"]
    actions = ["remove_entries"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["entry", "reason", "note"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        row, created = untrusted.add(
            form.cleaned_data["entry"],
            obj.reason,
            source=f"operator:{request.user.get_username()}",
            note=obj.note,
        )
        obj.pk, obj.created_at, obj.source, obj.note = row.pk, row.created_at, row.source, row.note
        if not created:
            messages.warning(request, _("This entry was already on the untrusted list."))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        untrusted.remove_rows([obj], by=f"operator:{request.user.get_username()}")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        untrusted.remove_rows(queryset, by=f"operator:{request.user.get_username()}")

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # the action below goes through the service
        return actions

    @admin.action(description=_("Remove from the untrusted list"), permissions=["delete"])
    def remove_entries(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        removed = untrusted.remove_rows(queryset, by=f"operator:{request.user.get_username()}")
        text = ngettext("%(count)d entry removed.", "%(count)d entries removed.", removed)
        messages.success(request, text % {"count": removed})


@admin.register(Suppression)
class SuppressionAdmin(UntrustedAdmin):
    form = UntrustedForm
    list_display = ["hash_prefix", "reason", "source", "created_at", "note"]
    readonly_fields = ["address_hash", "reason", "source", "created_at", "note"]
    search_help_text = _("Type the whole address: it is hashed, never stored or searched in clear.")
    search_fields = ["address_hash"]  # replaced below by the hash of the typed address

    @admin.display(description=_("address hash"))
    def hash_prefix(self, obj: Suppression) -> str:
        return f"{obj.address_hash[:16]}…"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            digest = address_key(normalise_address(term))
        except DomainError:
            return queryset.none(), False
        return queryset.filter(address_hash=digest), False


@admin.register(SuppressedDomain)
class SuppressedDomainAdmin(UntrustedAdmin):
    form = UntrustedDomainForm
    list_display = ["__str__", "reason", "source", "created_at", "note"]
    readonly_fields = ["domain", "reason", "source", "created_at", "note"]
    search_fields = ["domain"]
