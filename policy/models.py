"""The policy table: platform defaults (account empty) and per-account overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from policy.defaults import ITEMS


class PolicySetting(models.Model):
    key = models.CharField(max_length=80, choices=[(i.key, i.key) for i in ITEMS])
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="policy_settings",
        help_text="Empty: the platform-wide value.",
    )
    value = models.CharField(max_length=40, help_text="A number, or true/false.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "account"], name="policy_unique_override"),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(account__isnull=True),
                name="policy_unique_platform",
            ),
        ]

    def __str__(self) -> str:
        scope = self.account.slug if self.account_id else "platform"  # type: ignore[union-attr]
        return f"{self.key} = {self.value} ({scope})"
