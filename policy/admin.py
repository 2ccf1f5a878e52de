"""The policy table in the admin: values are checked like everywhere else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core.errors import InvalidInput
from policy.defaults import BY_KEY
from policy.models import PolicySetting
from policy.rules import parse_value


class PolicySettingForm(forms.ModelForm):
    class Meta:
        model = PolicySetting
        fields = ["key", "account", "value"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key, raw = data.get("key"), data.get("value")
        if key and raw is not None:
            try:
                parse_value(BY_KEY[key], raw)
            except InvalidInput as exc:
                self.add_error("value", exc.message)
        return data


@admin.register(PolicySetting)
class PolicySettingAdmin(admin.ModelAdmin):
    form = PolicySettingForm
    list_display = ["key", "scope", "value", "default", "requirement", "updated_at", "updated_by"]
    list_filter = ["key", "account"]
    search_fields = ["key", "account__slug"]

    @admin.display(description="scope")
    def scope(self, obj: PolicySetting) -> str:
        return obj.account.slug if obj.account else "platform"

    @admin.display(description="default")
    def default(self, obj: PolicySetting) -> str:
        return str(BY_KEY[obj.key].default)

    @admin.display(description="requirement")
    def requirement(self, obj: PolicySetting) -> str:
        return BY_KEY[obj.key].requirement

    def save_model(self, request: HttpRequest, obj: PolicySetting, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
