"""Every threshold and limit of REQUIREMENTS.md, with its platform default.

This is the only place these numbers are written. Operators change them in the policy
table (platform-wide or per account); code reads them through `policy.selectors.value`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

Number = int | Decimal


@dataclass(frozen=True)
class PolicyItem:
    key: str
    default: Number | bool
    unit: str
    requirement: str
    description: str
    minimum: Number | None = 0
    maximum: Number | None = None

    @property
    def kind(self) -> type:
        return type(self.default)


def _rate(text: str) -> Decimal:
    return Decimal(text)


ITEMS: tuple[PolicyItem, ...] = (
    # QUALITY — thresholds of a send
    PolicyItem(
        "quality.hard_bounce_rate_max",
        _rate("0.05"),
        "share",
        "QUALITY-1",
        "Hard bounces / messages sent above which a send violates the policy.",
        0,
        1,
    ),
    PolicyItem(
        "quality.complaint_rate_max",
        _rate("0.005"),
        "share",
        "QUALITY-2",
        "Complaints from one ISP / messages sent to it above which a send violates.",
        0,
        1,
    ),
    PolicyItem(
        "quality.complaint_rate_max_gmail_yahoo",
        _rate("0.003"),
        "share",
        "QUALITY-2",
        "Stricter complaint limit for Gmail and Yahoo recipients.",
        0,
        1,
    ),
    PolicyItem(
        "quality.min_volume",
        200,
        "messages",
        "QUALITY-3",
        "Messages a send (or an ISP within it) needs before its rates judge it.",
        1,
    ),
    PolicyItem(
        "quality.spam_rate_target",
        _rate("0.001"),
        "share",
        "INDUSTRY-1",
        "Spam rate to stay under (mailbox-provider bulk sender rules).",
        0,
        1,
    ),
    PolicyItem(
        "quality.violations_before_suspension",
        3,
        "violations",
        "QUALITY-3",
        "Violations after which the account is suspended.",
        1,
    ),
    # CSA (INDUSTRY-5)
    PolicyItem(
        "csa.complaint_rate_7d_max",
        _rate("0.003"),
        "share",
        "INDUSTRY-5",
        "Complaint rate of an account as a 7-day average.",
        0,
        1,
    ),
    PolicyItem(
        "csa.bounce_rate_target",
        _rate("0.01"),
        "share",
        "INDUSTRY-5",
        "Bounce rate an account should stay under.",
        0,
        1,
    ),
    PolicyItem(
        "csa.abuse_response_hours",
        24,
        "hours",
        "INDUSTRY-5",
        "Time within which an abuse report is answered.",
        1,
    ),
    # BOUNCE (STATUS-3, INDUSTRY-5)
    PolicyItem(
        "bounce.hard_bounces_to_bounced",
        1,
        "bounces",
        "STATUS-3",
        "Hard bounces that make a contact B.",
        1,
    ),
    PolicyItem(
        "bounce.soft_bounce_sends",
        3,
        "sends",
        "STATUS-3",
        "Consecutive sends with a soft bounce that make a contact B ...",
        1,
    ),
    PolicyItem(
        "bounce.soft_bounce_span_days",
        7,
        "days",
        "STATUS-3",
        "... when those sends span at least this many days.",
        0,
    ),
    PolicyItem(
        "bounce.max_bounces_before_removal",
        3,
        "bounces",
        "INDUSTRY-5",
        "Any bounces after which an address is removed at the latest.",
        1,
    ),
    # AUDIT (list admission)
    PolicyItem(
        "audit.problem_share_max",
        _rate("0.10"),
        "share",
        "AUDIT-1",
        "Share of problem addresses above which a list is not admitted.",
        0,
        1,
    ),
    PolicyItem(
        "audit.test_send_share_max",
        _rate("0.10"),
        "share",
        "AUDIT-2",
        "Largest share of a list a test send may go to.",
        0,
        1,
    ),
    PolicyItem(
        "audit.sample_required",
        False,
        "yes/no",
        "AUDIT-2",
        "A list's first send goes to a random sample first; the rest waits for its verdict.",
        None,
    ),
    PolicyItem(
        "audit.sample_wait_hours",
        4,
        "hours",
        "AUDIT-2",
        "How long after a sample's last message its bounces and complaints are awaited.",
        0,
    ),
    PolicyItem(
        "audit.min_local_part_length",
        1,
        "characters",
        "AUDIT-1",
        "Shortest local part a mailbox provider accepts (class v).",
        1,
    ),
    # Freshness
    PolicyItem(
        "freshness.consent_max_age_days",
        60,
        "days",
        "AUDIT-3",
        "Oldest consent an address may be first mailed with.",
        1,
    ),
    PolicyItem(
        "freshness.mailing_interval_days",
        60,
        "days",
        "AUDIT-3",
        "... or the longest gap between mailings that keeps it fresh.",
        1,
    ),
    PolicyItem(
        "freshness.unused_consent_days",
        730,
        "days",
        "INDUSTRY-8",
        "Consent never used for this long counts as no consent.",
        1,
    ),
    # IMPORT
    PolicyItem(
        "import.existing_customer_window_days",
        183,
        "days",
        "IMPORT-4",
        "Last contact of an existing customer must be within this window (6 months).",
        1,
    ),
    PolicyItem(
        "import.co_registration_max_sponsors",
        10,
        "sponsors",
        "CONSENT-1",
        "Most sponsors a co-registration may name.",
        1,
    ),
    PolicyItem(
        "import.report_retention_days",
        30,
        "days",
        "PRIVACY-1",
        "An import's per-row report, and the file of an import that never finished, are "
        "deleted this long after the import ended; its summary and evidence stay.",
        1,
    ),
    # FORM (abuse protection, expiry)
    PolicyItem(
        "form.rate_limit_per_ip_per_hour",
        20,
        "submissions",
        "FORM-3",
        "Signup submissions accepted from one IP per hour.",
        1,
    ),
    PolicyItem(
        "form.rate_limit_per_address_per_hour",
        3,
        "submissions",
        "FORM-3",
        "Signup submissions accepted for one address per hour.",
        1,
    ),
    PolicyItem(
        "form.confirmation_interval_minutes",
        60,
        "minutes",
        "FORM-3",
        "At most one pending confirmation mail per address in this interval.",
        1,
    ),
    PolicyItem(
        "form.pending_expiry_hours",
        168,
        "hours",
        "FORM-2",
        "Unconfirmed signups expire and are purged after this time.",
        1,
    ),
    # UNSUB
    PolicyItem(
        "unsub.manual_deadline_working_days",
        3,
        "working days",
        "UNSUB-2",
        "Deadline for a manually received unsubscribe request.",
        1,
    ),
    PolicyItem(
        "unsub.token_validity_days",
        400,
        "days",
        "INDUSTRY-2",
        "How long an unsubscribe link keeps working (at least a year).",
        366,
    ),
    PolicyItem(
        "unsub.rate_limit_per_ip_per_minute",
        60,
        "requests",
        "UNSUB-1",
        "Requests to public unsubscribe endpoints per IP and minute.",
        1,
    ),
    # SEND
    PolicyItem(
        "send.test_send_max_recipients",
        20,
        "addresses",
        "SEND-2",
        "Named addresses a test send may go to before the gate passes.",
        1,
    ),
    PolicyItem(
        "test_send.max_per_day",
        50,
        "recipients",
        "SEND-2",
        "Recipients of test mail (and of test-address confirmations) per account and day.",
        0,
    ),
    PolicyItem(
        "send.reduced_speed_share",
        _rate("0.25"),
        "share",
        "SEND-5",
        "Speed of test sends and of accounts under measures, as a share of normal.",
        0,
        1,
    ),
    PolicyItem(
        "send.retry_deadline_hours",
        72,
        "hours",
        "SEND-6",
        "Temporary failures are retried until this deadline, then bounce.",
        1,
    ),
    PolicyItem(
        "send.rate_per_second",
        200,
        "messages/s",
        "SEND-5",
        "Overall hand-over rate of one send, all its workers together.",
        1,
    ),
    PolicyItem(
        "send.domain_concurrency",
        4,
        "messages",
        "SEND-5",
        "Messages in flight at once to one destination domain.",
        1,
    ),
    PolicyItem(
        "send.connections",
        4,
        "connections",
        "SEND-5",
        "SMTP connections (threads) one worker keeps open for a send.",
        1,
        64,
    ),
    PolicyItem(
        "send.batch_size",
        1000,
        "recipients",
        "SEND-4",
        "Recipients per background task of a send.",
        1,
    ),
    PolicyItem(
        "send.lease_seconds",
        120,
        "seconds",
        "SEND-4",
        "A worker's hold on the rows it sends; once past, held rows become unknown.",
        10,
    ),
    # CONTENT
    PolicyItem(
        "template.max_output",
        2_000_000,
        "characters",
        "CONTENT-1",
        "Characters a rendered subject, HTML or text body may have: a template that grows "
        "beyond is refused when saved, and a message that does at send time is not sent.",
        10_000,
        2_000_000,
    ),
    # DOMAIN
    PolicyItem(
        "domain.unknown_grace_hours",
        72,
        "hours",
        "DOMAIN-1",
        "A verified domain whose checks time out stays verified this long after its "
        "last full pass.",
        1,
    ),
    # Retention
    PolicyItem(
        "retention.evidence_years",
        3,
        "years",
        "INDUSTRY-7",
        "Consent proof is kept this long after the end of the year of last use.",
        3,
    ),
)

BY_KEY: dict[str, PolicyItem] = {item.key: item for item in ITEMS}

# SEND-5: the mailbox provider groups a new platform starts with (name, messages per minute
# across the whole platform, domains; `name.*` is every domain whose first label is `name`).
# Operators edit them in the admin (policy.models.ProviderGroup); migration 0004 seeds them.
PROVIDER_GROUPS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("gmail", 3000, ("gmail.com", "googlemail.com")),
    ("microsoft", 1200, ("outlook.com", "hotmail.*", "live.*", "msn.com")),
    ("yahoo", 1200, ("yahoo.*", "aol.*")),
    ("united-internet", 600, ("gmx.de", "gmx.net", "gmx.at", "web.de")),
    ("t-online", 300, ("t-online.de",)),
    ("orange", 300, ("orange.fr", "wanadoo.fr")),
    ("free", 300, ("free.fr",)),
)
# Every other domain: this rate to each domain on its own (was send.domain_rate_per_second,
# 50/s, per worker).
DEFAULT_PROVIDER = ("default", 3000)
