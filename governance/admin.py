"""Operators see violations and lift their measures once the account has stated how it
prevents further ones (QUALITY-3)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.actors import Actor
from core.errors import DomainError
from governance import services
from governance.models import Violation


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    list_display = ("pk", "created_at", "account", "campaign", "kind", "isp", "state")
    list_filter = ("state", "kind")
    readonly_fields = [f.name for f in Violation._meta.fields]
    actions = ["lift_measures"]

    @admin.action(description="Lift the measures (after the account's statement)")
    def lift_measures(self, request: HttpRequest, queryset: QuerySet[Violation]) -> None:
        for violation in queryset:
            try:
                services.lift(violation, actor=Actor.for_user(request.user, request))
            except DomainError as exc:
                self.message_user(request, f"#{violation.pk}: {exc.message}", messages.ERROR)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
