"""Operators manage accounts, memberships and API keys here (ACCOUNT-1/2)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import Account, ApiKey, Membership, ReviewState
from core.errors import DomainError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


def _review(state: str, label: str) -> Any:
    @admin.action(description=label)
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Account]
    ) -> None:
        for account in queryset:
            try:
                services.change_review_state(
                    account,
                    state,
                    note=str(_("by decision of the platform operator")),
                    actor=request.user,
                )
            except DomainError as exc:
                messages.error(request, f"{account.slug}: {exc.message}")
            else:
                messages.success(request, f"{account.slug}: {state}")

    action.__name__ = f"make_{state}"
    return action


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "review_state", "own_mail_server", "created_at"]
    list_filter = ["review_state", "own_mail_server"]
    search_fields = ["slug", "name"]
    readonly_fields = ["review_state", "reviewed_at", "created_at"]
    inlines = [MembershipInline]
    actions = [
        _review(ReviewState.ACTIVE, "Activate (after review)"),
        _review(ReviewState.SUSPENDED, "Suspend"),
    ]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["account"]
    fields = ["account", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        return [*self.readonly_fields, "account"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        # The key is made by the service and shown once; only its hash is stored.
        key, plain = services.create_api_key(obj.account, obj.name, by=request.user)
        obj.pk, obj.prefix, obj.key_hash = key.pk, key.prefix, key.key_hash
        obj._state.adding = False
        messages.warning(request, f"API key (shown only now, copy it): {plain}")

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.revoke_api_key(key, actor=request.user, reason="revoked in the Django admin")
