"""Accounts (tenants), memberships with roles, and API keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewState(models.TextChoices):
    PENDING = "pending", _("pending review")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    # ACCOUNT-1: the operator declined the sign-up; the account reads its reason, sends nothing.
    REFUSED = "refused", _("refused")


class Role(models.TextChoices):
    """Operator staff are users with is_staff; owners and members belong to one account."""

    OPERATOR = "operator", _("operator staff")
    OWNER = "owner", _("account owner")
    MEMBER = "member", _("account member")


class CustomerGroup(models.Model):
    """Accounts of one customer (ACCOUNT-3): a person who unsubscribed in one of them gets
    no mail from the others unless they consented there since (delivery.ledger)."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer group")

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    review_state = models.CharField(
        max_length=12, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    own_mail_server = models.BooleanField(
        default=False, help_text="Set by the operator: may import untrusted addresses."
    )
    # SEND-5: the operator slows an account down (QUALITY-3 measures) by policy's share.
    reduced_speed = models.BooleanField(
        default=False, help_text="Set by the operator: sends run at the reduced speed share."
    )
    # CONTENT-2: the legal imprint every marketing mail carries (accounts.rules.imprint_lines).
    imprint_name = models.CharField(max_length=200, blank=True)
    imprint_address = models.TextField(blank=True)
    imprint_contact = models.CharField(max_length=300, blank=True)
    imprint_register = models.CharField(max_length=300, blank=True)
    imprint_vat_id = models.CharField(max_length=50, blank=True)
    imprint_representative = models.CharField(max_length=300, blank=True)
    # SEND-4: scheduled sends are given in this zone (an IANA name, e.g. Europe/Berlin).
    time_zone = models.CharField(max_length=64, default="UTC")
    # CONSENT-4: the basis on which the account's imported contacts agreed to open and click
    # tracking, in the account's words (e.g. the terms they accepted); an import may state
    # its own. Empty, the default: imported contacts are not tracked.
    import_tracking_basis = models.CharField(max_length=500, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Why the operator (or the quality rules) set the review state: shown to the account's
    # users and its API keys while it is suspended (ACCOUNT-1).
    review_note = models.CharField(max_length=500, blank=True)
    # IMPORT-10: set by the operator; the account's imports wait for the operator's release.
    import_review = models.BooleanField(
        default=False, help_text="Set by the operator: imports wait for the operator's release."
    )
    # ACCOUNT-3: set by the operator; an unsubscribe in one account of the group counts in all.
    customer_group = models.ForeignKey(
        CustomerGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_active(self) -> bool:
        return self.review_state == ReviewState.ACTIVE

    def member_login_addresses(self) -> list[str]:
        """The login addresses of the account's members: theirs for test mail without a
        confirmation (SEND-2)."""
        from django.contrib.auth import get_user_model

        found = get_user_model().objects.filter(memberships__account=self).exclude(email="")
        return sorted({str(email) for email in found.values_list("email", flat=True)})

    def member_login_keys(self) -> set[str]:
        """`address_key`s of the members' login addresses."""
        from core.addresses import InvalidAddress, address_key, normalise_address

        keys = set()
        for email in self.member_login_addresses():
            try:
                keys.add(address_key(normalise_address(email)))
            except InvalidAddress:
                continue  # a login address that is no address receives no mail anyway
        return keys


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=10, choices=[(Role.OWNER, Role.OWNER.label), (Role.MEMBER, Role.MEMBER.label)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.account} ({self.role})"


class ApiKey(models.Model):
    """Only a SHA-256 of the key is stored; the key itself is shown once at creation."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TestAddress(models.Model):
    """An address a member added for test sends; usable once confirmed by its link.

    A member's login address needs no row: it is theirs already (SEND-2 test sends go only
    to the account's own people, never to strangers)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="test_addresses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="test_addresses"
    )
    address = models.CharField(max_length=254)
    address_hash = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["address", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "address_hash"], name="test_address_unique")
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.account})"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class TestSendDay(models.Model):
    """Recipients of test mail (and test-address confirmations) an account used on one day:
    the per-day limit counts across requests."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="test_send_days")
    day = models.DateField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="test_send_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.day}: {self.recipients}"


class Frequency(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    RARELY = "rarely", _("a few times a year")


class CaseState(models.TextChoices):
    """Where a sign-up stands in the operator's review (ACCOUNT-1)."""

    UNCONFIRMED = "unconfirmed", _("owner's address not confirmed yet")
    WAITING = "waiting", _("waiting for the operator's review")
    ASKED = "asked", _("more information asked for")
    DECIDED = "decided", _("decided")


class Application(models.Model):
    """A sign-up's answers (ACCOUNT-1): what the operator reviews before activating.

    The company and imprint data are on the account itself; the acceptance of the terms and
    guidelines is an evidence record (and a GuidelinesAcceptance row)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="application")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_email = models.CharField(max_length=254)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    website = models.CharField(max_length=300)
    expected_volume = models.PositiveIntegerField(help_text="Messages a month, expected.")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    address_sources = models.TextField(help_text="Where the addresses come from.")
    consent_method = models.TextField(help_text="How consent was collected.")
    terms_version = models.PositiveIntegerField()
    language = models.CharField(max_length=2, default="en")
    case_state = models.CharField(
        max_length=12, choices=CaseState.choices, default=CaseState.UNCONFIRMED
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    # When the case last entered the operator's queue (confirmed, or answered).
    queued_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "pk"]

    def __str__(self) -> str:
        return f"sign-up of {self.account}"


class ReviewMessage(models.Model):
    """One turn of the review's conversation: the operator's question or decision, or the
    account's answer to a request for more information."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    from_operator = models.BooleanField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"review message #{self.pk}"


class GuidelinesAcceptance(models.Model):
    """A user of an account accepted a version of the anti-spam guidelines (ACCOUNT-4); the
    evidence record (its sequence number in the account's chain) holds the wording shown."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="guidelines_acceptances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=2)
    # Where it was shown: "signup", "first_send", "changed".
    context = models.CharField(max_length=20)
    # The list whose first send it preceded, if any (contacts is above accounts: an id).
    list_id = models.PositiveBigIntegerField(null=True, blank=True)
    evidence_seq = models.PositiveBigIntegerField()
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "version"], name="guidelines_account_version")]

    def __str__(self) -> str:
        return f"{self.account} accepted guidelines v{self.version}"


class Profile(models.Model):
    """A user's own settings: the language of the pages, mails and messages they read.
    Empty means the browser's (its Accept-Language), then the platform's default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"profile of {self.user}"


# Models, not test classes, whatever pytest thinks of their names (the model metaclass
# drops a __test__ written in the class body).
TestAddress.__test__ = False  # type: ignore[attr-defined]
TestSendDay.__test__ = False  # type: ignore[attr-defined]
