"""The operator's audit log (ACCOUNT-2): who did what to whom, when and why.

It lives in core, below every app, so each app records its operator actions in the same
transaction as the change itself. Rows are only ever appended: the model refuses updates
and deletes, and on PostgreSQL a trigger refuses them in the database too.

The account is kept as its id and slug, not a foreign key: core knows no app above it, and
an entry must outlive what it names.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditImmutable(Exception):
    """An audit log entry was to be changed or removed: it never is."""


class AuditAction(models.TextChoices):
    ACTIVATE = "activate", _("account activated")
    SUSPEND = "suspend", _("account suspended")
    REFUSE = "refuse", _("account refused")
    ASK_MORE = "ask_more", _("more information asked for")
    REDUCE_SPEED = "reduce_speed", _("speed reduced")
    LIFT = "lift", _("measures lifted")
    ADMIT_LIST = "admit_list", _("list admitted")
    WITHDRAW_ADMISSION = "withdraw_admission", _("list admission withdrawn")
    BLOCK_LIST = "block_list", _("list blocked")
    UNBLOCK_LIST = "unblock_list", _("list block lifted")
    POLICY_CHANGE = "policy_change", _("policy changed")
    SUPPRESSION_ADD = "suppression_add", _("suppression entry added")
    SUPPRESSION_REMOVE = "suppression_remove", _("suppression entry removed")
    KEY_REVOKE = "key_revoke", _("API key revoked")
    OPERATOR_KEY_CREATE = "operator_key_create", _("operator key created")
    IMPORT_HOLD = "import_hold", _("imports held for review")
    IMPORT_RELEASE = "import_release", _("import released")
    IMPORT_REFUSE = "import_refuse", _("import refused")
    CASE_ACTION = "case_action", _("abuse case action")
    CUSTOMER_GROUP = "customer_group", _("customer group changed")
    HAND_BACK_LIST = "hand_back_list", _("list handed back to its audit")
    CONTENT_STOP = "content_stop", _("send stopped for its content")


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("audit log entries are never updated")

    def delete(self) -> NoReturn:
        raise AuditImmutable("audit log entries are never deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who: the acting user (if a person acted) and a label for anyone else ("system:…").
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    # What: the kind and id of the thing acted on, and how it was called then.
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target = models.CharField(max_length=300)
    account_id = models.BigIntegerField(null=True, blank=True)
    account_slug = models.CharField(max_length=60, blank=True)
    reason = models.TextField(max_length=2000)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account_id", "-at"], name="core_audit_account_at"),
            models.Index(fields=["action", "-at"], name="core_audit_action_at"),
            models.Index(fields=["actor", "-at"], name="core_audit_actor_at"),
        ]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AuditImmutable("audit log entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("audit log entries are never deleted")


class OperatorKey(models.Model):
    """An API key of one operator (a staff user): valid on /api/v1/operator/... only, never
    on an account's endpoints. Only its hash is kept; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="operator_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("operator API key")
        verbose_name_plural = _("operator API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class SendFigures(models.Model):
    """The operator dashboard's daily figures, one row per day, account and mailbox
    provider group: messages handed over, hard bounces and complaints received that day.

    Kept by governance.figures.refresh from the send ledger and the feedback events, so
    the dashboard reads a few thousand rows instead of counting millions of ledger rows.
    Rows with provider "" sum an account's providers, rows with account 0 sum every
    account. The account is its id: core imports no app."""

    day = models.DateField()
    account_id = models.BigIntegerField()
    provider = models.CharField(max_length=60)
    sent = models.PositiveIntegerField(default=0)
    hard_bounces = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "account_id", "provider"], name="core_figures_once"
            )
        ]
        indexes = [
            models.Index(fields=["day"], name="core_figures_day"),
            models.Index(fields=["provider", "day"], name="core_figures_provider_day"),
            models.Index(fields=["account_id", "day"], name="core_figures_account_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.account_id} {self.provider}: {self.sent}"


class HourlySends(models.Model):
    """Messages handed over in each hour, the whole platform together (the dashboard's
    messages per hour); kept with SendFigures."""

    hour = models.DateTimeField(unique=True)
    sent = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.sent}"
