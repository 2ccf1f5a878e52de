"""Violations of the anti-spam policy and the measures they bring (QUALITY-3)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ViolationState(models.TextChoices):
    OPEN = "open", _("open: waiting for the account's statement")
    STATED = "stated", _("statement received: waiting for the operator")
    LIFTED = "lifted", _("measures lifted by the operator")


class Violation(models.Model):
    """A send that passed a threshold: stopped, its lists blocked, the account slowed,
    until the account states how it prevents it and an operator lifts the measures."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)  # hard_bounce_rate | complaint_rate
    isp = models.CharField(max_length=60, blank=True)
    # The figures that judged it: count, volume, rate, limit.
    figures = models.JSONField(default=dict)
    explanation = models.TextField()
    state = models.CharField(
        max_length=10, choices=ViolationState.choices, default=ViolationState.OPEN
    )
    remediation = models.TextField(blank=True)
    stated_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "isp"], name="violation_once_per_breach"
            )
        ]

    def __str__(self) -> str:
        return f"violation #{self.pk} ({self.kind})"


class CaseKind(models.TextChoices):
    COMPLAINT = "complaint", _("complaint")
    # ABUSE-2: cases of their own kind, which ask the account for proof of consent.
    BLOCKLISTING = "blocklisting", _("blocklisting")
    AUTHORITY = "authority", _("request from an authority")


class CaseSource(models.TextChoices):
    MAILBOX = "mailbox", _("abuse mailbox")
    FORM = "form", _("abuse form")
    OPERATOR = "operator", _("entered by an operator")


class CaseState(models.TextChoices):
    OPEN = "open", _("open")
    PROOF_REQUESTED = "proof_requested", _("proof requested from the account")
    PROOF_RECEIVED = "proof_received", _("proof received")
    CLOSED = "closed", _("closed")


class AbuseCase(models.Model):
    """One abuse report (ABUSE-1, ABUSE-2, INDUSTRY-5): where it came from, what it is about
    as far as it could be resolved, and its deadlines. The report's raw mail stays in its
    inbound message; the text here is what a person reads on the desk."""

    kind = models.CharField(max_length=20, choices=CaseKind.choices, default=CaseKind.COMPLAINT)
    source = models.CharField(max_length=10, choices=CaseSource.choices)
    state = models.CharField(max_length=20, choices=CaseState.choices, default=CaseState.OPEN)
    reporter = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    # What the reporter quoted on the form (a mailing ID, a Message-ID, ...).
    quoted = models.CharField(max_length=500, blank=True)
    inbound = models.ForeignKey(
        "feedback.InboundMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # How the case was resolved: verp | unsubscribe_token | message_id | feedback_id |
    # mailing_id | recipient, or '' when nothing in it led to a message of ours.
    matched_by = models.CharField(max_length=20, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.ForeignKey(
        "delivery.SendLedgerEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    # INDUSTRY-5: the operator answers within 24 hours.
    answer_due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # ABUSE-2: the account's proof of consent, due one working day after the request.
    proof_requested_at = models.DateTimeField(null=True, blank=True)
    proof_due_on = models.DateField(null=True, blank=True)
    proof_request = models.TextField(blank=True)
    proof_answered_at = models.DateTimeField(null=True, blank=True)
    proof_answer = models.TextField(blank=True)
    proof_bundle = models.JSONField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("abuse case")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "answer_due_at"], name="abusecase_state_due"),
            models.Index(fields=["account", "state"], name="abusecase_account_state"),
        ]
        constraints = [
            # One case per inbound message: processing a message again opens nothing new.
            models.UniqueConstraint(
                fields=["inbound"],
                condition=models.Q(inbound__isnull=False),
                name="abusecase_once_per_inbound",
            )
        ]

    def __str__(self) -> str:
        return f"abuse case #{self.pk} ({self.kind})"

    @property
    def is_closed(self) -> bool:
        return self.state == CaseState.CLOSED


class Reply(models.Model):
    """ABUSE-3: a mail to a campaign's From or Reply-To that is no unsubscribe, bounce or
    report, shown in the account's inbox (and forwarded when the account names an address).
    The raw mail stays in its inbound message."""

    inbound = models.OneToOneField(
        "feedback.InboundMessage", on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.CharField(max_length=254)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    automatic = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    forwarded_to = models.CharField(max_length=254, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    # Why it was not forwarded (an automatic reply, the hourly limit, the relay's answer).
    forward_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["account", "-received_at"], name="reply_account_newest")]

    def __str__(self) -> str:
        return f"reply #{self.pk} to {self.recipient}"


class ReplyForwarding(models.Model):
    """ABUSE-3: the address an account has its replies forwarded to."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    address = models.EmailField(max_length=254)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reply forwarding")

    def __str__(self) -> str:
        return f"replies of account #{self.account_id} to {self.address}"
