"""Campaigns in the operator's admin: read-only; sends are started by the account."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from campaigns.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "state", "kind", "created_at", "started_at"]
    list_filter = ["state", "kind"]
    search_fields = ["name", "subject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
