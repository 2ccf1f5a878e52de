"""Imports in the operator's admin: read-only; imports are made by the account (web, API,
CLI) and move only through imports.services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.readonly_admin import ReadOnlyAdmin
from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("pk", "account", "file_name", "source", "state", "rows_total", "created")
    list_filter = ("state", "source")
    search_fields = ("account__slug", "file_name", "file_sha256")
    exclude = ("file_path", "report_path")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            f.name for f in ImportJob._meta.fields if f.name not in ("file_path", "report_path")
        ]
