"""AUDIT-1..4, INDUSTRY-8 as pure rules: the audit's decision at its limit, the sample's
size, freshness at its boundaries, and where a list stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from admission.rules import (
    Freshness,
    ListFacts,
    SampleState,
    Standing,
    automatic_admission,
    decide_audit,
    is_stale,
    problem_classes,
    sample_size,
    sample_verdict,
    standing,
)

TEN = Decimal("0.10")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
RULE = Freshness(first_mail_days=60, unused_days=730)


def test_it_admits_a_list_at_9_9_percent_and_refuses_it_at_10_1() -> None:
    """AUDIT-1: above 10 % problem addresses the list is not admitted."""
    assert decide_audit(1000, 99, TEN).admitted
    assert not decide_audit(1000, 101, TEN).admitted
    assert decide_audit(1000, 100, TEN).admitted  # at the limit is not above it
    assert decide_audit(1000, 101, TEN).share == Decimal("0.101")
    assert decide_audit(0, 0, TEN).admitted


@given(st.integers(1, 10**7), st.data())
def test_it_admits_exactly_the_lists_at_or_under_the_limit(total: int, data: st.DataObject) -> None:
    problems = data.draw(st.integers(0, total))
    assert decide_audit(total, problems, TEN).admitted == (problems * 10 <= total)


def test_an_unknown_domain_state_is_no_problem() -> None:
    """AUDIT-1 iii: a DNS timeout is unknown, never a domain without mail."""
    assert problem_classes(["unknown_domain_state"]) == ()
    assert problem_classes(["role", "unknown_domain_state", "typo"]) == ("role", "typo")


@given(st.integers(0, 10**7), st.decimals(0, 1, places=4))
def test_a_sample_is_never_more_than_its_share(population: int, share: Decimal) -> None:
    """AUDIT-2: at most 10 % of the list."""
    size = sample_size(population, share)
    assert 0 <= size <= population * share
    assert size + 1 > population * share


def test_a_sample_of_a_thousand_is_a_hundred() -> None:
    assert sample_size(1000, TEN) == 100
    assert sample_size(1009, TEN) == 100
    assert sample_size(9, TEN) == 0


def test_a_sample_passes_only_without_breach_and_unstopped() -> None:
    assert sample_verdict([], stopped=False) == (True, "")
    assert sample_verdict(["3 hard bounces of 20"], stopped=False) == (
        False,
        "3 hard bounces of 20",
    )
    assert not sample_verdict([], stopped=True)[0]


def test_freshness_of_a_contact_never_mailed_at_its_boundary() -> None:
    """AUDIT-3: a first mailing only with consent at most 2 months (60 days) old."""
    limit = NOW - timedelta(days=60)
    assert not is_stale(consent_at=limit, last_mailed_at=None, now=NOW, rule=RULE)
    assert is_stale(
        consent_at=limit - timedelta(seconds=1), last_mailed_at=None, now=NOW, rule=RULE
    )
    assert is_stale(consent_at=None, last_mailed_at=None, now=NOW, rule=RULE)


def test_freshness_of_a_mailed_contact_at_two_years() -> None:
    """INDUSTRY-8: consent unused for 2 years (730 days) is stale everywhere; a mailing or a
    new consent within them keeps it fresh."""
    old = NOW - timedelta(days=1000)
    limit = NOW - timedelta(days=730)
    assert not is_stale(consent_at=old, last_mailed_at=limit, now=NOW, rule=RULE)
    assert is_stale(consent_at=old, last_mailed_at=limit - timedelta(seconds=1), now=NOW, rule=RULE)
    assert not is_stale(
        consent_at=limit, last_mailed_at=old, now=NOW, rule=RULE
    )  # re-confirmed at the limit
    # Mailed once: the 2-month rule of a first mailing no longer applies.
    recent_mail = NOW - timedelta(days=100)
    assert not is_stale(consent_at=old, last_mailed_at=recent_mail, now=NOW, rule=RULE)


FACTS = ListFacts(
    admitted=False,
    blocked=False,
    override=False,
    attested=True,
    audit_state="done",
    audit_passed=True,
    sample_required=False,
    sample_state="",
)


def test_a_list_is_admitted_once_attested_and_audited_under_the_limit() -> None:
    """AUDIT-1, AUDIT-4."""
    assert standing(FACTS) == Standing.ADMITTED
    assert automatic_admission(FACTS) is True
    assert standing(ListFacts(**{**FACTS.__dict__, "attested": False})) == Standing.NOT_ATTESTED
    failed = ListFacts(**{**FACTS.__dict__, "audit_passed": False})
    assert standing(failed) == Standing.AUDIT_FAILED
    assert automatic_admission(failed) is False
    running = ListFacts(**{**FACTS.__dict__, "audit_state": "running"})
    assert standing(running) == Standing.AUDITING and automatic_admission(running) is None


def test_where_the_account_must_send_a_sample_it_decides() -> None:
    """AUDIT-2: required per account; the sample's verdict admits or refuses."""
    due = ListFacts(**{**FACTS.__dict__, "sample_required": True})
    assert standing(due) == Standing.SAMPLE_DUE and automatic_admission(due) is None
    sending = ListFacts(**{**due.__dict__, "sample_state": SampleState.SENDING})
    assert standing(sending) == Standing.SAMPLING
    passed = ListFacts(**{**due.__dict__, "sample_state": SampleState.PASSED})
    assert automatic_admission(passed) is True
    failed = ListFacts(**{**due.__dict__, "sample_state": SampleState.FAILED})
    assert standing(failed) == Standing.SAMPLE_FAILED and automatic_admission(failed) is False


def test_an_operators_mark_is_never_changed_by_the_decisions() -> None:
    """SEND-2: the operator's mark stays as an override."""
    marked = ListFacts(**{**FACTS.__dict__, "override": True, "audit_passed": False})
    assert automatic_admission(marked) is None
    assert standing(marked) == Standing.REFUSED
    assert standing(ListFacts(**{**marked.__dict__, "admitted": True})) == Standing.ADMITTED


def test_the_reasons_read_in_german_and_french(db: object) -> None:
    """Every screen in de, en, fr: the admission's own catalogue translates its texts."""
    from django.utils import translation

    from admission.selectors import _reason

    no_list: Any = None
    with translation.override("de"):
        admitted = _reason(Standing.ADMITTED, no_list, None, None)
        assert admitted == "Die Liste ist zum Versand zugelassen."
    with translation.override("fr"):
        not_audited = _reason(Standing.NOT_AUDITED, no_list, None, None)
        assert not_audited == "La liste n'a pas encore été auditée."
