"""What admits a list to sending, as plain functions (AUDIT-1..4, INDUSTRY-8): the audit's
decision, the sample's size, the freshness of a contact's consent. No Django, no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

# AUDIT-1: the classes of contacts.addresses that make a problem address. A domain whose
# mail state could not be learnt (a DNS timeout) is `unknown_domain_state`: never a problem.
PROBLEM_CLASSES = (
    "invalid",
    "role",
    "disposable",
    "no_mail_domain",
    "provider_rule",
    "typo",
)
UNKNOWN_CLASS = "unknown_domain_state"
# Examples of each class the audit keeps to show.
EXAMPLES_PER_CLASS = 5


def problem_classes(classes: Iterable[str]) -> tuple[str, ...]:
    """The classes of one address that make it a problem address (AUDIT-1)."""
    return tuple(c for c in classes if c in PROBLEM_CLASSES)


@dataclass(frozen=True)
class AuditDecision:
    total: int
    problems: int
    share: Decimal
    limit: Decimal
    admitted: bool


def decide_audit(total: int, problems: int, limit: Decimal) -> AuditDecision:
    """AUDIT-1: above `limit` (10 %) problem addresses the list is not admitted; at the
    limit it is. An empty list has no problem addresses."""
    if not 0 <= problems <= total:
        raise ValueError("problems must lie between 0 and total")
    share = Decimal(problems) / Decimal(total) if total else Decimal(0)
    return AuditDecision(total, problems, share, limit, share <= limit)


def sample_size(population: int, share_max: Decimal) -> int:
    """AUDIT-2: at most `share_max` of the list, rounded down (never above the share)."""
    if population <= 0:
        return 0
    return math.floor(Decimal(population) * share_max)


class SampleState(StrEnum):
    SENDING = "sending"  # the sample's messages go out at reduced speed; the rest is held
    PASSED = "passed"  # under the thresholds: the list is admitted and the rest goes
    FAILED = "failed"  # over a threshold (or stopped): the list is not admitted
    OVERRIDDEN = "overridden"  # an operator decided, with a recorded reason


def sample_verdict(breaches: Iterable[str], *, stopped: bool) -> tuple[bool, str]:
    """AUDIT-2: the sample passes when it broke no threshold (QUALITY-1/2) and was not
    stopped; the reason says why it did not."""
    found = list(breaches)
    if found:
        return False, "; ".join(found)
    if stopped:
        return False, "the sample send was stopped before its window ended"
    return True, ""


@dataclass(frozen=True)
class Freshness:
    """AUDIT-3 and INDUSTRY-8 in days (policy values)."""

    first_mail_days: int  # consent at most this old for a first mailing through the platform
    unused_days: int  # consent never used for this long is stale everywhere

    def cutoffs(self, now: datetime) -> tuple[datetime, datetime]:
        """(first-mail cutoff, unused cutoff): a time before a cutoff is too old."""
        return now - timedelta(days=self.first_mail_days), now - timedelta(days=self.unused_days)


def is_stale(
    *, consent_at: datetime | None, last_mailed_at: datetime | None, now: datetime, rule: Freshness
) -> bool:
    """AUDIT-3: never mailed through the platform, a contact is fresh while its consent is
    at most `first_mail_days` old; INDUSTRY-8: mailed or not, consent that has gone
    `unused_days` without a mailing (or a new consent) is stale. A re-confirmation is a new
    consent. delivery.freshness says the same in SQL."""
    first_cutoff, unused_cutoff = rule.cutoffs(now)
    consent_recent = consent_at is not None and consent_at >= first_cutoff
    consent_in_use = consent_at is not None and consent_at >= unused_cutoff
    if last_mailed_at is None:
        return not consent_recent
    return not consent_in_use and last_mailed_at < unused_cutoff


class Standing(StrEnum):
    """Where a list stands on its way to admission, for the page and the gate."""

    ADMITTED = "admitted"
    BLOCKED = "blocked"
    NOT_ATTESTED = "not_attested"
    NOT_AUDITED = "not_audited"
    AUDITING = "auditing"
    AUDIT_FAILED = "audit_failed"
    SAMPLE_DUE = "sample_due"  # the next send goes to a sample first
    SAMPLING = "sampling"
    SAMPLE_FAILED = "sample_failed"
    REFUSED = "refused"  # an operator withdrew the admission


@dataclass(frozen=True)
class ListFacts:
    """What a list's standing is judged on (admission.selectors gathers it)."""

    admitted: bool
    blocked: bool
    override: bool
    attested: bool
    audit_state: str  # "", "running", "done", "failed"
    audit_passed: bool
    sample_required: bool
    sample_state: str  # "" or a SampleState


def standing(facts: ListFacts) -> Standing:
    """AUDIT-1/2/4 and SEND-2: the list's one standing. The operator's mark wins; then the
    attestation, the audit and, where the account must send one, the sample."""
    if facts.blocked:
        return Standing.BLOCKED
    if facts.admitted:
        return Standing.ADMITTED
    if facts.override:
        return Standing.REFUSED
    if not facts.attested:
        return Standing.NOT_ATTESTED
    if facts.audit_state == "running":
        return Standing.AUDITING
    if facts.audit_state != "done":
        return Standing.NOT_AUDITED
    if not facts.audit_passed:
        return Standing.AUDIT_FAILED
    if facts.sample_state == SampleState.SENDING:
        return Standing.SAMPLING
    if facts.sample_state == SampleState.FAILED:
        return Standing.SAMPLE_FAILED
    if facts.sample_required and facts.sample_state != SampleState.PASSED:
        return Standing.SAMPLE_DUE
    return Standing.ADMITTED


def automatic_admission(facts: ListFacts) -> bool | None:
    """What the decisions (not an operator) make of `admitted`: True once attested,
    audited under the limit and, where required, sampled under the thresholds; False once
    an audit or a sample failed; None while it is open. An operator's mark is not changed."""
    if facts.override or facts.blocked:
        return None
    if facts.audit_state == "done" and not facts.audit_passed:
        return False
    if facts.sample_state == SampleState.FAILED:
        return False
    without_admission = ListFacts(**{**facts.__dict__, "admitted": False})
    if standing(without_admission) == Standing.ADMITTED:
        return True
    return None


def share_text(share: Decimal) -> str:
    return f"{share:.1%}"


def counts_total(counts: Mapping[str, int]) -> int:
    return sum(counts.values())
