"""The sandbox mailbox in the admin: read-only, with a link to the message's own page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from carrier.models import CapturedMessage


@admin.register(CapturedMessage)
class CapturedMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "account", "recipients", "subject", "kind", "size"]
    list_filter = ["kind", "account"]
    list_select_related = ["account"]
    search_fields = ["subject", "message_id", "mail_from"]
    ordering = ["-created_at", "-id"]
    exclude = ["raw"]
    readonly_fields = [
        "account",
        "mail_from",
        "rcpt_to",
        "subject",
        "message_id",
        "kind",
        "tags",
        "size",
        "created_at",
        "mailbox_page",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CapturedMessage]:
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # only the sandbox transport captures

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="to")
    def recipients(self, obj: CapturedMessage) -> str:
        return ", ".join(obj.rcpt_to)

    @admin.display(description="sandbox mailbox")
    def mailbox_page(self, obj: CapturedMessage) -> str:
        url = reverse("web:sandbox_all_message", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, "headers, text, HTML and raw source")
