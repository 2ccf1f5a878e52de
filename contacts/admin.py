"""Contacts, lists and suppression in the operator's admin. Status changes go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from contacts import services
from contacts.models import Contact, List, Subscription, Suppression
from core.actors import Actor
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
            services.set_list_admission(lst, actor=actor, **change)
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


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["address_hash", "reason", "created_at", "note"]
    list_filter = ["reason"]
    readonly_fields = ["address_hash", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added by address through `suppress`, which stores only the hash
