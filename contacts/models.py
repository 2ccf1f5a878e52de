"""Contacts with their A/U/B/D status, lists, subscriptions and the platform suppression list."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contacts.rules import LegalBasis, Status


class Contact(models.Model):
    # No index of its own: the (account, status) index starts with it, and every contact
    # an import writes would update another one.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="contacts", db_index=False
    )
    # Normalised (core.addresses); empty once the contact is deleted (STATUS-4).
    address = models.CharField(max_length=254, blank=True)
    # core.addresses.address_key: uniqueness per account, and recognition after deletion.
    address_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=1, choices=[(s.value, s.name.title()) for s in Status])
    legal_basis = models.CharField(
        max_length=20,
        blank=True,
        choices=[(b.value, b.value.replace("_", " ")) for b in LegalBasis],
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField()
    # A contact created by an import points to the batch's evidence record (its seq in the
    # account's chain), which names the import, the file's SHA-256 and the row range; the row
    # and the status it came with are part of that record's digest (CONSENT-3).
    import_record = models.PositiveBigIntegerField(null=True, blank=True)
    import_row = models.PositiveIntegerField(null=True, blank=True)
    import_status = models.CharField(max_length=1, blank=True)
    # The address key the import's batch digest was computed over, where the key changed
    # since (one address identity re-keyed the contact, or merged it into another).
    import_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    # How the contact came: contacts.rules.Cause of its creation (a user or the API, a
    # signup form, a confirmed double opt-in, an operator); empty for an import's contacts,
    # which `import_record` names. Segments filter on it.
    signup_source = models.CharField(max_length=20, blank=True, default="", db_default="")
    # CONSENT-4: opens and clicks are tracked only where the person agreed; off by default.
    # The basis says how the consent was given (contacts.rules.TrackingBasis), the evidence
    # chain holds the record with its wording.
    tracking_consent = models.BooleanField(default=False, db_default=False)
    tracking_basis = models.CharField(max_length=20, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            # The hash first: an import's lookups (this account's contacts, bounced in any
            # account, IMPORT-5) and a bounce report's (any account) start from the address,
            # and no other index can serve them, however stale the planner's statistics.
            models.UniqueConstraint(
                fields=["address_hash", "account"], name="contact_unique_address"
            )
        ]
        indexes = [models.Index(fields=["account", "status"], name="contact_account_status")]

    def __str__(self) -> str:
        # No address here: this text lands in admin logs, which deletion must not leave readable.
        return f"contact #{self.pk}"


class Segment(models.Model):
    """Saved conditions over the account's contacts (contacts.segment_rules); a campaign
    may narrow its target lists' audience to one."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="segments"
    )
    name = models.CharField(max_length=200)
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("segment")
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="segment_unique_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class List(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="lists")
    name = models.CharField(max_length=200)
    language = models.CharField(
        max_length=2,
        default="de",
        choices=[("de", "Deutsch"), ("en", "English"), ("fr", "Français")],
    )
    description = models.TextField(blank=True)
    # SEND-2: decided by the list's audit and sample send (admission app, AUDIT-1/2), or
    # marked by an operator: then `admission_override` keeps the decisions from changing it.
    admitted = models.BooleanField(default=False)
    # SEND-2: an operator's block (or the breaker's, QUALITY-3) stops every send to the list.
    blocked = models.BooleanField(default=False)
    admission_override = models.BooleanField(default=False, db_default=False)
    # Why the list stands as it does, who decided it and when (shown on the list's page).
    admission_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    admission_actor = models.CharField(max_length=120, blank=True, default="", db_default="")
    admission_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("list")
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="list_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SubscriptionState(models.TextChoices):
    PENDING = "pending", _("pending")
    CONFIRMED = "confirmed", _("confirmed")
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed")


