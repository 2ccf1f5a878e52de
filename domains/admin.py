"""Sender domains in the operator's admin: read-only, with a "check now" action.

Private keys are never shown; domains are added by the account (web, API, CLI) and their
status moves only through domains.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.actors import Actor
from domains import services
from domains.models import DkimKey, DomainCheck, SenderDomain


class DomainCheckInline(admin.TabularInline):
    model = DomainCheck
    extra = 0
    fields = ("kind", "state", "message", "found", "checked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DkimKeyInline(admin.TabularInline):
    model = DkimKey
    extra = 0
    fields = ("selector", "algorithm", "public_key", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SenderDomain)
class SenderDomainAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "status", "verified_at", "last_checked_at"]
    list_filter = ["status"]
    search_fields = ["name", "account__slug"]
    fields = (
        "account",
        "name",
        "status",
        "status_changed_at",
        "verified_at",
        "last_passed_at",
        "last_checked_at",
        "created_at",
    )
    readonly_fields = fields
    inlines = [DkimKeyInline, DomainCheckInline]
    actions = ["check_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Check the selected domains in DNS now")
    def check_now(self, request: HttpRequest, queryset: QuerySet[SenderDomain]) -> None:
        actor = Actor.for_user(request.user, request)
        for domain in queryset:
            checked = services.check_domain(domain, actor=actor)
            messages.info(request, f"{checked.name}: {checked.status}")
