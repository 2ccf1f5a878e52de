"""The policy table: platform defaults (account empty) and per-account overrides; the
mailbox provider groups and their rates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class ProviderGroup(models.Model):
    """SEND-5: a mailbox provider's domains and the rate the whole platform sends to it.

    The one default group (no domains) gives every other domain its own rate."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    domains = models.TextField(
        _("domains"),
        blank=True,
        help_text=_(
            "One per line, e.g. gmail.com; hotmail.* stands for every top-level domain. "
            "Empty for the default group."
        ),
    )
    per_minute = models.PositiveIntegerField(
        _("messages per minute"),
        help_text=_(
            "All workers and sends together. The default group's rate applies to each "
            "other domain on its own."
        ),
    )
    is_default = models.BooleanField(_("default group"), default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("mailbox provider group")
        verbose_name_plural = _("mailbox provider groups")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="policy_one_default_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MailboxProviderRule(models.Model):
    """AUDIT-1 (v): what a mailbox provider lets its users choose before the @; an address
    at one of its domains that breaks the rule cannot exist there."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    domains = models.TextField(
        _("domains"),
        help_text=_("One per line, e.g. gmail.com; yahoo.* stands for every top-level domain."),
    )
    min_length = models.PositiveSmallIntegerField(_("minimum length"), default=1)
    max_length = models.PositiveSmallIntegerField(_("maximum length"), default=64)
    extra_characters = models.CharField(
        _("characters besides letters and digits"),
        max_length=20,
        blank=True,
        default="._-",
        help_text=_("For example ._- (letters a-z and digits are always allowed)."),
    )
    starts_with_letter = models.BooleanField(_("starts with a letter"), default=False)
    ends_with_letter_or_digit = models.BooleanField(_("ends with a letter or digit"), default=False)
    max_dots = models.PositiveSmallIntegerField(_("most dots"), null=True, blank=True)
    tag = models.CharField(
        _("sub-address separator"),
        max_length=1,
        blank=True,
        default="+",
        help_text=_(
            "What the provider's users may add after it (anna+news@): + at most providers, "
            "- at Yahoo; empty where there is none. The rule applies to the part before it."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("mailbox provider rule")
        verbose_name_plural = _("mailbox provider rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DisposableDomain(models.Model):
    """AUDIT-1 (ii): the operator's additions to the published list of throw-away mailbox
    domains, or a domain taken off it."""

    domain = models.CharField(_("domain"), max_length=253, unique=True)
    disposable = models.BooleanField(
        _("disposable"),
        default=True,
        help_text=_("Untick to take a domain off the published list of disposable domains."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("disposable domain")
        verbose_name_plural = _("disposable domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class BlockedUrl(models.Model):
    """CONTENT-6: a host, or a host and path, no campaign may link to (policy.link_rules)."""

    pattern = models.CharField(_("host or URL"), max_length=500, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("blocked URL")
        verbose_name_plural = _("blocked URLs")
        ordering = ["pattern"]

    def __str__(self) -> str:
        return self.pattern
