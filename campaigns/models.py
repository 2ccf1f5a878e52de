"""Campaigns: the content of a mailing, its target lists and the state of its send."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.rules import CampaignKind, CampaignState


class Campaign(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(max_length=200)
    # Subject and bodies are Jinja2 templates (campaigns.render), checked when saved.
    subject = models.CharField(max_length=300)
    # CONTENT-3: a real display name and an address on a verified domain of the account.
    from_name = models.CharField(max_length=100)
    from_address = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    html = models.TextField()
    # Empty: generated from the HTML when the campaign is compiled.
    text = models.TextField(blank=True)
    lists = models.ManyToManyField("contacts.List", related_name="campaigns", blank=True)
    # Narrows the target lists' audience to the contacts the segment's conditions match.
    segment = models.ForeignKey(
        "contacts.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    kind = models.CharField(
        max_length=20,
        choices=[
            (CampaignKind.REGULAR, _("regular")),
            (CampaignKind.SIMILAR_PRODUCTS, _("similar products (existing customers)")),
        ],
        default=CampaignKind.REGULAR,
    )
    # CONSENT-4: off by default; tracking also needs the contact's consent.
    tracking = models.BooleanField(default=False)
    # The language of the imprint footer and objection notice.
    language = models.CharField(
        max_length=2,
        default="de",
        choices=[("de", "Deutsch"), ("en", "English"), ("fr", "Français")],
    )
    state = models.CharField(
        max_length=10,
        choices=[(s.value, s.value) for s in CampaignState],
        default=CampaignState.DRAFT,
    )
    # SEND-1: the evidence record of the guideline tick that started the send.
    guidelines_record = models.ForeignKey(
        "consent.EvidenceRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Why the platform paused the send (DOMAIN-1: its sender domain stopped passing its
    # checks), shown on the campaign page; empty for a pause by a user.
    pause_reason = models.CharField(max_length=500, blank=True)
    # The sender domain whose passing again resumes the send by itself.
    paused_for_domain = models.CharField(max_length=253, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A draft with a send time: the scheduler starts it then, through the gate again.
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # Who scheduled it (the actor's label, recorded with the send when it starts).
    scheduled_by = models.CharField(max_length=100, blank=True)
    # Why a due schedule could not start (the gate refused it): shown on the dashboard.
    schedule_held_reason = models.CharField(max_length=1000, blank=True)
    schedule_held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        indexes = [
            models.Index(fields=["account", "-created_at"], name="campaign_account_newest"),
            models.Index(fields=["scheduled_at"], name="campaign_scheduled"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def mailing_id(self) -> str:
        """CONTENT-4: unique per campaign across the platform."""
        return f"consentry-{self.account_id}-{self.pk}"

    @property
    def from_domain(self) -> str:
        return self.from_address.rpartition("@")[2].lower()


class Template(models.Model):
    """A saved layout of an account: HTML with one content area (`{{ content }}`) where a
    campaign's own text goes, and a text version with the same area."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(max_length=200)
    html = models.TextField()
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("template")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="template_name_per_account")
        ]

    def __str__(self) -> str:
        return self.name
