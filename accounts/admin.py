"""Operators manage accounts, memberships and API keys here (ACCOUNT-1/2)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import (
    Account,
    ApiKey,
    Application,
    CustomerGroup,
    GuidelinesAcceptance,
    Membership,
    ReviewState,
)
from core.errors import DomainError
from core.readonly_admin import ReadOnlyAdmin


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
    list_display = [
        "slug",
        "name",
        "review_state",
        "customer_group",
        "own_mail_server",
        "created_at",
    ]
    list_filter = ["review_state", "own_mail_server", "customer_group"]
    search_fields = ["slug", "name"]
    # The customer group changes through `consentry account group` (in the audit log).
    readonly_fields = ["review_state", "reviewed_at", "created_at", "customer_group"]
    inlines = [MembershipInline]
    actions = [
        _review(ReviewState.ACTIVE, "Activate (after review)"),
        _review(ReviewState.SUSPENDED, "Suspend"),
    ]


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    """ACCOUNT-3: the customers' groups, each with its accounts (read only here)."""

    list_display = ["name", "created_at"]
    search_fields = ["name", "accounts__slug"]
    readonly_fields = ["name", "created_at", "members"]

    @admin.display(description="accounts")
    def members(self, group: CustomerGroup) -> str:
        return ", ".join(group.accounts.values_list("slug", flat=True)) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


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


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["account", "owner_email", "case_state", "submitted_at", "queued_at"]
    list_filter = ["case_state"]


@admin.register(GuidelinesAcceptance)
class GuidelinesAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "user", "version", "context", "list_id", "accepted_at"]
    list_filter = ["version", "context"]
