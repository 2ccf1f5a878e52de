"""The operator's view of audits, attestations and sample sends (read only: they are
written by the services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from admission.models import BounceAttestation, ListAudit, SampleSend


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ListAudit)
class ListAuditAdmin(ReadOnly):
    list_display = ["id", "list", "account", "state", "total", "problems", "share", "admitted"]
    list_filter = ["state", "admitted", "account"]
    exclude = ["examples"]  # addresses: shown to the account on its list's page


@admin.register(BounceAttestation)
class BounceAttestationAdmin(ReadOnly):
    list_display = ["id", "list", "account", "cleaned_on", "actor", "created_at"]


@admin.register(SampleSend)
class SampleSendAdmin(ReadOnly):
    list_display = ["id", "campaign_id", "account", "state", "size", "population", "verdict_at"]
    list_filter = ["state", "account"]