class Subscription(models.Model):
    # Neither reference has an index of its own: subscription_unique starts with the
    # contact and subscription_list_state with the list.
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="subscriptions", db_index=False
    )
    list = models.ForeignKey(
        List, on_delete=models.PROTECT, related_name="subscriptions", db_index=False
    )
    state = models.CharField(max_length=12, choices=SubscriptionState.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "list"], name="subscription_unique")
        ]
        indexes = [models.Index(fields=["list", "state"], name="subscription_list_state")]

    def __str__(self) -> str:
        return f"{self.contact} on {self.list} ({self.state})"


class SuppressionReason(models.TextChoices):
    COMPLAINT = "complaint", _("complaint")
    HARD_BOUNCE = "hard_bounce", _("hard bounce")
    SPAM_TRAP = "spam_trap", _("spam trap")
    BLOCKED = "blocked", _("blocked by the operator")


# Who or what put an entry on the untrusted list, when no person did.
SOURCE_FEEDBACK = "feedback"


class Suppression(models.Model):
    """Platform-wide: a keyed address hash and why it is untrusted (IMPORT-5, FORM-3).

    The address itself is never kept: the operator finds an entry by typing the address,
    which is hashed through core.addresses like every other lookup (IMPORT-11)."""

    address_hash = models.CharField(max_length=64)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)
    # "feedback", "operator:<name>", "cli:<login>", or what the operator named (a feed).
    source = models.CharField(max_length=120, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("untrusted address")
        verbose_name_plural = _("untrusted addresses")
        constraints = [
            models.UniqueConstraint(fields=["address_hash", "reason"], name="suppression_unique")
        ]

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… ({self.reason})"


class SuppressedDomain(models.Model):
    """Platform-wide: a whole domain on the untrusted list (IMPORT-11). It covers that
    domain only, not its subdomains: a feed names each domain it means."""

    # IDNA-encoded and lower case, as core.addresses normalises an address's domain.
    domain = models.CharField(max_length=253)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("untrusted domain")
        verbose_name_plural = _("untrusted domains")
        constraints = [
            # Starts with the domain: an import batch and a send look domains up by it.
            models.UniqueConstraint(fields=["domain", "reason"], name="suppressed_domain_unique")
        ]

    def __str__(self) -> str:
        return f"@{self.domain} ({self.reason})"


class RequestChannel(models.TextChoices):
    """How an unsubscribe reached the account outside the one-click link (UNSUB-2/3)."""

    PHONE = "phone", _("phone")
    LETTER = "letter", _("letter")
    EMAIL = "email", _("email")
    REPLY = "reply", _("reply to a mailing")
    OTHER = "other", _("other")


class RequestState(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    DISMISSED = "dismissed", _("dismissed")


class UnsubscribeRequest(models.Model):
    """An unsubscribe received by phone, letter, mail or as a reply (UNSUB-2, UNSUB-3).

    Entered by a user it takes effect at once (state done); found in a reply it waits,
    open, for a user to confirm it. Either way `due_on` is the deadline: 3 working days
    after the day it was received.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="unsubscribe_requests"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The address as the person gave it (normalised); empty once the contact is deleted.
    address = models.CharField(max_length=254, blank=True)
    address_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=RequestChannel.choices)
    received_on = models.DateField()
    due_on = models.DateField()
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=RequestState.choices)
    # Where it came from: "inbound:<id>" for a reply, empty when typed in.
    ref = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=120)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=120, blank=True)
    # CONSENT-6: the "unsubscribe me" mail itself, sealed (contacts.selectors.request_mail);
    # its digest and size are in the request's evidence record. Gone once the contact is
    # deleted, like the address.
    mail = models.BinaryField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "state", "due_on"], name="unsub_request_open"),
        ]
        constraints = [
            # A reply is surfaced once, however often its message is processed.
            models.UniqueConstraint(
                fields=["account", "ref"],
                condition=~models.Q(ref=""),
                name="unsub_request_unique_ref",
            )
        ]

    def __str__(self) -> str:
        return f"unsubscribe request #{self.pk} ({self.state})"
