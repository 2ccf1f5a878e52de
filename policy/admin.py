"""The policy table and the mailbox provider groups in the admin: values are checked like
everywhere else, and saved through policy.services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from policy import services
from policy.address_rules import check_extra_characters, check_lengths, parse_domain
from policy.defaults import BY_KEY
from policy.models import DisposableDomain, MailboxProviderRule, PolicySetting, ProviderGroup
from policy.rules import check_per_minute, overlaps, parse_patterns, parse_value
from policy.selectors import other_provider_patterns

# The admin asks for no reason; the console does (the audit log says which door was used).
ADMIN_REASON = "changed in the Django admin"


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
        row = services.set_value(
            obj.key, obj.value, account=obj.account, by=request.user, reason=ADMIN_REASON
        )
        obj.pk, obj._state.adding = row.pk, False

    def delete_model(self, request: HttpRequest, obj: PolicySetting) -> None:
        services.clear_value(obj.key, account=obj.account, by=request.user, reason=ADMIN_REASON)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PolicySetting]) -> None:
        for row in queryset:
            self.delete_model(request, row)


class ProviderGroupForm(forms.ModelForm):
    class Meta:
        model = ProviderGroup
        fields = ["name", "domains", "per_minute"]

    def clean_domains(self) -> str:
        raw = self.cleaned_data.get("domains", "")
        if len(raw) > 20_000:
            raise forms.ValidationError(_("the list of domains is too long"))
        try:
            patterns = parse_patterns(raw)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None
        if self.instance.is_default and patterns:
            raise forms.ValidationError(
                _("the default group lists no domains: it applies to all others")
            )
        if not self.instance.is_default and not patterns:
            raise forms.ValidationError(_("name at least one domain"))
        clashes = overlaps(patterns, other_provider_patterns(self.instance.pk))
        if clashes:
            raise forms.ValidationError(clashes)
        return "\n".join(patterns)

    def clean_per_minute(self) -> int:
        value = int(self.cleaned_data["per_minute"])
        try:
            return check_per_minute(value)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(ProviderGroup)
class ProviderGroupAdmin(admin.ModelAdmin):
    """SEND-5: the operator adds providers and changes their platform-wide rates."""

    form = ProviderGroupForm
    list_display = ["name", "per_minute", "domain_list", "is_default", "updated_at", "updated_by"]
    search_fields = ["name", "domains"]

    @admin.display(description=_("domains"))
    def domain_list(self, obj: ProviderGroup) -> str:
        if obj.is_default:
            return str(_("every other domain, each on its own"))
        return ", ".join(obj.domains.split())

    def save_model(self, request: HttpRequest, obj: ProviderGroup, form: Any, change: bool) -> None:
        services.save_provider_group(obj, by=request.user, reason=ADMIN_REASON)

    def has_delete_permission(self, request: HttpRequest, obj: ProviderGroup | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and obj.is_default)

    def delete_model(self, request: HttpRequest, obj: ProviderGroup) -> None:
        services.delete_provider_group(obj, by=request.user, reason=ADMIN_REASON)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProviderGroup]) -> None:
        for group in queryset.filter(is_default=False):
            self.delete_model(request, group)


T = TypeVar("T")


def _valid(check: Callable[[], T]) -> T:
    """What `check` returns; its InvalidInput becomes the field's error."""
    try:
        return check()
    except InvalidInput as exc:
        raise forms.ValidationError(exc.message) from None


class _ThroughServices(admin.ModelAdmin):
    """Saved and deleted through policy.services, which check a row and forget the
    cached tables."""

    save_with: Callable[..., Any]
    delete_with: Callable[..., None]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        type(self).save_with(obj, by=request.user, reason=ADMIN_REASON)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        type(self).delete_with(obj, by=request.user, reason=ADMIN_REASON)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class MailboxProviderRuleForm(forms.ModelForm):
    class Meta:
        model = MailboxProviderRule
        fields = [
            "name",
            "domains",
            "min_length",
            "max_length",
            "extra_characters",
            "starts_with_letter",
            "ends_with_letter_or_digit",
            "max_dots",
            "tag",
        ]

    def clean_domains(self) -> str:
        raw = self.cleaned_data.get("domains", "")
        if len(raw) > 20_000:
            raise forms.ValidationError(_("the list of domains is too long"))
        patterns = _valid(lambda: parse_patterns(raw))
        if not patterns:
            raise forms.ValidationError(_("name at least one domain"))
        return "\n".join(patterns)

    def clean_extra_characters(self) -> str:
        raw = self.cleaned_data.get("extra_characters", "")
        return _valid(lambda: check_extra_characters(raw))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_length"), data.get("max_length")
        if low is not None and high is not None:
            try:
                check_lengths(low, high)
            except InvalidInput as exc:
                self.add_error("max_length", exc.message)
        return data


@admin.register(MailboxProviderRule)
class MailboxProviderRuleAdmin(_ThroughServices):
    """AUDIT-1 (v): the operator corrects and extends the providers' local-part rules."""

    form = MailboxProviderRuleForm
    list_display = ["name", "domain_list", "min_length", "max_length", "extra_characters"]
    search_fields = ["name", "domains"]
    save_with = staticmethod(services.save_mailbox_provider_rule)
    delete_with = staticmethod(services.delete_mailbox_provider_rule)

    @admin.display(description=_("domains"))
    def domain_list(self, obj: MailboxProviderRule) -> str:
        return ", ".join(obj.domains.split())


class DisposableDomainForm(forms.ModelForm):
    class Meta:
        model = DisposableDomain
        fields = ["domain", "disposable", "note"]

    def clean_domain(self) -> str:
        raw = self.cleaned_data.get("domain", "")
        domain = _valid(lambda: parse_domain(raw))
        taken = DisposableDomain.objects.filter(domain=domain).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("this domain is listed already"))
        return domain


@admin.register(DisposableDomain)
class DisposableDomainAdmin(_ThroughServices):
    """AUDIT-1 (ii): domains added to the published list of disposable domains, or taken
    off it."""

    form = DisposableDomainForm
    list_display = ["domain", "disposable", "note", "updated_at", "updated_by"]
    list_filter = ["disposable"]
    search_fields = ["domain", "note"]
    save_with = staticmethod(services.save_disposable_domain)
    delete_with = staticmethod(services.delete_disposable_domain)
