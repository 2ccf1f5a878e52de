"""Operators' review queue: inbound mail that could not be matched or processed (BOUNCE-1)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from feedback.models import InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "received_at", "state", "route", "account", "mail_from", "size", "reason")
    list_filter = ("state", "route")
    search_fields = ("reason", "mail_from")
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "raw"] + ["source"]
    exclude = ("raw",)

    @admin.display(description="raw message")
    def source(self, obj: InboundMessage) -> str:
        return bytes(obj.raw).decode("utf-8", "replace")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
